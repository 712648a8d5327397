"""The receiver's schema migrations (Alembic), run on a connection the receiver opened itself.

``upgrade`` runs in one transaction: on PostgreSQL under an advisory lock, on SQLite under
``BEGIN IMMEDIATE``, so receivers started at once on one database migrate it once. The version
is kept in ``receiver_alembic_version``.
"""

from __future__ import annotations

from pathlib import Path

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import Engine, text

VERSION_TABLE = "receiver_alembic_version"
#: ``pg_advisory_xact_lock`` key of the receiver's migrations (any fixed 64-bit number).
_LOCK_KEY = 0x1A7A_4E5C


def alembic_config() -> Config:
    cfg = Config()
    cfg.set_main_option("script_location", str(Path(__file__).parent))
    return cfg


def head_revision() -> str:
    head = ScriptDirectory.from_config(alembic_config()).get_current_head()
    assert head is not None
    return head


def current_revision(engine: Engine) -> str | None:
    with engine.connect() as conn:
        context = MigrationContext.configure(conn, opts={"version_table": VERSION_TABLE})
        return context.get_current_revision()


def upgrade(engine: Engine, data_dir: Path | None, revision: str = "head") -> None:
    """Apply the migrations up to ``revision``; ``data_dir`` is where a receiver of an earlier
    version kept partial uploads and packet files (moved into the database)."""
    cfg = alembic_config()
    with engine.begin() as conn:
        if conn.dialect.name == "postgresql":
            conn.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": _LOCK_KEY})
        cfg.attributes["connection"] = conn
        cfg.attributes["data_dir"] = data_dir
        command.upgrade(cfg, revision)
