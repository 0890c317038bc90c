"""An assessment's offers as plain rows, and the hash that pins an import's content."""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass


@dataclass(frozen=True)
class OfferRow:
    row: int
    lot: str
    provider: str
    requirements_met: bool
    reason: str | None
    scores: dict


def content_hash(rows: list[OfferRow]) -> str:
    plain = [[r.lot, r.provider, r.requirements_met, r.reason, sorted(r.scores.items())] for r in rows]
    return hashlib.sha256(json.dumps(plain, ensure_ascii=False).encode()).hexdigest()
