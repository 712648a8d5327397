"""The command line, and the server over TLS with a pinned self-signed certificate."""

from __future__ import annotations

import datetime as dt
import ipaddress
import json
import os
import socket
import ssl
import subprocess
import sys
import time
from pathlib import Path

import httpx
import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID

from sync.receiver.cli import EXIT_ERROR, EXIT_OK, main
from sync.receiver.core import Receiver
from sync.receiver.store import ReceiverStore

from .conftest import StationClient, make_station, seal_packet, verified_receipt

ROOT = Path(__file__).resolve().parents[2]


def self_signed(folder: Path, common_name: str = "receiver.test") -> tuple[Path, Path, bytes]:
    """(certificate, key, certificate PEM) for 127.0.0.1 and localhost."""
    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, common_name)])
    now = dt.datetime.now(dt.UTC)
    cert = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - dt.timedelta(minutes=5))
        .not_valid_after(now + dt.timedelta(days=1))
        .add_extension(
            x509.SubjectAlternativeName(
                [x509.DNSName("localhost"), x509.IPAddress(ipaddress.ip_address("127.0.0.1"))]
            ),
            critical=False,
        )
        .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
        .add_extension(x509.ExtendedKeyUsage([ExtendedKeyUsageOID.SERVER_AUTH]), critical=False)
        .add_extension(x509.SubjectKeyIdentifier.from_public_key(key.public_key()), critical=False)
        .sign(key, hashes.SHA256())
    )
    pem = cert.public_bytes(serialization.Encoding.PEM)
    cert_path, key_path = folder / "cert.pem", folder / "key.pem"
    cert_path.write_bytes(pem)
    key_path.write_bytes(
        key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
    )
    return cert_path, key_path, pem


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def pinned_context(pem: bytes) -> ssl.SSLContext:
    """Trusts that one certificate and nothing else (no system roots)."""
    ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
    ctx.minimum_version = ssl.TLSVersion.TLSv1_2
    ctx.load_verify_locations(cadata=pem.decode("ascii"))
    return ctx


def test_register_mark_and_deactivate_from_the_cli(
    tmp_path, data_dir, receiver: Receiver, receiver_public, capsys
):
    receiver.store.close()
    st = make_station("HN-007")
    reg = tmp_path / "station-registration.json"
    reg.write_text(json.dumps(st.registration(), ensure_ascii=False), encoding="utf-8")
    assert main(["register-station", str(reg), "--data", str(data_dir)]) == EXIT_OK
    assert "registered" in capsys.readouterr().out
    assert main(["register-station", str(reg), "--data", str(data_dir)]) == EXIT_OK
    assert "unchanged" in capsys.readouterr().out
    # Another key for the same station id: refused unless --replace.
    other = make_station("HN-007")
    other.station_id = st.station_id
    reg.write_text(json.dumps(other.registration()), encoding="utf-8")
    assert main(["register-station", str(reg), "--data", str(data_dir)]) == EXIT_ERROR
    err = capsys.readouterr().err
    assert "Lỗi [station_exists]" in err and "Error [station_exists]" in err
    reg.write_text(json.dumps(st.registration()), encoding="utf-8")
    bad = tmp_path / "bad.json"
    bad.write_text(json.dumps({**st.registration(), "public_key": "AAAA"}), encoding="utf-8")
    assert main(["register-station", str(bad), "--data", str(data_dir)]) == EXIT_ERROR
    assert "bad_registration" in capsys.readouterr().err

    r = Receiver(ReceiverStore(data_dir), receiver.keys)
    sealed = seal_packet(st, receiver_public, size=3_000)
    r.accept(sealed.data, station_id=st.station_id, expect=_expect(sealed), via="http")
    r.store.close()
    pid = sealed.packet_id
    base = ["--data", str(data_dir)]
    assert (
        main(
            ["mark", pid, "--rejected", "Ảnh mờ", "--parts", "face, fingerprint/left_index", *base]
        )
        == EXIT_OK
    )
    assert main(["mark", pid, "--card-printed", *base]) == EXIT_ERROR  # rejected: not printable
    assert "illegal_transition" in capsys.readouterr().err
    assert main(["mark", pid, "--rejected", "x", "--parts", "Face!", *base]) == EXIT_ERROR
    assert main(["mark", "0" * 32, "--card-printed", *base]) == EXIT_ERROR
    r = Receiver(ReceiverStore(data_dir), receiver.keys)
    status = r.statuses(st.station_id, [pid])[pid]
    assert status["status"] == "rejected"
    assert status["parts"] == ["face", "fingerprint/left_index"]
    r.store.close()

    assert main(["deactivate-station", st.station_id, *base]) == EXIT_OK
    r = Receiver(ReceiverStore(data_dir), receiver.keys)
    assert [s.active for s in r.stations()] == [False]
    r.store.close()


def _expect(sealed):
    from sync.receiver.core import Expect

    return Expect(sealed.packet_id, sealed.sha256, authentic=True)


def test_serve_refuses_plain_http_off_loopback(tmp_path, receiver_keyset, capsys):
    args = ["serve", "--keys", str(receiver_keyset["receiver_keys"]), "--data", str(tmp_path)]
    assert main([*args, "--host", "0.0.0.0"]) == EXIT_ERROR
    assert "--allow-plain-http" in capsys.readouterr().err
    assert main([*args, "--tls-cert", str(tmp_path / "c.pem")]) == EXIT_ERROR


def test_tls_with_a_pinned_self_signed_certificate(
    tmp_path, data_dir, receiver: Receiver, receiver_keyset, keys, receiver_public, station_a
):
    receiver.store.close()
    cert, key, pem = self_signed(tmp_path)
    port = free_port()
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    proc = subprocess.Popen(
        [
            sys.executable,
            "-c",
            "import sys; from sync.receiver.cli import main; sys.exit(main(sys.argv[1:]))",
            "serve",
            "--keys",
            str(receiver_keyset["receiver_keys"]),
            "--data",
            str(data_dir),
            "--port",
            str(port),
            "--tls-cert",
            str(cert),
            "--tls-key",
            str(key),
        ],
        cwd=ROOT,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
    )
    url = f"https://127.0.0.1:{port}"
    try:
        ctx = pinned_context(pem)
        deadline = time.monotonic() + 20
        while True:
            try:
                if httpx.get(f"{url}/v1/health", verify=ctx, trust_env=False).status_code == 200:
                    break
            except httpx.TransportError:
                if proc.poll() is not None or time.monotonic() > deadline:
                    raise
                time.sleep(0.1)
        c = StationClient(url, station_a, verify=ctx)
        sealed = seal_packet(station_a, receiver_public, size=50_000)
        final = c.upload(sealed)
        assert final.status_code == 200, final.text
        verified_receipt(final, keys, sealed, station_a)
        c.close()
        # Without the pin (system roots only) the certificate is not trusted.
        with pytest.raises(httpx.ConnectError):
            httpx.get(f"{url}/v1/health", verify=ssl.create_default_context(), trust_env=False)
        # Another self-signed certificate pinned: refused too.
        (tmp_path / "other").mkdir()
        _, _, other_pem = self_signed(tmp_path / "other")
        with pytest.raises(httpx.ConnectError):
            httpx.get(f"{url}/v1/health", verify=pinned_context(other_pem), trust_env=False)
        # Plain HTTP on the TLS port does not work.
        with pytest.raises(httpx.HTTPError):
            httpx.get(f"http://127.0.0.1:{port}/v1/health", trust_env=False, timeout=3)
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()


def test_the_commands_also_hang_under_intake_station(
    data_dir, receiver, receiver_public, station_a
):
    import argparse

    from sync.cli import register  # the station's sync commands delegate ``receiver ...`` here

    sealed = seal_packet(station_a, receiver_public, size=3_000)
    receiver.accept(sealed.data, station_id=station_a.station_id, expect=_expect(sealed), via="usb")
    parser = argparse.ArgumentParser(prog="intake-station")
    register(parser.add_subparsers(dest="cmd", required=True))
    args = parser.parse_args(
        ["receiver", "mark", sealed.packet_id, "--card-printed", "--data", str(data_dir)]
    )
    assert args.func(args) == EXIT_OK
    status = receiver.statuses(station_a.station_id, [sealed.packet_id])[sealed.packet_id]
    assert status["status"] == "card_printed"
