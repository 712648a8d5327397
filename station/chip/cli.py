"""Command-line operations for the chip: the CSCA trust store and the pinned card reader.

``intake-station csca import FILE|DIR --as ADMIN``, ``csca list --as ID``,
``csca remove FINGERPRINT --as ADMIN``, ``card-reader [NAME | --any] --as ADMIN``.
"""

from __future__ import annotations

import argparse
from collections.abc import Callable
from contextlib import closing
from pathlib import Path

from station.service import StationService

Login = Callable[[argparse.ArgumentParser], argparse.ArgumentParser]


def _service(args: argparse.Namespace) -> StationService:
    from station.cli import _service as login

    return login(args)


def cmd_csca_import(args: argparse.Namespace) -> int:
    with closing(_service(args)) as svc:
        report = svc.csca_import(args.path)
    for vi, en in report.notes:
        print(f"{vi}\n{en}")
    for info in report.added:
        print(f"+ {info.sha256}\t{info.subject}\t{info.not_before} → {info.not_after}")
    for vi, en in report.skipped:
        print(f"Bỏ qua / Skipped: {vi} / {en}")
    print(
        f"Đã nhập {len(report.added)} chứng thư CSCA ({report.already} đã có). / "
        f"Imported {len(report.added)} CSCA certificates ({report.already} already held)."
    )
    return 0


def cmd_csca_list(args: argparse.Namespace) -> int:
    with closing(_service(args)) as svc:
        infos = svc.csca_list()
    if not infos:
        print(
            "Trạm chưa có chứng thư CSCA: chuỗi chứng thư của chip sẽ không được kiểm tra. / "
            "The station holds no CSCA certificate: chip chains will not be checked."
        )
    for info in infos:
        print(f"{info.sha256}\t{info.subject}\t{info.not_before} → {info.not_after}\t{info.source}")
    return 0


def cmd_csca_remove(args: argparse.Namespace) -> int:
    with closing(_service(args)) as svc:
        info = svc.csca_remove(args.fingerprint)
    print(f"Đã gỡ / Removed: {info.sha256} {info.subject}")
    return 0


def cmd_card_reader(args: argparse.Namespace) -> int:
    with closing(_service(args)) as svc:
        if args.name is not None or args.any:
            svc.set_card_reader(None if args.any else args.name)
        name = svc.card_reader_setting()
    if name:
        print(f"Đầu đọc thẻ cố định / Pinned card reader: {name}")
    else:
        print("Dùng đầu đọc đang có thẻ / The reader holding a card is used")
    return 0


def register(sub: argparse._SubParsersAction[argparse.ArgumentParser], with_login: Login) -> None:
    csca = sub.add_parser("csca", help="CSCA certificates for the chip's passive authentication")
    cmds = csca.add_subparsers(dest="csca_cmd", required=True)
    sp = with_login(cmds.add_parser("import", help="import certificates or an ICAO master list"))
    sp.add_argument("path", type=Path, help="a .ml master list, a PEM/DER certificate, or a folder")
    sp.set_defaults(func=cmd_csca_import)
    with_login(cmds.add_parser("list", help="trusted CSCA certificates")).set_defaults(
        func=cmd_csca_list
    )
    sp = with_login(cmds.add_parser("remove", help="remove a certificate by its fingerprint"))
    sp.add_argument("fingerprint", help="SHA-256 fingerprint (or its first 8+ hex digits)")
    sp.set_defaults(func=cmd_csca_remove)

    sp = with_login(sub.add_parser("card-reader", help="pin the PC/SC reader for chip reads"))
    sp.add_argument("name", nargs="?", default=None, help="the reader's name or a part of it")
    sp.add_argument("--any", action="store_true", help="unpin: use the reader holding a card")
    sp.set_defaults(func=cmd_card_reader)
