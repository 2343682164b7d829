"""Batch jobs: every prospect scored exactly once, across a worker that dies mid-job."""

import time
from pathlib import Path

import pytest
from conftest import copy_demo
from sqlalchemy import func, select
from sqlalchemy.orm import Session, sessionmaker

from matcher import db, jobs
from matcher.click_model import ClickRecommender
from matcher.db import BatchItemRow
from matcher.importers import parse_file
from matcher.store import get_row

ROOT = Path(__file__).parents[1]
PROSPECTS = [p for _, p in parse_file(ROOT / "data" / "demo" / "prospects_nl.csv").profiles]


@pytest.fixture(scope="module")
def model():
    return ClickRecommender.load(ROOT / "models" / "click")


@pytest.fixture
def engine(demo_db, tmp_path):
    path = tmp_path / "jobs.db"
    engine = copy_demo(demo_db, path)
    yield engine
    engine.dispose()


def _submit(engine) -> int:
    with Session(engine) as session:
        host = get_row(session, "en-tipping-point-climate")
        job = jobs.submit(session, host_pk=host.pk, prospects=PROSPECTS, filename="p.csv")
        session.commit()
        return job.pk


def test_a_worker_ranks_every_prospect_once(engine, embedder, model):
    pk = _submit(engine)
    jobs.work(sessionmaker(engine), embedder, model, once=True, chunk=10)
    with Session(engine) as session:
        job = session.get(db.BatchJobRow, pk)
        assert job.status == jobs.DONE and job.done == job.total == len(PROSPECTS)
        ranked = jobs.results(session, job)
    assert [r["rank"] for r in ranked] == list(range(1, len(PROSPECTS) + 1))
    assert sorted(r["name"] for r in ranked) == sorted(p.name for p in PROSPECTS)
    scores = [r["click"] for r in ranked]
    assert scores == sorted(scores, reverse=True)
    progress = jobs.progress(job)
    assert progress.rate is not None and progress.rate > 0


def test_a_dead_workers_job_is_taken_over_where_it_stopped(engine, embedder, model):
    pk = _submit(engine)
    chunks = []

    def die_after_first_chunk(job):
        chunks.append(job.done)
        raise KeyboardInterrupt  # like a killed process: no clean-up runs

    with Session(engine) as session:
        job = jobs.claim(session, "w1")
        assert job is not None and job.pk == pk
        with pytest.raises(KeyboardInterrupt):
            jobs.run(
                session, embedder, model, job, worker="w1", chunk=10, on_chunk=die_after_first_chunk
            )
    assert chunks == [10]
    with Session(engine) as session:
        # Its heartbeat is fresh: nobody takes it over yet.
        assert jobs.claim(session, "w2", stale_after=60) is None
    time.sleep(0.6)
    with Session(engine) as session:
        job = jobs.claim(session, "w2", stale_after=0.5)
        assert job is not None and job.done == 10 and job.done_at_start == 10
        assert jobs.run(session, embedder, model, job, worker="w2", chunk=10) == jobs.DONE
        scored = session.scalar(
            select(func.count()).where(BatchItemRow.job_pk == pk, BatchItemRow.result.is_not(None))
        )
        assert scored == job.done == job.total == len(PROSPECTS)
        assert len({r["name"] for r in jobs.results(session, job)}) == len(PROSPECTS)


def test_a_cancelled_job_is_not_worked_on(engine, embedder, model):
    pk = _submit(engine)
    with Session(engine) as session:
        jobs.cancel(session, session.get(db.BatchJobRow, pk))
        session.commit()
        assert jobs.claim(session, "w1") is None
        assert session.get(db.BatchJobRow, pk).status == jobs.CANCELLED
