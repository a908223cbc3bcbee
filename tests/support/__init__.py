"""What the tests share: the Telegram double, a fake clock, and the digests' fixtures'
building blocks."""
