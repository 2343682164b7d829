"""How long the first shortlist request to a freshly started server waits.

Starts ``klik serve`` (one gunicorn worker) on a throw-away copy of the demo, waits until
``/api/v1/health`` answers, then times two ``POST /api/v1/shortlist`` requests. The
baseline is the same server with ``KLIK_PRELOAD_MODELS=false``, where the worker loads the
embedding model and the click model on its first request, as every worker did before the
models were preloaded. Prints the median time to ready, of the first and of the second
request per mode, and the ratio of the first requests.

    python bench/first_request.py [--runs N]

Setting up the demo copy (import, embed) takes about a minute on 2 cores.
"""

from __future__ import annotations

import argparse
import json
import os
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

DEMO = Path(__file__).parents[1] / "data" / "demo" / "profiles.jsonl"
KLIK = [sys.executable, "-c", "from matcher.cli import main; main()"]
BODY = json.dumps({"for": "nl-voedselhulp-domstad", "top": 5}).encode()


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _healthy(root: str) -> bool:
    try:
        with urllib.request.urlopen(f"{root}/api/v1/health", timeout=2) as response:
            return response.status == 200
    except OSError:
        return False


def _shortlist(root: str, key: str) -> float:
    request = urllib.request.Request(
        f"{root}/api/v1/shortlist",
        data=BODY,
        headers={"Authorization": f"Bearer {key}", "Content-Type": "application/json"},
    )
    start = time.perf_counter()
    with urllib.request.urlopen(request, timeout=120) as response:
        response.read()
    return time.perf_counter() - start


def _one_server(env: dict[str, str], key: str, preload: bool) -> tuple[float, float, float]:
    port = _free_port()
    root = f"http://127.0.0.1:{port}"
    start = time.perf_counter()
    server = subprocess.Popen(
        [*KLIK, "serve", "--port", str(port), "--workers", "1"],
        env={**env, "KLIK_PRELOAD_MODELS": "true" if preload else "false"},
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        while not _healthy(root):
            if server.poll() is not None:
                raise SystemExit("the server exited before it was ready")
            time.sleep(0.05)
        ready = time.perf_counter() - start
        return ready, _shortlist(root, key), _shortlist(root, key)
    finally:
        server.terminate()
        server.wait(30)


def main() -> None:
    parser = argparse.ArgumentParser(description="first request to a fresh server")
    parser.add_argument("--runs", type=int, default=3, help="servers started per mode")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as folder:
        env = {**os.environ, "DATABASE_URL": f"sqlite:///{folder}/bench.db"}
        for setup in (["init-db"], ["import", str(DEMO)], ["embed", "--quiet"]):
            subprocess.run([*KLIK, *setup], env=env, check=True, capture_output=True)
        created = subprocess.run(
            [*KLIK, "keys", "create", "--workspace", "bench"],
            env=env,
            check=True,
            capture_output=True,
            text=True,
        )
        key = created.stdout.strip().splitlines()[-1]
        _one_server(env, key, preload=False)  # a first run caches the statement vectors
        modes = {"loaded on first request": False, "preloaded (this code)": True}
        times: dict[str, list[tuple[float, float, float]]] = {mode: [] for mode in modes}
        for _ in range(args.runs):  # interleaved, so drift hits both alike
            for mode, preload in modes.items():
                times[mode].append(_one_server(env, key, preload))
        print(f"{'mode':<24} {'ready s':>8} {'1st request s':>14} {'2nd request s':>14}")
        firsts = {}
        for mode, rows in times.items():
            ready, first, second = (statistics.median(column) for column in zip(*rows, strict=True))
            firsts[mode] = first
            print(f"{mode:<24} {ready:>8.2f} {first:>14.2f} {second:>14.2f}")
        ratio = firsts["loaded on first request"] / firsts["preloaded (this code)"]
        print(f"{'ratio of 1st requests':<24} {'':>8} {ratio:>14.1f}")


if __name__ == "__main__":
    main()
