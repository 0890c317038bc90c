"""Text a person types, checked before the database sees it: the same answer on SQLite and PostgreSQL."""

from __future__ import annotations

import re

from models.errors import InputError

_CONTROL = re.compile(r"[\x00-\x1f\x7f-\x9f\u2028\u2029]")


def clean_text(value: str | None, field: str, max_length: int, *, required: str | None = None) -> str | None:
    """The text stripped, or None when empty; refused when too long or with control characters (newlines too),
    which could forge a line in the register's output."""
    text = (value or "").strip()
    if not text:
        if required:  # the message for a missing value
            raise InputError(required)
        return None
    if _CONTROL.search(text):
        raise InputError(f"{field}: bevat een stuurteken of regeleinde; gebruik één regel gewone tekst")
    if len(text) > max_length:
        raise InputError(f"{field}: te lang ({len(text)} tekens, ten hoogste {max_length})")
    return text


def printable(value, limit: int = 60) -> str:
    """Any value as it may be shown or stored beside a refusal: control characters as '?', not endless."""
    text = _CONTROL.sub("?", str(value))
    return text if len(text) <= limit else text[: limit - 3] + "..."
