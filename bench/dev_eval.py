"""Click model against the baselines on held-out organisations of the dev set.

Reads an embedded database of the CORDIS set (``klik import data/cordis`` and
``klik embed``), then, for each seed, splits the organisations (not the pairs)
into train and test, trains the click model on the train part only, and
evaluates it beside the baselines on the test part, as ``klik evaluate`` does.
Prints each split's table, the mean over splits and a reliability table.

    DATABASE_URL=sqlite:///cordis.db python bench/dev_eval.py --seeds 0 1 2
"""

from __future__ import annotations

import argparse
import time
from pathlib import Path

import numpy as np
from sqlalchemy.orm import Session

from matcher import db
from matcher.baselines import make_baselines
from matcher.click_model import ClickRecommender
from matcher.config import database_url
from matcher.embedding import load_embedder
from matcher.evaluation import evaluate, read_partnerships
from matcher.population import Population
from matcher.training import reliability, restrict, split_organisations


def main() -> None:
    parser = argparse.ArgumentParser(description="dev-set evaluation over organisation splits")
    parser.add_argument("--partners", type=Path, default=Path("data/cordis/partners.csv"))
    parser.add_argument("--seeds", type=int, nargs="+", default=[0, 1, 2])
    parser.add_argument("--test-fraction", type=float, default=1 / 3)
    args = parser.parse_args()

    engine = db.make_engine(database_url())
    with Session(engine) as session:
        population = Population.load(session, load_embedder().name)
    partnerships, _ = read_partnerships(args.partners, population)
    print(f"{len(population)} organisations, {len(partnerships)} partner pairs")

    means: dict[str, list[np.ndarray]] = {}
    for seed in args.seeds:
        train_rows, test_rows = split_organisations(
            len(population), test_fraction=args.test_fraction, seed=seed
        )
        train, test = population.subset(train_rows), population.subset(test_rows)
        train_pairs = restrict(partnerships, train_rows, len(population))
        test_pairs = restrict(partnerships, test_rows, len(population))
        start = time.perf_counter()
        model = ClickRecommender(random_state=seed).fit(train, train_pairs)
        fit_s = time.perf_counter() - start
        report = evaluate(test, test_pairs, [model, *make_baselines(seed)])
        print(
            f"\nseed {seed}: train {len(train)} orgs / {len(train_pairs)} pairs, "
            f"test {len(test)} orgs / {len(test_pairs)} pairs, training {fit_s:.0f} s"
        )
        print(report.format_table())
        for result in report.results:
            means.setdefault(result.name, []).append(
                np.concatenate(
                    [result.per_query_all.mean(axis=0), result.per_query_new.mean(axis=0)]
                )
            )
        if seed == args.seeds[0]:
            print("\nreliability (test organisations, combined click):")
            print(" decile  range          pairs  predicted  observed")
            for i, b in enumerate(reliability(model, test, test_pairs), 1):
                print(
                    f" {i:>6}  {b.low:.3f}-{b.high:.3f}  {b.pairs:>6}  {b.predicted:9.3f}  "
                    f"{b.observed:8.3f}"
                )

    print(f"\nmean over seeds {args.seeds}: NDCG@10, Recall@50, MRR (all) | (new)")
    for name, rows in means.items():
        m = np.mean(rows, axis=0)
        print(
            f"  {name:<10} "
            + " ".join(f"{v:.3f}" for v in m[:3])
            + " | "
            + " ".join(f"{v:.3f}" for v in m[3:])
        )


if __name__ == "__main__":
    main()
