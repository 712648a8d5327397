"""The command line, run as a user would: a real subprocess, passwords on stdin."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

FAST = ["--kdf-memory-kib", "1024", "--kdf-iterations", "1", "--kdf-lanes", "1"]
ADMIN_PW = "chim-lac-dong-cli"


def cli(data: Path, *args: str, stdin: str = "") -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "station.cli", "--data-dir", str(data), "--password-stdin", *args],
        input=stdin,
        capture_output=True,
        text=True,
        timeout=120,
    )


@pytest.fixture
def station(tmp_path: Path) -> Path:
    keys = tmp_path / "keys"
    out = cli(tmp_path / "unused", "dev-receiver-keys", "--out", str(keys))
    assert out.returncode == 0, out.stderr
    assert (keys / "provisioning-bundle.json").exists()
    assert (keys / "receiver-keys.json").stat().st_mode & 0o077 == 0
    data = tmp_path / "data"
    out = cli(
        data,
        "init",
        "--bundle",
        str(keys / "provisioning-bundle.json"),
        "--admin-id",
        "admin",
        "--admin-name",
        "Nguyễn Thị Ánh",
        "--code",
        "LC-007",
        "--name",
        "Tổ lưu động Sa Pa",
        *FAST,
        stdin=ADMIN_PW + "\n",
    )
    assert out.returncode == 0, out.stderr
    assert "LC-007" in out.stdout
    return data


def test_operators_status_and_audit(station: Path, tmp_path: Path) -> None:
    out = cli(
        station,
        "operators",
        "add",
        "op1",
        "--as",
        "admin",
        "--full-name",
        "Giàng A Páo",
        "--role",
        "operator",
        stdin=f"{ADMIN_PW}\noperator-pass-1\n",
    )
    assert out.returncode == 0, out.stderr
    out = cli(station, "operators", "list", "--as", "admin", stdin=ADMIN_PW + "\n")
    lines = dict(line.split("\t", 1) for line in out.stdout.strip().splitlines())
    assert lines["op1"] == "operator\tGiàng A Páo\tmust-change-password"
    assert lines["admin"].startswith("admin\tNguyễn Thị Ánh")

    out = cli(station, "passwd", "--as", "op1", stdin="operator-pass-1\noperator-pass-2\n")
    assert out.returncode == 0, out.stderr

    out = cli(station, "status", "--json", "--as", "op1", stdin="operator-pass-2\n")
    doc = json.loads(out.stdout)
    assert doc["station"]["code"] == "LC-007" and doc["counts"]["draft"] == 0
    assert doc["audit"]["ok"]

    out = cli(
        station,
        "operators",
        "reset",
        "op1",
        "--as",
        "admin",
        stdin=f"{ADMIN_PW}\n{ADMIN_PW}\nfresh-password-3\n",
    )
    assert out.returncode == 0, out.stderr
    out = cli(station, "status", "--as", "op1", stdin="operator-pass-2\n")
    assert out.returncode == 1 and "Wrong operator id or password" in out.stderr

    out = cli(station, "operators", "disable", "op1", "--as", "admin", stdin=ADMIN_PW + "\n")
    assert out.returncode == 0
    out = cli(station, "audit", "verify", "--as", "admin", stdin=ADMIN_PW + "\n")
    assert out.returncode == 0 and "intact" in out.stdout

    keys = tmp_path / "keys"
    out = cli(station, "recovery-check", "--recovery-key", str(keys / "recovery-key.json"))
    assert out.returncode == 0, out.stderr


def test_bad_input_is_named(station: Path) -> None:
    out = cli(
        station,
        "operators",
        "add",
        "x",
        "--as",
        "admin",
        "--full-name",
        "Ok Name",
        "--role",
        "operator",
        stdin=f"{ADMIN_PW}\nlong-password-1\n",
    )
    assert out.returncode == 1
    assert "Lỗi [operator_id]: Mã cán bộ" in out.stderr and "Error [operator_id]" in out.stderr
    out = cli(
        station,
        "operators",
        "add",
        "op2",
        "--as",
        "admin",
        "--full-name",
        "Ok Name",
        "--role",
        "chief",
        stdin=f"{ADMIN_PW}\nlong-password-1\n",
    )
    assert out.returncode == 1 and "[role]" in out.stderr
    out = cli(station, "status", "--as", "admin", stdin="")
    assert out.returncode == 1 and "password is missing" in out.stderr


def test_init_refuses_bad_bundle_and_second_init(station: Path, tmp_path: Path) -> None:
    bad = tmp_path / "bad.json"
    doc = json.loads((tmp_path / "keys" / "provisioning-bundle.json").read_text())
    doc["receiver"]["keys"][0]["public_key"] = "AAAA"
    bad.write_text(json.dumps(doc))
    args = ["--admin-id", "admin", "--admin-name", "A B", "--code", "X-1", "--name", "X", *FAST]
    out = cli(tmp_path / "other", "init", "--bundle", str(bad), *args, stdin="tre-xanh-la-7\n")
    assert out.returncode == 1 and "[bundle]" in out.stderr
    good = str(tmp_path / "keys" / "provisioning-bundle.json")
    out = cli(station, "init", "--bundle", good, *args, stdin="tre-xanh-la-7\n")
    assert out.returncode == 1 and "already exists" in out.stderr


def test_not_provisioned_is_clear(tmp_path: Path) -> None:
    out = cli(tmp_path / "empty", "status", "--as", "admin", stdin="x\n")
    assert out.returncode == 1 and "intake-station init" in out.stderr


def test_residents_and_masterdata(station: Path, tmp_path: Path) -> None:
    listing = tmp_path / "list.csv"
    listing.write_text(
        "so_dinh_danh,ho_ten,ngay_sinh,gioi_tinh\n"
        "001090123456,Nguyễn Văn An,1990,Nam\n"
        "12,Sai Số,1990,Nam\n",
        encoding="utf-8",
    )
    out = cli(station, "residents", "import", str(listing), "--as", "admin", stdin=ADMIN_PW + "\n")
    assert out.returncode == 0, out.stderr
    assert "Imported: 1" in out.stdout and "rejected: 1" in out.stdout
    assert "line 3 [id_number]" in out.stderr
    out = cli(station, "residents", "search", "nguyen an", "--as", "admin", stdin=ADMIN_PW + "\n")
    assert out.returncode == 0 and "001090123456\tNguyễn Văn An\t1990" in out.stdout
    out = cli(station, "masterdata", "info")
    assert out.returncode == 0 and "34 tỉnh / provinces, 3321" in out.stdout


def test_device_trust(station: Path, tmp_path: Path) -> None:
    from cryptography.hazmat.primitives.serialization import Encoding

    from tests.sbi_server import device_pki

    ca = tmp_path / "ca.pem"
    ca.write_bytes(device_pki().root.public_bytes(Encoding.PEM))
    out = cli(station, "device-trust", "--as", "admin", stdin=ADMIN_PW + "\n")
    assert out.returncode == 0 and "refused" in out.stdout, out.stderr
    args = ["--import", str(ca), "--allow-untrusted", "yes", "--reason", "vendor test SBI"]
    out = cli(station, "device-trust", *args, "--as", "admin", stdin=ADMIN_PW + "\n")
    assert out.returncode == 0, out.stderr
    assert "CN=Test adopter device CA" in out.stdout and "ALLOWED" in out.stdout
    out = cli(station, "device-trust", "--allow-untrusted", "no", "--as", "admin", stdin=ADMIN_PW)
    assert out.returncode == 1 and "reason" in out.stderr  # a reason is required
    missing = str(tmp_path / "absent.pem")
    out = cli(station, "device-trust", "--import", missing, "--as", "admin", stdin=ADMIN_PW)
    assert out.returncode == 1 and "Traceback" not in out.stderr
    assert f"không đọc/ghi được tệp {missing}" in out.stderr and "cannot read" in out.stderr
