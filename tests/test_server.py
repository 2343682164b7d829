"""Gunicorn's settings: each worker loads the models before its first request."""

import logging
from pathlib import Path

from api import create_app
from api.server import _Gunicorn, gunicorn_options

MODEL = Path(__file__).parents[1] / "models" / "click"


def _app(tmp_path, model, **config):
    return create_app(
        {
            "TESTING": True,
            "DATABASE_URL": f"sqlite:///{tmp_path / 'k.db'}",
            "CLICK_MODEL": str(model),
            **config,
        }
    )


def _worker_hook(app):
    server = _Gunicorn(app, gunicorn_options(app, host="127.0.0.1", port=5000, workers=1))
    return server.cfg.post_worker_init


def test_a_worker_loads_the_models_before_its_first_request(embedder, tmp_path):
    app = _app(tmp_path, MODEL)
    assert "klik.click_model" not in app.extensions
    _worker_hook(app)(None)
    assert app.extensions["klik.click_model"][MODEL] is not None


def test_a_model_that_cannot_load_is_logged_and_the_worker_still_boots(tmp_path, caplog):
    broken = tmp_path / "broken"
    broken.mkdir()
    (broken / "config.json").write_text("{}")
    app = _app(tmp_path, broken)
    with caplog.at_level(logging.WARNING):
        _worker_hook(app)(None)
    assert "models not loaded ahead of requests" in caplog.text


def test_preloading_can_be_turned_off(tmp_path):
    app = _app(tmp_path, MODEL, PRELOAD_MODELS=False)
    _worker_hook(app)(None)  # gunicorn's own hook, which does nothing
    assert "klik.click_model" not in app.extensions
