"""The real bundle: built with PyInstaller, wrapped in a .deb, run with no Python around it.

Slow (about 1.5 minutes for the build and the package on the reference machine, once per
session): the whole bundle is built from this tree into a temporary folder, then run from
there with a clean environment on Qt's offscreen platform.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from station import __version__
from station.db import head_revision
from tests.conftest import ADMIN_PW, FAST_KDF

pytestmark = [pytest.mark.slow, pytest.mark.timeout(1200)]

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture(scope="module")
def built(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    base = tmp_path_factory.mktemp("bundle")
    subprocess.run(
        [
            sys.executable,
            str(ROOT / "installer" / "build.py"),
            "deb",
            "--dist",
            str(base / "dist"),
            "--work",
            str(base / "work"),
        ],
        check=True,
        cwd=ROOT,
        timeout=1100,
    )
    (deb,) = (base / "dist").glob("*.deb")
    return {"bundle": base / "dist" / "intake-station", "deb": deb, "base": base}


def _run(exe: Path, *args: str, stdin: str = "", cwd: Path) -> subprocess.CompletedProcess[str]:
    """The bundled program with an environment that offers no Python and no sources."""
    env = {
        "PATH": "/usr/bin:/bin",
        "HOME": str(cwd),
        "LANG": "C.UTF-8",
        "QT_QPA_PLATFORM": "offscreen",
    }
    return subprocess.run(
        [str(exe), *args],
        input=stdin,
        capture_output=True,
        text=True,
        env=env,
        cwd=cwd,
        timeout=180,
        check=False,
    )


@pytest.fixture(scope="module")
def station(built: dict[str, Path]) -> Path:
    """A station provisioned by the bundled program itself."""
    work = built["base"] / "run"
    work.mkdir()
    exe = built["bundle"] / "intake-station"
    keys = work / "keys"
    assert _run(exe, "dev-receiver-keys", "--out", str(keys), cwd=work).returncode == 0
    memory, iterations, lanes = FAST_KDF
    result = _run(
        exe,
        "--data-dir",
        str(work / "data"),
        "--password-stdin",
        "init",
        "--bundle",
        str(keys / "provisioning-bundle.json"),
        "--admin-id",
        "admin",
        "--admin-name",
        "Nguyễn Thị Ánh",
        "--code",
        "TN-001",
        "--name",
        "Trạm Thái Nguyên 1",
        "--kdf-memory-kib",
        str(memory),
        "--kdf-iterations",
        str(iterations),
        "--kdf-lanes",
        str(lanes),
        stdin=ADMIN_PW + "\n",
        cwd=work,
    )
    assert result.returncode == 0, result.stderr
    return work / "data"


def test_bundled_self_test_passes_offscreen(built: dict[str, Path], station: Path) -> None:
    exe = built["bundle"] / "intake-station"
    result = _run(
        exe,
        "--self-test",
        "--data-dir",
        str(station),
        "--as",
        "admin",
        "--password-stdin",
        stdin=ADMIN_PW + "\n",
        cwd=station.parent,
    )
    lines = result.stdout.splitlines()
    assert result.returncode == 0, result.stdout + result.stderr
    checks = [x for x in lines if x.startswith("[")]
    assert checks and all(x.startswith(("[  OK]", "[WARN]")) for x in checks), lines
    text = "\n".join(lines)
    assert "(bundle, " in text  # the frozen program, not this interpreter
    assert f"store opened, revision {head_revision()}" in text
    assert "qt-platform: Qt 6" in text and "offscreen" in text
    assert "window: MainWindow 1280x700, login screen shown" in text
    assert lines[-1].endswith(f"all {len(checks)} checks passed")


def test_bundle_starts_to_the_login_screen(built: dict[str, Path], station: Path) -> None:
    exe = built["bundle"] / "intake-station"
    result = _run(exe, "--data-dir", str(station), "--quit-after-login-screen", cwd=station.parent)
    assert result.returncode == 0, result.stderr
    assert any(x.startswith("login-screen-shown ") for x in result.stdout.splitlines())


def test_bundle_backs_up_and_restores(built: dict[str, Path], station: Path) -> None:
    exe = built["bundle"] / "intake-station"
    work = station.parent
    usb = work / "usb"
    backup = _run(
        exe,
        "--data-dir",
        str(station),
        "--password-stdin",
        "backup",
        str(usb),
        "--as",
        "admin",
        stdin=ADMIN_PW + "\n",
        cwd=work,
    )
    assert backup.returncode == 0, backup.stderr
    (folder,) = usb.iterdir()
    fresh = work / "fresh"
    restore = _run(
        exe,
        "--data-dir",
        str(fresh),
        "--password-stdin",
        "restore",
        str(folder),
        "--as",
        "admin",
        stdin=ADMIN_PW + "\n",
        cwd=work,
    )
    assert restore.returncode == 0, restore.stderr
    assert (fresh / "store" / "station.db").exists()


def test_deb_holds_the_bundle_a_wrapper_and_a_desktop_entry(built: dict[str, Path]) -> None:
    deb = built["deb"]
    assert deb.name == f"intake-station_{__version__}_{deb.name.rsplit('_', 1)[1]}"
    listing = subprocess.run(
        ["dpkg-deb", "-c", str(deb)], capture_output=True, text=True, check=True
    ).stdout
    entries = {}
    for line in listing.splitlines():
        fields = line.split()
        entries[fields[-1] if "->" not in fields else fields[-3]] = fields[1]
    expected = [
        "./opt/intake-station/intake-station",
        "./usr/bin/intake-station",
        "./usr/share/applications/intake-station.desktop",
        "./opt/intake-station/_internal/resources/masterdata/manifest.json",
        f"./opt/intake-station/_internal/station/migrations/versions/{head_revision()}_",
        "./opt/intake-station/_internal/cv2/data/haarcascade_frontalface_alt2.xml",
        "./opt/intake-station/_internal/ui/i18n/intake_en.qm",
        "./opt/intake-station/_internal/PySide6/Qt/plugins/platforms/libqoffscreen.so",
        "./opt/intake-station/_internal/PySide6/Qt/plugins/platforms/libqxcb.so",
    ]
    for path in expected:
        assert any(name.startswith(path) for name in entries), path
    assert set(entries.values()) == {"root/root"}

    def field(name: str) -> str:
        return subprocess.run(
            ["dpkg-deb", "-f", str(deb), name], capture_output=True, text=True, check=True
        ).stdout.strip()

    assert field("Package") == "intake-station"
    assert field("Version") == __version__
    depends = field("Depends")
    for dep in ("fonts-dejavu-core", "libxcb-cursor0", "libxkbcommon-x11-0", "libegl1"):
        assert dep in depends


def test_deb_payload_runs_from_where_it_unpacks(built: dict[str, Path], station: Path) -> None:
    root = built["base"] / "unpacked"
    subprocess.run(["dpkg-deb", "-x", str(built["deb"]), str(root)], check=True)
    wrapper = (root / "usr" / "bin" / "intake-station").read_text()
    assert "exec /opt/intake-station/intake-station" in wrapper
    desktop = (root / "usr" / "share" / "applications" / "intake-station.desktop").read_text()
    assert "Exec=/usr/bin/intake-station" in desktop
    result = _run(root / "opt" / "intake-station" / "intake-station", "--version", cwd=root)
    assert result.returncode == 0 and __version__ in result.stdout
