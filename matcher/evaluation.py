"""Offline evaluation of partner rankers on a CORDIS-format benchmark.

A benchmark directory holds ``organisations.jsonl`` (one organisation a line),
``past_partners.csv`` (``a,b``: the relationships known when the profiles were
written) and ``partners.csv`` (``a,b,new``: the partnerships to predict;
``new`` is 1 where the pair had not worked together before).

:func:`load_benchmark` turns such a directory into a fresh :class:`Population`
(past partners as its relationships) and the :class:`Partnerships` to predict.
:func:`evaluate` lets every ranker rank all other organisations for each
organisation with a partner and reports NDCG@10, Recall@50 and MRR over

* all partners, on the full ranking, and
* new partners only, with the query's past partners removed from the ranking
  (a user looking for *new* partners does not want the old ones again).

:func:`split_benchmark` splits a directory by organisation (not by pair) into
two directories of the same format, for development without leaking.
"""

from __future__ import annotations

import contextlib
import csv
import json
import time
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np
import numpy.typing as npt
import scipy.sparse as sp
from sqlalchemy import func, select
from sqlalchemy.orm import Session
from threadpoolctl import threadpool_limits

from matcher.metrics import ndcg_from_hits, recall_from_hits, rr_from_hits
from matcher.population import Population
from matcher.recommender import Partnerships, Recommender

if TYPE_CHECKING:
    from matcher.embedding import Embedder

__all__ = [
    "BENCHMARK_FILES",
    "RANKINGS_DEPTH",
    "BenchmarkError",
    "EvaluationReport",
    "Metrics",
    "RecommenderResult",
    "SplitPart",
    "SplitReport",
    "check_directory",
    "evaluate",
    "load_benchmark",
    "query_rows",
    "read_partnerships",
    "split_benchmark",
]

ORGANISATIONS = "organisations.jsonl"
PARTNERS = "partners.csv"
PAST_PARTNERS = "past_partners.csv"
#: The files every benchmark directory must hold.
BENCHMARK_FILES: tuple[str, ...] = (ORGANISATIONS, PARTNERS, PAST_PARTNERS)
#: Ids written per query by ``rankings_out``: at least this many, and as many more as it
#: takes to hold this many that are not the query's past partners (all ids when there are
#: fewer), so that the list still holds this many once a reader filters past partners out
#: to measure new partners.
RANKINGS_DEPTH = 100
#: Default groups of :meth:`EvaluationReport.format_by_past_partners` (lower bounds).
PAST_PARTNER_BINS = (0, 1, 3, 6, 11, 21, 51)
#: The recommender whose rankings ``rankings_out`` writes when present.
LEARNED_MODEL = "klik"


class BenchmarkError(ValueError):
    """A benchmark directory is missing a file or holds a malformed one (one-line message)."""


# ---------------------------------------------------------------------------
# Reading and loading


def check_directory(directory: Path) -> None:
    """Raise :class:`BenchmarkError` unless ``directory`` holds every benchmark file."""
    if not directory.is_dir():
        raise BenchmarkError(f"{directory}: not a directory")
    missing = [name for name in BENCHMARK_FILES if not (directory / name).is_file()]
    if missing:
        raise BenchmarkError(f"{directory}: not a CORDIS benchmark folder (missing {missing[0]})")


def _pair_rows(path: Path, columns: Sequence[str]) -> Iterator[tuple[int, list[str]]]:
    """``(line, cells)`` of a CSV file with a header naming at least ``columns``, in that order."""
    try:
        with path.open(encoding="utf-8-sig", newline="") as fh:
            reader = csv.reader(fh)
            header = [h.strip().lower() for h in next(reader, [])]
            absent = [c for c in columns if c not in header]
            if absent:
                raise BenchmarkError(
                    f"{path.name}: the header must name the columns {','.join(columns)} "
                    f"(missing {absent[0]!r})"
                )
            where = [header.index(c) for c in columns]
            for cells in reader:
                if not any(c.strip() for c in cells):
                    continue
                if len(cells) <= max(where):
                    raise BenchmarkError(
                        f"{path.name}, line {reader.line_num}: expected {len(columns)} columns"
                    )
                yield reader.line_num, [cells[i].strip() for i in where]
    except UnicodeDecodeError:
        raise BenchmarkError(f"{path.name}: not UTF-8 text") from None
    except csv.Error as error:
        raise BenchmarkError(f"{path.name}: not valid CSV ({error})") from None


def read_partnerships(path: Path, population: Population) -> tuple[Partnerships, int]:
    """Read ``partners.csv`` (``a,b,new``) into row-index pairs of ``population``.

    Pairs are undirected: ``a,b`` and ``b,a`` are one pair, which is new only
    if every row of it says so. Self-pairs are dropped.

    Returns
    -------
    tuple
        The partnerships, and how many rows were skipped because an id is not
        in the population.

    Raises
    ------
    BenchmarkError
        On a missing column, a row with too few cells or a ``new`` other than 0/1.
    """
    pairs: dict[tuple[int, int], bool] = {}
    skipped = 0
    for line, (a, b, new) in _pair_rows(path, ("a", "b", "new")):
        if new not in ("0", "1"):
            raise BenchmarkError(f"{path.name}, line {line}: new must be 0 or 1, not {new!r}")
        i, j = population.index.get(a), population.index.get(b)
        if i is None or j is None:
            skipped += 1
            continue
        if i == j:
            continue
        key = (i, j) if i < j else (j, i)
        pairs[key] = pairs.get(key, True) and new == "1"
    keys = np.array(list(pairs), dtype=np.int64).reshape(-1, 2)
    flags = np.fromiter(pairs.values(), dtype=bool, count=len(pairs))
    return Partnerships(a=keys[:, 0].copy(), b=keys[:, 1].copy(), new=flags), skipped


def load_benchmark(
    directory: Path,
    session: Session,
    embedder: Embedder,
    *,
    on_note: Callable[[str], None] | None = None,
    on_plan: Callable[[int], None] | None = None,
    progress: Callable[[int], None] | None = None,
    batch_size: int = 32,
) -> tuple[Population, Partnerships]:
    """Import a benchmark directory into an empty database, embed it, and load it.

    Parameters
    ----------
    directory
        A CORDIS-format benchmark directory.
    session
        A session on an initialised database that holds no profiles yet; the
        imported profiles are committed to it.
    embedder
        The model every profile facet is embedded with.
    on_note
        Called with one line for each thing the caller may want to tell the
        user: organisations that could not be imported, pairs that were skipped.
    on_plan, progress
        Passed to :func:`matcher.vectors.embed_profiles` (number of texts to
        embed, then texts done), e.g. for a progress bar.
    batch_size
        Texts per forward pass of the embedder.

    Returns
    -------
    tuple
        The population (past partners are its relationships) and the
        partnerships of ``partners.csv`` between its members.

    Raises
    ------
    BenchmarkError
        When a file is missing or malformed, or the database is not empty.
    """
    from matcher.db import ProfileRow
    from matcher.importers import ImportFormatError
    from matcher.ingest import ImportRejected, import_file
    from matcher.vectors import embed_profiles

    note = on_note or (lambda _line: None)
    check_directory(directory)
    for _ in _pair_rows(directory / PAST_PARTNERS, ("a", "b")):
        pass  # the importer reads it leniently; a malformed file is an error here
    if session.scalar(select(func.count()).select_from(ProfileRow)):
        raise BenchmarkError(
            "the database already holds profiles: load a benchmark into an empty one"
        )
    try:
        report = import_file(session, directory, skip_invalid=True)
    except ImportFormatError as error:
        raise BenchmarkError(str(error)) from None
    except ImportRejected as error:
        first = error.errors[0]
        raise BenchmarkError(f"{directory.name}/{ORGANISATIONS}: {first}") from None
    session.commit()
    if report.skipped:
        first = report.skipped[0]
        note(
            f"{len(report.skipped)} organisation(s) could not be imported and were left out "
            f"(first: {first})"
        )
    embed_profiles(session, embedder, batch_size=batch_size, on_plan=on_plan, progress=progress)
    population = Population.load(session, embedder.name)
    partnerships, skipped = read_partnerships(directory / PARTNERS, population)
    if skipped:
        note(f"{skipped} partner pair(s) name an organisation outside the population: skipped")
    return population, partnerships


# ---------------------------------------------------------------------------
# Evaluation


@dataclass(frozen=True)
class Metrics:
    """Mean metrics over queries (NaN when there were no queries)."""

    ndcg: float
    recall: float
    mrr: float

    @classmethod
    def mean_of(cls, per_query: npt.NDArray[np.float64]) -> Metrics:
        if per_query.shape[0] == 0:
            return cls(float("nan"), float("nan"), float("nan"))
        ndcg, recall, mrr = per_query.mean(axis=0).tolist()
        return cls(ndcg, recall, mrr)


@dataclass
class RecommenderResult:
    """One ranker's scores.

    ``per_query_all`` and ``per_query_new`` hold one row ``(ndcg, recall, rr)``
    per query, aligned with :attr:`EvaluationReport.queries_all` and
    :attr:`EvaluationReport.queries_new` (e.g. for paired comparisons).
    """

    name: str
    per_query_all: npt.NDArray[np.float64]
    per_query_new: npt.NDArray[np.float64]
    seconds: float

    @property
    def all(self) -> Metrics:
        return Metrics.mean_of(self.per_query_all)

    @property
    def new(self) -> Metrics:
        return Metrics.mean_of(self.per_query_new)


@dataclass
class EvaluationReport:
    """Every ranker's metrics on one population."""

    k_ndcg: int
    k_recall: int
    organisations: int
    partnerships: int
    queries_all: npt.NDArray[np.int64]
    queries_new: npt.NDArray[np.int64]
    results: list[RecommenderResult] = field(default_factory=list)
    #: Known (past) partners of every organisation in the population, for
    #: :meth:`format_by_past_partners`.
    past_partners: npt.NDArray[np.int64] = field(
        default_factory=lambda: np.zeros(0, dtype=np.int64)
    )

    def __getitem__(self, name: str) -> RecommenderResult:
        for result in self.results:
            if result.name == name:
                return result
        raise KeyError(name)

    def columns(self) -> list[str]:
        k, r = self.k_ndcg, self.k_recall
        return [f"NDCG@{k} all", f"R@{r} all", "MRR all", f"NDCG@{k} new", f"R@{r} new", "MRR new"]

    def rows(self) -> list[tuple[str, list[float]]]:
        """``(name, values)`` per ranker, values in the order of :meth:`columns`."""
        return [
            (
                result.name,
                [
                    result.all.ndcg,
                    result.all.recall,
                    result.all.mrr,
                    result.new.ndcg,
                    result.new.recall,
                    result.new.mrr,
                ],
            )
            for result in self.results
        ]

    def to_dict(self) -> dict[str, Any]:
        return {
            "organisations": self.organisations,
            "partnerships": self.partnerships,
            "queries_all": len(self.queries_all),
            "queries_new": len(self.queries_new),
            "metrics": {
                name: dict(zip(self.columns(), values, strict=True)) for name, values in self.rows()
            },
        }

    def format_by_past_partners(self, edges: Sequence[int] = PAST_PARTNER_BINS) -> str:
        """NDCG of every ranker per group of queries, grouped by their number of past partners.

        ``edges`` are the lower bounds of the groups (the first must be 0). Shows
        where a ranker wins or loses: e.g. on the hubs, whose many past partners
        dominate their lists, or on organisations without any.
        """
        if not edges or edges[0] != 0 or list(edges) != sorted(set(edges)):
            raise ValueError(f"edges must rise from 0, not {list(edges)}")
        if len(self.past_partners) != self.organisations:
            raise ValueError("this report holds no past-partner counts")
        k = self.k_ndcg
        widths = [max(6, len(r.name) + 4) for r in self.results]
        header = f"{'past partners':<14}{'queries':>8}" + "".join(
            f"  {r.name + ' all':>{w}}  {r.name + ' new':>{w}}"
            for r, w in zip(self.results, widths, strict=True)
        )
        lines = [f"NDCG@{k} by the query's number of past partners", header, "-" * len(header)]
        groups_all = np.searchsorted(edges, self.past_partners[self.queries_all], side="right")
        groups_new = np.searchsorted(edges, self.past_partners[self.queries_new], side="right")
        for group, low in enumerate(edges, start=1):
            in_all, in_new = groups_all == group, groups_new == group
            if not in_all.any():
                continue
            if group == len(edges):
                label = f"{low}+"
            else:
                last = edges[group] - 1
                label = f"{low}-{last}" if last > low else f"{low}"
            cells = []
            for result, w in zip(self.results, widths, strict=True):
                new = result.per_query_new[in_new, 0]
                cells.append(f"  {result.per_query_all[in_all, 0].mean():>{w}.3f}")
                cells.append(f"  {new.mean() if len(new) else float('nan'):>{w}.3f}")
            lines.append(f"{label:<14}{int(in_all.sum()):>8}" + "".join(cells))
        return "\n".join(lines)

    def format_table(self) -> str:
        """Rankers as rows, metrics as columns; ``*`` marks the best value of each column."""
        columns = self.columns()
        rows = self.rows()
        best = [
            max((v[c] for _, v in rows if not np.isnan(v[c])), default=float("nan"))
            for c in range(len(columns))
        ]
        width = max([len("ranker"), *(len(name) for name, _ in rows)])
        header = f"{'ranker':<{width}}" + "".join(f"  {c:>12}" for c in columns)
        lines = [
            f"{self.organisations} organisations, {self.partnerships} partner pairs; "
            f"{len(self.queries_all)} queries (all partners), "
            f"{len(self.queries_new)} with a new partner (new, past partners filtered out)",
            header,
            "-" * len(header),
        ]
        for name, values in rows:
            cells = []
            for c, value in enumerate(values):
                mark = "*" if not np.isnan(value) and value == best[c] and len(rows) > 1 else " "
                cells.append(f"  {value:>11.3f}{mark}")
            lines.append(f"{name:<{width}}" + "".join(cells))
        return "\n".join(lines)


def _adjacency(partnerships: Partnerships, n: int, keep: npt.NDArray[np.bool_]) -> sp.csr_matrix:
    a, b = np.asarray(partnerships.a)[keep], np.asarray(partnerships.b)[keep]
    ones = np.ones(2 * a.size, dtype=np.int8)
    matrix = sp.coo_matrix((ones, (np.r_[a, b], np.r_[b, a])), shape=(n, n)).tocsr()
    matrix.sum_duplicates()
    matrix.sort_indices()
    return sp.csr_matrix(matrix)


def query_rows(partnerships: Partnerships, n: int) -> npt.NDArray[np.int64]:
    """Rows of a population of ``n`` with at least one partner: the queries of :func:`evaluate`."""
    ends = np.r_[np.asarray(partnerships.a), np.asarray(partnerships.b)].astype(np.int64)
    return np.flatnonzero(np.bincount(ends, minlength=n)).astype(np.int64)


def _row(matrix: sp.csr_matrix, i: int) -> npt.NDArray[np.int32]:
    return np.asarray(matrix.indices[matrix.indptr[i] : matrix.indptr[i + 1]])


def _metrics(
    hit: npt.NDArray[np.bool_], n_relevant: int, k_ndcg: int, k_recall: int
) -> list[float]:
    return [
        ndcg_from_hits(hit, n_relevant, k_ndcg),
        recall_from_hits(hit, n_relevant, k_recall),
        rr_from_hits(hit),
    ]


def evaluate(
    population: Population,
    partnerships: Partnerships,
    recommenders: Sequence[Recommender],
    *,
    rankings_out: Path | None = None,
    k_ndcg: int = 10,
    k_recall: int = 50,
    queries: npt.NDArray[np.int64] | None = None,
    progress: Callable[[int], object] | None = None,
) -> EvaluationReport:
    """Rank all other organisations for every organisation with a partner, per ranker.

    The rankers are used as they are: nothing is fitted here. Each ranker
    scores all candidates of a query at once; ties are broken by row index
    (as :meth:`Recommender.recommend` does).

    Parameters
    ----------
    population
        The organisations; its graph holds the past partners.
    partnerships
        The pairs to predict (undirected: a pair counts for both ends).
    recommenders
        The rankers, with distinct names.
    rankings_out
        Where to write, for the ranker named ``klik`` (else the first), one
        JSON line per query: ``{"query": ID, "ranked": [ID, ...]}``, best first,
        :data:`RANKINGS_DEPTH` ids and further ones until :data:`RANKINGS_DEPTH` of
        them are not past partners of the query (all if fewer), past partners included.
    k_ndcg, k_recall
        Cut-offs of NDCG and Recall.
    queries
        Rows to rank for (those of them with a partner); default: everyone with a
        partner. The others stay candidates.
    progress
        Called with ``k`` each time ``k`` more queries are ranked.

    Returns
    -------
    EvaluationReport
        Mean metrics per ranker over all partners, and over new partners with
        the query's past partners removed from the ranking (queries without a
        new partner are left out of the latter).
    """
    names = [r.name for r in recommenders]
    if len(set(names)) != len(names):
        raise ValueError(f"recommender names must be distinct: {names}")
    n = len(population)
    pairs = len(partnerships)
    every = np.ones(pairs, dtype=bool)
    partners_all = _adjacency(partnerships, n, every)
    partners_new = _adjacency(partnerships, n, np.asarray(partnerships.new, dtype=bool))
    past = sp.csr_matrix(population.graph)
    queries_all = np.flatnonzero(np.diff(partners_all.indptr)).astype(np.int64)
    queries_new = np.flatnonzero(np.diff(partners_new.indptr)).astype(np.int64)
    if queries is not None:
        asked = np.zeros(n, dtype=bool)
        asked[np.asarray(queries, dtype=np.int64)] = True
        queries_all, queries_new = queries_all[asked[queries_all]], queries_new[asked[queries_new]]
    report = EvaluationReport(
        k_ndcg,
        k_recall,
        n,
        pairs,
        queries_all,
        queries_new,
        past_partners=np.diff(past.indptr).astype(np.int64),
    )
    writer = next((r for r in recommenders if r.name == LEARNED_MODEL), None)
    if writer is None and recommenders:
        writer = recommenders[0]
    everyone = np.arange(n)
    relevant = np.zeros(n, dtype=bool)
    excluded = np.zeros(n, dtype=bool)
    with contextlib.ExitStack() as stack:
        out = (
            stack.enter_context(rankings_out.open("w", encoding="utf-8"))
            if rankings_out is not None
            else None
        )
        # One query is little work: multi-threaded BLAS only adds hand-overs between
        # threads, which stall for milliseconds per product on a busy machine (measured:
        # 2,000 embedding queries took 16 s with 2 threads, 0.2 s with 1).
        stack.enter_context(threadpool_limits(limits=1, user_api="blas"))
        for recommender in recommenders:
            start = time.perf_counter()
            rows_all: list[list[float]] = []
            rows_new: list[list[float]] = []
            for q in queries_all.tolist():
                candidates = np.concatenate((everyone[:q], everyone[q + 1 :]))
                scores = np.asarray(recommender.score(population, q, candidates), dtype=np.float64)
                ranked = candidates[np.lexsort((candidates, -scores))]
                mine = _row(partners_all, q)
                relevant[mine] = True
                rows_all.append(_metrics(relevant[ranked], mine.size, k_ndcg, k_recall))
                relevant[mine] = False
                new = _row(partners_new, q)
                if new.size:
                    old = _row(past, q)
                    excluded[old] = True
                    relevant[new] = True
                    kept = ranked[~excluded[ranked]]
                    rows_new.append(_metrics(relevant[kept], new.size, k_ndcg, k_recall))
                    relevant[new] = False
                    excluded[old] = False
                if out is not None and recommender is writer:
                    depth = _rankings_depth(ranked, _row(past, q), n)
                    line = {
                        "query": population.ids[q],
                        "ranked": [population.ids[i] for i in ranked[:depth].tolist()],
                    }
                    out.write(json.dumps(line, ensure_ascii=False) + "\n")
                if progress is not None:
                    progress(1)
            report.results.append(
                RecommenderResult(
                    recommender.name,
                    np.array(rows_all, dtype=np.float64).reshape(-1, 3),
                    np.array(rows_new, dtype=np.float64).reshape(-1, 3),
                    time.perf_counter() - start,
                )
            )
    return report


def _rankings_depth(ranked: npt.NDArray[np.int64], past: npt.NDArray[np.int32], n: int) -> int:
    """How many of ``ranked`` to write: see :data:`RANKINGS_DEPTH`."""
    is_past = np.zeros(n, dtype=bool)
    is_past[past] = True
    fresh = np.cumsum(~is_past[ranked])
    return min(len(ranked), max(RANKINGS_DEPTH, int(np.searchsorted(fresh, RANKINGS_DEPTH)) + 1))


# ---------------------------------------------------------------------------
# Splitting


@dataclass
class SplitPart:
    """What one side of a split holds."""

    directory: Path
    organisations: int = 0
    partners: int = 0
    new_partners: int = 0
    past_partners: int = 0

    def describe(self) -> str:
        return (
            f"{self.directory}: {self.organisations} organisations, {self.partners} partner "
            f"pairs ({self.new_partners} new), {self.past_partners} past partner pairs"
        )


@dataclass
class SplitReport:
    train: SplitPart
    test: SplitPart
    #: Pairs dropped because their ends fell on different sides (or one is unknown).
    dropped_partners: int = 0
    dropped_past_partners: int = 0

    def describe(self) -> str:
        return "\n".join(
            [
                self.train.describe(),
                self.test.describe(),
                f"dropped {self.dropped_partners} partner pairs and "
                f"{self.dropped_past_partners} past partner pairs across the split",
            ]
        )


def _organisation_lines(path: Path) -> list[tuple[str, str]]:
    """``(id, line)`` of every organisation, lines kept verbatim."""
    entries: list[tuple[str, str]] = []
    seen: set[str] = set()
    try:
        with path.open(encoding="utf-8-sig") as fh:
            for number, line in enumerate(fh, start=1):
                if not line.strip():
                    continue
                try:
                    obj = json.loads(line)
                except json.JSONDecodeError as error:
                    raise BenchmarkError(
                        f"{path.name}, line {number}: not valid JSON ({error.msg})"
                    ) from None
                oid = obj.get("id") if isinstance(obj, dict) else None
                if not isinstance(oid, str | int) or isinstance(oid, bool) or str(oid) == "":
                    raise BenchmarkError(f"{path.name}, line {number}: an organisation needs an id")
                if str(oid) in seen:
                    raise BenchmarkError(f"{path.name}, line {number}: duplicate id {str(oid)!r}")
                seen.add(str(oid))
                entries.append((str(oid), line if line.endswith("\n") else line + "\n"))
    except UnicodeDecodeError:
        raise BenchmarkError(f"{path.name}: not UTF-8 text") from None
    return entries


def split_benchmark(
    directory: Path,
    out_train: Path,
    out_test: Path,
    *,
    test_fraction: float = 0.33,
    seed: int = 0,
) -> SplitReport:
    """Split a benchmark's organisations at random into a train and a test directory.

    Each output directory gets the organisations of its side (lines copied
    verbatim, in their original order) and only the pairs of ``partners.csv``
    and ``past_partners.csv`` whose both ends are on that side.

    Parameters
    ----------
    directory
        The benchmark to split.
    out_train, out_test
        Output directories (created; their benchmark files are overwritten).
    test_fraction
        Share of organisations in the test side, strictly between 0 and 1.
    seed
        Seed of the shuffle: the same seed gives the same split.
    """
    if not 0.0 < test_fraction < 1.0:
        raise ValueError(f"test_fraction must be between 0 and 1, not {test_fraction}")
    check_directory(directory)
    resolved = {directory.resolve(), out_train.resolve(), out_test.resolve()}
    if len(resolved) != 3:
        raise BenchmarkError("the input and the two output directories must all differ")
    organisations = _organisation_lines(directory / ORGANISATIONS)
    ids = [oid for oid, _ in organisations]
    order = np.random.default_rng(seed).permutation(len(ids))
    n_test = min(max(round(len(ids) * test_fraction), 1), len(ids) - 1) if len(ids) > 1 else 0
    in_test = dict.fromkeys(ids, False)
    in_test.update((ids[i], True) for i in order[:n_test].tolist())
    partners = list(_pair_rows(directory / PARTNERS, ("a", "b", "new")))
    past = list(_pair_rows(directory / PAST_PARTNERS, ("a", "b")))
    report = SplitReport(SplitPart(out_train), SplitPart(out_test))

    def side(a: str, b: str) -> bool | None:
        """The side both ends are on (True: test), None if they differ or one is unknown."""
        sa, sb = in_test.get(a), in_test.get(b)
        return sa if sa is not None and sa == sb else None

    for part, inside in ((report.train, False), (report.test, True)):
        part.directory.mkdir(parents=True, exist_ok=True)
        with (part.directory / ORGANISATIONS).open("w", encoding="utf-8") as fh:
            for oid, line in organisations:
                if in_test[oid] == inside:
                    fh.write(line)
                    part.organisations += 1
        with (part.directory / PARTNERS).open("w", encoding="utf-8", newline="") as fh:
            writer = csv.writer(fh, lineterminator="\n")
            writer.writerow(["a", "b", "new"])
            for _, (a, b, new) in partners:
                if side(a, b) is inside:
                    writer.writerow([a, b, new])
                    part.partners += 1
                    part.new_partners += new == "1"
        with (part.directory / PAST_PARTNERS).open("w", encoding="utf-8", newline="") as fh:
            writer = csv.writer(fh, lineterminator="\n")
            writer.writerow(["a", "b"])
            for _, (a, b) in past:
                if side(a, b) is inside:
                    writer.writerow([a, b])
                    part.past_partners += 1
    report.dropped_partners = len(partners) - report.train.partners - report.test.partners
    report.dropped_past_partners = (
        len(past) - report.train.past_partners - report.test.past_partners
    )
    return report
