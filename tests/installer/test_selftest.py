"""The self-test's Qt half and the bundle's entry point, run from the source tree."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

from station.paths import StationPaths
from tests.conftest import ADMIN_PW
from ui import selftest

ROOT = Path(__file__).resolve().parents[2]
LAUNCHER = ROOT / "installer" / "launcher.py"


def test_every_check_passes_on_a_provisioned_station(
    qapp, station_paths: StationPaths, capsys
) -> None:
    code = selftest.run_self_test(station_paths.root, login=("admin", ADMIN_PW))
    out = capsys.readouterr().out.splitlines()
    assert code == 0, out
    checks = {
        line.split("]")[1].split(":")[0].strip(): line for line in out if line.startswith("[")
    }
    assert set(checks) >= {"station", "qt-platform", "fonts", "translations", "window"}
    assert "MainWindow 1280x700, login screen shown" in checks["window"]
    assert "store opened" in checks["station"]
    assert out[-1].endswith("checks passed")


def test_a_missing_platform_plugin_fails_the_check(qapp, monkeypatch) -> None:
    monkeypatch.setitem(selftest.REQUIRED_PLATFORMS, sys.platform, ("offscreen", "nosuchplatform"))
    check = selftest.check_platform(qapp)
    assert not check.ok and "MISSING nosuchplatform" in check.detail


def test_the_login_screen_alone_without_a_station(qapp, tmp_path: Path) -> None:
    check = selftest.check_window(qapp, StationPaths(tmp_path / "none"))
    assert check.ok and "LoginScreen" in check.detail


def _launch(*args: str, stdin: str = "") -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "QT_QPA_PLATFORM": "offscreen"}
    return subprocess.run(
        [sys.executable, str(LAUNCHER), *args],
        input=stdin,
        capture_output=True,
        text=True,
        env=env,
        timeout=120,
        check=False,
    )


def test_launcher_starts_the_window_and_quits_after_the_login_screen(
    station_paths: StationPaths,
) -> None:
    result = _launch("--data-dir", str(station_paths.root), "--quit-after-login-screen")
    assert result.returncode == 0, result.stderr
    (line,) = [x for x in result.stdout.splitlines() if x.startswith("login-screen-shown ")]
    assert float(line.split()[1]) > 0


def test_launcher_self_test_and_command_line(station_paths: StationPaths) -> None:
    root = str(station_paths.root)
    result = _launch("--self-test", "--data-dir", root, "--json")
    assert result.returncode == 0, result.stdout + result.stderr
    doc = json.loads(result.stdout)
    assert doc["ok"] and "window" in {c["name"] for c in doc["checks"]}

    result = _launch(
        "--data-dir", root, "--password-stdin", "sync-age", "--as", "admin", stdin=ADMIN_PW
    )
    assert result.returncode == 0, result.stderr
    assert "threshold 14" in result.stdout
