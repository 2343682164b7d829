"""Language centring of statement vectors, fitted once per embedding model.

Multilingual e5 puts every Dutch statement closer to every other Dutch
statement than to its own English translation's neighbours: raw cosines of
unrelated same-language statements (0.85-0.90) overlap those of translations
(0.87-0.93). Subtracting each language's mean statement vector removes that
offset (measured on the demo profiles: mutual-best statement pairs of
unrelated profiles score 0.21 at the median and 0.42 at the 95th percentile,
the cross-lingual twins' 0.65 at the median).

The means are an artefact of the embedding model, not of a database: they
ship in ``models/statements/`` (``config.json`` + ``means.npz``), fitted on the
demo profiles' statements with ``klik fit-centring``. For another embedding
model they are fitted from the demo profiles on first use.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Sequence
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

from matcher.index import LanguageCentring
from matcher.profiles import Profile
from matcher.statements import statement_vectors, statements

if TYPE_CHECKING:
    from matcher.embedding import Embedder

ROOT = Path(__file__).resolve().parents[1]
DEFAULT_DIR = ROOT / "models" / "statements"
DEMO_PROFILES = ROOT / "data" / "demo" / "profiles.jsonl"
MEANS = "means.npz"

_fitted: dict[str, LanguageCentring] = {}


def fit_centring(embedder: Embedder, profiles: Sequence[Profile]) -> tuple[LanguageCentring, int]:
    """Centring fitted on every statement of ``profiles``, in each profile's language."""
    texts, languages = [], []
    for profile in profiles:
        for statement in statements(profile):
            texts.append(statement.text)
            languages.append(profile.language)
    vectors = statement_vectors(None, embedder, texts)
    return LanguageCentring().fit(vectors, languages), len(texts)


def save_centring(
    centring: LanguageCentring, path: Path, *, model: str, source: Path, statements: int
) -> None:
    if centring.global_mean_ is None:
        raise ValueError("too few statements to centre")
    path.mkdir(parents=True, exist_ok=True)
    arrays = {"global": centring.global_mean_}
    arrays.update({f"lang_{code}": mean for code, mean in centring.means_.items() if code})
    np.savez(path / MEANS, **arrays)  # type: ignore[arg-type]
    config: dict[str, Any] = {
        "embedding_model": model,
        "languages": sorted(code for code in centring.means_ if code),
        "statements": statements,
        "source": source.name,
        "source_sha256": hashlib.sha256(source.read_bytes()).hexdigest(),
        "means_sha256": hashlib.sha256((path / MEANS).read_bytes()).hexdigest(),
        "created": datetime.now(UTC).isoformat(timespec="seconds"),
    }
    (path / "config.json").write_text(json.dumps(config, indent=2) + "\n")


def load_centring(path: Path, model: str) -> LanguageCentring | None:
    """The centring saved at ``path`` for ``model``; None if absent or for another model."""
    config_file = path / "config.json"
    if not config_file.is_file():
        return None
    config = json.loads(config_file.read_text())
    if config.get("embedding_model") != model:
        return None
    means = path / MEANS
    if hashlib.sha256(means.read_bytes()).hexdigest() != config.get("means_sha256"):
        raise ValueError(f"{means} does not match the hash in its config.json")
    centring = LanguageCentring()
    with np.load(means, allow_pickle=False) as arrays:
        centring.global_mean_ = arrays["global"]
        centring.means_ = {
            name.removeprefix("lang_"): arrays[name] for name in arrays.files if name != "global"
        }
    return centring


def statement_centring(embedder: Embedder) -> LanguageCentring:
    """The centring for ``embedder``'s statements: shipped, or fitted on the demo once."""
    if embedder.name not in _fitted:
        centring = load_centring(DEFAULT_DIR, embedder.name)
        if centring is None:
            profiles = [
                Profile.model_validate_json(line)
                for line in DEMO_PROFILES.read_text(encoding="utf-8").splitlines()
                if line.strip()
            ]
            centring, _ = fit_centring(embedder, profiles)
        _fitted[embedder.name] = centring
    return _fitted[embedder.name]
