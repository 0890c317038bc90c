"""Where the register lives, with no database library loaded: the data folder, the URL, the busy timeout
and the newest migration (read-only commands ask these before they decide whether they need SQLAlchemy)."""

from __future__ import annotations

import os
from pathlib import Path

# Kept in step with migrations/versions; a test checks that it names the real head.
LATEST_REVISION = "0012"

SANDBOX_ONLY = ("REGIE_TODAY (en REGIE_TODAY_FILE) werkt alleen op een oefenregister (sandbox), niet op dit register; "
                "maak er een met REGIE_SANDBOX=1 bij het eerste gebruik van een nieuwe datamap")


def data_dir() -> Path:
    """The per-user data folder ($XDG_DATA_HOME/regie, else ~/.local/share/regie)."""
    base = os.environ.get("XDG_DATA_HOME") or str(Path.home() / ".local" / "share")
    return Path(base) / "regie"


def private_data_dir() -> Path:
    """The data folder, created (and kept) readable by its owner only: the register, logs and the
    Prefect database hold who decided what, and on one machine the operating-system user is the
    identity that guards them."""
    folder = data_dir()
    folder.mkdir(parents=True, exist_ok=True, mode=0o700)
    if folder.stat().st_mode & 0o077:
        folder.chmod(0o700)
    return folder


def database_url() -> str:
    """REGIE_DATABASE_URL, else a SQLite file in the per-user data folder."""
    url = os.environ.get("REGIE_DATABASE_URL")
    if url:
        return url
    if any(c in str(data_dir()) for c in "?#%"):  # a URL would cut the path there: the register went elsewhere
        from models.core.errors import InputError

        raise InputError(f"de datamap {data_dir()} bevat '?', '#' of '%'; kies een map zonder die tekens "
                         "(XDG_DATA_HOME) of zet REGIE_DATABASE_URL")
    folder = private_data_dir()
    database = folder / "regie.db"
    if not database.exists():
        database.touch(mode=0o600)
    return f"sqlite:///{database}"


def busy_timeout() -> float:
    """Seconds a SQLite writer waits for another writer before it gives up (REGIE_BUSY_TIMEOUT, default 30)."""
    raw = os.environ.get("REGIE_BUSY_TIMEOUT", "30")
    try:
        seconds = float(raw)
    except ValueError:
        seconds = -1
    if not 0 < seconds <= 3600:
        from models.core.errors import InputError

        raise InputError(f"REGIE_BUSY_TIMEOUT moet een aantal seconden zijn tussen 0 en 3600, niet {raw[:40]!r}")
    return seconds


def sqlite_file() -> Path | None:
    """The register's SQLite file, if the register is one and the file exists (nothing is made here)."""
    url = os.environ.get("REGIE_DATABASE_URL")
    if url:
        if not url.startswith("sqlite:///") or "?" in url:
            return None
        path = Path(url.removeprefix("sqlite:///"))
    else:
        path = data_dir() / "regie.db"
    return path if path.is_file() else None
