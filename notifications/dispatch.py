"""Sending one message over one Apprise URL; the URL is only ever shown masked."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
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
    return plugin.url(privacy=True)


def channel_id(url: str) -> str:
    """A stable, secret-free name for a channel in ledger keys."""
    return hashlib.sha256(url.encode()).hexdigest()[:16]


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
