"""Feedback on shortlisted candidates: storage, labels and the ``klik feedback`` commands.

Runs on SQLite and, where a server is given, on PostgreSQL (see db_fixtures).
"""

import json
from datetime import UTC, datetime, timedelta

import numpy as np
import pytest
from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from click.testing import CliRunner
from sqlalchemy import func, inspect, select
from sqlalchemy.orm import Session

from matcher import db, store
from matcher.cli import cli
from matcher.db import FeedbackRow
from matcher.feedback import (
    FeedbackLabels,
    Outcome,
    feedback_labels,
    list_feedback,
    record_feedback,
)
from matcher.population import Population
from matcher.profiles import Profile

IDS = ("a", "b", "c", "d")


def profile(pid):
    return Profile(id=pid, name=f"Org {pid.upper()}", mission=f"Mission of {pid}.")


@pytest.fixture
def session(engine):
    with Session(engine) as session:
        store.save_profiles(session, [profile(pid) for pid in IDS])
        session.commit()
        yield session


def count(session):
    return session.scalar(select(func.count()).select_from(FeedbackRow))


def test_the_migration_matches_the_models(engine):
    assert "feedback" in inspect(engine).get_table_names()
    indexes = {i["name"]: i["column_names"] for i in inspect(engine).get_indexes("feedback")}
    assert indexes["ix_feedback_pair"] == ["profile_pk", "candidate_pk"]
    with engine.connect() as connection:
        assert compare_metadata(MigrationContext.configure(connection), db.Base.metadata) == []


def test_downgrade_drops_the_table(engine):
    config = db.alembic_config(engine)
    command.downgrade(config, "0001")
    assert "feedback" not in inspect(engine).get_table_names()
    assert not db.schema_is_current(engine)
    db.upgrade(engine)
    assert "feedback" in inspect(engine).get_table_names()


def test_outcomes_and_their_labels():
    assert [o.value for o in Outcome] == ["contacted", "click", "no_click", "partnered"]
    assert {o: o.label for o in Outcome} == {
        Outcome.CONTACTED: None,
        Outcome.CLICK: 1,
        Outcome.NO_CLICK: 0,
        Outcome.PARTNERED: 1,
    }
    assert Outcome.parse("No-Click") is Outcome.NO_CLICK


def test_record_and_list_newest_first(session):
    first = record_feedback(session, "a", "b", "contacted")
    second = record_feedback(session, "a", "b", Outcome.CLICK, note="  Good call.  ")
    third = record_feedback(session, "c", "a", "no_click")
    session.commit()
    assert (second.outcome, second.note, second.profile.id, second.candidate.id) == (
        "click",
        "Good call.",
        "a",
        "b",
    )
    assert second.created_at is not None
    assert [r.pk for r in list_feedback(session)] == [third.pk, second.pk, first.pk]
    assert [r.pk for r in list_feedback(session, "a")] == [second.pk, first.pk]
    assert list_feedback(session, "d") == []
    with pytest.raises(LookupError, match="'nope'"):
        list_feedback(session, "nope")


@pytest.mark.parametrize(
    ("args", "error", "message"),
    [
        (("nope", "b", "click"), LookupError, "profile_id 'nope': no such profile"),
        (("a", "nope", "click"), LookupError, "candidate_id 'nope': no such profile"),
        (("a", "a", "click"), ValueError, "candidate_id 'a' is the profile itself"),
        (("a", "b", "maybe"), ValueError, "outcome 'maybe' is not one of: contacted, click"),
        (("a", "b", "click", "x" * 1001), ValueError, "note is 1001 characters long"),
    ],
)
def test_bad_input_raises_and_records_nothing(session, args, error, message):
    record_feedback(session, "a", "b", "click")
    session.commit()
    with pytest.raises(error, match=message):
        record_feedback(session, *args)
    session.commit()
    assert count(session) == 1


def test_a_note_of_1000_characters_is_kept(session):
    row = record_feedback(session, "a", "b", "click", note="x" * 1000)
    session.commit()
    session.expire_all()
    assert len(session.get(FeedbackRow, row.pk).note) == 1000


def test_labels_take_the_latest_decisive_outcome(session):
    events = [
        ("b", "a", "click"),
        ("b", "a", "no_click"),  # latest decisive: 0
        ("a", "c", "no_click"),
        ("a", "c", "partnered"),
        ("a", "c", "contacted"),  # not decisive: stays 1
        ("a", "b", "contacted"),  # only contacted: no label
        ("c", "d", "click"),  # d is not in the population
        ("a", "d", "no_click"),
    ]
    for asker, candidate, outcome in events:
        record_feedback(session, asker, candidate, outcome)
    session.commit()
    population = Population.from_profiles([profile(pid) for pid in ("c", "b", "a")])
    labels = feedback_labels(session, population)
    assert isinstance(labels, FeedbackLabels) and len(labels) == 2
    assert all(x.dtype == np.int64 for x in (labels.query, labels.candidate, labels.label))
    rows = population.index
    assert list(zip(labels.query, labels.candidate, labels.label, strict=True)) == sorted(
        [(rows["b"], rows["a"], 0), (rows["a"], rows["c"], 1)]
    )


def test_labels_follow_the_time_of_the_event(session):
    record_feedback(session, "a", "b", "click")
    late_entry = record_feedback(session, "a", "b", "no_click")
    late_entry.created_at = datetime.now(UTC) - timedelta(days=1)  # happened before the click
    session.commit()
    labels = feedback_labels(session, Population.from_profiles([profile("a"), profile("b")]))
    assert (labels.query.tolist(), labels.candidate.tolist(), labels.label.tolist()) == (
        [0],
        [1],
        [1],
    )


def test_no_feedback_gives_empty_labels(session):
    labels = feedback_labels(session, Population.from_profiles([profile("a")]))
    assert len(labels) == 0 and labels.query.dtype == np.int64 and labels.query.shape == (0,)


@pytest.mark.parametrize("deleted", ["a", "b"])
def test_deleting_a_profile_deletes_its_feedback(session, deleted):
    record_feedback(session, "a", "b", "click")
    record_feedback(session, "b", "a", "contacted")
    record_feedback(session, "c", "d", "partnered")
    session.commit()
    assert store.delete_profile(session, deleted)
    session.commit()
    session.expire_all()
    assert [(r.profile.id, r.candidate.id) for r in list_feedback(session)] == [("c", "d")]


# The command line.


def klik(url, *args):
    return CliRunner().invoke(cli, ["--database-url", url, *args], catch_exceptions=False)


@pytest.fixture
def url(engine, database_url):
    with Session(engine) as session:
        store.save_profiles(session, [profile(pid) for pid in IDS])
        session.commit()
    return database_url


def test_feedback_commands_have_help():
    for args in (["feedback", "-h"], ["feedback", "record", "-h"], ["feedback", "list", "-h"]):
        result = CliRunner().invoke(cli, args)
        assert result.exit_code == 0 and "Usage:" in result.output, args
    shown = CliRunner().invoke(cli, ["feedback", "record", "-h"]).output
    assert "[contacted|click|no-click|partnered]" in shown


def test_record_and_list_on_the_command_line(url):
    result = klik(url, "feedback", "record", "--for", "a", "--candidate", "b", "--outcome", "click")
    assert result.exit_code == 0, result.output
    assert result.output == "Recorded click of b for a\n"
    record = ("feedback", "record", "--for")
    result = klik(
        url, *record, "c", "--candidate", "a", "--outcome", "no-click", "--note", "Wrong region."
    )
    assert result.exit_code == 0 and "Recorded no_click of a for c" in result.output
    assert klik(url, *record, "a", "--candidate", "d", "--outcome", "no_click").exit_code == 0

    listed = json.loads(klik(url, "feedback", "list", "--format", "json").output)
    assert listed["total"] == 3
    assert [(e["for"], e["candidate"], e["outcome"]) for e in listed["feedback"]] == [
        ("a", "d", "no_click"),
        ("c", "a", "no_click"),
        ("a", "b", "click"),
    ]
    assert listed["feedback"][1]["note"] == "Wrong region."
    assert datetime.fromisoformat(listed["feedback"][0]["created_at"]).tzinfo is not None

    only = json.loads(klik(url, "feedback", "list", "--for", "c", "--format", "json").output)
    assert [e["candidate"] for e in only["feedback"]] == ["a"]
    table = klik(url, "feedback", "list")
    assert table.exit_code == 0 and "Wrong region." in table.output
    assert "3 event(s)" in table.output


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (
            ["record", "--for", "nope", "--candidate", "b", "--outcome", "click"],
            "Error: profile_id 'nope': no such profile",
        ),
        (
            ["record", "--for", "a", "--candidate", "nope", "--outcome", "click"],
            "Error: candidate_id 'nope': no such profile",
        ),
        (
            ["record", "--for", "a", "--candidate", "a", "--outcome", "click"],
            "Error: candidate_id 'a' is the profile itself; feedback is about another organisation",
        ),
        (
            [
                "record",
                "--for",
                "a",
                "--candidate",
                "b",
                "--outcome",
                "click",
                "--note",
                "x" * 1001,
            ],
            "Error: note is 1001 characters long; at most 1000 are allowed",
        ),
        (["list", "--for", "nope"], "Error: profile_id 'nope': no such profile"),
    ],
)
def test_bad_feedback_gives_one_line(url, engine, args, message):
    result = klik(url, "feedback", *args)
    assert result.exit_code == 1
    assert result.output.strip() == message
    assert "Traceback" not in result.output
    with Session(engine) as session:
        assert count(session) == 0


def test_an_unknown_outcome_is_a_usage_error(url):
    result = klik(url, "feedback", "record", "--for", "a", "--candidate", "b", "--outcome", "meh")
    assert result.exit_code == 2 and "'meh' is not one of" in result.output


def test_feedback_needs_an_initialised_database(tmp_path):
    url = f"sqlite:///{tmp_path / 'empty.db'}"
    for args in (
        ["record", "--for", "a", "--candidate", "b", "--outcome", "click"],
        ["list"],
    ):
        result = klik(url, "feedback", *args)
        assert result.exit_code == 1
        assert result.output.strip() == (
            "Error: the database is not initialised or is out of date: run `klik init-db`"
        )
