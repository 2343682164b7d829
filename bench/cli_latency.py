"""How long one ``klik shortlist`` / ``klik screen`` of stored profiles takes, start to end.

Each command runs as a fresh process (as a user types it), on a throw-away copy of the
demo whose profiles are embedded and whose statement vectors are cached by a first run.
The baseline is the same command with the embedding model loaded first, as every such
command did before the model was loaded lazily (only once a text has to be encoded).
Prints median and p95 wall time per command and mode, and the ratio.

    python bench/cli_latency.py [--runs N]

Setting up the demo copy (import, embed) takes about a minute on 2 cores.
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

DEMO = Path(__file__).parents[1] / "data" / "demo" / "profiles.jsonl"
COMMANDS = {
    "shortlist": ["shortlist", "--for", "nl-voedselhulp-domstad"],
    "screen": ["screen", "--host", "nl-stichting-vrije-adem", "--request", "en-harcourt-tobacco"],
}
#: The baseline: load the embedding model, then run the command in the same process.
EAGER = (
    "import sys; from matcher.embedding import load_embedder; load_embedder(); "
    "from matcher.cli import cli; cli.main(sys.argv[1:])"
)
LAZY = "import sys; from matcher.cli import cli; cli.main(sys.argv[1:])"


def _run(code: str, args: list[str], env: dict[str, str]) -> float:
    start = time.perf_counter()
    subprocess.run(
        [sys.executable, "-c", code, *args], env=env, check=True, stdout=subprocess.DEVNULL
    )
    return time.perf_counter() - start


def main() -> None:
    parser = argparse.ArgumentParser(description="wall time of one CLI shortlist / screen")
    parser.add_argument("--runs", type=int, default=5, help="runs per command and mode")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as folder:
        env = {**os.environ, "DATABASE_URL": f"sqlite:///{folder}/bench.db"}
        for setup in (["init-db"], ["import", str(DEMO)], ["embed", "--quiet"]):
            subprocess.run(
                [sys.executable, "-c", LAZY, *setup], env=env, check=True, capture_output=True
            )
        print(f"{'command':<10} {'mode':<22} {'median s':>9} {'p95 s':>7}")
        for name, command in COMMANDS.items():
            _run(LAZY, command, env)  # caches the statement vectors
            times = {"model loaded first": [], "lazy (this code)": []}
            for _ in range(args.runs):  # interleaved, so drift hits both alike
                times["model loaded first"].append(_run(EAGER, command, env))
                times["lazy (this code)"].append(_run(LAZY, command, env))
            medians = {}
            for mode, values in times.items():
                medians[mode] = statistics.median(values)
                p95 = float(np.percentile(values, 95))
                print(f"{name:<10} {mode:<22} {medians[mode]:>9.2f} {p95:>7.2f}")
            ratio = medians["model loaded first"] / medians["lazy (this code)"]
            print(f"{name:<10} {'ratio (baseline/lazy)':<22} {ratio:>9.2f}")


if __name__ == "__main__":
    main()
