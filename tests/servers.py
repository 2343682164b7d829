"""The real server (gunicorn, through ``klik serve``) and batch workers, for end-to-end tests."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

KLIK = [sys.executable, "-c", "from matcher.cli import main; main()"]


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def wait_for(predicate: Callable[[], Any], timeout: float, what: str) -> Any:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = predicate()
        if value:
            return value
        time.sleep(0.1)
    raise AssertionError(f"timed out waiting for {what}")


def _healthy(root: str) -> bool:
    try:
        with urllib.request.urlopen(f"{root}/api/v1/health", timeout=2) as response:
            return response.status == 200
    except OSError:
        return False


@dataclass
class Stack:
    """A running server at ``root``; ``start_worker`` starts a batch worker beside it."""

    root: str
    env: dict[str, str]
    processes: list[subprocess.Popen] = field(default_factory=list)

    def start_worker(self, *options: str) -> subprocess.Popen:
        worker = subprocess.Popen(
            [*KLIK, "worker", *options],
            env=self.env,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        self.processes.append(worker)
        return worker


@contextmanager
def serve(database: Path) -> Iterator[Stack]:
    """``klik serve`` (one gunicorn worker) on a free loopback port over ``database``."""
    env = {
        **os.environ,
        "DATABASE_URL": f"sqlite:///{database}",
        "OMP_NUM_THREADS": "1",
        "KLIK_SECRET_KEY": "end-to-end-tests",
    }
    port = free_port()
    server = subprocess.Popen(
        [*KLIK, "serve", "--host", "127.0.0.1", "--port", str(port), "--workers", "1"],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    stack = Stack(f"http://127.0.0.1:{port}", env, [server])
    try:
        wait_for(lambda: _healthy(stack.root), 90, "the server")
        yield stack
    finally:
        for process in stack.processes:
            if process.poll() is None:
                process.terminate()
                try:
                    process.wait(10)
                except subprocess.TimeoutExpired:
                    process.kill()
