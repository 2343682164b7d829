"""Batch throughput: ``klik rank``'s work against bare ``SentenceTransformer.encode``.

For each size N, builds N prospects from the demo organisations (the 68 profiles and
the 25 of ``prospects_nl.csv``, repeated under new ids), then, in the same run:

- **bare encode**: ``SentenceTransformer.encode`` of exactly the texts Klik embeds for
  those prospects (the whole profile and each facet), same batch size;
- **klik rank**: :func:`matcher.batch.rank_prospects` for one host (embedding, features,
  click both ways, verdicts and reasons), the file written as CSV.

Prints prospects/s for both and Klik's overhead over bare encoding.

    python bench/batch.py [--sizes 1000,10000] [--host nl-stichting-vrije-adem]

Works on a temporary copy of the demo directory (imported and embedded first).
"""

from __future__ import annotations

import argparse
import tempfile
import time
from pathlib import Path

from sqlalchemy.orm import Session

from matcher import db
from matcher.batch import rank_prospects, write_ranking
from matcher.click_model import ClickRecommender
from matcher.config import click_model_dir
from matcher.embedding import load_embedder
from matcher.importers import parse_file
from matcher.ingest import import_file
from matcher.profiles import Profile
from matcher.shortlist import resolve_query
from matcher.store import prepare
from matcher.vectors import embed_profiles, facet_texts

DATA = Path(__file__).parents[1] / "data" / "demo"


def prospects(n: int) -> list[Profile]:
    """``n`` prospects: the demo organisations over and over, each copy its own id."""
    source = [p for _, p in parse_file(DATA / "profiles.jsonl").profiles]
    source += [p for _, p in parse_file(DATA / "prospects_nl.csv").profiles]
    out = []
    for i in range(n):
        copy = source[i % len(source)].model_copy(deep=True)
        copy.id = f"prospect-{i}"
        copy.relationships = []
        out.append(prepare(copy))
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description="batch throughput against bare encoding")
    parser.add_argument("--sizes", default="1000,10000", help="comma-separated prospect counts")
    parser.add_argument("--host", default="nl-stichting-vrije-adem")
    args = parser.parse_args()
    embedder = load_embedder()
    model = ClickRecommender.load(click_model_dir())
    with tempfile.TemporaryDirectory() as folder:
        engine = db.make_engine(f"sqlite:///{folder}/bench.db")
        db.upgrade(engine)
        with Session(engine) as session:
            import_file(session, DATA / "profiles.jsonl")
            session.commit()
            embed_profiles(session, embedder)
        print(f"host {args.host}; demo directory of 68 profiles; model {embedder.name}")
        print(f"{'prospects':>9} {'texts':>7} {'encode/s':>9} {'klik/s':>8} {'overhead':>9}")
        with Session(engine) as session:
            host = resolve_query(session, args.host)
            rank_prospects(session, embedder, model, host, prospects(20))  # warm caches
            for size in (int(s) for s in args.sizes.split(",")):
                batch = prospects(size)
                texts = [t for p in batch for t in facet_texts(p).values()]
                start = time.perf_counter()
                embedder.model.encode(
                    texts,
                    prompt=embedder.prompt,
                    batch_size=32,
                    normalize_embeddings=True,
                    convert_to_numpy=True,
                    show_progress_bar=False,
                )
                bare = time.perf_counter() - start
                start = time.perf_counter()
                ranked = rank_prospects(session, embedder, model, host, batch)
                write_ranking(ranked, Path(folder) / "ranked.csv", "csv")
                klik = time.perf_counter() - start
                print(
                    f"{size:>9} {len(texts):>7} {size / bare:>9.1f} {size / klik:>8.1f} "
                    f"{100 * (klik / bare - 1):>8.1f}%"
                )
        engine.dispose()


if __name__ == "__main__":
    main()
