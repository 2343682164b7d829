"""Facet vectors are computed once per text and model."""

import numpy as np
import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from matcher import store
from matcher.db import EmbeddingRow
from matcher.profiles import Profile
from matcher.vectors import PROFILE, embed_profiles, facet_texts, load_vectors


class OtherModel:
    """The same encoder under another model name, as after a change of KLIK_EMBEDDING_MODEL."""

    def __init__(self, inner, name):
        self.inner, self.name, self.dim = inner, name, inner.dim

    def encode(self, texts, **kwargs):
        return self.inner.encode(texts, **kwargs)


ORGS = [
    Profile(id="a", name="Food Rescue", mission="We rescue surplus food.", seeks=["cold storage"]),
    Profile(
        id="b",
        name="Koelvervoer BV",
        mission="Wij vervoeren gekoelde goederen.",
        offers=["koeltransport"],
        red_lines=["geen wapenindustrie"],
    ),
]


@pytest.fixture
def session(engine):
    with Session(engine) as session:
        store.save_profiles(session, [p.model_copy(deep=True) for p in ORGS])
        session.commit()
        yield session


def facets(session, model):
    return {
        (pk, facet): digest
        for pk, facet, digest in session.execute(
            select(EmbeddingRow.profile_pk, EmbeddingRow.facet, EmbeddingRow.text_hash).where(
                EmbeddingRow.model == model
            )
        )
    }


def test_each_facet_is_embedded_once(session, embedder):
    expected = sum(len(facet_texts(p)) for p in ORGS)
    report = embed_profiles(session, embedder)
    assert (report.embedded, report.unchanged, report.profiles) == (expected, 0, 2)
    again = embed_profiles(session, embedder)
    assert (again.embedded, again.unchanged) == (0, expected)


def test_a_changed_facet_is_re_embedded_alone(session, embedder):
    embed_profiles(session, embedder)
    before = facets(session, embedder.name)
    changed = ORGS[0].model_copy(update={"mission": "We rescue surplus food for food banks."})
    store.save_profiles(session, [changed])
    session.commit()
    report = embed_profiles(session, embedder)
    assert report.embedded == 2  # the mission and the whole-profile text
    after = facets(session, embedder.name)
    differs = {key[1] for key in before if before[key] != after.get(key)}
    assert differs == {"mission", PROFILE}


def test_an_emptied_facet_loses_its_vector(session, embedder):
    embed_profiles(session, embedder)
    store.save_profiles(session, [ORGS[1].model_copy(update={"red_lines": []})])
    session.commit()
    report = embed_profiles(session, embedder)
    assert report.removed == 1
    assert "red_lines" not in {facet for _, facet in facets(session, embedder.name)}


def test_a_model_change_re_embeds_everything(session, embedder):
    first = embed_profiles(session, embedder)
    other = embed_profiles(session, OtherModel(embedder, "another-model"))
    assert other.embedded == first.embedded and other.unchanged == 0
    pks, vectors, languages = load_vectors(session, "another-model")
    assert len(pks) == 2 and vectors.dtype == np.float32 and languages == ["en", "nl"]
    assert np.allclose(np.linalg.norm(vectors, axis=1), 1, atol=1e-4)
