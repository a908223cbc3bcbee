"""Daily digests. `compose` says what a digest holds and renders it; `tick` sends what is
due (`send_due`), owning each subscriber (`owner`) and sending through `sender` at the
pace `rate_limit` keeps, one sender at a time on SQLite (`sender_lock`); `schedule` runs
the tick as the bot's job; `status` counts for operators; `crash_hook` serves the crash
tests. Their rows are in storage/deliveries.py."""
