"""What the benchmarks share: a scratch register, N copies of a shipped programme, a statement counter."""

from __future__ import annotations

import contextlib
import json
import os
import resource
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))


def run_once(argv: list[str], env: dict, check: bool = False) -> tuple[float, float]:
    """One run of a command as a new process: (wall seconds, CPU seconds of the process and its children)."""
    import subprocess
    import time

    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    started = time.perf_counter()
    subprocess.run(argv, env=env, cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, check=check)
    wall = time.perf_counter() - started
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    return wall, (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)


def emit(figures: dict) -> None:
    print(json.dumps(figures, ensure_ascii=False))


def peak_rss_mb() -> float:
    return round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1)


def scratch_register(database: str | None) -> str:
    """A fresh register: a SQLite file in a temporary folder, or a fresh schema in `database`."""
    if database is None:
        folder = tempfile.mkdtemp(prefix="regie-bench-")
        os.environ["XDG_DATA_HOME"] = folder
        url = f"sqlite:///{folder}/regie.db"
    else:
        import uuid

        from sqlalchemy import create_engine, text

        import atexit

        schema = f"regie_bench_{uuid.uuid4().hex[:8]}"
        admin = create_engine(database)
        with admin.begin() as conn:
            conn.execute(text(f'CREATE SCHEMA "{schema}"'))

        def drop() -> None:
            from models.facts.db import dispose_engines

            dispose_engines()
            with admin.begin() as conn:
                conn.execute(text(f'DROP SCHEMA "{schema}" CASCADE'))

        atexit.register(drop)
        url = f"{database}{'&' if '?' in database else '?'}options=-csearch_path%3D{schema}"
    os.environ["REGIE_DATABASE_URL"] = url
    return url


def programme_copies(count: int, template: str = "inkoop-2026") -> list[Path]:
    """`count` programme files: the shipped template under other keys."""
    text = (ROOT / "programmes" / f"{template}.yaml").read_text(encoding="utf-8")
    folder = Path(tempfile.mkdtemp(prefix="regie-files-"))
    paths = []
    for i in range(count):
        path = folder / f"{template}-{i:05d}.yaml"
        path.write_text(text.replace(f"key: {template}", f"key: {template}-{i:05d}", 1), encoding="utf-8")
        paths.append(path)
    return paths


class StatementCounter:
    """Counts the SQL statements an engine sends (an executemany counts once)."""

    def __init__(self, engine):
        from sqlalchemy import event

        self.count = 0
        event.listen(engine, "before_cursor_execute", self._seen)

    def _seen(self, *args, **kwargs) -> None:
        self.count += 1

    @contextlib.contextmanager
    def measure(self):
        start = self.count
        box = {}
        yield box
        box["statements"] = self.count - start
