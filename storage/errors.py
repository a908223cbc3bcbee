"""Errors the record raises for bad input: each carries a message fit for the person who
typed the input, so every surface can show it as it is and change nothing."""


class RecordError(Exception):
    """Something the user can fix; the message says what."""


class InvalidInput(RecordError):
    def __init__(self, field: str, problem: str) -> None:
        super().__init__(f"{field}: {problem}")
        self.field = field
        self.problem = problem


class NotFound(RecordError):
    pass


class Conflict(RecordError):
    pass
