"""Passage vectors computed ahead of time for the bundled sample corpus, so that the first
start of `make run`, the evaluation and the tests do not wait for the model to embed the
same 48 statements again (~5 s of CPU each time). Keyed by the SHA-256 of the exact text
the model reads and by the model's id: a changed text or model simply misses and is
embedded as usual, so the table can be stale but never wrong.

Regenerate after changing the sample, `storage.embeddings.document_text` or the model:

    .venv/bin/python -m bot.answering.build_known_vectors
"""

from __future__ import annotations

import hashlib
from functools import lru_cache
from importlib import resources

import numpy as np
import numpy.typing as npt

FILE = "data/sample_vectors.npz"


def key(model_id: str, text: str) -> str:
    return hashlib.sha256(f"{model_id}\n{text}".encode()).hexdigest()


@lru_cache(maxsize=1)
def _table() -> dict[str, npt.NDArray[np.float32]]:
    resource = resources.files("bot").joinpath(FILE)
    if not resource.is_file():
        return {}
    with resource.open("rb") as stream, np.load(stream) as data:
        keys = [str(value) for value in data["keys"]]
        return dict(zip(keys, data["vectors"].astype(np.float32), strict=True))


def lookup(model_id: str, texts: list[str]) -> list[npt.NDArray[np.float32] | None]:
    table = _table()
    return [table.get(key(model_id, text)) for text in texts]
