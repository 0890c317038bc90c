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


# jsonschema's checks as the pydantic errors whose Dutch words Regie already has (models/core/validation_nl.py)
_AS_PYDANTIC = {"required": "missing", "minLength": "string_too_short", "maxLength": "string_too_long",
                "minimum": "greater_than_equal", "maximum": "less_than_equal", "exclusiveMinimum": "greater_than",
                "exclusiveMaximum": "less_than", "pattern": "value_error"}
_BOUND = {"minimum": "ge", "maximum": "le", "exclusiveMinimum": "gt", "exclusiveMaximum": "lt", "maxLength": "max_length"}
_TYPES = {"integer": "int_type", "number": "float_type", "string": "string_type", "boolean": "bool_type",
          "array": "list_type", "object": "dict_type"}


def dutch_message(error) -> str:
    """One check of a form field, in Dutch with the field's title ('Besluitdatum: verwacht een datum (JJJJ-MM-DD)'),
    in the words Regie uses for a programme file."""
    from models.core.validation_nl import dutch_message as dutch

    kind, value, schema = error.validator, error.validator_value, error.schema if isinstance(error.schema, dict) else {}
    if kind == "required":
        return f"{_title(schema, error.message.partition(' ')[0].strip(chr(39)))}: {dutch({'type': 'missing'})}"
    if kind == "enum":  # a choice: the list is in the field itself
        return f"{_title(schema)}: kies een waarde uit de lijst"
    if kind == "format" and value == "date":
        said = dutch({"type": "date_type"})
    elif kind == "type":
        said = dutch({"type": _TYPES.get(value, "")})
    elif kind == "pattern":
        said = dutch({"type": "value_error", "ctx": {"error": "deze vorm klopt niet"}})
    else:
        said = dutch({"type": _AS_PYDANTIC.get(kind, kind), "ctx": {_BOUND.get(kind, kind): value}})
    return f"{_title(schema)}: {said}"


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
