"""Who is told what: recipients, their roles and their Apprise URLs, from a file and the environment.

The file is named by REGIE_RECIPIENTS_FILE (default: recipients.yaml in the data folder). URLs may
say ${NAME} to take a secret from the environment, so no password needs to stand in a file.
REGIE_NOTIFY_URLS (comma-separated) adds a programme-office recipient without any file.
"""

from __future__ import annotations

import os
import re
from enum import StrEnum
from pathlib import Path

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator

from models.facts.db import data_dir
from models.core.errors import InputError


class Role(StrEnum):
    PROGRAMME_OFFICE = "programme-office"
    PROCUREMENT_LEAD = "procurement-lead"
    SECRETARY = "secretary"
    COMMUNICATIONS = "communications"
    PROVIDER = "provider"


class Recipient(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    name: str = Field(min_length=1)
    role: Role
    body: str | None = None  # for a secretary: the college (slug) they serve
    programmes: list[str] = []  # empty: every programme
    urls: list[str] = Field(min_length=1)

    @field_validator("urls")
    @classmethod
    def _expand(cls, urls: list[str]) -> list[str]:
        out = []
        for url in urls:
            missing = [name for name in re.findall(r"\$\{(\w+)\}", url) if name not in os.environ]
            if missing:
                raise ValueError(f"omgevingsvariabele {', '.join(missing)} is niet gezet")
            out.append(re.sub(r"\$\{(\w+)\}", lambda m: os.environ[m.group(1)], url))
        return out

    def serves(self, programme: str) -> bool:
        return not self.programmes or programme in self.programmes


class RecipientsFile(BaseModel):
    model_config = ConfigDict(extra="forbid")

    recipients: list[Recipient] = []


def recipients_file() -> Path:
    return Path(os.environ.get("REGIE_RECIPIENTS_FILE") or data_dir() / "recipients.yaml")


def load_recipients(path: Path | None = None) -> list[Recipient]:
    path = path or recipients_file()
    recipients: list[Recipient] = []
    if path.exists():
        try:
            data = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
            recipients = RecipientsFile.model_validate(data).recipients
        except yaml.YAMLError as exc:
            raise InputError(f"{path}: geen geldige YAML: {exc}") from None
        except ValidationError as exc:
            first = exc.errors()[0]
            where = ".".join(str(p) for p in first["loc"])
            raise InputError(f"{path}: {where}: {first['msg'].removeprefix('Value error, ')}") from None
    extra = [u.strip() for u in os.environ.get("REGIE_NOTIFY_URLS", "").split(",") if u.strip()]
    if extra:
        recipients.append(Recipient(name="Programmabureau", role=Role.PROGRAMME_OFFICE, urls=extra))
    return recipients
