"""``intake-station``: the non-visual operations, for administrators and scripted tests.

Passwords are read from the terminal without echo, or with ``--password-stdin`` one per line
from standard input (first the caller's own, then any new one), never from arguments or the
environment.
"""

from __future__ import annotations

import argparse
import getpass
import json
import logging
import sys
from collections.abc import Callable, Sequence
from contextlib import closing
from importlib.metadata import entry_points
from pathlib import Path

from station import __version__, masterdata, textcheck
from station.errors import StationError
from station.lifecycle import ROLE_LABELS, STATE_LABELS
from station.paths import StationPaths, default_data_dir
from station.provisioning import (
    DEFAULT_KDF_COST,
    Bundle,
    InitRequest,
    generate_receiver_keyset,
    init_station,
    load_recovery_key,
)
from station.service import StationService

#: Entry-point group through which ``ui`` and ``sync`` add their subcommands.
COMMANDS_GROUP = "intake_station.commands"
EXIT_OK = 0
EXIT_ERROR = 1
EXIT_AUDIT_BROKEN = 3


class Prompter:
    """Reads passwords from the terminal, or line by line from stdin."""

    def __init__(self, from_stdin: bool) -> None:
        self.from_stdin = from_stdin

    def password(self, prompt: str) -> str:
        if self.from_stdin:
            line = sys.stdin.readline()
            if not line:
                raise StationError(
                    "Thiếu mật khẩu trên đầu vào chuẩn.", "A password is missing on standard input."
                )
            return line.rstrip("\r\n")
        return getpass.getpass(prompt)

    def new_password(self, prompt: str) -> str:
        first = self.password(prompt)
        if not self.from_stdin and getpass.getpass("Nhập lại / Repeat: ") != first:
            raise StationError("Hai lần nhập không khớp.", "The two entries differ.")
        return first


def _service(args: argparse.Namespace) -> StationService:
    svc = StationService(StationPaths(args.data_dir))
    svc.login(args.as_operator, args.prompter.password(f"Mật khẩu {args.as_operator}: "))
    return svc


def cmd_dev_receiver_keys(args: argparse.Namespace) -> int:
    files = generate_receiver_keyset(args.out, args.url)
    for name, path in files.items():
        print(f"{name}: {path}")
    print("Khóa chỉ dùng cho phát triển và kiểm thử. / Development and test keys only.")
    return EXIT_OK


def cmd_init(args: argparse.Namespace) -> int:
    bundle = Bundle.load(args.bundle)
    password = args.prompter.new_password(f"Mật khẩu mới cho {args.admin_id}: ")
    req = InitRequest(
        bundle=bundle,
        admin_id=args.admin_id,
        admin_name=args.admin_name,
        admin_password=password,
        station_code=args.code,
        station_name=args.name,
        demo=args.demo,
        kdf_cost=(args.kdf_memory_kib, args.kdf_iterations, args.kdf_lanes),
    )
    station_id = init_station(StationPaths(args.data_dir), req)
    print(f"Đã khởi tạo trạm / Station provisioned: {station_id} ({args.code}) in {args.data_dir}")
    for key in bundle.receiver_keys:
        print(f"  pinned receiver {key.purpose} key {key.key_id} ({key.algorithm})")
    return EXIT_OK


def cmd_status(args: argparse.Namespace) -> int:
    with closing(_service(args)) as svc:
        info = svc.station_info()
        counts = svc.counts_by_state()
        result = svc.verify_audit()
    if args.json:
        doc = {
            "station": {"id": info.id, "code": info.code, "name": info.name, "demo": info.demo},
            "counts": {state.value: n for state, n in counts.items()},
            "audit": {"ok": result.ok, "entries": result.entries},
        }
        print(json.dumps(doc, ensure_ascii=False, indent=2))
        return EXIT_OK
    print(f"Trạm / Station: {info.name} ({info.code}) {info.id}{' [DEMO]' if info.demo else ''}")
    for state, n in counts.items():
        vi, en = STATE_LABELS[state]
        print(f"  {vi} / {en}: {n}")
    print(f"Nhật ký / Audit log: {result.entries} entries, {'OK' if result.ok else 'BROKEN'}")
    return EXIT_OK


def cmd_audit_verify(args: argparse.Namespace) -> int:
    with closing(_service(args)) as svc:
        result = svc.verify_audit()
    if result.ok:
        print(
            f"Nhật ký nguyên vẹn / Audit chain intact: {result.entries} entries, head {result.head}"
        )
        return EXIT_OK
    print(
        f"Nhật ký bị sửa tại mục {result.broken_seq} / Audit chain broken at entry "
        f"{result.broken_seq}: {result.reason}",
        file=sys.stderr,
    )
    return EXIT_AUDIT_BROKEN


def cmd_operators_list(args: argparse.Namespace) -> int:
    with closing(_service(args)) as svc:
        ops = svc.list_operators()
    for op in ops:
        flags = []
        if op.disabled:
            flags.append("disabled")
        if op.must_change_password:
            flags.append("must-change-password")
        if not op.has_slot:
            flags.append("no-key-slot")
        label = ROLE_LABELS[op.role][1]
        print(f"{op.id}\t{label}\t{op.full_name}\t{','.join(flags)}")
    return EXIT_OK


def cmd_operators_add(args: argparse.Namespace) -> int:
    with closing(_service(args)) as svc:
        password = args.prompter.new_password(f"Mật khẩu ban đầu cho {args.operator_id}: ")
        svc.add_operator(args.operator_id, args.full_name, args.role, password)
    print(f"Đã thêm / Added: {args.operator_id} ({args.role})")
    return EXIT_OK


def cmd_operators_disable(args: argparse.Namespace) -> int:
    with closing(_service(args)) as svc:
        svc.disable_operator(args.operator_id)
    print(f"Đã khóa / Disabled: {args.operator_id}")
    return EXIT_OK


def cmd_operators_reset(args: argparse.Namespace) -> int:
    with closing(_service(args)) as svc:
        admin_pw = args.prompter.password("Xác nhận mật khẩu quản trị / Confirm admin password: ")
        new_pw = args.prompter.new_password(f"Mật khẩu mới cho {args.operator_id}: ")
        svc.reset_operator(admin_pw, args.operator_id, new_pw)
    print(f"Đã đặt lại / Reset: {args.operator_id} (must change password at next login)")
    return EXIT_OK


def cmd_operators_unlock(args: argparse.Namespace) -> int:
    """Lift a login lockout: as an administrator, or with the recovery key (admin locked out)."""
    if args.recovery_key is not None:
        from station.clock import SystemClock

        svc = StationService(StationPaths(args.data_dir))
        svc.slots.clear_lockout_with_recovery(
            args.operator_id, load_recovery_key(args.recovery_key), SystemClock().now()
        )
    elif args.as_operator:
        with closing(_service(args)) as svc:
            svc.unlock_operator(args.operator_id)
    else:
        raise StationError(
            "Cần --as <quản trị> hoặc --recovery-key.", "Give --as <admin> or --recovery-key."
        )
    print(f"Đã mở khóa đăng nhập / Login lockout lifted: {args.operator_id}")
    return EXIT_OK


def cmd_passwd(args: argparse.Namespace) -> int:
    svc = StationService(StationPaths(args.data_dir))
    try:
        old = args.prompter.password(f"Mật khẩu hiện tại {args.as_operator}: ")
        svc.login(args.as_operator, old)
        svc.change_password(old, args.prompter.new_password("Mật khẩu mới / New password: "))
    finally:
        svc.close()
    print("Đã đổi mật khẩu / Password changed.")
    return EXIT_OK


def cmd_recover_check(args: argparse.Namespace) -> int:
    """Prove that the recovery key opens this station's recovery slot (opens nothing else)."""
    svc = StationService(StationPaths(args.data_dir))
    key = svc.slots.recover(load_recovery_key(args.recovery_key))
    print(
        f"Khóa khôi phục hợp lệ / Recovery key opens this station ({len(key) * 8}-bit store key)."
    )
    return EXIT_OK


def _print_preview(svc: StationService, path: Path) -> None:
    pre = svc.preview_roster(path)
    print(
        f"Xem trước / Preview «{path.name}» ({pre.encoding}): {pre.rows} dòng / rows, "
        f"{pre.good} hợp lệ / good, {pre.rejected} bị loại / rejected"
    )
    for p in pre.problems:
        print(f"  dòng / line {p.line} [{p.field}]: {p.vi} / {p.en}")
    for roster_id, name, when in pre.same_file:
        print(f"  Đã nhập / already imported: danh sách / list {roster_id} «{name}» {when}")


def cmd_residents_import(args: argparse.Namespace) -> int:
    with closing(_service(args)) as svc:
        _print_preview(svc, args.file)
        if args.preview:
            print("Chưa nhập gì (--preview) / Nothing imported (--preview).")
            return EXIT_OK
        report = svc.import_roster(args.file, args.kind, args.name, replace=args.replace)
    print(
        f"Đã nhập / Imported: {report.imported} người / residents, "
        f"bỏ qua / rejected: {report.rejected} (danh sách / list {report.roster_id})"
    )
    for p in report.problems[:50]:
        print(f"  dòng / line {p.line} [{p.field}]: {p.vi} / {p.en}", file=sys.stderr)
    if len(report.problems) > 50:
        print(f"  ... {len(report.problems) - 50} more", file=sys.stderr)
    return EXIT_OK


def cmd_residents_lists(args: argparse.Namespace) -> int:
    with closing(_service(args)) as svc:
        for r in svc.list_rosters():
            print(
                f"{r.id}\t{r.kind}\t{textcheck.printable(r.name)}\t{r.row_count}\t"
                f"enrolled:{r.enrolled}\t{r.imported_at}\t{r.sha256[:12]}"
            )
    return EXIT_OK


def cmd_residents_remove(args: argparse.Namespace) -> int:
    with closing(_service(args)) as svc:
        removed, marks = svc.remove_roster(args.roster_id)
    print(
        f"Đã xóa danh sách / List removed: {args.roster_id} ({removed} người / residents, "
        f"{marks} dấu đã thu nhận / enrolment marks)"
    )
    return EXIT_OK


def cmd_residents_search(args: argparse.Namespace) -> int:
    with closing(_service(args)) as svc:
        hits = svc.search_residents(args.query, limit=args.limit)
    for h in hits:
        enrolled = f"\tenrolled:{h.enrolled_dossier_id}" if h.enrolled_dossier_id else ""
        line = (
            f"{h.id}\t{h.id_number or '-'}\t{h.full_name}\t{h.date_of_birth or '-'}\t"
            f"{h.address or ''}{enrolled}"
        )
        print("\t".join(textcheck.printable(col) for col in line.split("\t")))
    return EXIT_OK


def cmd_masterdata_info(args: argparse.Namespace) -> int:
    md = masterdata.load(args.data_dir)
    print(f"Danh mục / Master data {md.version} ({md.path})")
    print(
        f"  {len(md.provinces)} tỉnh / provinces, {len(md.communes)} xã / communes (2025); "
        f"{len(md.legacy_provinces)} / {len(md.legacy_districts)} / {len(md.legacy_wards)} "
        "(trước / before 2025-07-01)"
    )
    for list_id, groups in md.ethnic_groups.items():
        print(f"  {list_id}: {len(groups)} dân tộc / ethnic groups")
    print(f"  {len(md.religions)} tôn giáo / religions, {len(md.countries)} quốc gia / countries")
    return EXIT_OK


def cmd_masterdata_import(args: argparse.Namespace) -> int:
    with closing(_service(args)) as svc:
        version = svc.import_masterdata(args.bundle)
    print(f"Đã nhập danh mục / Master data imported: {version}")
    return EXIT_OK


def cmd_backup(args: argparse.Namespace) -> int:
    with closing(_service(args)) as svc:
        report = svc.deployment.backup(args.dest)
    m = report.manifest
    print(f"Đã sao lưu / Backup written: {report.folder}")
    print(f"  trạm / station {m.code} {m.station_id}, revision {m.revision}, {report.bytes} bytes")
    return EXIT_OK


def cmd_restore(args: argparse.Namespace) -> int:
    from station import backup
    from station.clock import SystemClock

    if args.recovery_key is not None:
        creds = backup.Credentials(recovery_key=load_recovery_key(args.recovery_key))
    elif args.as_operator:
        password = args.prompter.password(f"Mật khẩu {args.as_operator} (lúc sao lưu): ")
        creds = backup.Credentials(operator_id=args.as_operator, password=password)
    else:
        raise StationError(
            "Cần --as <quản trị> hoặc --recovery-key.", "Give --as <admin> or --recovery-key."
        )
    report = backup.restore(StationPaths(args.data_dir), args.source, creds, SystemClock().now())
    print(
        f"Đã khôi phục / Restored: {report.code} {report.station_id} "
        f"(sao lưu lúc / backup of {report.created_at}, revision {report.revision})"
    )
    if report.replaced is not None:
        print(f"  kho cũ để tại / previous store kept at: {report.replaced}")
    return EXIT_OK


def cmd_diagnostics(args: argparse.Namespace) -> int:
    with closing(_service(args)) as svc:
        if args.out is not None:
            print(svc.deployment.write_diagnostics(args.out))
        else:
            print(json.dumps(svc.deployment.diagnostics(), ensure_ascii=False, indent=2))
    return EXIT_OK


def cmd_sync_age(args: argparse.Namespace) -> int:
    with closing(_service(args)) as svc:
        if args.set_warn_days is not None:
            svc.deployment.set_sync_warn_days(args.set_warn_days)
        age = svc.deployment.sync_age()
    print(
        f"Biên nhận gần nhất / last verified receipt: {age.last_receipt_at or '-'}; "
        f"{age.days if age.days is not None else '-'} ngày / days; "
        f"{age.waiting} gói chờ / waiting; ngưỡng / threshold {age.warn_days}"
    )
    vi, en = age.message()
    if age.warn:
        print(f"{vi}\n{en}")
    return EXIT_OK


def cmd_device_trust(args: argparse.Namespace) -> int:
    with closing(_service(args)) as svc:
        trust = svc.device_trust
        if args.import_file is not None:
            for added in trust.import_anchors(args.import_file.read_bytes()):
                print(f"+ {added.sha256} {added.subject}")
        if args.remove is not None:
            trust.remove_anchor(args.remove)
        if args.allow_untrusted is not None:
            trust.set_allow_untrusted(args.allow_untrusted == "yes", args.reason or "")
        for anchor in trust.anchors():
            print(f"{anchor.sha256} {anchor.subject} (đến / until {anchor.not_after})")
        allowed = trust.allow_untrusted()
        print(
            "Thiết bị chưa xác thực / untrusted devices: "
            + ("CHO PHÉP / ALLOWED" if allowed else "từ chối / refused")
        )
    return EXIT_OK


def cmd_self_test(args: argparse.Namespace) -> int:
    from station.deployment import SelfTestReport, self_test

    login = None
    if args.as_operator:
        login = (args.as_operator, args.prompter.password(f"Mật khẩu {args.as_operator}: "))
    report = SelfTestReport(self_test(StationPaths(args.data_dir), login))
    if args.json:
        print(json.dumps(report.to_doc(), ensure_ascii=False, indent=2))
    else:
        for line in report.lines():
            print(line)
        print(
            "(Kiểm tra Qt: chạy «intake-station --self-test» của bản cài đặt / "
            "Qt checks: run the installed program's 'intake-station --self-test')"
        )
    return EXIT_OK if report.ok else EXIT_ERROR


def build_parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="intake-station", description="Intake station")
    p.add_argument("--version", action="version", version=f"intake-station {__version__}")
    p.add_argument(
        "--data-dir",
        type=Path,
        default=None,
        help="station data folder (default: $INTAKE_STATION_HOME or the platform's data folder)",
    )
    p.add_argument("--password-stdin", action="store_true", help="read passwords from stdin")
    p.add_argument("-v", "--verbose", action="store_true")
    sub = p.add_subparsers(dest="command", required=True)

    def with_login(sp: argparse.ArgumentParser) -> argparse.ArgumentParser:
        sp.add_argument("--as", dest="as_operator", required=True, help="your operator id")
        return sp

    sp = sub.add_parser("dev-receiver-keys", help="make a development receiver key set")
    sp.add_argument("--out", type=Path, required=True)
    sp.add_argument("--url", default=None, help="receiver URL written into the bundle")
    sp.set_defaults(func=cmd_dev_receiver_keys)

    sp = sub.add_parser("init", help="provision this station")
    sp.add_argument("--bundle", type=Path, required=True)
    sp.add_argument("--admin-id", required=True)
    sp.add_argument("--admin-name", required=True)
    sp.add_argument("--code", required=True, help="station code, e.g. TN-001")
    sp.add_argument("--name", required=True, help="station name")
    sp.add_argument("--demo", action="store_true", help="mark as a demo station")
    sp.add_argument("--kdf-memory-kib", type=int, default=DEFAULT_KDF_COST[0])
    sp.add_argument("--kdf-iterations", type=int, default=DEFAULT_KDF_COST[1])
    sp.add_argument("--kdf-lanes", type=int, default=DEFAULT_KDF_COST[2])
    sp.set_defaults(func=cmd_init)

    sp = with_login(sub.add_parser("status", help="dossier counts by state"))
    sp.add_argument("--json", action="store_true")
    sp.set_defaults(func=cmd_status)

    audit_p = sub.add_parser("audit", help="audit log").add_subparsers(
        dest="audit_cmd", required=True
    )
    with_login(audit_p.add_parser("verify", help="check the hash chain")).set_defaults(
        func=cmd_audit_verify
    )

    ops = sub.add_parser("operators", help="manage operators").add_subparsers(
        dest="op_cmd", required=True
    )
    with_login(ops.add_parser("list")).set_defaults(func=cmd_operators_list)
    sp = with_login(ops.add_parser("add"))
    sp.add_argument("operator_id")
    sp.add_argument("--full-name", required=True)
    sp.add_argument("--role", required=True, help="operator, supervisor or admin")
    sp.set_defaults(func=cmd_operators_add)
    sp = with_login(ops.add_parser("disable"))
    sp.add_argument("operator_id")
    sp.set_defaults(func=cmd_operators_disable)
    sp = with_login(ops.add_parser("reset"))
    sp.add_argument("operator_id")
    sp.set_defaults(func=cmd_operators_reset)

    sp = ops.add_parser("unlock", help="lift a login lockout (admin, or the recovery key)")
    sp.add_argument("operator_id")
    sp.add_argument("--as", dest="as_operator", default=None, help="an administrator's id")
    sp.add_argument("--recovery-key", type=Path, default=None)
    sp.set_defaults(func=cmd_operators_unlock)

    with_login(sub.add_parser("passwd", help="change your password")).set_defaults(func=cmd_passwd)

    res = sub.add_parser("residents", help="resident lists and rosters").add_subparsers(
        dest="res_cmd", required=True
    )
    sp = with_login(res.add_parser("import", help="import a CSV list"))
    sp.add_argument("file", type=Path)
    sp.add_argument("--kind", choices=("residents", "drive"), default="residents")
    sp.add_argument("--name", default=None)
    sp.add_argument(
        "--preview", action="store_true", help="show what would be imported, store nothing"
    )
    sp.add_argument("--replace", type=int, default=None, help="replace list ID (marks carry over)")
    sp.set_defaults(func=cmd_residents_import)
    with_login(res.add_parser("lists", help="the imported lists")).set_defaults(
        func=cmd_residents_lists
    )
    sp = with_login(res.add_parser("remove", help="remove an imported list"))
    sp.add_argument("roster_id", type=int)
    sp.set_defaults(func=cmd_residents_remove)
    sp = with_login(res.add_parser("search", help="search as the officer types"))
    sp.add_argument("query")
    sp.add_argument("--limit", type=int, default=20)
    sp.set_defaults(func=cmd_residents_search)

    md = sub.add_parser("masterdata", help="reference data").add_subparsers(
        dest="md_cmd", required=True
    )
    md.add_parser("info", help="what is loaded").set_defaults(func=cmd_masterdata_info)
    sp = with_login(md.add_parser("import", help="install a newer master-data bundle"))
    sp.add_argument("bundle", type=Path, help="folder holding manifest.json and its files")
    sp.set_defaults(func=cmd_masterdata_import)

    sp = sub.add_parser("recovery-check", help="check a recovery key against this station")
    sp.add_argument("--recovery-key", type=Path, required=True)
    sp.set_defaults(func=cmd_recover_check)

    sp = with_login(sub.add_parser("backup", help="back the station up to a folder (USB)"))
    sp.add_argument("dest", type=Path, help="folder (a USB stick) to write the backup folder in")
    sp.set_defaults(func=cmd_backup)

    sp = sub.add_parser("restore", help="restore a backup onto this (empty or same) station")
    sp.add_argument("source", type=Path, help="the backup folder (holding manifest.json)")
    sp.add_argument("--as", dest="as_operator", default=None, help="an administrator's id")
    sp.add_argument("--recovery-key", type=Path, default=None)
    sp.set_defaults(func=cmd_restore)

    sp = with_login(sub.add_parser("diagnostics", help="support report, no personal data"))
    sp.add_argument("--out", type=Path, default=None, help="folder to write the report file in")
    sp.set_defaults(func=cmd_diagnostics)

    sp = with_login(sub.add_parser("sync-age", help="days since the last verified sync"))
    sp.add_argument("--set-warn-days", type=int, default=None, help="(admin) 0 = never warn")
    sp.set_defaults(func=cmd_sync_age)

    sp = with_login(sub.add_parser("device-trust", help="SBI device trust store and policy"))
    sp.add_argument("--import", dest="import_file", type=Path, default=None, help="(admin) CA file")
    sp.add_argument("--remove", default=None, help="(admin) SHA-256 of an anchor to remove")
    sp.add_argument("--allow-untrusted", choices=("yes", "no"), default=None, help="(admin)")
    sp.add_argument("--reason", default=None, help="why the policy changes (required with it)")
    sp.set_defaults(func=cmd_device_trust)

    sp = sub.add_parser("self-test", help="check the installed program (store, resources)")
    sp.add_argument("--as", dest="as_operator", default=None, help="also open the store")
    sp.add_argument("--json", action="store_true")
    sp.set_defaults(func=cmd_self_test)

    from station.chip.cli import register as register_chip

    register_chip(sub, with_login)

    # Commands of the packages above the core (the window, sync) register themselves here, so
    # that the core never imports them.
    for ep in entry_points(group=COMMANDS_GROUP):
        ep.load()(sub)
    return p


def main(argv: Sequence[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    logging.basicConfig(
        level=logging.DEBUG if args.verbose else logging.WARNING,
        format="%(asctime)s %(levelname)s %(name)s: %(message)s",
    )
    if args.data_dir is None:
        args.data_dir = default_data_dir()
    args.prompter = Prompter(args.password_stdin)
    func: Callable[[argparse.Namespace], int] = args.func
    try:
        return func(args)
    except StationError as err:
        where = f" [{err.field}]" if err.field else ""
        print(f"Lỗi{where}: {err.vi}\nError{where}: {err.en}", file=sys.stderr)
        return EXIT_ERROR
    except OSError as err:  # a file named on the command line: missing, unreadable, full disk
        name = err.filename if err.filename is not None else ""
        print(
            f"Lỗi: không đọc/ghi được tệp {name}: {err.strerror or err}\n"
            f"Error: cannot read/write the file {name}: {err.strerror or err}",
            file=sys.stderr,
        )
        return EXIT_ERROR
    except KeyboardInterrupt:
        return EXIT_ERROR


if __name__ == "__main__":
    sys.exit(main())
