"""Sending one message over one Apprise URL; the URL is only ever shown masked."""

from __future__ import annotations

import hashlib
import logging
import re
import threading
from dataclasses import dataclass
from urllib.parse import unquote, urlsplit, urlunsplit
from functools import lru_cache

import apprise

from notifications.rendering import Message

HTML_SCHEMES = ("mailto", "mailtos")


@lru_cache(maxsize=4096)
def mask(url: str) -> str:
    """The URL with its secrets hidden, for logs, artifacts, the ledger and errors.

    First Apprise's privacy form (each plugin hides the fields it declares private: passwords, tokens,
    keys); then what no plugin declares: header values (+Name=...), payload fields (:name=..., -name=...),
    parameters named like a secret, tokens in the path, and for the generic webhooks (json://, xml://,
    form://) every longer path segment, since their path is where a service puts its token."""
    plugin = apprise.Apprise.instantiate(url)
    if not plugin:
        scheme = url.split("://", 1)[0] if "://" in url else "?"
        return f"{scheme}://(ongeldige URL)"
    return _hide_tokens(plugin.url(privacy=True), generic=url.split("://", 1)[0].lower() in GENERIC_SCHEMES)


GENERIC_SCHEMES = frozenset({"json", "jsons", "xml", "xmls", "form", "forms"})
_TOKEN = re.compile(r"^(?=.*\d)(?=.*[A-Za-z])[A-Za-z0-9_\-.~%]{12,}$")
_SECRET_NAME = re.compile(r"token|secret|key|pass|pwd|auth|sig|code|session|cred", re.IGNORECASE)
_FIELD_PREFIXES = ("+", "-", ":")  # Apprise: a header, a payload field removed, a payload field added


def _segment(segment: str, generic: bool) -> str:
    if _TOKEN.match(segment):
        return "****"
    if generic and len(segment) >= 8:
        return f"{segment[0]}...{segment[-1]}"
    return segment


def _hide_tokens(url: str, generic: bool = False) -> str:
    """What Apprise's privacy form leaves: header and payload values, secret-named parameters, path tokens."""
    parts = urlsplit(url)
    path = "/".join(_segment(segment, generic) for segment in parts.path.split("/"))

    def secret(name: str) -> bool:
        plain = unquote(name)
        return plain.startswith(_FIELD_PREFIXES) or bool(_SECRET_NAME.search(plain))

    query = "&".join(
        f"{name}=****" if sep and secret(name) else f"{name}={value}" if sep else name
        for name, sep, value in (pair.partition("=") for pair in parts.query.split("&") if pair)
    )
    return urlunsplit((parts.scheme, parts.netloc, path, query, parts.fragment))


@lru_cache(maxsize=4096)
@lru_cache(maxsize=4096)
def channel_id(url: str, key: str) -> str:
    """An address's name in ledger keys: a keyed hash of the whole URL (every address its own, though two
    may look the same masked), so the ledger holds neither the address nor a hash anyone could test guesses
    against without the register's key."""
    import hmac

    return "k" + hmac.new(key.encode(), url.encode(), hashlib.sha256).hexdigest()[:24]


@lru_cache(maxsize=4096)
def legacy_channel_id(url: str) -> str:
    """The name ledger rows written before the keyed hash carry (a hash of the masked URL as it was then):
    read only, so a message sent before an upgrade is not sent again after it."""
    plugin = apprise.Apprise.instantiate(url)
    if not plugin:
        scheme = url.split("://", 1)[0] if "://" in url else "?"
        masked = f"{scheme}://(ongeldige URL)"
    else:
        parts = urlsplit(plugin.url(privacy=True))
        path = "/".join("****" if _TOKEN.match(segment) else segment for segment in parts.path.split("/"))
        query = "&".join(
            f"{name}=****" if unquote(name).startswith("+") else f"{name}={value}" if sep else name
            for name, sep, value in (pair.partition("=") for pair in parts.query.split("&") if pair))
        masked = urlunsplit((parts.scheme, parts.netloc, path, query, parts.fragment))
    return hashlib.sha256(masked.encode()).hexdigest()[:16]


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


_REDACTING = threading.local()
_URL_IN_TEXT = re.compile(r"\b[a-z][a-z0-9+.-]*://[^\s'\"<>()]+", re.IGNORECASE)


def redact(text: str) -> str:
    """Every URL in a text with its secrets hidden (passwords, tokens in the path, header values)."""
    def hide(match: re.Match) -> str:
        url = match.group(0)
        parts = urlsplit(url)
        if parts.scheme.lower() not in ("http", "https") and not getattr(_REDACTING, "active", False):
            _REDACTING.active = True  # Apprise logs while it reads a URL: that log line is redacted plainly
            try:
                if apprise.Apprise.instantiate(url):
                    return mask(url)  # a channel's URL: its plugin knows which fields are secret
            finally:
                _REDACTING.active = False
        netloc = parts.netloc
        if "@" in netloc:
            credentials, _, host = netloc.rpartition("@")
            user = credentials.split(":", 1)[0]
            netloc = f"{user}:****@{host}" if ":" in credentials else f"****@{host}"
        return _hide_tokens(urlunsplit((parts.scheme, netloc, parts.path, parts.query, parts.fragment)),
                            generic=parts.scheme.lower() in GENERIC_SCHEMES | {"http", "https"})

    text = _URL_IN_TEXT.sub(hide, text)
    return _REQUEST_LINE.sub(lambda m: m.group(1) + _hide_tokens(m.group(2), generic=True) + m.group(3), text)


_REQUEST_LINE = re.compile(r'("(?:GET|POST|PUT|PATCH|DELETE) )(/[^\s"]*)( HTTP/)')


_PAYLOAD_DUMP = re.compile(r"^\s*(JSON|XML|Form)? ?Payload\b", re.IGNORECASE)


class _RedactSecrets(logging.Filter):
    """Apprise logs the URLs it loads and posts to (at debug level): never with their secrets."""

    def filter(self, record: logging.LogRecord) -> bool:
        message = record.getMessage()
        if _PAYLOAD_DUMP.match(message):  # a webhook's whole payload, with any field a URL added to it
            record.msg, record.args = message.split(":", 1)[0] + ": (inhoud weggelaten)", None
            return True
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
