"""Shortlist latency at scale: klik against plain brute-force cosine search.

For each size N, builds a benchmark SQLite database of N profiles and times
shortlists (top 5, warm) for stored profiles chosen with a fixed seed:

* baseline: plain brute-force cosine search in numpy over the whole-profile
  vectors, loaded into memory once (``matrix @ q``, ``argpartition``);
* klik, similarity only (``model=None``: faiss, exact below 50,000 vectors,
  HNSW from there on);
* klik with the click model (retrieval of ~300 candidates by faiss and the
  partner network, re-ranked by the click model).

Medians and 95th percentiles are printed in ms per query, with their ratios
to the baseline measured in the same run. The first query of each klik path
builds its caches (faiss index; Directory for the click model): its time is
reported apart, as the cold build.

The N profiles are copies of the profiles of a source database (ids
``<id>:<copy>``, since ``~`` is not allowed in a profile id; relationships
point into the same copy, so the partner graph keeps its shape). THE VECTORS
ARE PERTURBED COPIES OF REAL EMBEDDINGS: every stored facet vector of the
source plus Gaussian noise (sigma 0.02 per dimension, cosine to the original
about 0.93), re-normalised, so no two are equal. Nothing is embedded: the
benchmark measures search and re-ranking, not embedding.

With a source that holds the CORDIS organisations (their partners found in
``--partners``), it also times ``ClickRecommender(random_state=0).fit`` on the
source population (``--no-train`` skips it).

    python bench/shortlist.py --sizes 10000 100000 --queries 50
    python bench/shortlist.py --source cordis.db --sizes 10000 100000 --queries 30
    python bench/shortlist.py --source cordis.db --click-model models/click --no-train

``--source`` is an embedded database (``klik import`` and ``klik embed``);
by default the demo profiles are imported and embedded in a temporary folder
(about 30 s). The click model is ``--click-model`` (default ``models/click``
when it holds a config.json); without one, a model is trained on the source
when it is CORDIS, else the click-model row is skipped.
"""

from __future__ import annotations

import argparse
import math
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np
from sqlalchemy import Engine, func, insert, select
from sqlalchemy.orm import Session

from matcher import db
from matcher.click_model import ClickRecommender
from matcher.db import EmbeddingRow, ProfileRow, RelationshipRow
from matcher.evaluation import read_partnerships
from matcher.index import indexes
from matcher.population import Population
from matcher.shortlist import Query, resolve_query, shortlist
from matcher.vectors import PROFILE, load_vectors

SIGMA = 0.02
PROFILES = ProfileRow.__table__
RELATIONSHIPS = RelationshipRow.__table__
EMBEDDINGS = EmbeddingRow.__table__


class StoredVectorsOnly:
    """Stands in for the embedder: queries are stored profiles, so nothing should be encoded.

    Should a query lack a stored vector of some facet, the real model is
    loaded and the texts are encoded (and counted, and reported).
    """

    def __init__(self, name: str) -> None:
        self.name = name
        self.encoded = 0
        self._real: Any = None

    def encode(self, texts: list[str], **kwargs: Any) -> np.ndarray:
        if self._real is None:
            from matcher.embedding import load_embedder

            self._real = load_embedder()
        self.encoded += len(texts)
        return self._real.encode(texts, **kwargs)


# ------------------------------------------------------------------------ source
def demo_source(folder: Path) -> Path:
    from matcher.embedding import load_embedder
    from matcher.ingest import import_file
    from matcher.vectors import embed_profiles

    path = folder / "demo.db"
    engine = db.make_engine(f"sqlite:///{path}")
    db.upgrade(engine)
    with Session(engine) as session:
        import_file(session, Path("data/demo/profiles.jsonl"))
        session.commit()
        embed_profiles(session, load_embedder())
    engine.dispose()
    return path


class Source:
    """Everything of the source database that the copies are made of, in memory."""

    def __init__(self, engine: Engine) -> None:
        with engine.connect() as conn:
            models = conn.scalars(select(EmbeddingRow.model).distinct()).all()
            if not models:
                raise SystemExit("the source database holds no vectors: run `klik embed` first")
            if len(models) > 1:
                from matcher.embedding import load_embedder

                self.model = load_embedder().name
            else:
                self.model = models[0]
            self.profiles = [dict(r._mapping) for r in conn.execute(select(PROFILES))]
            self.profiles.sort(key=lambda r: r["pk"])
            self.position = {r["pk"]: i for i, r in enumerate(self.profiles)}
            self.ids = {r["id"] for r in self.profiles}
            self.relationships = [
                (self.position[pk], partner, status)
                for pk, partner, status in conn.execute(
                    select(
                        RelationshipRow.profile_pk, RelationshipRow.partner, RelationshipRow.status
                    )
                )
            ]
            self.relationships.sort(key=lambda r: r[0])
            self.vectors: dict[str, tuple[np.ndarray, np.ndarray, list[str]]] = {}
            by_facet: dict[str, list[tuple[int, bytes, str]]] = {}
            for pk, facet, blob, digest in conn.execute(
                select(
                    EmbeddingRow.profile_pk,
                    EmbeddingRow.facet,
                    EmbeddingRow.vector,
                    EmbeddingRow.text_hash,
                ).where(EmbeddingRow.model == self.model)
            ):
                by_facet.setdefault(facet, []).append((self.position[pk], blob, digest))
        for facet, items in by_facet.items():
            items.sort(key=lambda r: r[0])
            rows = np.array([i for i, _, _ in items], dtype=np.int64)
            matrix = np.frombuffer(b"".join(b for _, b, _ in items), dtype=np.float32)
            self.vectors[facet] = (rows, matrix.reshape(len(items), -1), [d for *_, d in items])

    def __len__(self) -> int:
        return len(self.profiles)


# ------------------------------------------------------------------ benchmark db
def build(source: Source, path: Path, n: int, seed: int) -> tuple[Engine, float]:
    """A database of ``n`` copies of source profiles, with perturbed vectors (mean cosine)."""
    engine = db.make_engine(f"sqlite:///{path}")
    db.upgrade(engine)
    rng = np.random.default_rng(seed)
    s = len(source)
    cosines = []
    with engine.begin() as conn:
        for copy in range(math.ceil(n / s)):
            keep = min(s, n - copy * s)
            base = copy * s + 1  # pk of the copy of source row 0

            suffix = f":{copy}"
            conn.execute(
                insert(PROFILES),
                [
                    {**row, "pk": base + i, "id": row["id"] + suffix}
                    for i, row in enumerate(source.profiles[:keep])
                ],
            )
            conn.execute(
                insert(RELATIONSHIPS),
                [
                    {
                        "profile_pk": base + i,
                        "partner": partner + suffix if partner in source.ids else partner,
                        "status": status,
                    }
                    for i, partner, status in source.relationships
                    if i < keep
                ],
            )
            for facet, (rows, matrix, digests) in source.vectors.items():
                take = np.flatnonzero(rows < keep)
                noisy = matrix[take] + rng.normal(0.0, SIGMA, (len(take), matrix.shape[1]))
                noisy = (noisy / np.linalg.norm(noisy, axis=1, keepdims=True)).astype(np.float32)
                cosines.append(np.einsum("ij,ij->i", noisy, matrix[take]))
                conn.execute(
                    insert(EMBEDDINGS),
                    [
                        {
                            "profile_pk": base + int(rows[j]),
                            "facet": facet,
                            "model": source.model,
                            "text_hash": digests[j],
                            "dim": int(matrix.shape[1]),
                            "vector": noisy[k].tobytes(),
                        }
                        for k, j in enumerate(take)
                    ],
                )
    return engine, float(np.concatenate(cosines).mean())


# ---------------------------------------------------------------------- timing
def timed(run: Callable[[Query], object], queries: list[Query]) -> tuple[float, np.ndarray]:
    """Seconds of the first (cold) call, then ms per query of every query (warm)."""
    t0 = time.perf_counter()
    run(queries[0])
    cold = time.perf_counter() - t0
    times = []
    for query in queries:
        t0 = time.perf_counter()
        run(query)
        times.append((time.perf_counter() - t0) * 1000)
    return cold, np.array(times)


def brute_force(matrix: np.ndarray, row: dict[int, int], top: int) -> Callable[[Query], object]:
    """Plain brute-force cosine search: every stored vector against the query's, top ``top``."""
    pks = np.array(sorted(row), dtype=np.int64)

    def run(query: Query) -> list[tuple[int, float]]:
        assert query.pk is not None
        self = row[query.pk]
        scores = matrix @ matrix[self]
        scores[self] = -np.inf
        best = np.argpartition(-scores, top)[:top]
        best = best[np.argsort(-scores[best])]
        return [(int(pks[i]), float(scores[i])) for i in best]

    return run


def klik(
    engine: Engine,
    embedder: StoredVectorsOnly,
    top: int,
    model: ClickRecommender | None,
    retrieve: int,
) -> Callable[[Query], object]:
    def run(query: Query) -> object:
        with Session(engine) as session:  # a session per request, as in the API
            result = shortlist(session, embedder, query, top=top, model=model, retrieve=retrieve)
        if not result:
            raise RuntimeError(f"empty shortlist for {query.profile.id}")
        return result

    return run


# ------------------------------------------------------------------ click model
def source_training_set(
    engine: Engine, model: str, partners: Path
) -> tuple[Population, Any] | None:
    """The source population and its partnerships in ``partners``; None where none match."""
    if not partners.is_file():
        return None
    with Session(engine) as session:
        population = Population.load(session, model)
    partnerships, _ = read_partnerships(partners, population)
    return (population, partnerships) if len(partnerships) else None


def main() -> None:
    parser = argparse.ArgumentParser(description="shortlist latency: klik vs brute-force cosine")
    parser.add_argument("--source", type=Path, help="embedded SQLite database (default: demo)")
    parser.add_argument("--sizes", type=int, nargs="+", default=[10_000, 100_000])
    parser.add_argument("--queries", type=int, default=50)
    parser.add_argument("--top", type=int, default=5)
    parser.add_argument("--retrieve", type=int, default=300, help="candidates to re-rank")
    parser.add_argument("--click-model", type=Path, default=Path("models/click"))
    parser.add_argument("--partners", type=Path, default=Path("data/cordis/partners.csv"))
    parser.add_argument("--no-train", action="store_true", help="do not time training")
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args()
    start = time.perf_counter()

    with tempfile.TemporaryDirectory(prefix="klik-bench-") as tmp:
        folder = Path(tmp)
        if args.source is None:
            t0 = time.perf_counter()
            args.source = demo_source(folder)
            print(f"demo source imported and embedded in {time.perf_counter() - t0:.0f} s")
        if not args.source.is_file():
            raise SystemExit(f"{args.source}: no such database")
        source_engine = db.make_engine(f"sqlite:///{args.source}")
        source = Source(source_engine)
        facets = ", ".join(f"{f} {len(v[0])}" for f, v in source.vectors.items())
        print(
            f"source: {args.source}: {len(source)} profiles, "
            f"{len(source.relationships)} relationships; vectors of {source.model}: {facets}"
        )

        training = source_training_set(source_engine, source.model, args.partners)
        source_engine.dispose()
        trained: ClickRecommender | None = None
        if training is not None and not args.no_train:
            population, partnerships = training
            t0 = time.perf_counter()
            trained = ClickRecommender(random_state=0).fit(population, partnerships)
            print(
                f"training: ClickRecommender(random_state=0).fit on {len(population)} "
                f"organisations, {len(partnerships)} partner pairs: "
                f"{time.perf_counter() - t0:.1f} s"
            )
        elif training is None:
            print(f"training: not timed (no partner pairs of the source in {args.partners})")

        model: ClickRecommender | None = None
        if (args.click_model / "config.json").is_file():
            model = ClickRecommender.load(args.click_model)
            print(f"click model: {args.click_model}")
        elif trained is not None:
            model = trained
            print(f"click model: none in {args.click_model}; using the one trained above")
        elif training is not None:
            quick = ClickRecommender(n_retrieved=50, n_network=50, n_random=50, random_state=0)
            t0 = time.perf_counter()
            model = quick.fit(*training)
            print(
                f"click model: none in {args.click_model}; trained a small one on the source "
                f"({time.perf_counter() - t0:.0f} s)"
            )
        else:
            print(f"click model: none in {args.click_model} and no partners to train one: skipped")

        print(
            f"vectors: perturbed copies of the real embeddings (Gaussian noise, sigma {SIGMA}, "
            "re-normalised); nothing is embedded: this measures search and re-ranking"
        )
        print(
            f"latency: {args.queries} stored profiles as queries (seed {args.seed}), top {args.top}"
        )

        for n in args.sizes:
            run_size(source, folder, n, args, model)
    print(f"\ntotal {time.perf_counter() - start:.0f} s")


def run_size(
    source: Source, folder: Path, n: int, args: argparse.Namespace, model: ClickRecommender | None
) -> None:
    path = folder / f"bench-{n}.db"
    t0 = time.perf_counter()
    engine, cosine = build(source, path, n, args.seed)
    build_s = time.perf_counter() - t0
    size_mb = sum(p.stat().st_size for p in folder.glob(f"bench-{n}.db*")) / 1e6
    embedder = StoredVectorsOnly(source.model)
    with Session(engine) as session:
        count = session.scalar(select(func.count()).select_from(ProfileRow))
        ids = session.scalars(select(ProfileRow.id).order_by(ProfileRow.pk)).all()
        picked = np.random.default_rng(args.seed).choice(len(ids), args.queries, replace=False)
        queries = [resolve_query(session, ids[i]) for i in picked]
    copies = math.ceil(n / len(source))
    print(
        f"\nN = {count:,} profiles ({copies} copies of the source; vectors' mean cosine to "
        f"their original {cosine:.3f}); database built in {build_s:.0f} s, {size_mb:.0f} MB"
    )

    t0 = time.perf_counter()
    with Session(engine) as session:
        pks, matrix, _ = load_vectors(session, source.model, PROFILE)
    load_s = time.perf_counter() - t0
    row = {int(pk): i for i, pk in enumerate(pks)}
    results: list[tuple[str, np.ndarray]] = []
    _, times = timed(brute_force(np.ascontiguousarray(matrix), row, args.top), queries)
    results.append(("brute-force cosine (baseline)", times))

    cold_sim, times = timed(klik(engine, embedder, args.top, None, args.retrieve), queries)
    with Session(engine) as session:
        exact = indexes.get(session, source.model, PROFILE).vectors.exact
    results.append((f"klik similarity (faiss {'exact' if exact else 'HNSW'})", times))
    cold = [f"vectors loaded {load_s:.1f} s", f"first similarity query {cold_sim:.1f} s (index)"]
    if model is not None:
        try:
            cold_click, times = timed(
                klik(engine, embedder, args.top, model, args.retrieve), queries
            )
        except Exception as error:  # report, do not hide: this is what the benchmark is for
            print(f"  klik + click model FAILED: {type(error).__name__}: {error}")
        else:
            results.append((f"klik + click model (retrieve {args.retrieve})", times))
            cold.append(f"first click query {cold_click:.1f} s (Directory)")
    print("  cold: " + ", ".join(cold))
    if embedder.encoded:
        print(f"  note: {embedder.encoded} query texts had no stored vector and were encoded")

    base = results[0][1]
    print(f"  {'warm, ms per query':<42} {'median':>8} {'p95':>8}   {'ratio to baseline':>17}")
    for name, times in results:
        med, p95 = np.median(times), np.percentile(times, 95)
        ratio = f"{med / np.median(base):7.1f}x {p95 / np.percentile(base, 95):7.1f}x"
        print(f"  {name:<42} {med:8.2f} {p95:8.2f}   {ratio if times is not base else '':>17}")
    engine.dispose()
    for p in folder.glob(f"bench-{n}.db*"):
        p.unlink()


if __name__ == "__main__":
    main()
