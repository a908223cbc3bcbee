"""Instant alerts: a chat's standing searches (`manage`), matched against each change of
the record (`match`), told of at once by a tick that claims each delivery before it sends
(`tick`), every few seconds (`schedule`)."""
