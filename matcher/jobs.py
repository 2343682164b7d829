"""Batch jobs in the database, worked through by ``klik worker`` processes.

A job is submitted with its prospects (validated whole, stored one row per
prospect) and waits as ``queued``. A worker claims it, scores its prospects a
chunk at a time and stores each chunk's results with the job's progress in one
transaction, beating a heartbeat as it goes. If the worker dies, another (or
the same, restarted) claims the job once the heartbeat is older than
``stale_after`` and goes on with the prospects that have no result yet: no
prospect is lost, and none is scored twice (one row per prospect, results
written in the chunk's transaction). Cancelling marks the job; the worker
stops before its next chunk.
"""

from __future__ import annotations

import os
import socket
import time
import uuid
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING, Any

from sqlalchemy import or_, select, update
from sqlalchemy.orm import Session

from matcher.batch import BatchScorer, RankedProspect
from matcher.click_model import ClickRecommender
from matcher.db import BatchItemRow, BatchJobRow
from matcher.profiles import Profile
from matcher.shortlist import Query
from matcher.store import to_profile

if TYPE_CHECKING:
    from matcher.embedding import Embedder

QUEUED, RUNNING, DONE, FAILED, CANCELLED = "queued", "running", "done", "failed", "cancelled"
FINISHED = (DONE, FAILED, CANCELLED)
#: Prospects scored per transaction.
CHUNK = 50
#: Seconds without a heartbeat after which a running job is taken over.
STALE_AFTER = 120.0


def _now() -> datetime:
    return datetime.now(UTC)


def _aware(moment: datetime | None) -> datetime | None:
    """SQLite gives back naive datetimes; they were stored in UTC."""
    if moment is not None and moment.tzinfo is None:
        return moment.replace(tzinfo=UTC)
    return moment


def submit(
    session: Session,
    *,
    host_pk: int,
    prospects: Sequence[Profile],
    filename: str,
    workspace_pk: int | None = None,
    lang: str | None = None,
) -> BatchJobRow:
    """Queue a job for ``prospects`` (flushed, not committed)."""
    job = BatchJobRow(
        id=uuid.uuid4().hex,
        workspace_pk=workspace_pk,
        host_pk=host_pk,
        lang=lang,
        filename=filename[:200],
        status=QUEUED,
        total=len(prospects),
        done=0,
        done_at_start=0,
    )
    session.add(job)
    session.flush()
    session.add_all(
        BatchItemRow(
            job_pk=job.pk, position=i, profile=p.model_dump(mode="json", exclude_none=True)
        )
        for i, p in enumerate(prospects)
    )
    session.flush()
    return job


def claim(session: Session, worker: str, *, stale_after: float = STALE_AFTER) -> BatchJobRow | None:
    """Take the oldest queued job, or a running one whose worker stopped beating."""
    stale = _now() - timedelta(seconds=stale_after)
    candidates = session.scalars(
        select(BatchJobRow.pk)
        .where(
            or_(
                BatchJobRow.status == QUEUED,
                (BatchJobRow.status == RUNNING) & (BatchJobRow.heartbeat_at < stale),
            )
        )
        .order_by(BatchJobRow.created_at, BatchJobRow.pk)
        .limit(5)
    ).all()
    for pk in candidates:
        now = _now()
        # Compare-and-set: only one worker's update matches the row it read.
        claimed = session.execute(
            update(BatchJobRow)
            .where(
                BatchJobRow.pk == pk,
                or_(
                    BatchJobRow.status == QUEUED,
                    (BatchJobRow.status == RUNNING) & (BatchJobRow.heartbeat_at < stale),
                ),
            )
            .values(
                status=RUNNING,
                worker=worker,
                heartbeat_at=now,
                started_at=now,
                done_at_start=BatchJobRow.done,
            )
        )
        session.commit()
        if claimed.rowcount == 1:  # type: ignore[attr-defined]
            return session.get(BatchJobRow, pk)
    return None


def run(
    session: Session,
    embedder: Embedder,
    model: ClickRecommender,
    job: BatchJobRow,
    *,
    worker: str,
    chunk: int = CHUNK,
    on_chunk: Callable[[BatchJobRow], None] | None = None,
) -> str:
    """Score the job's remaining prospects chunk by chunk; its final status."""
    host_row = job.host
    scorer = BatchScorer(
        session, embedder, model, Query(to_profile(host_row), host_row.pk), lang=job.lang
    )
    try:
        while True:
            session.refresh(job)
            if job.status == CANCELLED or job.worker != worker:
                return job.status  # cancelled, or taken over by another worker
            items = session.scalars(
                select(BatchItemRow)
                .where(BatchItemRow.job_pk == job.pk, BatchItemRow.result.is_(None))
                .order_by(BatchItemRow.position)
                .limit(chunk)
            ).all()
            if not items:
                job.status, job.finished_at = DONE, _now()
                session.commit()
                return DONE
            scored = scorer.score([Profile.model_validate(i.profile) for i in items])
            for item, (score, prospect) in zip(items, scored, strict=True):
                item.score = score
                item.result = _record(prospect)
            job.done = job.done + len(items)
            job.heartbeat_at = _now()
            session.commit()
            if on_chunk is not None:
                on_chunk(job)
    except Exception as error:
        session.rollback()
        job.status, job.error, job.finished_at = FAILED, str(error)[:1000], _now()
        session.commit()
        raise


def _record(prospect: RankedProspect) -> dict[str, Any]:
    record = prospect.record()
    record.pop("rank")
    return record


def cancel(session: Session, job: BatchJobRow) -> None:
    if job.status not in FINISHED:
        job.status, job.finished_at = CANCELLED, _now()
        session.flush()


@dataclass
class Progress:
    done: int
    total: int
    rate: float | None
    seconds_left: float | None


def progress(job: BatchJobRow) -> Progress:
    """Done/total, prospects per second since the job was last started, time left."""
    rate = seconds_left = None
    started, beat = _aware(job.started_at), _aware(job.heartbeat_at)
    if started is not None and beat is not None and job.done > job.done_at_start:
        elapsed = max((beat - started).total_seconds(), 1e-6)
        rate = (job.done - job.done_at_start) / elapsed
        if job.status == RUNNING:
            seconds_left = (job.total - job.done) / rate
    return Progress(job.done, job.total, rate, seconds_left)


def results(session: Session, job: BatchJobRow) -> list[dict[str, Any]]:
    """Every scored prospect, best first, with its rank."""
    items = session.scalars(
        select(BatchItemRow)
        .where(BatchItemRow.job_pk == job.pk, BatchItemRow.result.is_not(None))
        .order_by(BatchItemRow.score.desc(), BatchItemRow.position)
    ).all()
    return [{"rank": rank, **(item.result or {})} for rank, item in enumerate(items, 1)]


def worker_name() -> str:
    return f"{socket.gethostname()}:{os.getpid()}"


def work(
    session_factory: Callable[[], Session],
    embedder: Embedder,
    model: ClickRecommender,
    *,
    once: bool = False,
    poll: float = 1.0,
    chunk: int = CHUNK,
    stale_after: float = STALE_AFTER,
    log: Callable[[str], None] = lambda message: None,
) -> None:
    """Claim and run jobs until stopped (or, with ``once``, until none is left)."""
    name = worker_name()
    while True:
        with session_factory() as session:
            job = claim(session, name, stale_after=stale_after)
            if job is None:
                if once:
                    return
                time.sleep(poll)
                continue
            log(f"job {job.id}: {job.done}/{job.total} done, starting")
            try:
                status = run(session, embedder, model, job, worker=name, chunk=chunk)
            except Exception as error:  # the job is marked failed; keep serving others
                log(f"job {job.id}: failed: {error}")
                continue
            log(f"job {job.id}: {status}")
