"""Regenerates the table of bot.answering.known_vectors from the sample corpus and the model:

.venv/bin/python -m bot.answering.build_known_vectors
"""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np

from bot.answering import known_vectors
from bot.answering.embedder import Embedder
from storage.embeddings import exchange_text
from storage.sample import sample_corpus


def main() -> None:
    """Embed the sample corpus as the bot stores it and write the table."""
    embedder = Embedder.load()
    if embedder is None:
        raise SystemExit("the sentence model is not installed")
    texts = [exchange_text(json.loads(raw)) for raw in sample_corpus().decode().splitlines() if raw.strip()]
    vectors = embedder.embed_uncached(texts)
    path = Path(known_vectors.__file__).resolve().parents[1] / known_vectors.FILE
    keys = np.array([known_vectors.key(embedder.model_id, text) for text in texts])
    np.savez_compressed(path, keys=keys, vectors=vectors)
    print(f"{len(texts)} vectors written to {path}")


if __name__ == "__main__":
    main()
