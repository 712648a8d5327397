"""Migrations: a store made by the first revision upgrades in place; models match the head."""

from __future__ import annotations

from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext

from station.db import Store, head_revision
from station.models import Base
from station.service import StationService
from tests.conftest import ADMIN_PW, FakeClock


def test_models_match_migration_head(admin: StationService) -> None:
    assert admin.store.revision() == head_revision()
    with admin.store.engine.connect() as conn:
        context = MigrationContext.configure(
            conn,
            opts={
                # The FTS5 index and its shadow tables are made by raw SQL in 0003.
                "include_name": lambda name, type_, parent: (
                    not (type_ == "table" and (name or "").startswith("residents_fts"))
                )
            },
        )
        diff = compare_metadata(context, Base.metadata)
    assert diff == []


def test_store_from_first_revision_upgrades(admin: StationService, clock: FakeClock) -> None:
    # Rebuild the admin's store as the first release left it: schema at 0001, data in it.
    key = admin.store.key
    path = admin.paths.database
    admin.close()
    for f in path.parent.glob("station.db*"):
        f.unlink()
    old = Store(path, key)
    old.migrate("0001")
    with old.engine.begin() as conn:
        for sql in OLD_ROWS:
            conn.exec_driver_sql(sql)
    assert old.revision() == "0001"
    with old.engine.connect() as conn:
        triggers = conn.exec_driver_sql("SELECT name FROM sqlite_master WHERE type='trigger'")
        assert triggers.all() == []
    old.close()

    svc = StationService(admin.paths, clock)
    svc.login("admin", ADMIN_PW)  # opening the store applies the pending migrations
    assert svc.store.revision() == head_revision()
    with svc.store.engine.connect() as conn:
        names = {r[0] for r in conn.exec_driver_sql("SELECT name FROM sqlite_master")}
        assert {"audit_log_no_update", "audit_log_no_delete", "ix_dossiers_state"} <= names
        row = conn.exec_driver_sql("SELECT number, state, form_json FROM dossiers").one()
    assert row == ("TN-001-20240701-0001", "captured", '{"full_name": "Đỗ Văn Cũ"}')
    assert svc.station_info().code == "TN-001"
    svc.close()


OLD_ROWS = [
    "INSERT INTO station VALUES ('st-1','TN-001','Trạm cũ','2024-07-01T00:00:00.000000Z',0,"
    "X'" + "11" * 32 + "','" + "A" * 10 + "','{}')",
    "INSERT INTO operators VALUES ('admin','Nguyễn Thị Ánh','admin',0,0,"
    "'2024-07-01T00:00:00.000000Z','2024-07-01T00:00:00.000000Z',NULL)",
    "INSERT INTO dossiers VALUES ('d1','TN-001-20240701-0001','first_issue','captured',"
    "'{\"full_name\": \"Đỗ Văn Cũ\"}','admin',NULL,'2024-07-01T00:00:00.000000Z',"
    "'2024-07-01T00:00:00.000000Z','2024-07-01T00:00:00.000000Z',NULL,2)",
]
