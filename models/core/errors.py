"""Errors a person can act on: the message says what is wrong, in Dutch, in one line where it can."""


class InputError(ValueError):
    """Bad input from a user or a file; nothing was written."""


class NotFound(InputError):
    """An unknown programme, decision point, body or decision."""
