"""Sending one message over one Apprise URL; the URL is only ever shown masked."""

from __future__ import annotations

import hashlib
import logging
import re
from dataclasses import dataclass
from urllib.parse import unquote, urlsplit, urlunsplit
from functools import lru_cache

import apprise

from notifications.rendering import Message

HTML_SCHEMES = ("mailto", "mailtos")


@lru_cache(maxsize=4096)
def mask(url: str) -> str:
    """The URL with its secrets hidden (Apprise's privacy form), for logs, artifacts and errors."""
    plugin = apprise.Apprise.instantiate(url)
    if not plugin:
        scheme = url.split("://", 1)[0] if "://" in url else "?"
        return f"{scheme}://(ongeldige URL)"
    return _hide_tokens(plugin.url(privacy=True))


_TOKEN = re.compile(r"^(?=.*\d)(?=.*[A-Za-z])[A-Za-z0-9_\-.~%]{12,}$")


def _hide_tokens(url: str) -> str:
    """What Apprise's privacy form leaves: header values (+Name=...) and tokens in the path."""
    parts = urlsplit(url)
    path = "/".join("****" if _TOKEN.match(segment) else segment for segment in parts.path.split("/"))
    query = "&".join(
        f"{name}=****" if unquote(name).startswith("+") else f"{name}={value}" if sep else name
        for name, sep, value in (pair.partition("=") for pair in parts.query.split("&") if pair)
    )
    return urlunsplit((parts.scheme, parts.netloc, path, query, parts.fragment))


def channel_id(url: str) -> str:
    """A stable name for a channel in ledger keys, made from the masked URL: the ledger holds no hash
    of a secret that someone could test guesses against."""
    return hashlib.sha256(mask(url).encode()).hexdigest()[:16]


def idempotent_url(url: str, ledger_key: str) -> str:
    """Give a webhook the ledger key as an Idempotency-Key header, so a receiver can drop a repeat.

    Apprise's json:// and xml:// take extra headers as `+Name=value`; other channels have no such
    field and are sent as they are.
    """
    scheme = url.split("://", 1)[0].lower()
    if scheme not in ("json", "jsons", "xml", "xmls"):
        return url
    token = hashlib.sha256(ledger_key.encode()).hexdigest()[:32]
    return f"{url}{'&' if '?' in url else '?'}+Idempotency-Key={token}"


_URL_IN_TEXT = re.compile(r"\b[a-z][a-z0-9+.-]*://[^\s'\"<>()]+", re.IGNORECASE)


def redact(text: str) -> str:
    """Every URL in a text with its secrets hidden (passwords, tokens in the path, header values)."""
    def hide(match: re.Match) -> str:
        url = match.group(0)
        parts = urlsplit(url)
        netloc = parts.netloc
        if "@" in netloc:
            credentials, _, host = netloc.rpartition("@")
            user = credentials.split(":", 1)[0]
            netloc = f"{user}:****@{host}" if ":" in credentials else f"****@{host}"
        return _hide_tokens(urlunsplit((parts.scheme, netloc, parts.path, parts.query, parts.fragment)))

    text = _URL_IN_TEXT.sub(hide, text)
    return _REQUEST_LINE.sub(lambda m: m.group(1) + _hide_tokens(m.group(2)) + m.group(3), text)


_REQUEST_LINE = re.compile(r'("(?:GET|POST|PUT|PATCH|DELETE) )(/[^\s"]*)( HTTP/)')


class _RedactSecrets(logging.Filter):
    """Apprise logs the URLs it loads and posts to (at debug level): never with their secrets."""

    def filter(self, record: logging.LogRecord) -> bool:
        message = record.getMessage()
        cleaned = redact(message)
        if cleaned != message:
            record.msg, record.args = cleaned, None
        return True


for _name in ("apprise", "urllib3.connectionpool"):  # apprise's URLs, and the request lines under it
    logging.getLogger(_name).addFilter(_RedactSecrets())


@dataclass(frozen=True)
class Delivery:
    ok: bool
    error: str | None = None


def send(url: str, message: Message) -> Delivery:
    """Send and report Apprise's verdict; never raise for a channel that is down."""
    bundle = apprise.Apprise()
    if not bundle.add(url):
        return Delivery(False, f"ongeldige Apprise-URL: {mask(url)}")
    html = url.split("://", 1)[0].lower() in HTML_SCHEMES
    try:
        ok = bundle.notify(
            title=message.subject,
            body=message.html if html else message.text,
            body_format=apprise.NotifyFormat.HTML if html else apprise.NotifyFormat.TEXT,
        )
    except Exception as exc:  # noqa: BLE001 - a plugin fault is a failed send, not a crash
        return Delivery(False, f"{type(exc).__name__} bij verzenden via {mask(url)}")
    return Delivery(True) if ok else Delivery(False, f"verzenden via {mask(url)} mislukt")
