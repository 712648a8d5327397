"""``intake-station`` subcommands of the sync layer: sync now, USB export and receipt import,
the station's registration file, and the reference receiver."""

from __future__ import annotations

import argparse
import json
from pathlib import Path

from station.fsutil import atomic_write
from station.paths import StationPaths
from station.service import StationService


def _service(args: argparse.Namespace) -> StationService:
    svc = StationService(StationPaths(args.data_dir))
    svc.login(args.as_operator, args.prompter.password(f"Mật khẩu {args.as_operator}: "))
    return svc


def _sync_now(args: argparse.Namespace) -> int:
    from sync.api import sync_now

    svc = _service(args)
    try:
        report = sync_now(svc, budget_s=args.budget)
    finally:
        svc.close()
    for line in report.summary_lines():
        print(line)
    if getattr(args, "verbose", False):
        for err in report.errors:
            print(f"  {err}")
    return report.exit_code


def _sync_resend(args: argparse.Namespace) -> int:
    svc = _service(args)
    try:
        svc.resend_packet(args.packet_id)
    finally:
        svc.close()
    print(
        f"Gói {args.packet_id} đã vào lại hàng đợi gửi / packet {args.packet_id} is queued "
        "again; chạy / run: intake-station sync now"
    )
    return 0


def _usb_export(args: argparse.Namespace) -> int:
    from sync.usb import export

    svc = _service(args)
    try:
        report = export(svc, args.folder, include_refused=args.include_refused)
    finally:
        svc.close()
    print(
        f"Đã xuất / Exported {len(report.packets)} gói / packets ({report.bytes} B) "
        f"to {args.folder}"
    )
    return 0


def _usb_receipts(args: argparse.Namespace) -> int:
    from sync.usb import import_receipts

    svc = _service(args)
    try:
        report = import_receipts(svc, args.folder)
    finally:
        svc.close()
    print(
        f"Biên nhận hợp lệ / valid receipts: {len(report.accepted)}; không hợp lệ / refused: "
        f"{len(report.refused)}; không thuộc trạm / unknown: {len(report.unknown)}"
    )
    if report.results:
        shown = ", ".join(f"{k} {v}" for k, v in sorted(report.results.items()))
        print(f"Kết quả của máy nhận / receiver's results (receipts.json): {shown}")
    for problem in report.problems:
        print(f"  {problem}")
    return 0 if not report.refused and not report.problems else 6


def _registration(args: argparse.Namespace) -> int:
    svc = _service(args)
    try:
        svc.authorize("registration.export")
        doc = svc.registration()
    finally:
        svc.close()
    atomic_write(args.out, json.dumps(doc, indent=2, ensure_ascii=False).encode(), 0o644)
    print(f"{args.out}: {doc['station_id']} ({doc['code']})")
    return 0


def _receiver(args: argparse.Namespace) -> int:
    from sync.receiver.cli import main as receiver_main

    return receiver_main(args.receiver_args)


def register(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    def with_login(sp: argparse.ArgumentParser) -> argparse.ArgumentParser:
        sp.add_argument("--as", dest="as_operator", required=True, help="your operator id")
        return sp

    sync_p = sub.add_parser("sync", help="send sealed packets").add_subparsers(
        dest="sync_cmd", required=True
    )
    sp = with_login(sync_p.add_parser("now", help="upload the outbox now"))
    sp.add_argument(
        "--budget",
        type=float,
        default=None,
        help="seconds a run keeps retrying lost connections (default 600)",
    )
    sp.set_defaults(func=_sync_now)
    sp = with_login(sync_p.add_parser("resend", help="send a refused packet again (admin)"))
    sp.add_argument("packet_id")
    sp.set_defaults(func=_sync_resend)

    usb = sub.add_parser("usb", help="USB transfer").add_subparsers(dest="usb_cmd", required=True)
    sp = with_login(usb.add_parser("export", help="write undelivered packets to a folder"))
    sp.add_argument("folder", type=Path)
    sp.add_argument(
        "--include-refused", action="store_true", help="also the refused packets (admin)"
    )
    sp.set_defaults(func=_usb_export)
    sp = with_login(usb.add_parser("import-receipts", help="read the receiver's receipts"))
    sp.add_argument("folder", type=Path)
    sp.set_defaults(func=_usb_receipts)

    reg = sub.add_parser("registration", help="this station's registration for the receiver")
    sp = with_login(reg.add_subparsers(dest="reg_cmd", required=True).add_parser("export"))
    sp.add_argument("--out", type=Path, required=True)
    sp.set_defaults(func=_registration)

    sp = sub.add_parser("receiver", help="the reference receiver (see intake-station-receiver)")
    sp.add_argument("receiver_args", nargs=argparse.REMAINDER)
    sp.set_defaults(func=_receiver)
