"""Opening the record for any entry point: the database at the schema head, the embedding
model if installed, and on first run the sample corpus."""

from __future__ import annotations

import logging

from bot.answering.embedder import Embedder
from bot.config import Settings
from storage.embeddings import embed_missing
from storage.engine import Database
from storage.migrate import upgrade
from storage.sample import load_sample_if_empty

log = logging.getLogger(__name__)

#: PostgreSQL advisory lock key held while an instance brings the record up to date ("start").
STARTUP_LOCK_KEY = 0x7374617274


async def open_database(settings: Settings, *, with_sample: bool = False, semantic: bool = True) -> Database:
    with_model = semantic and settings.semantic
    database = Database(settings.database_url, embedder=Embedder.shared() if with_model else None)
    try:
        async with database.exclusively(STARTUP_LOCK_KEY):
            await upgrade(database)
            if with_sample and settings.load_sample:
                report = await load_sample_if_empty(database)
                if report is not None:
                    log.info("empty database: loaded the sample corpus (%s)", report.summary())
        filled = await embed_missing(database)
        if filled:
            log.info("embedded %d statements recorded without the model", filled)
    except BaseException:
        await database.close()
        raise
    return database
