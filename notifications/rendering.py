"""Messages from template files: Dutch subject, plain text and HTML, with nothing left undefined."""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

from jinja2 import Environment, FileSystemLoader, StrictUndefined, select_autoescape

from models.core.clock import dutch_date

TEMPLATES = Path(__file__).resolve().parent / "templates"


@dataclass(frozen=True)
class Message:
    subject: str
    text: str
    html: str


@lru_cache(maxsize=1)
def environment() -> Environment:
    env = Environment(
        loader=FileSystemLoader(TEMPLATES),
        undefined=StrictUndefined,
        autoescape=select_autoescape(enabled_extensions=("html",), default_for_string=False),
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
        auto_reload=False,  # templates ship with the code: no file check per message
    )
    env.filters["datum"] = dutch_date
    return env


def render_subject(event: str, context: dict) -> str:
    """Only the subject line (a dry run lists subjects; rendering whole messages would be waste)."""
    return " ".join(environment().get_template(f"{event}.subject.txt").render(context).split())


def render(event: str, context: dict) -> Message:
    env = environment()
    subject = env.get_template(f"{event}.subject.txt").render(context).strip()
    return Message(
        subject=" ".join(subject.split()),
        text=env.get_template(f"{event}.txt").render(context),
        html=env.get_template(f"{event}.html").render(context),
    )
