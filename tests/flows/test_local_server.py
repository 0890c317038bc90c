"""The local Prefect server of `regie up` begins its SQLite transactions IMMEDIATE, so a resume that
reads and then writes waits for another writer instead of failing with "database is locked"."""

from __future__ import annotations

import asyncio
import sqlite3
from contextlib import asynccontextmanager

import pytest


def test_a_read_then_write_transaction_waits_for_another_writer_instead_of_failing(tmp_path):
    import sqlalchemy as sa
    from prefect.server.database import configurations

    from deployments.prefect_server import begin_sqlite_writes_immediately

    url = f"sqlite+aiosqlite:///{tmp_path / 'prefect.db'}"
    config = configurations.AioSqliteConfiguration(connection_url=url)

    async def scenario() -> list[str]:
        engine = await config.engine()
        async with engine.begin() as conn:
            await conn.execute(sa.text("CREATE TABLE runs (id INTEGER PRIMARY KEY, state TEXT)"))
            await conn.execute(sa.text("INSERT INTO runs VALUES (1, 'Suspended')"))
        order: list[str] = []
        first_read = asyncio.Event()

        async def resume():  # reads the run, then sets its state (what a resume does)
            session = await config.session(engine)
            async with config.begin_transaction(session):
                await session.execute(sa.text("SELECT state FROM runs WHERE id = 1"))
                first_read.set()
                await asyncio.sleep(0.5)  # the other writer tries meanwhile
                await session.execute(sa.text("UPDATE runs SET state = 'Resuming' WHERE id = 1"))
                order.append("resume")
            await session.close()

        async def other_writer():
            await first_read.wait()
            session = await config.session(engine)
            async with config.begin_transaction(session):
                await session.execute(sa.text("INSERT INTO runs VALUES (2, 'Scheduled')"))
                order.append("other")
            await session.close()

        try:
            await asyncio.gather(resume(), other_writer())
        finally:
            await engine.dispose()
        return order

    with pytest.raises(Exception, match="database is locked"):  # Prefect's own DEFERRED begin fails
        asyncio.run(scenario())
    (tmp_path / "prefect.db").unlink()
    configurations.ENGINES.clear()
    original = configurations.AioSqliteConfiguration.begin_transaction
    begin_sqlite_writes_immediately()
    try:
        assert asyncio.run(scenario()) == ["resume", "other"]  # the second writer waited its turn
    finally:
        configurations.AioSqliteConfiguration.begin_transaction = original
        configurations.ENGINES.clear()
