"""diplobot: the record of what the parties to a war say about ending it."""
