"""Every error the API answers, in one JSON shape: ``{"error": {"code", "message", "field"}}``."""

from __future__ import annotations

from typing import Any

from flask import Flask, Response, current_app, jsonify, request
from werkzeug.exceptions import HTTPException


class ApiError(Exception):
    """Base of the API's errors; subclasses set the HTTP status and a stable code."""

    status = 500
    code = "internal_error"

    def __init__(self, message: str, *, field: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.field = field


class BadRequest(ApiError):
    status = 400
    code = "bad_request"


class ValidationFailed(ApiError):
    status = 422
    code = "validation_failed"


class Unauthorized(ApiError):
    status = 401
    code = "unauthorized"


class NotFound(ApiError):
    status = 404
    code = "not_found"


class Conflict(ApiError):
    status = 409
    code = "conflict"


class Unavailable(ApiError):
    status = 503
    code = "unavailable"


def error_body(code: str, message: str, field: str | None = None) -> dict[str, Any]:
    return {"error": {"code": code, "message": message, "field": field}}


def _render(
    status: int, code: str, message: str, field: str | None = None
) -> tuple[Response | str, int]:
    """JSON under ``/api/``; elsewhere the web pages' error page, when they are served."""
    page = current_app.extensions.get("klik.error_page")
    if page is not None and not request.path.startswith("/api/"):
        html, status = page(status, code, message)
        return html, status
    return jsonify(error_body(code, message, field)), status


def register(app: Flask) -> None:
    """Render Klik's errors, HTTP errors and anything unexpected in the one shape."""

    @app.errorhandler(ApiError)
    def handle_api_error(error: ApiError) -> tuple[Response | str, int]:
        response, status = _render(error.status, error.code, error.message, error.field)
        if status == 401 and isinstance(response, Response):
            response.headers["WWW-Authenticate"] = 'Bearer realm="klik"'
        return response, status

    @app.errorhandler(HTTPException)
    def handle_http_error(error: HTTPException) -> tuple[Response | str, int]:
        status = error.code or 500
        code = (error.name or "error").lower().replace(" ", "_")
        return _render(status, code, error.description or error.name)

    @app.errorhandler(Exception)
    def handle_unexpected(error: Exception) -> tuple[Response | str, int]:
        app.logger.exception("unhandled error")
        return _render(500, "internal_error", "an unexpected error occurred; it has been logged")
