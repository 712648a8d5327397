"""``intake-station-receiver``: run the reference receiver and administer it.

Subcommands (``docs/sync.md``, "Command line")::

    serve --keys receiver-keys.json [--keys older.json ...] --data DIR [--database-url URL]
          [--host 127.0.0.1] [--port 8443] [--tls-cert PEM --tls-key PEM] [--allow-plain-http]
          [--header-timeout S]
    register-station FILE --data DIR [--replace]
    deactivate-station STATION_ID --data DIR
    import-usb EXPORT_DIR --receipts-out DIR --keys ... --data DIR
    expire-uploads --days N --data DIR
    migrate --data DIR [--database-url URL]
    backfill-citizens --keys ... --data DIR [--database-url URL] [--batch N] [--limit N]
    mark PACKET_ID (--rejected REASON [--parts face,fingerprint/left_index] | --card-printed
                    | --release) [--station STATION_ID]
         --data DIR

``main(argv)`` is the console entry point; ``intake-station receiver ...`` (``sync/cli.py``)
hands its arguments to it.
"""

from __future__ import annotations

import argparse
import ipaddress
import json
import logging
import sys
from collections.abc import Callable, Sequence
from pathlib import Path

from sqlalchemy.exc import SQLAlchemyError

from station.errors import StationError
from sync.receiver.core import Receiver
from sync.receiver.errors import ReceiverError
from sync.receiver.keys import ReceiverKeys, load_keys
from sync.receiver.limits import HEADER_TIMEOUT_S
from sync.receiver.store import ReceiverStore

EXIT_OK = 0
EXIT_ERROR = 1
#: import-usb finished, but some packets got no receipt or the manifest was not valid;
#: backfill-citizens finished, but packets are still waiting (key not loaded, --limit...).
EXIT_INCOMPLETE = 2
DEFAULT_PORT = 8443
MAX_REGISTRATION_BYTES = 64 * 1024


def _open(args: argparse.Namespace, *, with_keys: bool) -> Receiver:
    """The receiver on its store. SQLite (one machine) is migrated on opening; a shared
    database must be migrated first (``migrate``), so that receivers of an older version never
    see a schema changed under them."""
    keys = load_keys(args.keys) if with_keys else _no_keys()
    store = ReceiverStore(args.data, args.database_url, migrate=False)
    try:
        if store.dialect == "sqlite":
            store.migrate()
        else:
            _check_schema(store)
    except BaseException:
        store.close()
        raise
    return Receiver(store, keys)


def _check_schema(store: ReceiverStore) -> None:
    from sync.receiver.migrations import head_revision

    current, head = store.revision(), head_revision()
    if current != head:
        raise ReceiverError(
            "schema_outdated",
            f"Lược đồ cơ sở dữ liệu của máy nhận ở phiên bản «{current or 'trống'}», cần "
            f"«{head}»; hãy chạy «intake-station-receiver migrate» trước.",
            f"The receiver's database schema is at '{current or 'empty'}', '{head}' is needed; "
            "run 'intake-station-receiver migrate' first.",
        )


def cmd_migrate(args: argparse.Namespace) -> int:
    from sync.receiver.migrations import head_revision

    store = ReceiverStore(args.data, args.database_url, migrate=False)
    try:
        before = store.revision()
        store.migrate()
        after = store.revision()
    finally:
        store.close()
    if before == after:
        print(f"Lược đồ đã mới nhất / schema up to date: {after}")
    else:
        print(f"Lược đồ / schema: {before or '-'} -> {after} (head {head_revision()})")
    return EXIT_OK


def _no_keys() -> ReceiverKeys:
    """Administration without the private keys: nothing is decrypted or signed."""
    return ReceiverKeys(signing_key=b"\0" * 32, decryption={}, current_key_id="")


def _is_loopback(host: str) -> bool:
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def cmd_serve(args: argparse.Namespace) -> int:
    from sync.receiver.server import serve  # uvicorn only when serving

    if (args.tls_cert is None) != (args.tls_key is None):
        raise ReceiverError(
            "invalid_input",
            "Cần cả --tls-cert và --tls-key.",
            "Both --tls-cert and --tls-key are needed.",
        )
    if args.tls_cert is None and not _is_loopback(args.host) and not args.allow_plain_http:
        raise ReceiverError(
            "invalid_input",
            "Không phục vụ HTTP không mã hóa ngoài địa chỉ loopback; dùng --tls-cert/--tls-key, "
            "hoặc --allow-plain-http phía sau một bộ cân bằng tải kết thúc TLS.",
            "Refusing plain HTTP off loopback; use --tls-cert/--tls-key, or --allow-plain-http "
            "behind a TLS-terminating load balancer.",
        )
    receiver = _open(args, with_keys=True)
    print(
        f"Khóa giải mã / decryption keys: {', '.join(sorted(receiver.keys.decryption))} "
        f"(hiện hành / current {receiver.keys.current_key_id})",
        file=sys.stderr,
    )
    _warn_backfill(receiver)
    try:
        serve(
            receiver,
            args.host,
            args.port,
            tls_cert=args.tls_cert,
            tls_key=args.tls_key,
            header_timeout=args.header_timeout,
            log_level="debug" if args.verbose else "info",
        )
    finally:
        receiver.store.close()
    return EXIT_OK


def _warn_backfill(receiver: Receiver) -> None:
    """Say at start when accepted packets still wait for ``backfill-citizens``."""
    from sync.receiver.backfill import pending

    waiting = pending(receiver.store)
    if waiting:
        logging.getLogger("sync.receiver").warning("%d packets wait for backfill", waiting)
        print(
            f"Cảnh báo: {waiting} gói đã nhận trước đây chưa được đối chiếu công dân; quy tắc "
            "«mỗi công dân một thẻ» chưa đầy đủ cho đến khi chạy "
            "«intake-station-receiver backfill-citizens».\n"
            f"Warning: {waiting} packets accepted earlier are not yet known to the one-citizen "
            "rule; it is incomplete until 'intake-station-receiver backfill-citizens' has run.",
            file=sys.stderr,
        )


def cmd_backfill_citizens(args: argparse.Namespace) -> int:
    from sync.receiver.backfill import BackfillReport, backfill_citizens

    if args.batch < 1 or (args.limit is not None and args.limit < 1):
        raise ReceiverError(
            "invalid_input",
            "--batch và --limit phải là số nguyên dương.",
            "--batch and --limit must be positive integers.",
        )

    def progress(report: BackfillReport) -> None:
        print(f"... {report.done} xong / done", file=sys.stderr)

    receiver = _open(args, with_keys=True)
    try:
        report = backfill_citizens(receiver, batch=args.batch, limit=args.limit, progress=progress)
    finally:
        receiver.store.close()
    for station_id, packet_id, key_id in report.key_not_loaded:
        print(f"{station_id} {packet_id}  key_not_loaded {key_id}")
    for station_id, packet_id, detail in report.unopenable:
        print(f"{station_id} {packet_id}  unopenable {detail}")
    for station_id, packet_id, other in report.conflicts:
        print(f"{station_id} {packet_id}  conflict {other}")
    print(
        f"Đã đối chiếu / done: {report.done} (có số định danh / with an ID number: "
        f"{report.with_citizen}); thiếu khóa / key not loaded: {len(report.key_not_loaded)}; "
        f"không mở được / unopenable: {len(report.unopenable)}; trùng công dân / conflicts: "
        f"{len(report.conflicts)}; còn lại / remaining: {report.remaining}"
    )
    return EXIT_OK if report.complete else EXIT_INCOMPLETE


def cmd_register_station(args: argparse.Namespace) -> int:
    path: Path = args.file
    try:
        raw = path.read_bytes()
        if len(raw) > MAX_REGISTRATION_BYTES:
            raise ValueError("file too large")
        doc = json.loads(raw)
    except (OSError, ValueError) as exc:
        raise ReceiverError(
            "bad_registration",
            f"Không đọc được tệp đăng ký trạm {path} ({exc}).",
            f"Cannot read the station registration file {path} ({exc}).",
        ) from exc
    receiver = _open(args, with_keys=False)
    try:
        result = receiver.register_station(doc, replace=args.replace)
    finally:
        receiver.store.close()
    labels = {
        "registered": "đã đăng ký / registered",
        "updated": "đã cập nhật / updated",
        "unchanged": "không đổi / unchanged",
    }
    print(f"{doc['station_id']}: {labels[result]}")
    return EXIT_OK


def cmd_deactivate_station(args: argparse.Namespace) -> int:
    receiver = _open(args, with_keys=False)
    try:
        receiver.set_station_active(args.station_id, False)
    finally:
        receiver.store.close()
    print(f"{args.station_id}: đã vô hiệu hóa / deactivated")
    return EXIT_OK


def cmd_import_usb(args: argparse.Namespace) -> int:
    from sync.receiver.usb import import_usb

    if not args.export_dir.is_dir():
        raise ReceiverError(
            "not_found",
            f"Không có thư mục xuất {args.export_dir}.",
            f"No export folder {args.export_dir}.",
        )
    receiver = _open(args, with_keys=True)
    try:
        report = import_usb(receiver, args.export_dir, args.receipts_out)
    finally:
        receiver.store.close()
    if report.manifest != "ok":
        print(
            f"Bản kê / manifest: {report.manifest}\n  {report.manifest_vi}\n  {report.manifest_en}"
        )
    for item in report.items:
        line = f"{item.packet_id}  {item.result}"
        if item.error:
            line += f"  [{item.error}] {item.vi} / {item.en}"
        print(line)
    counts = ", ".join(f"{k}: {v}" for k, v in sorted(report.counts().items())) or "0"
    print(f"Biên nhận ghi vào / receipts written to {args.receipts_out} ({counts})")
    return EXIT_OK if report.complete else EXIT_INCOMPLETE


def cmd_mark(args: argparse.Namespace) -> int:
    receiver = _open(args, with_keys=False)
    try:
        if args.card_printed:
            receiver.mark_card_printed(args.packet_id, args.station)
            print(f"{args.packet_id}: đã in thẻ / card printed")
        elif args.release:
            receiver.mark_released(args.packet_id, args.station)
            print(f"{args.packet_id}: cho nhận / released (duplicate_citizen)")
        else:
            parts = [p.strip() for p in (args.parts or "").split(",") if p.strip()]
            receiver.mark_rejected(args.packet_id, args.rejected, parts, args.station)
            print(f"{args.packet_id}: trả về / rejected ({', '.join(parts) or '-'})")
    finally:
        receiver.store.close()
    return EXIT_OK


def cmd_expire_uploads(args: argparse.Namespace) -> int:
    from datetime import timedelta

    from station.clock import iso

    receiver = _open(args, with_keys=False)
    try:
        cutoff = iso(receiver.clock.now() - timedelta(days=args.days))
        dropped = receiver.expire_uploads(cutoff)
    finally:
        receiver.store.close()
    print(f"Đã bỏ / dropped {dropped} upload(s) untouched since {cutoff}")
    return EXIT_OK


def _add_commands(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    def with_store(sp: argparse.ArgumentParser) -> argparse.ArgumentParser:
        sp.add_argument("--data", type=Path, required=True, help="receiver data folder")
        sp.add_argument(
            "--database-url",
            default=None,
            help="SQLAlchemy URL, e.g. postgresql+psycopg://user@host/db "
            "(default: SQLite in the data folder)",
        )
        sp.add_argument("-v", "--verbose", action="store_true")
        return sp

    def with_keys(sp: argparse.ArgumentParser) -> argparse.ArgumentParser:
        sp.add_argument(
            "--keys",
            type=Path,
            action="append",
            required=True,
            help="receiver-keys.json; repeat for older key generations, current first",
        )
        return sp

    sp = with_keys(with_store(sub.add_parser("serve", help="run the HTTPS receiver")))
    sp.add_argument("--host", default="127.0.0.1")
    sp.add_argument("--port", type=int, default=DEFAULT_PORT)
    sp.add_argument("--tls-cert", type=Path, default=None, help="certificate chain, PEM")
    sp.add_argument("--tls-key", type=Path, default=None, help="private key, PEM")
    sp.add_argument("--allow-plain-http", action="store_true")
    sp.add_argument(
        "--header-timeout",
        type=float,
        default=HEADER_TIMEOUT_S,
        help=f"seconds to send a request's headers (default {HEADER_TIMEOUT_S:g})",
    )
    sp.set_defaults(func=cmd_serve)

    sp = with_store(sub.add_parser("register-station", help="register a station"))
    sp.add_argument("file", type=Path, help="the station's registration file (JSON)")
    sp.add_argument("--replace", action="store_true", help="accept a new key for the station")
    sp.set_defaults(func=cmd_register_station)

    sp = with_store(sub.add_parser("deactivate-station", help="refuse a station from now on"))
    sp.add_argument("station_id")
    sp.set_defaults(func=cmd_deactivate_station)

    sp = with_keys(with_store(sub.add_parser("import-usb", help="import a USB export")))
    sp.add_argument("export_dir", type=Path)
    sp.add_argument("--receipts-out", type=Path, required=True)
    sp.set_defaults(func=cmd_import_usb)

    sp = with_store(sub.add_parser("expire-uploads", help="drop long-abandoned uploads"))
    sp.add_argument("--days", type=float, required=True, help="untouched for this many days")
    sp.set_defaults(func=cmd_expire_uploads)

    sp = with_store(sub.add_parser("migrate", help="bring the database schema up to date"))
    sp.set_defaults(func=cmd_migrate)

    sp = with_keys(
        with_store(
            sub.add_parser(
                "backfill-citizens",
                help="open packets accepted before the one-citizen rule and record their citizen",
            )
        )
    )
    sp.add_argument("--batch", type=int, default=100, help="packets read per query")
    sp.add_argument("--limit", type=int, default=None, help="stop after this many packets")
    sp.set_defaults(func=cmd_backfill_citizens)

    sp = with_store(sub.add_parser("mark", help="set a packet's processing status"))
    sp.add_argument("packet_id")
    group = sp.add_mutually_exclusive_group(required=True)
    group.add_argument("--rejected", metavar="REASON", help="send the dossier back")
    group.add_argument("--card-printed", action="store_true")
    group.add_argument(
        "--release",
        action="store_true",
        help="accept a packet held as duplicate_citizen (the centre's decision)",
    )
    sp.add_argument("--parts", default=None, help="parts to recapture: face,fingerprint/left_index")
    sp.add_argument("--station", default=None, help="the station, when several have this packet id")
    sp.set_defaults(func=cmd_mark)


def build_parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(
        prog="intake-station-receiver", description="Reference receiver for intake stations."
    )
    sub = p.add_subparsers(dest="cmd", required=True)
    _add_commands(sub)
    return p


def _execute(args: argparse.Namespace) -> int:
    func: Callable[[argparse.Namespace], int] = args.func
    try:
        return func(args)
    except StationError as err:
        print(f"Lỗi [{err.code}]: {err.vi}\nError [{err.code}]: {err.en}", file=sys.stderr)
        return EXIT_ERROR
    except SQLAlchemyError as exc:
        detail = str(exc).splitlines()[0][:300]
        print(
            f"Lỗi cơ sở dữ liệu / database error: {detail}",
            file=sys.stderr,
        )
        return EXIT_ERROR
    except KeyboardInterrupt:
        return EXIT_ERROR


def main(argv: Sequence[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    logging.basicConfig(
        level=logging.DEBUG if args.verbose else logging.INFO,
        format="%(asctime)s %(levelname)s %(name)s: %(message)s",
    )
    return _execute(args)


if __name__ == "__main__":
    sys.exit(main())
