"""Chat state (dialogues, what they keep, page keys) in the record rather than in a
process, so that it survives a restart and every instance behind one webhook shares it."""
