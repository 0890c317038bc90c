"""Text a person types, checked before the database sees it: the same answer on SQLite and PostgreSQL."""

from __future__ import annotations

import errno
import re
import unicodedata

from models.core.errors import InputError

_CONTROL = re.compile(r"[\x00-\x1f\x7f-\x9f\u2028\u2029]")


_OS_ERRORS = {
    errno.ENOENT: "het bestand of de map bestaat niet",
    errno.EACCES: "geen toegang (rechten)",
    errno.EPERM: "niet toegestaan",
    errno.EISDIR: "dit is een map, geen bestand",
    errno.ENOTDIR: "een deel van het pad is geen map",
    errno.ENOSPC: "de schijf is vol",
    errno.EROFS: "alleen-lezen bestandssysteem",
    errno.ELOOP: "te veel symbolische koppelingen (een lus)",
    errno.ENAMETOOLONG: "de naam is te lang",
    errno.EEXIST: "bestaat al",
}


def os_reason(exc: OSError) -> str:
    """Why a file could not be read or written, in Dutch (the operating system's own words are English)."""
    return _OS_ERRORS.get(exc.errno, f"systeemfout {exc.errno}" if exc.errno else "onbekende systeemfout")


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


def clip(text: str, limit: int) -> str:
    """At most `limit` characters for a person to read: cut after a whole word, with '…' (never mid-word)."""
    if len(text) <= limit:
        return text
    cut = text[: limit - 1]
    space = cut.rfind(" ")
    if space > limit // 2:  # a word boundary not too far back: cut there
        cut = cut[:space]
    return cut.rstrip(" ,;:(") + "…"


def join_whole(items: list[str], limit: int, sep: str = "; ") -> str:
    """As many whole items as fit in `limit` characters, then how many more ('; en 24 meer'); an item is never
    cut unless the first alone is too long (then cut after a whole word)."""
    shown: list[str] = []
    for item in items:
        rest = len(items) - len(shown) - 1
        tail = f"{sep}en {rest} meer" if rest else ""
        if len(sep.join(shown + [item]) + tail) > limit:
            break
        shown.append(item)
    if not shown and items:
        return clip(items[0], limit)
    more = len(items) - len(shown)
    return sep.join(shown) + (f"{sep}en {more} meer" if more else "")


def clean_line(value: str | None, field: str, limit: int) -> str | None:
    """Typed text with invisible or direction-changing characters refused and runs of spaces made one."""
    text = clean_text(value, field, limit)
    if text is None:
        return None
    if any(unicodedata.category(ch) == "Cf" for ch in text):
        raise InputError(f"{field}: bevat een onzichtbaar opmaak- of richtingsteken; gebruik gewone tekst")
    return " ".join(text.split())


_SLUG = re.compile(r"[a-z0-9]+(-[a-z0-9]+)*")


def shown(text) -> str:
    """A text as it may be printed in a message: no control characters, not endless."""
    return printable(text, 60)


def is_slug(text) -> bool:
    return isinstance(text, str) and len(text) <= 64 and _SLUG.fullmatch(text) is not None
