"""The local Prefect server of `regie up`: Prefect's own `prefect server start`, with two changes: one where
its database is SQLite (the embedded default), and the form checks in Dutch.

Prefect begins most of its write transactions on SQLite as DEFERRED: a transaction that first reads
and then writes (resuming a suspended run reads the run, then sets its state) fails at once with
"database is locked" when another writer committed in between; SQLite's busy timeout does not help
there. On a busy machine that happened to a secretary's form in the UI ("Oops. Something went
wrong.", the decision not sent, the inbox waiting for ever). Here every such transaction begins
IMMEDIATE: writers wait their turn (up to SQLite's busy timeout, 60 s in Prefect) instead of failing.
A Prefect server on PostgreSQL is not touched.

It also says the UI's form checks in Dutch (`dutch_form_checks`), on SQLite and PostgreSQL alike.

Run as `python -m deployments.prefect_server --host H --port P` (the arguments of `prefect server
start`).
"""

from __future__ import annotations

import sys
from contextlib import asynccontextmanager


def begin_sqlite_writes_immediately() -> None:
    """Make the SQLite configuration's transactions take the write lock when they begin."""
    from prefect.server.database import configurations

    cls = configurations.AioSqliteConfiguration
    if getattr(cls.begin_transaction, "regie_immediate", False):
        return
    original = cls.begin_transaction

    @asynccontextmanager
    async def begin_transaction(self, session, with_for_update: bool = False):
        async with original(self, session, with_for_update=True) as transaction:
            yield transaction

    begin_transaction.regie_immediate = True
    cls.begin_transaction = begin_transaction


def _title(schema: dict, field: str | None = None) -> str:
    if field is not None:
        schema = (schema.get("properties") or {}).get(field) or {}
    return schema.get("title") or field or "Dit veld"


def dutch_message(error) -> str:
    """One check of a form field, said in Dutch with the field's title ('Besluitdatum: kies een datum')."""
    kind, value, schema = error.validator, error.validator_value, error.schema if isinstance(error.schema, dict) else {}
    if kind == "required":
        field = error.message.partition(" ")[0].strip("'")
        return f"{_title(schema, field)}: verplicht, kies of vul in"
    title = _title(schema)
    if kind == "format" and value == "date":
        return f"{title}: kies een datum (jjjj-mm-dd)"
    if kind == "enum":
        return f"{title}: kies een waarde uit de lijst"
    if kind == "minLength":
        return f"{title}: vul dit in"
    if kind == "maxLength":
        return f"{title}: ten hoogste {value} tekens"
    if kind in ("minimum", "exclusiveMinimum"):
        return f"{title}: {'minstens' if kind == 'minimum' else 'meer dan'} {value}"
    if kind in ("maximum", "exclusiveMaximum"):
        return f"{title}: {'ten hoogste' if kind == 'maximum' else 'minder dan'} {value}"
    if kind == "pattern":
        return f"{title}: deze vorm klopt niet"
    if kind == "type":
        words = {"integer": "een geheel getal", "number": "een getal", "string": "tekst", "boolean": "ja of nee",
                 "array": "een lijst", "object": "velden"}
        return f"{title}: verwacht {words.get(value, value) if isinstance(value, str) else 'een andere waarde'}"
    return f"{title}: ongeldige waarde"


def dutch_form_checks() -> None:
    """The UI checks a form with the server before Submit (`/ui/schemas/validate`) and shows the server's
    words under each field: jsonschema's English ("'programme' is a required property", "'' is not a
    'date'"). Here they are Dutch, with the field's title; what the form then sends, Regie checks again."""
    from prefect.server.api.ui import schemas as ui

    original = ui.build_error_obj
    if getattr(original, "regie_dutch", False):
        return

    def build_error_obj(errors):
        errors = list(errors)
        words = {e.message: dutch_message(e) for e in errors}
        return _replaced(original(errors), words)

    build_error_obj.regie_dutch = True
    ui.build_error_obj = build_error_obj


def _replaced(found, words: dict):
    if isinstance(found, str):
        return words.get(found, found)
    if isinstance(found, list):
        return [_replaced(x, words) for x in found]
    if isinstance(found, dict):
        return {k: _replaced(v, words) if k == "errors" else v for k, v in found.items()}
    return found


def main() -> int:
    begin_sqlite_writes_immediately()
    dutch_form_checks()
    from prefect.cli import app

    sys.argv = ["prefect", "server", "start", *sys.argv[1:]]
    return app()


if __name__ == "__main__":
    sys.exit(main())
