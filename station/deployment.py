"""Field deployment: backup and restore, the sync-age station lock, diagnostic reports, and the
self-test of an installed station (the core's half; ``ui.selftest`` adds the Qt checks).

Decisions (see ``docs/deployment.md``):

* **Sync age.** The clock runs from the last *verified* receipt (over the network or from a USB
  receipt import). A station that has never had a receipt counts from the sealing of its oldest
  packet still waiting. The station warns only while something is at risk, that is while packets
  wait for a receipt: a station with nothing waiting (never used, or everything delivered) is not
  warned. ``sync_warn_days`` (station setting, default 14, 0 = never) sets the threshold.
* **Diagnostics** hold versions, counts, sizes, error texts of the transport and device probes;
  never a citizen's name, number, address, form or image, and no operator names.
"""

from __future__ import annotations

import importlib.metadata
import json
import platform
import shutil
import sys
import tempfile
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from sqlalchemy import func, select

from station import __version__, audit, backup, crypto
from station.clock import iso, parse_iso
from station.db import Store, head_revision, pre_migration_backups
from station.errors import StationError, ValidationError
from station.fsutil import atomic_write
from station.keyslots import KeySlots
from station.lifecycle import Role
from station.models import AuditEntry, Operator, Packet, Station
from station.paths import StationPaths

if TYPE_CHECKING:
    from station.devices.registry import DeviceRegistry
    from station.service import StationService

DEFAULT_SYNC_WARN_DAYS = 14
SYNC_WARN_SETTING = "sync_warn_days"
#: Packet states that still wait for a verified receipt.
WAITING = ("queued", "uploading", "uploaded")
#: Audit actions that tell of a failure, listed (time and action only) in the diagnostics.
FAILURE_ACTIONS = (
    "packet.refused",
    "packet.receipt_refused",
    "login.failed",
    "login.refused",
    "login.refused.locked",
)
DIAGNOSTICS_FORMAT = "intake-station/diagnostics"
LOW_DISK_BYTES = 1 << 30
#: Distributions whose versions the diagnostics and the self-test report.
VERSIONED = (
    "PySide6-Essentials",
    "opencv-python-headless",
    "sqlcipher3",
    "SQLAlchemy",
    "alembic",
    "cryptography",
    "numpy",
    "pyscard",
    "wsq",
    "pypdfium2",
)


@dataclass(frozen=True)
class SyncAge:
    """How long the station has gone without a verified sync, and whether to warn at login."""

    last_receipt_at: str | None
    #: Whole days since the last verified receipt (or since the oldest waiting packet was
    #: sealed, when there never was a receipt); None when there is nothing to count from.
    days: int | None
    waiting: int
    warn_days: int
    warn: bool

    def message(self) -> tuple[str, str]:
        """The login-screen warning as a (vi, en) pair (empty texts when there is none)."""
        if not self.warn:
            return ("", "")
        return (
            f"Trạm chưa đồng bộ được {self.days} ngày và còn {self.waiting} gói chưa có biên "
            "nhận. Hãy gửi qua mạng hoặc USB càng sớm càng tốt.",
            f"The station has not had a verified sync for {self.days} days and "
            f"{self.waiting} packets still wait for a receipt. Send them over the network or "
            "by USB as soon as possible.",
        )


@dataclass(frozen=True)
class Check:
    """One line of the self-test: a passed, warned or failed check with what was found."""

    name: str
    ok: bool
    detail: str
    warning: bool = False

    @property
    def status(self) -> str:
        return "FAIL" if not self.ok else ("WARN" if self.warning else "OK")


class Deployment:
    """Reached as ``service.deployment``."""

    def __init__(self, service: StationService) -> None:
        self._svc = service

    # --- backup -----------------------------------------------------------------------------

    def backup(self, dest: Path) -> backup.BackupReport:
        """Write a signed backup folder under ``dest`` (a USB stick); admin only, audited."""
        svc = self._svc
        admin = svc._require(Role.ADMIN)
        with svc.store.read() as s:
            st = s.execute(select(Station)).scalar_one()
            station_id, code, key = st.id, st.code, bytes(st.signing_key)
        report = backup.write(
            svc.paths,
            svc.store,
            station_id=station_id,
            code=code,
            signing_key=key,
            dest=dest,
            now=svc.clock.now(),
        )
        with svc.store.write() as s:
            audit.append(
                s,
                svc.clock.now(),
                admin.operator_id,
                "station.backup",
                station_id,
                {
                    "folder": report.folder.name,
                    "revision": report.manifest.revision,
                    "bytes": report.bytes,
                },
            )
        return report

    def pre_migration_backups(self) -> list[Path]:
        """Copies of the store taken before migrations, oldest first."""
        return pre_migration_backups(self._svc.paths.backups)

    # --- sync age ---------------------------------------------------------------------------

    def sync_warn_days(self) -> int:
        value = self._svc._settings().get(SYNC_WARN_SETTING, DEFAULT_SYNC_WARN_DAYS)
        return int(value) if isinstance(value, int) and value >= 0 else DEFAULT_SYNC_WARN_DAYS

    def set_sync_warn_days(self, days: int) -> None:
        """Days without a verified sync before the login warning (0 = never); admin, audited."""
        svc = self._svc
        admin = svc._require(Role.ADMIN)
        if isinstance(days, bool) or not isinstance(days, int) or not 0 <= days <= 365:
            raise ValidationError(
                "Số ngày cảnh báo đồng bộ phải là số nguyên từ 0 đến 365.",
                "The sync warning days must be a whole number from 0 to 365.",
                field=SYNC_WARN_SETTING,
            )
        now = svc.clock.now()
        with svc.store.write() as s:
            st = s.execute(select(Station)).scalar_one()
            settings = json.loads(st.settings_json)
            settings[SYNC_WARN_SETTING] = days
            st.settings_json = json.dumps(settings)
            audit.append(s, now, admin.operator_id, "settings.sync_warn", "", {"days": days})

    def sync_age(self) -> SyncAge:
        """Days since the last verified sync and whether the login screen should warn."""
        svc = self._svc
        svc.check_session()  # a status read, polled by the window: not operator activity
        warn_days = self.sync_warn_days()
        with svc.store.read() as s:
            last = s.execute(select(func.max(Packet.receipted_at))).scalar_one()
            waiting, oldest = s.execute(
                select(func.count(), func.min(Packet.created_at)).where(Packet.status.in_(WAITING))
            ).one()
        since = last or oldest
        days = None
        if since is not None:
            days = max(0, int((svc.clock.now() - parse_iso(since)).total_seconds() // 86400))
        warn = bool(warn_days and waiting and days is not None and days >= warn_days)
        return SyncAge(last, days, int(waiting), warn_days, warn)

    # --- diagnostics ------------------------------------------------------------------------

    def diagnostics(self, devices: DeviceRegistry | None = None) -> dict[str, Any]:
        """A report for the support desk: no personal data; admin only, audited."""
        svc = self._svc
        admin = svc._require(Role.ADMIN)
        now = svc.clock.now()
        counts = svc.counts_by_state()
        with svc.store.read() as s:
            st = s.execute(select(Station)).scalar_one()
            station = {"id": st.id, "code": st.code, "demo": st.demo}
            outbox = _outbox(s)
            errors = _packet_errors(s)
            failures = _failure_events(s)
            rows = s.execute(select(Operator.role, func.count()).group_by(Operator.role)).all()
            roles = {str(role): int(n) for role, n in rows}
            chain = audit.verify(s)
        report: dict[str, Any] = {
            "format": DIAGNOSTICS_FORMAT,
            "version": 1,
            "generated_at": iso(now),
            "station": station,
            "versions": {
                **versions(),
                "migration_revision": svc.store.revision(),
                "migration_head": head_revision(),
                "sqlcipher": _cipher_version(svc.store),
                "masterdata": _masterdata_version(svc),
            },
            "dossiers_by_state": {state.value: n for state, n in counts.items()},
            "operators_by_role": roles,
            "outbox": outbox,
            "sync": _sync_age_doc(self.sync_age()),
            "last_sync_errors": errors,
            "failure_events": failures,
            "audit_chain": {"ok": chain.ok, "entries": chain.entries},
            "devices": probe_devices(devices),
            "storage": storage(svc.paths),
            "settings": _safe_settings(svc._settings()),
        }
        with svc.store.write() as s:
            audit.append(s, now, admin.operator_id, "diagnostics.exported", "", {})
        return report

    def write_diagnostics(self, dest: Path, devices: DeviceRegistry | None = None) -> Path:
        """The diagnostic report as ``dest/diagnostics-<code>-<time>.json`` (atomic write)."""
        report = self.diagnostics(devices)
        stamp = self._svc.clock.now().strftime("%Y%m%dT%H%M%SZ")
        path = dest / f"diagnostics-{report['station']['code']}-{stamp}.json"
        atomic_write(path, json.dumps(report, indent=2, ensure_ascii=False).encode(), 0o644)
        return path


# --- pieces of the diagnostics --------------------------------------------------------------


def versions() -> dict[str, str]:
    """The program's version and its main libraries' (from their installed metadata)."""
    found = {
        "app": __version__,
        "python": platform.python_version(),
        "platform": platform.platform(),
        "frozen": str(bool(getattr(sys, "frozen", False))).lower(),
    }
    for dist in VERSIONED:
        try:
            found[dist] = importlib.metadata.version(dist)
        except importlib.metadata.PackageNotFoundError:
            found[dist] = "unknown"
    if found["opencv-python-headless"] == "unknown":
        import cv2

        found["opencv-python-headless"] = str(cv2.__version__)
    return found


def _cipher_version(store: Store) -> str:
    with store.engine.connect() as conn:
        row = conn.exec_driver_sql("PRAGMA cipher_version").first()
        lite = conn.exec_driver_sql("SELECT sqlite_version()").scalar_one()
    return f"{row[0] if row else '?'} (SQLite {lite})"


def _masterdata_version(svc: StationService) -> str:
    try:
        return svc.masterdata.version
    except StationError as exc:
        return f"unavailable: {exc.en}"


def _outbox(s: Any) -> dict[str, Any]:
    rows = s.execute(
        select(Packet.status, func.count(), func.coalesce(func.sum(Packet.size), 0)).group_by(
            Packet.status
        )
    ).all()
    by_status = {status: {"packets": int(n), "bytes": int(size)} for status, n, size in rows}
    waiting = [v for k, v in by_status.items() if k in WAITING]
    return {
        "waiting_packets": sum(v["packets"] for v in waiting),
        "waiting_bytes": sum(v["bytes"] for v in waiting),
        "by_status": by_status,
    }


def _packet_errors(s: Any, limit: int = 10) -> list[dict[str, Any]]:
    rows = s.execute(
        select(Packet)
        .where(Packet.last_error.is_not(None))
        .order_by(Packet.last_attempt_at.desc())
        .limit(limit)
    ).scalars()
    return [
        {
            "packet_id": p.packet_id,
            "status": p.status,
            "attempts": p.attempts,
            "last_attempt_at": p.last_attempt_at,
            "error": (p.last_error or "")[:300],
        }
        for p in rows
    ]


def _failure_events(s: Any, limit: int = 20) -> list[dict[str, str]]:
    rows = s.execute(
        select(AuditEntry.ts, AuditEntry.action, AuditEntry.subject)
        .where(AuditEntry.action.in_(FAILURE_ACTIONS))
        .order_by(AuditEntry.seq.desc())
        .limit(limit)
    ).all()
    # Packet ids are opaque; login subjects are operator ids, left out.
    return [
        {"ts": ts, "action": action, **({"packet": subject} if action.startswith("packet") else {})}
        for ts, action, subject in rows
    ]


def _sync_age_doc(age: SyncAge) -> dict[str, Any]:
    return {
        "last_receipt_at": age.last_receipt_at,
        "days": age.days,
        "waiting_packets": age.waiting,
        "warn_days": age.warn_days,
        "warn": age.warn,
    }


def _safe_settings(settings: dict[str, Any]) -> dict[str, Any]:
    keep = (
        "receiver_url",
        "bandwidth_cap_bps",
        "retention_days",
        "session_timeout_minutes",
        SYNC_WARN_SETTING,
    )
    return {k: settings[k] for k in keep if k in settings}


def probe_devices(devices: DeviceRegistry | None = None) -> dict[str, Any]:
    """What each device driver sees (names and drivers only), and the PC/SC card readers."""
    from station.devices import DeviceKind
    from station.devices.defaults import registry

    reg = devices or registry()
    found: dict[str, Any] = {}
    for kind in DeviceKind:
        probe = reg.probe(kind)
        found[kind.value] = {
            "devices": [
                {"driver": d.driver, "name": d.name, "simulated": d.simulated}
                for d in probe.devices
            ],
            "problems": dict(probe.problems),
        }
    found["card_readers"] = _card_readers()
    return found


def _card_readers() -> dict[str, Any]:
    try:
        from station.devices.cardreader import CardReader

        reader = CardReader()
        try:
            return {"readers": reader.list_readers(), "problem": None}
        finally:
            reader.close()
    except Exception as exc:  # no pcscd, no library: a finding, not a crash
        return {"readers": [], "problem": f"{type(exc).__name__}: {exc}"[:300]}


def storage(paths: StationPaths) -> dict[str, Any]:
    """Disk free under the data folder, and the sizes of the store and its copies."""
    root = paths.root if paths.root.exists() else paths.root.parent
    usage = shutil.disk_usage(root)
    store_bytes = sum(f.stat().st_size for f in paths.store_dir.glob("station.db*") if f.is_file())
    copies = pre_migration_backups(paths.backups) if paths.backups.exists() else []
    return {
        "disk_free_bytes": usage.free,
        "disk_total_bytes": usage.total,
        "store_bytes": store_bytes,
        "pre_migration_backups": len(copies),
    }


# --- self-test: the core's checks -----------------------------------------------------------


def self_test(
    paths: StationPaths,
    login: tuple[str, str] | None = None,
    devices: DeviceRegistry | None = None,
) -> list[Check]:
    """Checks an installed program can run without a display: store, resources, devices.

    ``login`` (operator id, password) also opens the station's own store; without it the store
    is only checked from outside (slot file, encrypted header) and a scratch store is made.
    """
    steps: list[tuple[str, Callable[[], Check]]] = [
        ("python", _check_python),
        ("encrypted-store", _check_scratch_store),
        ("station", lambda: _check_station(paths, login)),
        ("masterdata", lambda: _check_masterdata(paths)),
        ("face-cascades", _check_cascades),
        ("codecs", _check_codecs),
        ("sample-images", _check_sample_images),
        ("devices", lambda: _check_devices(devices)),
        ("disk", lambda: _check_disk(paths)),
    ]
    return [_guarded(name, step) for name, step in steps]


def _guarded(name: str, step: Callable[[], Check]) -> Check:
    try:
        return step()
    except Exception as exc:  # a self-test reports every failure, it never stops at one
        return Check(name, False, f"{type(exc).__name__}: {exc}")


def _check_python() -> Check:
    frozen = "bundle" if getattr(sys, "frozen", False) else "python"
    return Check("python", True, f"{platform.python_version()} ({frozen}, {sys.executable})")


def _check_scratch_store() -> Check:
    """SQLCipher, WAL and every migration script work: a throwaway store made to head."""
    with tempfile.TemporaryDirectory(prefix="intake-selftest-") as tmp:
        store = Store(Path(tmp) / "scratch.db", crypto.random_key())
        try:
            store.migrate()
            revision = store.revision()
            ok = store.integrity_check() == ["ok"] and revision == head_revision()
            cipher = _cipher_version(store)
        finally:
            store.close()
        header = (Path(tmp) / "scratch.db").read_bytes()[:16]
    encrypted = header != b"SQLite format 3\x00"
    return Check(
        "encrypted-store",
        ok and encrypted,
        f"SQLCipher {cipher}, migrations to {revision}, encrypted={encrypted}",
    )


def _check_station(paths: StationPaths, login: tuple[str, str] | None) -> Check:
    if not paths.is_provisioned():
        return Check("station", True, f"no station provisioned in {paths.root}", warning=True)
    slots = KeySlots(paths.keyslots)
    station_id = slots.station_id
    public = json.loads(paths.public_info.read_text(encoding="utf-8"))
    if public.get("station_id") != station_id:
        return Check("station", False, "station.json and keyslots.json name different stations")
    if paths.database.read_bytes()[:16] == b"SQLite format 3\x00":
        return Check("station", False, f"{paths.database} is NOT encrypted")
    if login is None:
        return Check(
            "station",
            True,
            f"{public.get('code')} {station_id}: slots readable, store encrypted "
            "(not opened: no operator given)",
        )
    from station.service import StationService

    svc = StationService(paths)
    try:
        svc.login(*login)
        revision = svc.store.revision()
        integrity = svc.store.integrity_check()
        counts = svc.counts_by_state()
    finally:
        svc.close()
    ok = integrity == ["ok"] and revision == head_revision()
    return Check(
        "station",
        ok,
        f"{public.get('code')} {station_id}: store opened, revision {revision}, "
        f"integrity {integrity[0] if integrity else '?'}, {sum(counts.values())} dossiers",
    )


def _check_masterdata(paths: StationPaths) -> Check:
    from station import masterdata

    md = masterdata.load(paths.root)
    return Check(
        "masterdata",
        bool(md.provinces and md.communes),
        f"{md.version}: {len(md.provinces)} provinces, {len(md.communes)} communes",
    )


def _check_cascades() -> Check:
    import cv2

    from station.capture.face import CASCADE_DIR, EYE_CASCADE, FACE_CASCADE

    folder = Path(CASCADE_DIR)
    empty = [
        n for n in (FACE_CASCADE, EYE_CASCADE) if cv2.CascadeClassifier(str(folder / n)).empty()
    ]
    return Check(
        "face-cascades",
        not empty,
        f"OpenCV {cv2.__version__}, {folder}" + (f"; missing {', '.join(empty)}" if empty else ""),
    )


def _check_codecs() -> Check:
    """WSQ (fingerprints) and PDFium (scanned papers) load and work."""
    import io

    import numpy as np
    import pypdfium2  # type: ignore[import-untyped]
    import wsq  # type: ignore[import-untyped]  # noqa: F401 - registers the WSQ codec
    from PIL import Image

    ridges = (np.indices((64, 64)).sum(axis=0) % 8 * 32).astype(np.uint8)
    buf = io.BytesIO()
    Image.fromarray(ridges).save(buf, "WSQ")
    back = Image.open(io.BytesIO(buf.getvalue()))
    pdf = pypdfium2.PdfDocument.new()
    pdf.new_page(100, 100)
    pages = len(pdf)
    pdf.close()
    ok = back.size == (64, 64) and pages == 1
    return Check("codecs", ok, f"WSQ {len(buf.getvalue())} bytes, PDFium pypdfium2 {pages} page")


def _check_sample_images() -> Check:
    """The simulated camera's sample pictures (shipped inside scikit-image)."""
    from skimage import data

    shape = data.astronaut().shape  # type: ignore[no-untyped-call]
    return Check("sample-images", len(shape) == 3, f"astronaut {shape[1]}x{shape[0]}")


def _check_devices(devices: DeviceRegistry | None) -> Check:
    found = probe_devices(devices)
    parts = []
    problems = []
    for kind, value in found.items():
        if kind == "card_readers":
            parts.append(f"card readers {len(value['readers'])}")
            if value["problem"]:
                problems.append(f"PC/SC: {value['problem']}")
            continue
        real = sum(1 for d in value["devices"] if not d["simulated"])
        parts.append(f"{kind} {len(value['devices'])} ({real} real)")
        problems.extend(f"{name}: {why}" for name, why in value["problems"].items())
    detail = ", ".join(parts) + (f"; {'; '.join(problems)}" if problems else "")
    return Check("devices", True, detail, warning=bool(problems))


def _check_disk(paths: StationPaths) -> Check:
    info = storage(paths)
    free = info["disk_free_bytes"]
    return Check(
        "disk",
        True,
        f"{free / (1 << 30):.1f} GiB free",
        warning=free < LOW_DISK_BYTES,
    )


@dataclass
class SelfTestReport:
    checks: list[Check] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return all(c.ok for c in self.checks)

    def lines(self) -> list[str]:
        out = [f"[{c.status:>4}] {c.name}: {c.detail}" for c in self.checks]
        failed = [c.name for c in self.checks if not c.ok]
        if failed:
            out.append(
                f"Tự kiểm tra: {len(failed)}/{len(self.checks)} mục LỖI / Self-test: "
                f"{len(failed)} of {len(self.checks)} checks FAILED ({', '.join(failed)})"
            )
        else:
            out.append(
                f"Tự kiểm tra: cả {len(self.checks)} mục đạt / "
                f"Self-test: all {len(self.checks)} checks passed"
            )
        return out

    def to_doc(self) -> dict[str, Any]:
        return {
            "ok": self.ok,
            "checks": [
                {"name": c.name, "status": c.status, "detail": c.detail} for c in self.checks
            ],
        }
