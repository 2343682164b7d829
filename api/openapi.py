"""``GET /api/v1/openapi.json``: the API described from the schemas that validate it.

Each operation names the pydantic model its view validates the body with
(:func:`api.schemas.body`), so the document and the validation cannot drift;
a test checks that every route is described.
"""

from __future__ import annotations

from typing import Any

from flask import Blueprint, Response, jsonify
from pydantic import BaseModel

from api.schemas import FeedbackIn, ScreenIn, ShortlistIn
from matcher.profiles import Profile

bp = Blueprint("openapi", __name__, url_prefix="/api/v1")

VERSION = "1.0.0"
REF = "#/components/schemas/{model}"

#: (method, path, summary, request body model, success status, needs a key)
OPERATIONS: tuple[tuple[str, str, str, type[BaseModel] | None, int, bool], ...] = (
    ("get", "/api/v1/health", "Is the service up and its database reachable?", None, 200, False),
    ("get", "/api/v1/openapi.json", "This document.", None, 200, False),
    ("get", "/api/v1/profiles", "Your profiles and the shared directory, paged.", None, 200, True),
    (
        "post",
        "/api/v1/profiles",
        "Create one of your profiles (embedded at once).",
        Profile,
        201,
        True,
    ),
    (
        "post",
        "/api/v1/profiles/import",
        "Import a file of profiles (multipart: file, skip_invalid): all or nothing.",
        None,
        201,
        True,
    ),
    ("get", "/api/v1/profiles/{profile_id}", "One profile, yours or shared.", None, 200, True),
    ("put", "/api/v1/profiles/{profile_id}", "Replace one of your profiles.", Profile, 200, True),
    ("delete", "/api/v1/profiles/{profile_id}", "Delete one of your profiles.", None, 204, True),
    (
        "post",
        "/api/v1/shortlist",
        "Ranked, explained partners for a strategy.",
        ShortlistIn,
        200,
        True,
    ),
    ("post", "/api/v1/screen", "Verdict on an incoming partnership request.", ScreenIn, 200, True),
    ("post", "/api/v1/feedback", "Record what happened with a candidate.", FeedbackIn, 201, True),
    (
        "get",
        "/api/v1/feedback",
        "Your recorded outcomes, newest first (for, limit, offset).",
        None,
        200,
        True,
    ),
    (
        "post",
        "/api/v1/batches",
        "Queue a prospect list (multipart: file, for, lang).",
        None,
        202,
        True,
    ),
    ("get", "/api/v1/batches/{job_id}", "A batch's status and progress.", None, 200, True),
    ("post", "/api/v1/batches/{job_id}/cancel", "Cancel a batch.", None, 200, True),
    (
        "get",
        "/api/v1/batches/{job_id}/result",
        "Every prospect ranked (format=csv|xlsx|json).",
        None,
        200,
        True,
    ),
)

ERROR = {
    "type": "object",
    "required": ["error"],
    "properties": {
        "error": {
            "type": "object",
            "required": ["code", "message", "field"],
            "properties": {
                "code": {"type": "string"},
                "message": {"type": "string"},
                "field": {"type": ["string", "null"]},
            },
        }
    },
}
UPLOAD: dict[str, Any] = {
    "type": "object",
    "required": ["file", "for"],
    "properties": {
        "file": {"type": "string", "format": "binary", "description": "CSV, XLSX, JSON, JSONL"},
        "for": {"type": "string", "description": "the profile to rank for"},
        "lang": {"type": "string", "enum": ["nl", "en"]},
    },
}
IMPORT: dict[str, Any] = {
    "type": "object",
    "required": ["file"],
    "properties": {
        "file": {"type": "string", "format": "binary", "description": "JSONL, JSON, CSV, XLSX"},
        "skip_invalid": {"type": "boolean", "description": "import the good rows"},
    },
}
LIST_PARAMETERS = [
    {"name": name, "in": "query", "required": False, "schema": schema}
    for name, schema in (
        ("kind", {"type": "string"}),
        ("country", {"type": "string"}),
        ("language", {"type": "string"}),
        ("q", {"type": "string"}),
        ("limit", {"type": "integer", "minimum": 1, "maximum": 500, "default": 50}),
        ("offset", {"type": "integer", "minimum": 0, "default": 0}),
    )
]


def document() -> dict[str, Any]:
    schemas: dict[str, Any] = {"Error": ERROR}
    paths: dict[str, dict[str, Any]] = {}
    for method, path, summary, model, status, secured in OPERATIONS:
        operation: dict[str, Any] = {
            "summary": summary,
            "responses": {
                str(status): {"description": "success"},
                "default": {
                    "description": "an error",
                    "content": {
                        "application/json": {"schema": {"$ref": REF.format(model="Error")}}
                    },
                },
            },
        }
        if not secured:
            operation["security"] = []
        for name in ("profile_id", "job_id"):
            if f"{{{name}}}" in path:
                operation["parameters"] = [
                    {"name": name, "in": "path", "required": True, "schema": {"type": "string"}}
                ]
        if path.endswith("/result"):
            operation["parameters"].append(
                {
                    "name": "format",
                    "in": "query",
                    "schema": {"type": "string", "enum": ["csv", "xlsx", "json"]},
                }
            )
        if method == "post" and path.endswith(("/batches", "/import")):
            form = UPLOAD if path.endswith("/batches") else IMPORT
            operation["requestBody"] = {
                "required": True,
                "content": {"multipart/form-data": {"schema": form}},
            }
        elif method == "get" and path.endswith("/profiles"):
            operation["parameters"] = LIST_PARAMETERS
        elif method == "get" and path.endswith("/feedback"):
            operation["parameters"] = [
                {"name": "for", "in": "query", "required": False, "schema": {"type": "string"}},
                *LIST_PARAMETERS[-2:],
            ]
        if model is not None:
            described = model.model_json_schema(ref_template=REF, by_alias=True)
            schemas.update(described.pop("$defs", {}))
            schemas[model.__name__] = described
            operation["requestBody"] = {
                "required": True,
                "content": {
                    "application/json": {"schema": {"$ref": REF.format(model=model.__name__)}}
                },
            }
        paths.setdefault(path, {})[method] = operation
    return {
        "openapi": "3.1.0",
        "info": {"title": "Klik", "version": VERSION},
        "security": [{"bearer": []}],
        "components": {
            "schemas": schemas,
            "securitySchemes": {"bearer": {"type": "http", "scheme": "bearer"}},
        },
        "paths": paths,
    }


@bp.get("/openapi.json")
def openapi_document() -> Response:
    return jsonify(document())
