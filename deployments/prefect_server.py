"""The local Prefect server of `regie up`: Prefect's own `prefect server start`, with one change where
its database is SQLite (the embedded default).

Prefect begins most of its write transactions on SQLite as DEFERRED: a transaction that first reads
and then writes (resuming a suspended run reads the run, then sets its state) fails at once with
"database is locked" when another writer committed in between; SQLite's busy timeout does not help
there. On a busy machine that happened to a secretary's form in the UI ("Oops. Something went
wrong.", the decision not sent, the inbox waiting for ever). Here every such transaction begins
IMMEDIATE: writers wait their turn (up to SQLite's busy timeout, 60 s in Prefect) instead of failing.
A Prefect server on PostgreSQL is not touched.

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


def main() -> int:
    begin_sqlite_writes_immediately()
    from prefect.cli import app

    sys.argv = ["prefect", "server", "start", *sys.argv[1:]]
    return app()


if __name__ == "__main__":
    sys.exit(main())
