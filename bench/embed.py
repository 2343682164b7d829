"""Embedding throughput of ``klik embed`` against bare ``encode`` of the same texts.

Loads a data set into a fresh SQLite database, embeds every facet through
Klik (plan, encode, store), then encodes exactly the same texts with the bare
sentence-transformers model in the same run, and prints texts/s for both,
their ratio, and the size of the database.

    python bench/embed.py data/demo/profiles.jsonl
    python bench/embed.py data/cordis --limit 500
"""

from __future__ import annotations

import argparse
import tempfile
import time
from pathlib import Path

from sqlalchemy import delete, func, select
from sqlalchemy.orm import Session

from matcher import db
from matcher.db import ProfileRow
from matcher.embedding import load_embedder
from matcher.ingest import import_file
from matcher.store import to_profile
from matcher.vectors import embed_profiles, facet_texts


def main() -> None:
    parser = argparse.ArgumentParser(description="klik embed vs bare encode throughput")
    parser.add_argument("source", type=Path, help="a profiles file or a CORDIS directory")
    parser.add_argument("--limit", type=int, default=0, help="keep only the first N profiles")
    parser.add_argument("--batch-size", type=int, default=32)
    args = parser.parse_args()

    embedder = load_embedder()
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "bench.db"
        engine = db.make_engine(f"sqlite:///{path}")
        db.upgrade(engine)
        with Session(engine) as session:
            t0 = time.perf_counter()
            import_file(session, args.source)
            session.commit()
            import_s = time.perf_counter() - t0
            if args.limit:
                keep = select(ProfileRow.pk).order_by(ProfileRow.pk).limit(args.limit)
                session.execute(
                    delete(ProfileRow).where(ProfileRow.pk.not_in(keep.scalar_subquery()))
                )
                session.commit()
            profiles = session.scalar(select(func.count()).select_from(ProfileRow))
            rows = session.scalars(select(ProfileRow)).all()
            texts = [t for row in rows for t in facet_texts(to_profile(row)).values()]

            t0 = time.perf_counter()
            report = embed_profiles(session, embedder, batch_size=args.batch_size)
            klik_s = time.perf_counter() - t0
        engine.dispose()
        size_mb = path.stat().st_size / 1e6

    t0 = time.perf_counter()
    embedder.model.encode(
        sorted(texts, key=len, reverse=True),
        prompt=embedder.prompt,
        batch_size=args.batch_size,
        normalize_embeddings=True,
    )
    bare_s = time.perf_counter() - t0
    words = sum(len(t.split()) for t in texts) / max(len(texts), 1)

    print(f"source: {args.source}: {profiles} profiles, {len(texts)} texts, {words:.0f} words/text")
    print(f"model: {embedder.name}, batch size {args.batch_size}")
    print(f"import: {import_s:.2f} s")
    print(f"klik embed:  {report.embedded / klik_s:7.1f} texts/s ({klik_s:.1f} s)")
    print(f"bare encode: {len(texts) / bare_s:7.1f} texts/s ({bare_s:.1f} s)  [baseline]")
    print(f"klik throughput / bare throughput: {bare_s / klik_s:.2f}")
    print(f"database size after embedding: {size_mb:.1f} MB")


if __name__ == "__main__":
    main()
