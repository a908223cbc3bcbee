"""Telegram handlers: parse the update, call the domain, render."""
