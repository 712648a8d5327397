"""Runs end in a summary and a documented exit code whatever the network does; errors name
their cause; a run rides out a lost connection within its budget."""

from __future__ import annotations

import errno
import ipaddress
import socket
import ssl
import time
from pathlib import Path

import httpx
from cryptography import x509

from station.provisioning import generate_receiver_keyset, make_tls_certificate
from station.service import StationService
from sync import api, diagnose
from sync.client import ReceiverClient
from sync.receiver.app import create_app
from sync.receiver.core import Receiver
from sync.receiver.keys import load_keys
from sync.receiver.server import BackgroundServer
from sync.receiver.store import PacketRow, ReceiverStore, UploadRow
from sync.uploader import EXIT_FAILED, EXIT_OK, EXIT_UNREACHABLE
from tests.conftest import ADMIN_PW, OP_PW, SUP_PW, FakeClock, login

from .procs import ReceiverProcess, free_port, station_command
from .test_end_to_end import sealed_dossier


def _held_count(data_dir: Path) -> int:
    store = ReceiverStore(data_dir)
    try:
        with store.read() as s:
            return len(s.execute(PacketRow.__table__.select()).all())
    finally:
        store.close()


def _uploading(data_dir: Path) -> int:
    store = ReceiverStore(data_dir)
    try:
        with store.read() as s:
            return len(s.execute(UploadRow.__table__.select()).all())
    finally:
        store.close()


def _prepare(
    staffed: StationService, clock: FakeClock, keyset: dict[str, Path], tmp_path: Path, n: int
) -> tuple[ReceiverProcess, list[str]]:
    data = tmp_path / "receiver"
    r = Receiver(ReceiverStore(data), load_keys([keyset["receiver_keys"]]))
    r.register_station(staffed.registration())
    r.store.close()
    op = login(staffed.paths, clock, "op1", OP_PW)
    sup = login(staffed.paths, clock, "sup1", SUP_PW)
    ids = [sealed_dossier(op, sup, f"Nghề {i}")[1] for i in range(n)]
    op.close()
    sup.close()
    receiver = ReceiverProcess(data, [keyset["receiver_keys"]])
    staffed.set_receiver_url(receiver.url)
    size = staffed.packet_info(ids[0]).size
    # Slow enough that a kill lands mid-run: about 1.5 s a packet.
    staffed.set_sync_settings(bandwidth_cap_bps=max(1, int(size / 1.5)))
    return receiver, ids


def test_receiver_killed_mid_run_gives_a_summary_and_an_exit_code(
    staffed: StationService, clock: FakeClock, keyset: dict[str, Path], tmp_path: Path
) -> None:
    receiver, _ = _prepare(staffed, clock, keyset, tmp_path, 3)
    receiver.start()
    try:
        run = station_command(staffed.paths.root, "admin", ADMIN_PW, "sync", "now", "--budget", "3")
        deadline = time.monotonic() + 60
        while _held_count(receiver.data_dir) < 1:
            assert time.monotonic() < deadline and run.poll() is None
            time.sleep(0.05)
        receiver.kill()  # mid-run: one packet delivered, the next in flight
        out, err = run.communicate(timeout=60)
        assert run.returncode == EXIT_FAILED, (out, err)
        assert "Traceback" not in out + err
        # The first packet is stored; its receipt may die with the connection (the kill
        # resets it, and a reset drops what the station had not read yet): then the next run
        # takes it again, as a duplicate receipt.
        got = 1 if "receipted 1" in out else 0
        assert f"receipted {got}" in out and "failed 1" in out, out
        assert "refused the connection" in out or "reset" in out, out  # the cause, named
        # The receiver back: the next run finishes, exit 0.
        receiver.start()
        run = station_command(staffed.paths.root, "admin", ADMIN_PW, "sync", "now")
        out, err = run.communicate(timeout=120)
        assert run.returncode == EXIT_OK, (out, err)
        assert f"receipted {3 - got}" in out and "failed 0" in out, out
        assert _held_count(receiver.data_dir) == 3
    finally:
        receiver.stop()


def test_one_run_rides_out_a_receiver_restart(
    staffed: StationService, clock: FakeClock, keyset: dict[str, Path], tmp_path: Path
) -> None:
    receiver, _ = _prepare(staffed, clock, keyset, tmp_path, 2)
    receiver.start()
    try:
        run = station_command(staffed.paths.root, "admin", ADMIN_PW, "sync", "now")
        deadline = time.monotonic() + 60
        while _uploading(receiver.data_dir) == 0:  # mid-way through the first packet
            assert time.monotonic() < deadline and run.poll() is None
            time.sleep(0.05)
        receiver.kill()
        time.sleep(3)  # the receiver is away for three seconds
        receiver.start(wait=False)
        out, err = run.communicate(timeout=120)
        assert run.returncode == EXIT_OK, (out, err)
        assert "receipted 2" in out, out
        assert _held_count(receiver.data_dir) == 2
    finally:
        receiver.stop()


def test_unreachable_exit_code_and_named_cause(staffed: StationService) -> None:
    staffed.set_receiver_url(f"http://127.0.0.1:{free_port()}")  # nothing listens: stopped
    report = api.sync_now(staffed)
    assert report.exit_code == EXIT_UNREACHABLE
    assert report.cause is not None and report.cause.code == "connection_refused"
    assert "refused the connection" in "\n".join(report.summary_lines())


def _probe(url: str, pem: str | None, timeout: float = 2.0) -> diagnose.Cause | None:
    client = ReceiverClient(url, "station", b"\x01" * 32, tls_cert_pem=pem)
    try:
        return client.probe(timeout)[0]
    finally:
        client.close()


def test_each_cause_is_named(tmp_path: Path, keyset: dict[str, Path]) -> None:
    receiver = Receiver(ReceiverStore(tmp_path / "r"), load_keys([keyset["receiver_keys"]]))
    app = create_app(receiver)
    # A certificate for another host (localhost only), reached by IP address.
    cert, key = make_tls_certificate(["localhost"])
    (tmp_path / "c.pem").write_bytes(cert)
    (tmp_path / "c.key").write_bytes(key)
    with BackgroundServer(app, tls_cert=tmp_path / "c.pem", tls_key=tmp_path / "c.key") as srv:
        cause = _probe(srv.url, cert.decode())
        assert cause is not None and cause.code == "tls_name_mismatch", cause
        assert "IP address '127.0.0.1'" in cause.en and "127.0.0.1" in cause.vi
        assert _probe(srv.url.replace("127.0.0.1", "localhost"), cert.decode()) is None
        # Another certificate pinned than the one presented.
        other, _ = make_tls_certificate(["localhost", "127.0.0.1"])
        cause = _probe(srv.url, other.decode())
        assert cause is not None and cause.code == "pinned_key_mismatch", cause
    # A stopped receiver.
    cause = _probe(f"http://127.0.0.1:{free_port()}", None)
    assert cause is not None and cause.code == "connection_refused"
    # A blackholed address: the connection is taken, nothing ever answers.
    with socket.socket() as hole:
        hole.bind(("127.0.0.1", 0))
        hole.listen(8)
        started = time.monotonic()
        cause = _probe(f"http://127.0.0.1:{hole.getsockname()[1]}", None, timeout=1.0)
        assert cause is not None and cause.code == "timeout"
        assert time.monotonic() - started < 5
    receiver.store.close()


def test_causes_from_the_exception_chain() -> None:
    url = "https://receiver.example:8443"

    def wrapped(inner: BaseException) -> httpx.ConnectError:
        outer = httpx.ConnectError("connect failed")
        outer.__cause__ = inner
        return outer

    dns = diagnose.cause_of(wrapped(socket.gaierror(-2, "Name or service not known")), url)
    assert dns.code == "dns" and "receiver.example" in dns.en
    route = diagnose.cause_of(wrapped(OSError(errno.EHOSTUNREACH, "No route to host")), url)
    assert route.code == "no_route"
    name = ssl.SSLCertVerificationError(1, "certificate verify failed")
    name.verify_code, name.verify_message = 62, "Hostname mismatch"
    cause = diagnose.cause_of(wrapped(name), url)
    assert cause.code == "tls_name_mismatch" and "name 'receiver.example'" in cause.en
    expired = ssl.SSLCertVerificationError(1, "certificate verify failed")
    expired.verify_code, expired.verify_message = 10, "certificate has expired"
    assert diagnose.cause_of(wrapped(expired), url).code == "clock_off"
    for cause in (dns, route):
        assert cause.vi and cause.en and cause.vi != cause.en


def test_dev_receiver_keys_put_the_url_host_in_the_certificate(tmp_path: Path) -> None:
    for url, expected in (
        ("https://10.77.0.2:8443", x509.IPAddress(ipaddress.ip_address("10.77.0.2"))),
        ("https://nhan.example.vn", x509.DNSName("nhan.example.vn")),
    ):
        files = generate_receiver_keyset(tmp_path / url.split("//")[1].replace(":", "_"), url)
        cert = x509.load_pem_x509_certificate(files["tls_cert"].read_bytes())
        san = cert.extensions.get_extension_for_class(x509.SubjectAlternativeName).value
        assert expected in list(san)
        assert x509.DNSName("localhost") in list(san)
