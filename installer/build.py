"""Build the station's one-folder bundle (PyInstaller) and its Debian package.

    python installer/build.py bundle [--dist dist] [--work build]
    python installer/build.py deb [--dist dist] [--work build] [--bundle DIR]

``bundle`` compiles the translations and runs PyInstaller on ``installer/intake-station.spec``:
``<dist>/intake-station/`` runs on a machine with no Python and no network. ``deb`` wraps that
folder (built first unless ``--bundle`` names one) into ``<dist>/intake-station_<v>_<arch>.deb``:
the program in ``/opt/intake-station``, a ``/usr/bin/intake-station`` wrapper and a desktop
entry. The package never touches the station's data folder (the user's data folder, or
``$INTAKE_STATION_HOME``), so installing a newer package over an older one keeps every dossier;
the store's migrations run at the next login, after a copy of the store is taken.
"""

from __future__ import annotations

import argparse
import os
import shutil
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
SPEC = ROOT / "installer" / "intake-station.spec"
PACKAGE = "intake-station"
INSTALL_DIR = "/opt/intake-station"
#: Debian packages the bundle needs from the system: Qt's xcb platform and fonts (Qt itself,
#: Python, OpenCV and SQLCipher are inside the bundle).
DEPENDS = (
    "libc6 (>= 2.34)",
    "libgl1",
    "libegl1",
    "libglib2.0-0",
    "libdbus-1-3",
    "libfontconfig1",
    "libxkbcommon0",
    "libxkbcommon-x11-0",
    "libxcb-cursor0",
    "libxcb-icccm4",
    "libxcb-keysyms1",
    "libxcb-image0",
    "libxcb-render-util0",
    "libxcb-shape0",
    "libxcb-randr0",
    "libxcb-xinerama0",
    "libxcb-xkb1",
    "fonts-dejavu-core",
)
RECOMMENDS = ("pcscd",)

WRAPPER = """#!/bin/sh
# The station: the window with no arguments, else the command line (see intake-station --help).
exec {install_dir}/intake-station "$@"
"""

DESKTOP = """[Desktop Entry]
Type=Application
Name=Intake station
Name[vi]=Trạm thu nhận hồ sơ căn cước
Comment=Citizen-ID dossier enrollment, offline
Comment[vi]=Thu nhận hồ sơ căn cước, không cần mạng
Exec=/usr/bin/intake-station
Terminal=false
Categories=Office;
"""


def version() -> str:
    sys.path.insert(0, str(ROOT))
    from station import __version__

    return __version__


def build_bundle(dist: Path, work: Path) -> Path:
    """Run PyInstaller; returns the bundle folder ``<dist>/intake-station``."""
    from ui.i18n import build_translations

    build_translations()
    started = time.perf_counter()
    subprocess.run(  # noqa: S603 - our own interpreter and spec file
        [
            sys.executable,
            "-m",
            "PyInstaller",
            "--noconfirm",
            "--clean",
            "--log-level",
            "WARN",
            "--distpath",
            str(dist),
            "--workpath",
            str(work),
            str(SPEC),
        ],
        check=True,
        cwd=ROOT,
    )
    bundle = dist / PACKAGE
    print(f"bundle: {bundle} in {time.perf_counter() - started:.1f} s, {tree_size(bundle)} bytes")
    return bundle


def tree_size(path: Path) -> int:
    return sum(f.stat().st_size for f in path.rglob("*") if f.is_file() and not f.is_symlink())


def deb_architecture() -> str:
    out = subprocess.run(
        ["dpkg", "--print-architecture"],  # noqa: S607 - dpkg is part of every Debian system
        capture_output=True,
        text=True,
        check=True,
    )
    return out.stdout.strip()


def control(ver: str, arch: str, installed_kib: int) -> str:
    return (
        f"Package: {PACKAGE}\n"
        f"Version: {ver}\n"
        f"Architecture: {arch}\n"
        "Maintainer: Intake station team <intake-station@localhost>\n"
        f"Installed-Size: {installed_kib}\n"
        f"Depends: {', '.join(DEPENDS)}\n"
        f"Recommends: {', '.join(RECOMMENDS)}\n"
        "Section: misc\n"
        "Priority: optional\n"
        "Description: Offline-first enrollment station for citizen-ID card dossiers\n"
        " The station window and its command line, with Python, Qt, OpenCV and SQLCipher\n"
        " inside. The data folder lives outside the package and survives upgrades.\n"
    )


def build_deb(bundle: Path, out_dir: Path) -> Path:
    """Wrap ``bundle`` into a .deb in ``out_dir`` (dpkg-deb, files owned by root)."""
    started = time.perf_counter()
    ver, arch = version(), deb_architecture()
    stage = out_dir / f".deb-root-{os.getpid()}"
    shutil.rmtree(stage, ignore_errors=True)
    try:
        opt = stage / INSTALL_DIR.lstrip("/")
        shutil.copytree(bundle, opt, symlinks=True)
        bin_dir = stage / "usr" / "bin"
        bin_dir.mkdir(parents=True)
        wrapper = bin_dir / PACKAGE
        wrapper.write_text(WRAPPER.format(install_dir=INSTALL_DIR), encoding="utf-8")
        wrapper.chmod(0o755)
        apps = stage / "usr" / "share" / "applications"
        apps.mkdir(parents=True)
        (apps / f"{PACKAGE}.desktop").write_text(DESKTOP, encoding="utf-8")
        debian = stage / "DEBIAN"
        debian.mkdir()
        (debian / "control").write_text(
            control(ver, arch, tree_size(stage) // 1024), encoding="utf-8"
        )
        for d in [stage, *(p for p in stage.rglob("*") if p.is_dir())]:
            d.chmod(0o755)
        deb = out_dir / f"{PACKAGE}_{ver}_{arch}.deb"
        subprocess.run(  # noqa: S603 - fixed tool, our own paths
            ["dpkg-deb", "--root-owner-group", "-Zgzip", "-z6", "--build", str(stage), str(deb)],  # noqa: S607
            check=True,
            stdout=subprocess.DEVNULL,
        )
    finally:
        shutil.rmtree(stage, ignore_errors=True)
    print(f"deb: {deb} in {time.perf_counter() - started:.1f} s, {deb.stat().st_size} bytes")
    return deb


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawTextHelpFormatter)
    p.add_argument("what", choices=("bundle", "deb"))
    p.add_argument("--dist", type=Path, default=ROOT / "dist")
    p.add_argument("--work", type=Path, default=ROOT / "build")
    p.add_argument("--bundle", type=Path, default=None, help="(deb) an already built bundle")
    args = p.parse_args(argv)
    args.dist.mkdir(parents=True, exist_ok=True)
    if args.what == "bundle":
        build_bundle(args.dist, args.work)
        return 0
    bundle = args.bundle or build_bundle(args.dist, args.work)
    build_deb(bundle, args.dist)
    return 0


if __name__ == "__main__":
    sys.exit(main())
