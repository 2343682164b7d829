"""Run the app under gunicorn from ``klik serve``."""

from __future__ import annotations

from typing import Any

from flask import Flask
from gunicorn.app.base import BaseApplication

from api.services import warm_up


class _Gunicorn(BaseApplication):
    def __init__(self, app: Flask, options: dict[str, Any]) -> None:
        self.application = app
        self.options = options
        super().__init__()

    def load_config(self) -> None:
        for key, value in self.options.items():
            self.cfg.set(key, value)

    def load(self) -> Flask:
        return self.application


def gunicorn_options(app: Flask, *, host: str, port: int, workers: int) -> dict[str, Any]:
    """Gunicorn's settings.

    With ``PRELOAD_MODELS`` (the default), each worker loads the models before it takes
    a request, so that no request waits for them.
    """
    options: dict[str, Any] = {
        "bind": f"{host}:{port}",
        "workers": workers,
        "accesslog": "-",
        "timeout": 120,
    }
    if app.config["PRELOAD_MODELS"]:
        options["post_worker_init"] = lambda worker: warm_up(app)
    return options


def run_gunicorn(app: Flask, *, host: str, port: int, workers: int) -> None:
    _Gunicorn(app, gunicorn_options(app, host=host, port=port, workers=workers)).run()
