"""What explanations add to a shortlist of 5: latency with and without them, same run.

For every demo profile as the query, times ``shortlist(top=5)`` with the click model
(the baseline), then the same shortlist plus ``explain_candidates``: first with an
empty statement-vector cache (every statement of the query and its five candidates
is embedded), then again with the cache filled (the usual case once a directory's
profiles have been explained). Prints median and p95 per mode and the ratios to the
baseline.

    python bench/explain.py [--queries N]

Works on a throw-away copy of the demo: it imports and embeds ``data/demo`` into a
temporary SQLite database first (about a minute on 2 cores).
"""

from __future__ import annotations

import argparse
import statistics
import tempfile
import time
from pathlib import Path

import numpy as np
from sqlalchemy import delete
from sqlalchemy.orm import Session

from matcher import db
from matcher.centring import statement_centring
from matcher.click_model import ClickRecommender
from matcher.config import click_model_dir
from matcher.db import StatementVectorRow
from matcher.embedding import load_embedder
from matcher.ingest import import_file
from matcher.shortlist import explain_candidates, resolve_query, shortlist
from matcher.vectors import embed_profiles

DEMO = Path(__file__).parents[1] / "data" / "demo" / "profiles.jsonl"


def _stats(values: list[float]) -> tuple[float, float]:
    return statistics.median(values), float(np.percentile(values, 95))


def main() -> None:
    parser = argparse.ArgumentParser(description="explanation latency on a shortlist of 5")
    parser.add_argument("--queries", type=int, default=68, help="demo profiles used as queries")
    args = parser.parse_args()
    embedder = load_embedder()
    statement_centring(embedder)  # loaded once per process, like a server
    model = ClickRecommender.load(click_model_dir())
    with tempfile.TemporaryDirectory() as folder:
        engine = db.make_engine(f"sqlite:///{folder}/bench.db")
        db.upgrade(engine)
        with Session(engine) as session:
            import_file(session, DEMO)
            session.commit()
            embed_profiles(session, embedder)
        with Session(engine) as session:
            ids = [line.split('"id": "', 1)[1].split('"', 1)[0] for line in DEMO.open()]
            ids = ids[: args.queries]
            queries = [resolve_query(session, i) for i in ids]
            shortlist(session, embedder, queries[0], top=5, model=model)  # warm the caches
            times: dict[str, list[float]] = {"shortlist": [], "cold": [], "warm": []}
            for mode in ("shortlist", "cold", "warm"):
                if mode == "cold":
                    session.execute(delete(StatementVectorRow))
                    session.commit()
                for query in queries:
                    start = time.perf_counter()
                    found = shortlist(session, embedder, query, top=5, model=model)
                    if mode != "shortlist":
                        explain_candidates(session, embedder, query, found, model=model)
                    times[mode].append(time.perf_counter() - start)
        engine.dispose()
    base, _ = _stats(times["shortlist"])
    print(f"{len(queries)} queries, top 5, demo directory of 68 profiles, click model on")
    print(f"{'mode':<34}{'median ms':>10}{'p95 ms':>9}{'x baseline':>12}")
    labels = {
        "shortlist": "shortlist only (baseline)",
        "cold": "+ explanations, empty cache",
        "warm": "+ explanations, statements cached",
    }
    for mode, label in labels.items():
        median, p95 = _stats(times[mode])
        print(f"{label:<34}{1000 * median:>10.0f}{1000 * p95:>9.0f}{median / base:>12.2f}")
    added = _stats(times["warm"])[0] - base
    print(f"explanations add {1000 * added:.0f} ms (median, cached statements) to a shortlist of 5")


if __name__ == "__main__":
    main()
