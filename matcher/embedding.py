"""Sentence embeddings for profile texts.

The default model is ``intfloat/multilingual-e5-small`` (384 dimensions, about 100
languages, Dutch and English map into one space), built offline from pip packages by
:mod:`matcher.model_build`. Any other sentence-transformers model can be used by
passing a local folder (or the name of a model already in the local Hugging Face cache)
as ``spec`` or in ``$KLIK_EMBEDDING_MODEL``; nothing is ever downloaded.

Vectors are float32 and L2-normalised, so a dot product is the cosine similarity.
Store :attr:`Embedder.name` next to every vector: vectors of different models must
never be compared.
"""

from __future__ import annotations

import contextlib
import functools
import logging
import os
from collections.abc import Callable, Iterator, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np
import numpy.typing as npt

from matcher.model_build import MODEL_DIRNAME, ensure_model

if TYPE_CHECKING:
    from sentence_transformers import SentenceTransformer

__all__ = [
    "DEFAULT_MODEL",
    "ENV_MODEL",
    "Embedder",
    "EmbeddingModelError",
    "LazyEmbedder",
    "load_embedder",
    "model_name",
]

#: The model used when neither an argument nor ``$KLIK_EMBEDDING_MODEL`` names one.
DEFAULT_MODEL = "multilingual-e5-small"
#: Environment variable naming the embedding model (a local folder or cached hub name).
ENV_MODEL = "KLIK_EMBEDDING_MODEL"
#: Texts per call to the model; :meth:`Embedder.encode` reports progress per chunk.
CHUNK_SIZE = 256
#: Name of the prompt used on both sides of a symmetric comparison (e5: ``query: ``).
QUERY_PROMPT = "query"

# Specs that mean the built default model (the second is its stored vector name).
_DEFAULT_SPECS = frozenset({DEFAULT_MODEL, MODEL_DIRNAME})


class EmbeddingModelError(RuntimeError):
    """The embedding model cannot be found or loaded."""


class Embedder:
    """A sentence-transformers model producing normalised float32 vectors.

    Parameters
    ----------
    model
        The loaded model.
    name
        Stable identifier of the model, stored next to every vector it produces.

    Attributes
    ----------
    name : str
        ``multilingual-e5-small-q4`` for the built default model, else the model spec
        as the user gave it.
    dim : int
        Number of dimensions of the vectors.
    prompt : str
        Text prepended to every input: the model's ``query`` prompt when it defines
        one (e5 wants ``query: `` on both sides of a symmetric comparison), else ``""``.
    """

    def __init__(self, model: SentenceTransformer, name: str) -> None:
        # sentence-transformers 6 renamed get_sentence_embedding_dimension (now deprecated).
        get_dim = getattr(model, "get_embedding_dimension", None)
        dim = get_dim() if get_dim is not None else model.get_sentence_embedding_dimension()
        if not dim:
            raise EmbeddingModelError(f"embedding model {name!r} does not report its dimension")
        self.model = model
        self.name = name
        self.dim: int = int(dim)
        self.prompt: str = model.prompts.get(QUERY_PROMPT) or ""

    def __repr__(self) -> str:
        return f"Embedder(name={self.name!r}, dim={self.dim})"

    def encode(
        self,
        texts: Sequence[str],
        *,
        batch_size: int = 32,
        progress: Callable[[int], None] | None = None,
    ) -> npt.NDArray[np.float32]:
        """Embed ``texts``.

        Parameters
        ----------
        texts
            The texts; inputs beyond the model's maximum length (512 tokens for the
            default model) are truncated.
        batch_size
            Texts per forward pass.
        progress
            Called with ``k`` each time another ``k`` texts are done (chunks of
            :data:`CHUNK_SIZE`), e.g. ``tqdm.update``.

        Returns
        -------
        numpy.ndarray
            float32 array of shape ``(len(texts), dim)``, each row of unit length
            (all zeros only if the model gives a zero vector).
        """
        if isinstance(texts, str):
            raise TypeError("texts must be a sequence of strings, not a single string")
        items = list(texts)
        for text in items:
            if not isinstance(text, str):
                raise TypeError(f"texts must be strings, got {type(text).__name__}")
        out = np.zeros((len(items), self.dim), dtype=np.float32)
        # Longest first over the whole input, so each chunk pads its batches little.
        order = sorted(range(len(items)), key=lambda i: len(items[i]), reverse=True)
        for start in range(0, len(order), CHUNK_SIZE):
            idx = order[start : start + CHUNK_SIZE]
            vectors = self.model.encode(
                [items[i] for i in idx],
                prompt=self.prompt,  # "" also keeps a model's default prompt out
                batch_size=batch_size,
                show_progress_bar=False,
                convert_to_numpy=True,
                normalize_embeddings=True,
            )
            out[idx] = np.asarray(vectors, dtype=np.float32)
            if progress is not None:
                progress(len(idx))
        return out


def load_embedder(spec: str | None = None) -> Embedder:
    """Load (once per process and spec) the embedding model.

    Parameters
    ----------
    spec
        :data:`DEFAULT_MODEL`, a local sentence-transformers folder, or the name of a
        model already in the local Hugging Face cache. Defaults to
        ``$KLIK_EMBEDDING_MODEL``, else :data:`DEFAULT_MODEL`.

    Returns
    -------
    Embedder
        The same object for the same spec within a process.

    Raises
    ------
    EmbeddingModelError
        If the path does not exist or the model cannot be loaded.
    matcher.model_build.ModelBuildError
        If the default model has to be built and cannot be.
    """
    return _load_embedder(_resolve(spec))


def model_name(spec: str | None = None) -> str:
    """The :attr:`Embedder.name` that :func:`load_embedder` would give ``spec``, unloaded."""
    resolved = _resolve(spec)
    return MODEL_DIRNAME if resolved in _DEFAULT_SPECS else resolved


def _resolve(spec: str | None) -> str:
    return (spec or os.environ.get(ENV_MODEL) or DEFAULT_MODEL).strip()


class LazyEmbedder:
    """An :class:`Embedder` that is loaded only when something has to be encoded.

    A shortlist or screening for stored profiles usually needs no model at all: the
    profiles' vectors, and those of their statements, are in the database. This stands
    in for the embedder there and loads it (``load()``) on the first :meth:`encode`.

    Parameters
    ----------
    name
        The model's :attr:`Embedder.name` (:func:`model_name`).
    load
        Returns the real embedder; called at most once.
    dim
        The dimension of the vectors stored under ``name``, if any are: then
        :attr:`dim` needs no model either.
    """

    def __init__(self, name: str, load: Callable[[], Embedder], dim: int | None = None) -> None:
        self.name = name
        self._load = load
        self._dim = dim
        self._embedder: Embedder | None = None

    def __repr__(self) -> str:
        state = "loaded" if self._embedder is not None else "not loaded"
        return f"LazyEmbedder(name={self.name!r}, {state})"

    @property
    def embedder(self) -> Embedder:
        """The real embedder, loaded now if it was not yet."""
        if self._embedder is None:
            embedder = self._load()
            if embedder.name != self.name:
                raise EmbeddingModelError(
                    f"embedding model {embedder.name!r} loaded in place of {self.name!r}"
                )
            if self._dim is not None and embedder.dim != self._dim:
                raise EmbeddingModelError(
                    f"embedding model {self.name!r} gives {embedder.dim}-dimensional vectors "
                    f"but those stored under its name have {self._dim}: the model changed; "
                    "put the new one in a folder of its own and run `klik embed --model FOLDER`"
                )
            self._embedder = embedder
        return self._embedder

    @property
    def dim(self) -> int:
        return self._dim if self._dim is not None else self.embedder.dim

    def encode(self, texts: Sequence[str], **options: Any) -> npt.NDArray[np.float32]:
        """:meth:`Embedder.encode` (same options), loading the model first if need be."""
        return self.embedder.encode(texts, **options)


@functools.cache  # lru_cache without a size limit: one Embedder per spec
def _load_embedder(spec: str) -> Embedder:
    if spec in _DEFAULT_SPECS:
        return Embedder(_load_model(str(ensure_model()), spec), MODEL_DIRNAME)
    path = Path(spec).expanduser()
    if path.exists():
        if not path.is_dir():
            raise EmbeddingModelError(f"embedding model path {spec!r} is a file, not a folder")
        return Embedder(_load_model(str(path), spec), spec)
    if _looks_like_path(spec):
        raise EmbeddingModelError(f"embedding model path {spec!r} does not exist")
    return Embedder(_load_model(spec, spec), spec)


def _looks_like_path(spec: str) -> bool:
    """True for specs that cannot be a hub name (``name`` or ``org/name``)."""
    return spec.startswith(("/", ".", "~")) or spec.endswith("/") or spec.count("/") > 1


def _load_model(location: str, spec: str) -> SentenceTransformer:
    """Load a sentence-transformers model on CPU without touching the network."""
    import torch
    from sentence_transformers import SentenceTransformer

    try:
        with _quiet_loading():
            return SentenceTransformer(
                location,
                device="cpu",
                local_files_only=True,
                model_kwargs={"dtype": torch.float32},
            )
    except Exception as exc:
        detail = " ".join(str(exc).split()) or type(exc).__name__
        if len(detail) > 200:
            detail = detail[:197] + "..."
        raise EmbeddingModelError(
            f"cannot load embedding model {spec!r} (local files only, no downloads): {detail}"
        ) from exc


class _DropDefaultPromptNotice(logging.Filter):
    """Drops sentence-transformers' notice that a model has a default prompt.

    Klik always passes the prompt explicitly, so the notice is noise.
    """

    def filter(self, record: logging.LogRecord) -> bool:
        return not record.getMessage().startswith("Default prompt name is set to")


@contextlib.contextmanager
def _quiet_loading() -> Iterator[None]:
    """Hide transformers' weight-loading progress bar and the default-prompt notice."""
    from transformers.utils import logging as hf_logging

    st_logger = logging.getLogger("sentence_transformers.base.model")
    notice_filter = _DropDefaultPromptNotice()
    st_logger.addFilter(notice_filter)
    bars_were_on = hf_logging.is_progress_bar_enabled()
    if bars_were_on:
        hf_logging.disable_progress_bar()
    try:
        yield
    finally:
        if bars_were_on:
            hf_logging.enable_progress_bar()
        st_logger.removeFilter(notice_filter)
