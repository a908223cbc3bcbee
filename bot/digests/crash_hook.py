"""Test hook: when the environment variable DIPLOBOT_DIGEST_CRASH_AT is `claimed`,
`sent:N` or `recorded:N`, the process exits at once (`os._exit`, no cleanup, like a kill)
right after the first delivery is claimed, after Telegram confirmed its part N, or after
part N was recorded. It exists for the crash tests and does nothing when unset."""

from __future__ import annotations

import logging
import os

log = logging.getLogger(__name__)

CRASH_HOOK = "DIPLOBOT_DIGEST_CRASH_AT"
CRASH_EXIT_CODE = 75


def crash_hook(stage: str) -> None:
    if os.environ.get(CRASH_HOOK) == stage:
        log.warning("test hook %s=%s: exiting now", CRASH_HOOK, stage)
        os._exit(CRASH_EXIT_CODE)
