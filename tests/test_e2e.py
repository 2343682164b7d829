"""End to end: the real server (gunicorn) and a real worker process; the worker is killed
in the middle of a batch, restarted, and every prospect comes out exactly once."""

import json
import signal
import urllib.error
import urllib.request
import uuid
from pathlib import Path

import pytest
from conftest import copy_demo
from servers import serve, wait_for
from sqlalchemy.orm import Session

from matcher.importers import parse_file
from matcher.workspaces import create_key

ROOT = Path(__file__).parents[1]
PROSPECTS = ROOT / "data" / "demo" / "prospects_nl.csv"


def _call(url: str, key: str, data: bytes | None = None, content_type: str | None = None):
    request = urllib.request.Request(url, data=data, method="POST" if data else "GET")
    request.add_header("Authorization", f"Bearer {key}")
    if content_type:
        request.add_header("Content-Type", content_type)
    try:
        with urllib.request.urlopen(request, timeout=30) as response:
            return response.status, json.loads(response.read())
    except urllib.error.HTTPError as error:
        return error.code, json.loads(error.read())


def _multipart(fields: dict[str, str], name: str, content: bytes) -> tuple[bytes, str]:
    boundary = uuid.uuid4().hex
    parts = [
        f'--{boundary}\r\nContent-Disposition: form-data; name="{k}"\r\n\r\n{v}\r\n'.encode()
        for k, v in fields.items()
    ]
    parts.append(
        f'--{boundary}\r\nContent-Disposition: form-data; name="file"; filename="{name}"\r\n'
        "Content-Type: text/csv\r\n\r\n".encode()
        + content
        + f"\r\n--{boundary}--\r\n".encode()
    )
    return b"".join(parts), f"multipart/form-data; boundary={boundary}"


@pytest.fixture
def stack(demo_db, tmp_path):
    path = tmp_path / "klik.db"
    engine = copy_demo(demo_db, path)
    with Session(engine) as session:
        key = create_key(session, "e2e")[1]
        session.commit()
    engine.dispose()
    with serve(path) as running:

        def start_worker():
            return running.start_worker("--chunk", "2", "--stale-after", "2", "--poll", "0.2")

        yield f"{running.root}/api/v1", key, start_worker


def test_a_batch_survives_a_killed_worker(stack, tmp_path):
    base, key, start_worker = stack
    # The header and the first 10 prospects of the demo list (Windows-1252, as Excel saves
    # it): enough for a worker to die with chunks done and chunks to do.
    prospects = tmp_path / "prospects.csv"
    prospects.write_bytes(b"\n".join(PROSPECTS.read_bytes().split(b"\n")[:11]) + b"\n")
    body, content_type = _multipart(
        {"for": "en-tipping-point-climate"}, "prospects.csv", prospects.read_bytes()
    )
    status, job = _call(f"{base}/batches", key, body, content_type)
    assert status == 202, job
    total = job["total"]
    assert total == 10

    def progress() -> dict:
        return _call(f"{base}/batches/{job['id']}", key)[1]

    first = start_worker()
    midway = wait_for(lambda: (p := progress())["done"] >= 4 and p, 180, "the first chunks")
    first.send_signal(signal.SIGKILL)
    first.wait(10)
    stopped = progress()
    assert 0 < stopped["done"] < total, "the worker must die in the middle"
    assert stopped["status"] == "running" and midway["rate"] is not None

    start_worker()
    wait_for(lambda: progress()["status"] == "done", 180, "the restarted worker")
    final = progress()
    assert final["done"] == total  # a chunk counted twice would overshoot

    status, ranked = _call(f"{base}/batches/{job['id']}/result?format=json", key)
    assert status == 200
    names = [p.name for _, p in parse_file(prospects).profiles]
    assert sorted(r["name"] for r in ranked) == sorted(names)  # every prospect, once
    assert [r["rank"] for r in ranked] == list(range(1, total + 1))
