"""Backup of a station to a folder (a USB stick), and restore onto a fresh install of it.

A backup is one folder, ``intake-backup-<code>-<UTC time>``, holding:

* ``station.db``: a consistent copy of the SQLCipher store (SQLite's online backup), still
  encrypted with the station's database key: the stick alone reveals nothing;
* ``keyslots.json``: the key slots that wrap that key (per operator, and the recovery slot), as
  they were when the backup was made: restoring needs a password valid *then*;
* ``station.json``: the public facts shown before login;
* ``manifest.json``, written last: station id and code, creation time, program version,
  migration revision, the station's Ed25519 public key, and each file's size and SHA-256, signed
  by the station's key. A folder without a manifest is an unfinished backup and is refused.

Restore checks, in this order, and stops at the first failure with nothing changed: the
manifest's signature and every file's size and hash; that the target data folder is empty or
holds **the same station id** (a backup never lands on another station); that the backup's key
slots open with an administrator's password or with the recovery key; that the store opens,
passes SQLite's integrity check, and carries the same station id and the very key that signed
the manifest. The files are copied (and hashed again) into a staging folder beside the store,
the current store is renamed aside into ``replaced/``, the staged one renamed into place and
opened there; if that fails the current store is put back.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import json
import os
import shutil
import uuid
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives.asymmetric import ed25519
from sqlalchemy import select

from station import __version__, audit, crypto
from station.clock import iso
from station.db import Store
from station.errors import AuthenticationError, PermissionDeniedError, StoreError, ValidationError
from station.fsutil import atomic_write, fsync_dir
from station.keyslots import KeySlots
from station.lifecycle import SYSTEM, Role
from station.models import Operator, Station
from station.packet import canonical
from station.paths import StationPaths

FORMAT = "intake-station/backup"
VERSION = 1
SIGNATURE_PREFIX = b"intake-station/backup/v1\x00"
MANIFEST = "manifest.json"
DB_FILE = "station.db"
SLOTS_FILE = "keyslots.json"
PUBLIC_FILE = "station.json"
FILES = (DB_FILE, SLOTS_FILE, PUBLIC_FILE)
FOLDER_PREFIX = "intake-backup-"
_CHUNK = 1024 * 1024


@dataclass(frozen=True)
class BackupFile:
    name: str
    size: int
    sha256: str


@dataclass(frozen=True)
class Manifest:
    station_id: str
    code: str
    created_at: str
    app_version: str
    revision: str
    public_key: str  # the station's Ed25519 public key, base64
    files: tuple[BackupFile, ...]

    def to_doc(self) -> dict[str, Any]:
        return {
            "format": FORMAT,
            "version": VERSION,
            "station_id": self.station_id,
            "code": self.code,
            "created_at": self.created_at,
            "app_version": self.app_version,
            "revision": self.revision,
            "public_key": self.public_key,
            "files": [{"name": f.name, "size": f.size, "sha256": f.sha256} for f in self.files],
        }

    @classmethod
    def from_doc(cls, doc: Any) -> Manifest:
        if not isinstance(doc, dict) or doc.get("format") != FORMAT:
            raise ValueError("not an intake-station backup manifest")
        if doc.get("version") != VERSION:
            raise ValueError(f"unsupported backup version {doc.get('version')!r}")
        files = tuple(
            BackupFile(str(f["name"]), int(f["size"]), str(f["sha256"])) for f in doc["files"]
        )
        if sorted(f.name for f in files) != sorted(FILES):
            raise ValueError("the manifest does not list exactly the files of a backup")
        return cls(
            station_id=str(doc["station_id"]),
            code=str(doc["code"]),
            created_at=str(doc["created_at"]),
            app_version=str(doc["app_version"]),
            revision=str(doc["revision"]),
            public_key=str(doc["public_key"]),
            files=files,
        )


@dataclass(frozen=True)
class BackupReport:
    folder: Path
    manifest: Manifest

    @property
    def bytes(self) -> int:
        return sum(f.size for f in self.manifest.files)


@dataclass(frozen=True)
class RestoreReport:
    station_id: str
    code: str
    revision: str
    created_at: str
    #: Where the store that was there before now lies (None on an empty data folder).
    replaced: Path | None


def _invalid(vi: str, en: str) -> ValidationError:
    return ValidationError(vi, en, field="backup", code="backup_invalid")


def _wrong_station(backup_id: str, backup_code: str, target_id: str) -> ValidationError:
    return ValidationError(
        f"Bản sao lưu là của trạm {backup_code} ({backup_id}), không phải trạm đã cài ở đây "
        f"({target_id}); không khôi phục sang trạm khác.",
        f"The backup belongs to station {backup_code} ({backup_id}), not to the station "
        f"installed here ({target_id}); a backup is never restored onto another station.",
        field="station",
        code="wrong_station",
    )


def file_digest(path: Path) -> tuple[int, str]:
    """Size and SHA-256 (hex) of a file, read in chunks."""
    h = hashlib.sha256()
    size = 0
    with open(path, "rb") as fh:
        while chunk := fh.read(_CHUNK):
            h.update(chunk)
            size += len(chunk)
    return size, h.hexdigest()


def _sign(private_raw: bytes, doc: dict[str, Any]) -> str:
    key = ed25519.Ed25519PrivateKey.from_private_bytes(private_raw)
    return base64.b64encode(key.sign(SIGNATURE_PREFIX + canonical(doc))).decode("ascii")


def _signature_ok(public_b64: str, doc: dict[str, Any], signature: str) -> bool:
    try:
        public = ed25519.Ed25519PublicKey.from_public_bytes(crypto.b64d(public_b64))
        raw = base64.b64decode(signature.encode("ascii"), validate=True)
        public.verify(raw, SIGNATURE_PREFIX + canonical(doc))
    except (InvalidSignature, ValueError, binascii.Error, UnicodeEncodeError):
        return False
    return True


# --- writing ----------------------------------------------------------------------------------


def write(
    paths: StationPaths,
    store: Store,
    *,
    station_id: str,
    code: str,
    signing_key: bytes,
    dest: Path,
    now: datetime,
) -> BackupReport:
    """Write a backup folder under ``dest`` (created if needed); the manifest goes last."""
    stamp = now.strftime("%Y%m%dT%H%M%SZ")
    folder = dest / f"{FOLDER_PREFIX}{code}-{stamp}"
    if folder.exists():
        folder = dest / f"{FOLDER_PREFIX}{code}-{stamp}-{uuid.uuid4().hex[:6]}"
    try:
        folder.mkdir(parents=True)
    except OSError as exc:
        raise ValidationError(
            f"Không tạo được thư mục sao lưu trong {dest}: {exc.strerror}.",
            f"Cannot create the backup folder in {dest}: {exc.strerror}.",
            field="folder",
        ) from exc
    revision = store.revision()
    if revision is None:
        raise StoreError("Kho dữ liệu chưa có lược đồ.", "The store has no schema yet.")
    store.backup_to(folder / DB_FILE)
    slots_doc = KeySlots(paths.keyslots).read()
    atomic_write(folder / SLOTS_FILE, slots_doc.to_json())
    atomic_write(folder / PUBLIC_FILE, paths.public_info.read_bytes(), 0o644)
    files = []
    for name in FILES:
        size, digest = file_digest(folder / name)
        files.append(BackupFile(name, size, digest))
    manifest = Manifest(
        station_id=station_id,
        code=code,
        created_at=iso(now),
        app_version=__version__,
        revision=revision,
        public_key=crypto.b64e(crypto.ed25519_public(signing_key)),
        files=tuple(files),
    )
    doc = manifest.to_doc()
    body = {"manifest": doc, "signature": _sign(signing_key, doc)}
    atomic_write(folder / MANIFEST, json.dumps(body, indent=2, ensure_ascii=False).encode(), 0o644)
    fsync_dir(dest)
    return BackupReport(folder, manifest)


# --- checking -----------------------------------------------------------------------------------


def verify(folder: Path) -> Manifest:
    """The backup's manifest, once its signature and every file's size and hash check out."""
    try:
        body = json.loads((folder / MANIFEST).read_bytes())
    except FileNotFoundError as exc:
        raise _invalid(
            f"{folder}: không có {MANIFEST}; bản sao lưu chưa ghi xong hoặc không phải "
            "bản sao lưu.",
            f"{folder}: no {MANIFEST}; the backup is unfinished or not a backup.",
        ) from exc
    except (OSError, ValueError) as exc:
        raise _invalid(
            f"{folder / MANIFEST}: không đọc được ({exc}).",
            f"{folder / MANIFEST}: unreadable ({exc}).",
        ) from exc
    try:
        doc, signature = body["manifest"], body["signature"]
        manifest = Manifest.from_doc(doc)
    except (KeyError, TypeError, ValueError) as exc:
        raise _invalid(
            f"{folder / MANIFEST}: sai định dạng ({exc}).",
            f"{folder / MANIFEST}: malformed ({exc}).",
        ) from exc
    if not isinstance(signature, str) or not _signature_ok(manifest.public_key, doc, signature):
        raise _invalid(
            f"{folder / MANIFEST}: chữ ký không hợp lệ; bản sao lưu đã bị sửa.",
            f"{folder / MANIFEST}: the signature does not verify; the backup was altered.",
        )
    for f in manifest.files:
        _check_file(folder / f.name, f)
    return manifest


def _check_file(path: Path, expected: BackupFile) -> None:
    try:
        size, digest = file_digest(path)
    except OSError as exc:
        raise _invalid(
            f"{path}: không đọc được ({exc.strerror}).", f"{path}: unreadable ({exc.strerror})."
        ) from exc
    if size != expected.size or digest != expected.sha256:
        raise _invalid(
            f"{path}: kích thước hoặc mã băm không khớp bảng kê; tệp hỏng hoặc bị sửa.",
            f"{path}: size or SHA-256 differs from the manifest; the file is damaged or altered.",
        )


def installed_station_id(paths: StationPaths) -> str | None:
    """The station id of the data folder (None when no station is installed there).

    Read from the key slot file, else from ``station.json``. A store folder from which neither
    can be read is refused: it may be a station, and only the administrator can say which.
    """
    if not paths.store_dir.exists():
        return None
    try:
        return KeySlots(paths.keyslots).station_id
    except StoreError:
        pass
    try:
        value = json.loads(paths.public_info.read_text(encoding="utf-8"))["station_id"]
    except (OSError, ValueError, KeyError, TypeError) as exc:
        raise StoreError(
            f"Thư mục {paths.store_dir} có dữ liệu nhưng không rõ của trạm nào; hãy chuyển nó "
            "đi chỗ khác rồi khôi phục lại.",
            f"{paths.store_dir} holds data of no identifiable station; move it elsewhere, then "
            "restore again.",
        ) from exc
    return str(value)


# --- restoring ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class Credentials:
    """An administrator's id and password, or the recovery private key."""

    operator_id: str | None = None
    password: str | None = None
    recovery_key: crypto.HpkePrivateKey | None = None

    @property
    def by_recovery(self) -> bool:
        return self.recovery_key is not None


def restore(
    paths: StationPaths, folder: Path, credentials: Credentials, now: datetime
) -> RestoreReport:
    """Restore the backup in ``folder`` into ``paths`` (see the module text for the checks)."""
    manifest = verify(folder)
    target = installed_station_id(paths)
    if target is not None and target != manifest.station_id:
        raise _wrong_station(manifest.station_id, manifest.code, target)
    paths.root.mkdir(parents=True, exist_ok=True)
    for leftover in paths.root.glob(".restore-*"):
        shutil.rmtree(leftover, ignore_errors=True)  # a restore that died before its rename
    stage = paths.root / f".restore-{uuid.uuid4().hex}"
    stage.mkdir(mode=0o700)
    try:
        for f in manifest.files:
            _copy_checked(folder / f.name, stage / f.name, f)
        fsync_dir(stage)
        staged = StationPaths(paths.root, store_dir_name=stage.name)
        key = _unlock(staged, manifest, credentials, now)
        _check_and_mark(staged, key, manifest, credentials, now)
        replaced = _swap(paths, stage, now)
    except BaseException:
        shutil.rmtree(stage, ignore_errors=True)
        raise
    try:
        _check_opens(paths.database, key)
    except BaseException:
        _undo_swap(paths, replaced)
        raise
    return RestoreReport(
        manifest.station_id, manifest.code, manifest.revision, manifest.created_at, replaced
    )


def _copy_checked(src: Path, dst: Path, expected: BackupFile) -> None:
    """Copy while hashing, so that what was checked is what lands (a stick may change)."""
    h = hashlib.sha256()
    size = 0
    with open(src, "rb") as fin, open(dst, "wb") as fout:
        os.fchmod(fout.fileno(), 0o600 if expected.name != PUBLIC_FILE else 0o644)
        while chunk := fin.read(_CHUNK):
            h.update(chunk)
            size += len(chunk)
            fout.write(chunk)
        fout.flush()
        os.fsync(fout.fileno())
    if size != expected.size or h.hexdigest() != expected.sha256:
        raise _invalid(
            f"{src}: tệp thay đổi trong khi chép; hãy kiểm tra ổ USB.",
            f"{src}: the file changed while it was copied; check the USB drive.",
        )


def _unlock(
    staged: StationPaths, manifest: Manifest, credentials: Credentials, now: datetime
) -> bytes:
    slots = KeySlots(staged.keyslots)
    if slots.station_id != manifest.station_id:
        raise _invalid(
            "Tệp khóa trong bản sao lưu thuộc trạm khác với bảng kê.",
            "The key slot file in the backup belongs to another station than the manifest.",
        )
    if credentials.recovery_key is not None:
        return slots.recover(credentials.recovery_key)
    if not credentials.operator_id or not credentials.password:
        raise AuthenticationError(
            "Cần mật khẩu quản trị hoặc khóa khôi phục để khôi phục.",
            "Restoring needs an administrator's password or the recovery key.",
            field="password",
        )
    return slots.unlock(credentials.operator_id, credentials.password, now)


def _check_and_mark(
    staged: StationPaths, key: bytes, manifest: Manifest, credentials: Credentials, now: datetime
) -> None:
    """Open the staged store: same station, same key as the signer, an admin; audit it."""
    store = Store(staged.database, key)
    try:
        if store.revision() != manifest.revision or store.integrity_check() != ["ok"]:
            raise _invalid(
                "Kho dữ liệu trong bản sao lưu không nguyên vẹn.",
                "The store in the backup fails its integrity check.",
            )
        with store.write() as s:
            st = s.execute(select(Station)).scalar_one()
            public = crypto.b64e(crypto.ed25519_public(st.signing_key))
            if st.id != manifest.station_id or public != manifest.public_key:
                raise _invalid(
                    "Kho dữ liệu trong bản sao lưu không khớp chữ ký của bảng kê.",
                    "The store in the backup does not match the key that signed the manifest.",
                )
            actor = SYSTEM
            if not credentials.by_recovery:
                actor = credentials.operator_id or ""
                op = s.get(Operator, actor)
                if op is None or op.disabled or op.role != Role.ADMIN.value:
                    raise PermissionDeniedError(
                        "Chỉ quản trị viên (hoặc khóa khôi phục) mới được khôi phục trạm.",
                        "Only an administrator (or the recovery key) may restore a station.",
                        field="operator_id",
                    )
            audit.append(
                s,
                now,
                actor,
                "station.restored",
                st.id,
                {
                    "backup_created_at": manifest.created_at,
                    "revision": manifest.revision,
                    "app_version": manifest.app_version,
                    "via": "recovery_key" if credentials.by_recovery else "password",
                },
            )
    finally:
        store.close()


def _swap(paths: StationPaths, stage: Path, now: datetime) -> Path | None:
    """Set the current store aside (if any) and move the staged one into its place."""
    replaced: Path | None = None
    if paths.store_dir.exists():
        paths.replaced.mkdir(mode=0o700, exist_ok=True)
        replaced = paths.replaced / f"store-{now.strftime('%Y%m%dT%H%M%SZ')}-{uuid.uuid4().hex[:6]}"
        os.rename(paths.store_dir, replaced)
        fsync_dir(paths.replaced)
    os.rename(stage, paths.store_dir)
    fsync_dir(paths.root)
    return replaced


def _undo_swap(paths: StationPaths, replaced: Path | None) -> None:
    failed = paths.root / f".restore-failed-{uuid.uuid4().hex}"
    os.rename(paths.store_dir, failed)
    if replaced is not None:
        os.rename(replaced, paths.store_dir)
    fsync_dir(paths.root)
    shutil.rmtree(failed, ignore_errors=True)


def _check_opens(database: Path, key: bytes) -> None:
    store = Store(database, key)
    try:
        if store.integrity_check() != ["ok"]:
            raise StoreError(
                "Kho dữ liệu khôi phục không mở được ở chỗ mới.",
                "The restored store does not open in its place.",
            )
    finally:
        store.close()
