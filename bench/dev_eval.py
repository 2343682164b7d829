"""Click model against the baselines on held-out organisations of the dev set.

Reads an embedded database of the CORDIS set (``klik import data/cordis`` and
``klik embed``), then, for each seed, splits the organisations (not the pairs),
trains the click model on the train part only and evaluates it beside the
baselines on the rest (:func:`matcher.training.held_out_report`). Prints each
split's table and reliability table, and the mean over splits.

    DATABASE_URL=sqlite:///cordis.db python bench/dev_eval.py --seeds 0 1 2 \
        [--test-fraction 0.4] [--pad-to 1888] [--train-share 0.667] [--by-past-partners]

``--pad-to 1888`` ranks in a population the size of the reference population of
``../shared/NOTES.md`` (1,889 organisations), with a model trained on more
organisations than the held-out part (as the shipped model is).
"""

from __future__ import annotations

import argparse
import time
from pathlib import Path

import numpy as np
from sqlalchemy.orm import Session

from matcher import db
from matcher.config import database_url
from matcher.embedding import load_embedder
from matcher.evaluation import read_partnerships
from matcher.population import Population
from matcher.training import held_out_report


def main() -> None:
    parser = argparse.ArgumentParser(description="dev-set evaluation over organisation splits")
    parser.add_argument("--partners", type=Path, default=Path("data/cordis/partners.csv"))
    parser.add_argument("--seeds", type=int, nargs="+", default=[0, 1, 2])
    parser.add_argument(
        "--test-fraction",
        type=float,
        default=1 / 3,
        help="share of the organisations held out (0.4 ranks 2 for every 3 trained on)",
    )
    parser.add_argument(
        "--pad-to",
        type=int,
        default=None,
        help="rank in a population of this many: the held-out organisations plus drawn "
        "training ones (queries: the held-out ones only)",
    )
    parser.add_argument(
        "--train-share",
        type=float,
        default=1.0,
        help="train on this share of the training organisations only (a learning curve)",
    )
    parser.add_argument(
        "--by-past-partners",
        action="store_true",
        help="also print NDCG per group of queries by their number of past partners",
    )
    args = parser.parse_args()

    engine = db.make_engine(database_url())
    with Session(engine) as session:
        population = Population.load(session, load_embedder().name)
    partnerships, _ = read_partnerships(args.partners, population)
    print(f"{len(population)} organisations, {len(partnerships)} partner pairs")

    means: dict[str, list[np.ndarray]] = {}
    for seed in args.seeds:
        start = time.perf_counter()
        report, table = held_out_report(
            population,
            partnerships,
            seed=seed,
            test_fraction=args.test_fraction,
            pad_to=args.pad_to,
            train_share=args.train_share,
        )
        print(f"\nseed {seed} ({time.perf_counter() - start:.0f} s, training and evaluation)")
        print(report.format_table())
        if args.by_past_partners:
            print(report.format_by_past_partners())
        print(" decile  range          pairs  predicted  observed")
        for i, b in enumerate(table, 1):
            print(
                f" {i:>6}  {b.low:.3f}-{b.high:.3f}  {b.pairs:>8}  {b.predicted:9.3f}  "
                f"{b.observed:8.3f}"
            )
        for result in report.results:
            means.setdefault(result.name, []).append(
                np.concatenate(
                    [result.per_query_all.mean(axis=0), result.per_query_new.mean(axis=0)]
                )
            )

    print(f"\nmean over seeds {args.seeds}: NDCG@10, Recall@50, MRR (all) | (new)")
    for name, rows in means.items():
        m = np.mean(rows, axis=0)
        all_, new = " ".join(f"{v:.3f}" for v in m[:3]), " ".join(f"{v:.3f}" for v in m[3:])
        print(f"  {name:<10} {all_} | {new}")


if __name__ == "__main__":
    main()
