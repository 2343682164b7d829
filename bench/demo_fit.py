"""How well shortlists find the demo's documented partners: click model against similarity.

``data/demo/README.md`` documents complement pairs (a seeker and the organisation that
offers what it seeks) and cross-lingual twins. For each pair, this ranks every other
demo profile for the first organisation (``klik shortlist`` with and without the click
model, red-line conflicts shown, not left out) and reports where the second one lands:
mean reciprocal rank, share found first and share in the top 5. ``click/sim`` is the
click model's shortlist ordered by similarity (``order="similarity"``, the web page's and
the API's "rank by profile fit"), which keeps the click both ways on every card.

Then, for every demo profile as the query, the share of its top 5 written in the other
of Dutch and English, per ranking and query language, beside that share among all the
candidates: a Dutch strategy should find English-language partners, and the reverse.

    DATABASE_URL=sqlite:///instance/klik.db python bench/demo_fit.py [--click-model DIR]

The database must hold the demo profiles, embedded (``make run`` does that).
"""

from __future__ import annotations

import argparse
import re
from pathlib import Path

import numpy as np
from sqlalchemy import select
from sqlalchemy.orm import Session

from matcher import db
from matcher.click_model import ClickRecommender
from matcher.config import click_model_dir, database_url
from matcher.db import ProfileRow
from matcher.embedding import load_embedder
from matcher.shortlist import resolve_query, shortlist

README = Path(__file__).parents[1] / "data" / "demo" / "README.md"
#: (label, with the click model, order): the rankings compared.
RANKINGS = (
    ("click", True, "click"),
    ("click/sim", True, "similarity"),
    ("similarity", False, "click"),
)


def documented_pairs() -> dict[str, list[tuple[str, str]]]:
    """Complement pairs (seeker, offerer) and twins (both ways) from the demo's README."""
    text = README.read_text(encoding="utf-8")
    sections = {
        "complement": text.split("### Complement pairs", 1)[1].split("###", 1)[0],
        "twin": text.split("### Cross-lingual twins", 1)[1].split("###", 1)[0],
    }
    pairs = {}
    for name, section in sections.items():
        found = []
        for line in section.splitlines():
            ids = re.findall(r"`([a-z]{2}-[a-z0-9-]+)`", line)
            if line.startswith("| ") and len(ids) >= 2:
                found.append((ids[0], ids[1]))
        pairs[name] = found
    pairs["twin"] += [(b, a) for a, b in pairs["twin"]]
    return pairs


def main() -> None:
    parser = argparse.ArgumentParser(description="demo partners: click model vs similarity")
    parser.add_argument("--click-model", type=Path, default=click_model_dir())
    args = parser.parse_args()
    embedder = load_embedder()
    model = ClickRecommender.load(args.click_model)
    engine = db.make_engine(database_url())
    if not db.schema_is_current(engine):
        engine.dispose()
        raise SystemExit(
            f"{database_url()} holds no Klik database: load the demo first "
            "(`make demo` with the same DATABASE_URL)"
        )
    print(f"click model: {args.click_model}; database: {database_url()}")
    print(f"{'pairs':<11}{'ranking':<12}{'n':>3}  {'MRR':>5}  {'top 1':>5}  {'top 5':>5}  ranks")
    with Session(engine) as session:
        for name, pairs in documented_pairs().items():
            for label, clicks, order in RANKINGS:
                ranker = model if clicks else None
                ranks = []
                for query_id, partner in pairs:
                    query = resolve_query(session, query_id)
                    found = shortlist(session, embedder, query, top=1000, model=ranker, order=order)
                    ids = [c.profile.id for c in found]
                    ranks.append(ids.index(partner) + 1 if partner in ids else len(ids) + 1)
                r = np.array(ranks)
                print(
                    f"{name:<11}{label:<12}{len(r):>3}  {np.mean(1 / r):5.3f}  "
                    f"{np.mean(r == 1):5.2f}  {np.mean(r <= 5):5.2f}  {ranks}"
                )
        language_mix(session, embedder, model)
    engine.dispose()


def language_mix(session: Session, embedder: object, model: ClickRecommender) -> None:
    """Share of each query's top 5 in the other language, by ranking and query language."""
    language = dict(session.execute(select(ProfileRow.id, ProfileRow.language)).all())
    other = {"nl": "en", "en": "nl"}
    print(f"\n{'top 5 in the other language':<30}{'nl queries':>11}{'en queries':>11}")
    shares: dict[str, dict[str, list[float]]] = {}
    for query_id, lang in language.items():
        if lang not in other:
            continue
        query = resolve_query(session, query_id)
        candidates = [i for i in language if i != query_id]
        everyone = np.mean([language[i] == other[lang] for i in candidates])
        shares.setdefault("all candidates", {}).setdefault(lang, []).append(float(everyone))
        for label, clicks, order in RANKINGS:
            ranker = model if clicks else None
            found = shortlist(session, embedder, query, top=5, model=ranker, order=order)
            share = np.mean([language[c.profile.id] == other[lang] for c in found])
            shares.setdefault(label, {}).setdefault(lang, []).append(float(share))
    for label, by_language in shares.items():
        nl, en = (np.mean(by_language.get(lang, [np.nan])) for lang in ("nl", "en"))
        print(f"{label:<30}{nl:>11.2f}{en:>11.2f}")


if __name__ == "__main__":
    main()
