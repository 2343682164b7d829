"""Storage on SQLite and, where a server is given, on PostgreSQL."""

import json
from datetime import UTC, datetime

import numpy as np
import pytest
from alembic import command
from sqlalchemy import delete, func, inspect, select, text, update
from sqlalchemy.orm import Session

from matcher import db, store
from matcher.db import EmbeddingRow, ProfileRow, RelationshipRow
from matcher.index import indexes
from matcher.ingest import ImportRejected, import_file
from matcher.profiles import Profile
from matcher.vectors import PROFILE


def profile(pid, **facets):
    facets.setdefault("mission", f"Mission of {pid}.")
    return Profile(id=pid, name=pid.title(), **facets)


def test_migrations_create_the_tables(engine):
    assert {"profiles", "relationships", "embeddings", "alembic_version"} <= set(
        inspect(engine).get_table_names()
    )
    assert db.schema_is_current(engine)
    db.upgrade(engine)  # idempotent


def test_migrations_keep_every_row(database_url):
    """Rebuilding a table (SQLite batch mode) must not cascade-delete its children."""
    engine = db.make_engine(database_url)
    command.upgrade(db.alembic_config(engine), "0003")
    with engine.begin() as connection:
        connection.execute(
            text(
                "INSERT INTO profiles (id, name, kind, facets, content_hash, created_at, "
                "updated_at) VALUES ('a', 'A', 'charity', '{}', 'h', :now, :now), "
                "('b', 'B', 'company', '{}', 'h', :now, :now)"
            ),
            {"now": datetime.now(UTC)},
        )
        a, b = connection.execute(text("SELECT pk FROM profiles ORDER BY id")).scalars()
        connection.execute(
            text(
                "INSERT INTO relationships (profile_pk, partner, status) VALUES (:a, 'b', 'past')"
            ),
            {"a": a},
        )
        connection.execute(
            text(
                "INSERT INTO embeddings (profile_pk, facet, model, text_hash, dim, vector) "
                "VALUES (:a, 'profile', 'm', 'h', 1, :v)"
            ),
            {"a": a, "v": b"\x00\x00\x00\x00"},
        )
        connection.execute(
            text(
                "INSERT INTO feedback (profile_pk, candidate_pk, outcome, created_at) "
                "VALUES (:a, :b, 'click', :now)"
            ),
            {"a": a, "b": b, "now": datetime.now(UTC)},
        )
    db.upgrade(engine)
    with engine.connect() as connection:
        for table in ("profiles", "relationships", "embeddings", "feedback"):
            count = connection.execute(text(f"SELECT count(*) FROM {table}")).scalar()
            assert count == (2 if table == "profiles" else 1), table
        if connection.dialect.name == "sqlite":
            assert connection.exec_driver_sql("PRAGMA foreign_keys").scalar() == 1
    engine.dispose()


def test_save_creates_updates_and_skips_unchanged(engine):
    with Session(engine) as session:
        report = store.save_profiles(session, [profile("a"), profile("b", relationships=["a"])])
        session.commit()
        assert (report.created, report.updated, report.unchanged) == (2, 0, 0)
    with Session(engine) as session:
        report = store.save_profiles(
            session, [profile("a"), profile("b", mission="New mission.", relationships=["a"])]
        )
        session.commit()
        assert (report.created, report.updated, report.unchanged) == (0, 1, 1)
        b = store.to_profile(store.get_row(session, "b"))
        assert b.mission == "New mission."
        assert [(r.partner, r.status) for r in b.relationships] == [("a", "current")]


def test_language_is_detected_when_not_given(engine):
    with Session(engine) as session:
        store.save_profiles(
            session,
            [
                profile("nl", mission="Wij helpen ouderen langer zelfstandig thuis te wonen."),
                profile(
                    "en", mission="We help older people live independently at home for longer."
                ),
                profile("given", mission="Wij helpen ouderen.", language="en"),
            ],
        )
        session.commit()
        langs = dict(session.execute(select(ProfileRow.id, ProfileRow.language)).all())
    assert langs == {"nl": "nl", "en": "en", "given": "en"}


def test_delete_cascades(engine):
    with Session(engine) as session:
        store.save_profiles(session, [profile("a", relationships=["b"])])
        row = store.get_row(session, "a")
        session.add(
            EmbeddingRow(
                profile_pk=row.pk,
                facet="mission",
                model="m",
                text_hash="h",
                dim=1,
                vector=b"\0\0\0\0",
            )
        )
        session.commit()
        assert store.delete_profile(session, "a")
        session.commit()
        assert not store.delete_profile(session, "a")
        for table in (ProfileRow, RelationshipRow, EmbeddingRow):
            assert session.scalar(select(func.count()).select_from(table)) == 0


def test_every_write_to_profiles_relationships_or_vectors_moves_the_revision(engine):
    """The directory and index caches trust these rows instead of counting the tables."""
    seen = []

    def moved(session):
        """Which counters the writes since the last call moved."""
        session.commit()
        seen.append({name: db.revision(session, name) for name in (db.DIRECTORY, db.VECTORS)})
        return {name for name, value in seen[-1].items() if value != seen[-2][name]}

    directory, both = {db.DIRECTORY}, {db.DIRECTORY, db.VECTORS}
    with Session(engine) as session:
        seen.append({name: db.revision(session, name) for name in (db.DIRECTORY, db.VECTORS)})
        store.save_profiles(session, [profile("a"), profile("b")])
        assert moved(session) == directory
        row = store.get_row(session, "a")
        session.add(RelationshipRow(profile_pk=row.pk, partner="b", status="past"))
        assert moved(session) == directory
        vector = EmbeddingRow(
            profile_pk=row.pk, facet="mission", model="m", text_hash="h", dim=1, vector=b"\0" * 4
        )
        session.add(vector)
        assert moved(session) == both
        vector.vector = b"\1" * 4
        assert moved(session) == both
        session.execute(update(RelationshipRow).values(status="current"))
        assert moved(session) == directory
        store.save_profiles(session, [profile("a", mission="Another mission.")])
        assert moved(session) == directory
        session.execute(delete(EmbeddingRow))
        assert moved(session) == both
        session.scalar(select(func.count()).select_from(ProfileRow))  # a read
        assert moved(session) == set()
        # PostgreSQL counts statements: its cascade to the embeddings is one (deleting none
        # here), so a profile's deletion may move the vectors' counter too.
        assert store.delete_profile(session, "b")
        assert db.DIRECTORY in moved(session)
        assert store.delete_profile(session, "a")  # cascades to its relationship
        assert db.DIRECTORY in moved(session)
    assert len({token for values in seen for token, _ in values.values()}) == 1


def test_the_index_cache_sees_a_vector_replaced_under_the_same_sqlite_rowid(engine):
    """Re-embedding the newest vector reuses its rowid on SQLite: same count, same max pk."""
    with Session(engine) as session:
        store.save_profiles(session, [profile("a"), profile("b")])
        pks = [store.get_row(session, pid).pk for pid in ("a", "b")]
        for pk, value in zip(pks, ([1.0, 0.0], [0.0, 1.0]), strict=True):
            session.add(embedding_row(pk, value))
        session.commit()
        before = indexes.get(session, "m", PROFILE)
        assert before.vectors.search(np.array([0.0, 1.0], np.float32), 1)[0][0] == pks[1]
        session.execute(delete(EmbeddingRow).where(EmbeddingRow.profile_pk == pks[1]))
        session.add(embedding_row(pks[1], [1.0, 0.0]))
        session.commit()
        after = indexes.get(session, "m", PROFILE)
    assert after is not before
    hits = after.vectors.search(np.array([0.0, 1.0], np.float32), 2)
    assert {pk for pk, _ in hits} == set(pks)
    assert hits[0][1] == pytest.approx(hits[1][1])  # both now point the same way


def test_a_long_transaction_does_not_hold_up_other_writers_on_postgresql(engine):
    """Counters are bumped when a transaction commits, not when it writes."""
    if engine.dialect.name != "postgresql":
        pytest.skip("SQLite has one writer at a time anyway")
    insert = text(
        "INSERT INTO profiles (id, name, kind, facets, content_hash, created_at, updated_at) "
        "VALUES (:id, :id, 'charity', '{}', 'h', now(), now())"
    )
    with Session(engine) as session:
        before = db.revision(session)
    with engine.connect() as long, engine.connect() as short:
        long.execute(insert, {"id": "long"})  # open, not committed
        short.execute(text("SET lock_timeout = '2s'"))
        short.execute(insert, {"id": "short"})
        short.commit()  # would time out if the long transaction held a counter row
        with Session(engine) as session:
            assert db.revision(session)[1] == before[1] + 1
        long.commit()
    with Session(engine) as session:
        assert db.revision(session)[1] == before[1] + 2
        assert db.revision(session, db.VECTORS) == (before[0], 0)


def test_a_schema_migrated_again_draws_another_revision_token(database_url):
    """A database dropped and created again at the same URL never passes for the old one."""
    engine = db.make_engine(database_url)
    db.upgrade(engine)
    with Session(engine) as session:
        first = db.revision(session, db.VECTORS)
    command.downgrade(db.alembic_config(engine), "0005")
    db.upgrade(engine)
    with Session(engine) as session:
        again = db.revision(session, db.VECTORS)
    engine.dispose()
    assert first[1] == again[1] == 0
    assert first[0] != again[0]


def embedding_row(pk, value):
    vector = np.asarray(value, dtype=np.float32)
    return EmbeddingRow(
        profile_pk=pk,
        facet=PROFILE,
        model="m",
        text_hash="h",
        dim=len(vector),
        vector=vector.tobytes(),
    )


def test_list_filters_and_pages(engine):
    with Session(engine) as session:
        store.save_profiles(
            session,
            [
                profile(
                    f"org-{i}",
                    kind="charity" if i % 2 else "company",
                    country="NL" if i < 5 else "BE",
                )
                for i in range(10)
            ],
        )
        session.commit()
        rows, total = store.list_rows(session, kind="charity", country="nl")
        assert total == 2 and {r.id for r in rows} == {"org-1", "org-3"}
        rows, total = store.list_rows(session, limit=3, offset=3)
        assert total == 10 and [r.id for r in rows] == ["org-3", "org-4", "org-5"]
        rows, total = store.list_rows(session, search="ORG-7")
        assert [r.id for r in rows] == ["org-7"]


def write_jsonl(path, rows):
    path.write_text("\n".join(json.dumps(r) for r in rows) + "\n", encoding="utf-8")
    return path


GOOD = [{"id": f"p{i}", "name": f"Org {i}", "mission": "Helping people."} for i in range(5)]


def count(engine):
    with Session(engine) as session:
        return session.scalar(select(func.count()).select_from(ProfileRow))


def test_a_bad_row_imports_nothing_and_is_named(engine, tmp_path):
    rows = [*GOOD[:3], {"id": "bad", "name": "Bad", "kind": "spaceship", "mission": "x"}, *GOOD[3:]]
    path = write_jsonl(tmp_path / "orgs.jsonl", rows)
    with Session(engine) as session, pytest.raises(ImportRejected) as info:
        import_file(session, path)
    assert [(e.row, e.field) for e in info.value.errors] == [(4, "kind")]
    assert count(engine) == 0


def test_skip_invalid_imports_the_rest(engine, tmp_path):
    rows = [*GOOD[:3], {"id": "bad", "name": "Bad"}, *GOOD[3:]]
    path = write_jsonl(tmp_path / "orgs.jsonl", rows)
    with Session(engine) as session:
        report = import_file(session, path, skip_invalid=True)
        session.commit()
    assert report.created == 5 and [e.row for e in report.skipped] == [4]
    assert count(engine) == 5


def test_duplicate_ids_in_one_file_are_bad_rows(engine, tmp_path):
    path = write_jsonl(tmp_path / "orgs.jsonl", [*GOOD, GOOD[1]])
    with Session(engine) as session, pytest.raises(ImportRejected) as info:
        import_file(session, path)
    assert info.value.errors[0].row == 6 and "duplicate id 'p1'" in info.value.errors[0].message
    assert count(engine) == 0


def test_reimport_updates_in_place(engine, tmp_path):
    path = write_jsonl(tmp_path / "orgs.jsonl", GOOD)
    for expected in ((5, 0, 0), (0, 0, 5)):
        with Session(engine) as session:
            report = import_file(session, path)
            session.commit()
        assert (report.created, report.updated, report.unchanged) == expected
