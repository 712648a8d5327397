"""A small SBI service for tests, on loopback, serving synthetic prints.

It answers the SBI methods the station uses (``MOSIPDISC`` / ``SBIDISC`` on ``/device``,
``MOSIPDINFO`` / ``SBIINFO`` on ``/info``, ``RCAPTURE`` on ``/capture``) as a registration slap
scanner would, with the prints of a :class:`SimulatedScanner` person wrapped in ISO/IEC
19794-4:2011 records (WSQ, PNG, JPEG 2000 or raw inside; or a bare PNG), in RS256 JWTs signed by
a throw-away test key with a self-signed certificate in ``x5c`` (the station does not verify
them). Tests can inject an SBI error for the next capture and read the requests received.

Built on ``http.server``: ``BaseHTTPRequestHandler`` dispatches any method name to ``do_<NAME>``,
so the custom SBI methods need nothing special.
"""

from __future__ import annotations

import base64
import contextlib
import datetime as dt
import hashlib
import io
import json
import random
import socket
import struct
import threading
from dataclasses import dataclass, field
from functools import lru_cache
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import cv2
import numpy as np
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import padding, rsa
from cryptography.x509.oid import NameOID

from station.devices import SLAP_FINGERS, SilentPrompter
from station.devices.sbi import BIO_SUBTYPES, DEVICE_SUB_IDS, FINGER_BY_SUBTYPE
from station.devices.simfinger import SimulatedScanner

SLAP_BY_SUB_ID = {v: k for k, v in DEVICE_SUB_IDS.items()}
ISO_CODES = {"raw": 0, "wsq": 2, "jpeg2000": 5, "png": 6}
DEVICE_QUALITY = {"clear": 85, "dry": 45, "smudged": 50, "partial": 35, "no_finger": 5}


def b64url(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


@lru_cache(maxsize=1)
def test_key() -> tuple[rsa.RSAPrivateKey, bytes]:
    """A throw-away RSA key and its self-signed certificate (DER), made once per process."""
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "Test SBI device key")])
    now = dt.datetime.now(dt.UTC)
    cert = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - dt.timedelta(days=1))
        .not_valid_after(now + dt.timedelta(days=30))
        .sign(key, hashes.SHA256())
    )
    return key, cert.public_bytes(serialization.Encoding.DER)


def sign_jwt(payload: dict[str, Any]) -> str:
    key, cert = test_key()
    header = {"alg": "RS256", "typ": "JWT", "x5c": [base64.b64encode(cert).decode("ascii")]}
    signing_input = b64url(json.dumps(header).encode()) + "." + b64url(json.dumps(payload).encode())
    signature = key.sign(signing_input.encode("ascii"), padding.PKCS1v15(), hashes.SHA256())
    return signing_input + "." + b64url(signature)


def encode_image(image: np.ndarray, kind: str) -> bytes:
    if kind == "raw":
        return image.tobytes()
    if kind == "png":
        ok, buf = cv2.imencode(".png", image)
    elif kind in ("jpeg2000", "wsq"):
        if kind == "wsq":
            import wsq  # noqa: F401  (registers the Pillow plugin)
        from PIL import Image

        out = io.BytesIO()
        # JPEG 2000 as MOSIP asks for registration: lossless (Pillow's reversible default).
        Image.fromarray(image).save(out, format="JPEG2000" if kind == "jpeg2000" else "WSQ")
        return out.getvalue()
    else:
        raise ValueError(kind)
    assert ok
    return bytes(buf.tobytes())


def iso_record(image: np.ndarray, position: int, kind: str = "wsq", quality: int = 80) -> bytes:
    """An ISO/IEC 19794-4:2011 finger image record with one representation."""
    height, width = image.shape
    data = encode_image(image, kind)
    now = dt.datetime.now(dt.UTC)
    capture_time = struct.pack(
        ">HBBBBBH", now.year, now.month, now.day, now.hour, now.minute, now.second, 0
    )
    body = (
        capture_time
        + struct.pack(">BHH", 0, 0, 0)  # technology, vendor, device type: unknown
        + struct.pack(">B", 1)
        + struct.pack(">BHH", quality, 0x0101, 0x0001)  # one quality block
        # position, representation no, scale (1 = ppi), capture h/v, image h/v, depth,
        # compression, impression (0 = live-scan plain), width, height
        + struct.pack(
            ">BBBHHHHBBBHH",
            position,
            1,
            1,
            500,
            500,
            500,
            500,
            8,
            ISO_CODES[kind],
            0,
            width,
            height,
        )
        + struct.pack(">I", len(data))
        + data
    )
    representation = struct.pack(">I", 4 + len(body)) + body
    header = b"FIR\x00" + b"020\x00" + struct.pack(">IHBB", 16 + len(representation), 1, 0, 1)
    return header + representation


@dataclass
class ServerState:
    person_seed: int = 5
    image_format: str = "wsq"  # wsq | png | jpeg2000 | raw (inside ISO) | plain_png
    serial: str = "SIM0000000001"
    status: str = "Ready"
    sbi10_only: bool = False  # answer only SBI 1.0's SBIDISC / SBIINFO, not MDS 0.9.5's
    next_error: tuple[str, str] | None = None
    requests: list[tuple[str, str, Any]] = field(default_factory=list)
    scanner: SimulatedScanner = field(init=False)

    def __post_init__(self) -> None:
        self.scanner = SimulatedScanner(self.person_seed)

    def digital_id(self) -> dict[str, Any]:
        return {
            "serialNo": self.serial,
            "make": "Test",
            "model": "Slap-4",
            "type": "Finger",
            "deviceSubType": "Slap",
            "deviceProvider": "Test provider",
            "deviceProviderId": "test.provider",
            "dateTime": dt.datetime.now(dt.UTC).isoformat(),
        }


class Handler(BaseHTTPRequestHandler):
    server: SbiHttpServer
    protocol_version = "HTTP/1.1"

    def log_message(self, format: str, *args: Any) -> None:
        pass

    def _body(self) -> Any:
        length = int(self.headers.get("Content-Length") or 0)
        raw = self.rfile.read(length) if length else b""
        try:
            return json.loads(raw) if raw else None
        except ValueError:
            return raw

    def _send(self, value: Any, status: int = 200) -> None:
        data = json.dumps(value).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.send_header("CACHE-CONTROL", "no-store")
        self.end_headers()
        self.wfile.write(data)

    @property
    def state(self) -> ServerState:
        return self.server.state

    def _record(self) -> Any:
        body = self._body()
        self.state.requests.append((self.command, self.path, body))
        return body

    def _discovery(self) -> None:
        body = self._record()
        kind = body.get("type") if isinstance(body, dict) else None
        if kind not in ("Finger", "Biometric Device"):
            self._send([])
            return
        port = self.server.server_address[1]
        self._send(
            [
                {
                    "deviceId": "1",
                    "serialNo": self.state.serial,
                    "deviceStatus": self.state.status,
                    "certification": "SBI 1.0",
                    "serviceVersion": "1.0",
                    "deviceSubId": ["1", "2", "3"],
                    "callbackId": f"http://127.0.0.1:{port}/",
                    "digitalId": b64url(json.dumps(self.state.digital_id()).encode()),
                    "deviceCode": "test-device-code",
                    "specVersion": ["0.9.5"],
                    "purpose": "Registration",
                    "error": {"errorCode": "0", "errorInfo": "Success"},
                }
            ]
        )

    def do_MOSIPDISC(self) -> None:
        if self.state.sbi10_only:
            self._record()
            self.send_error(501)
            return
        self._discovery()

    def do_SBIDISC(self) -> None:
        self._discovery()

    def _info(self) -> None:
        self._record()
        port = self.server.server_address[1]
        info = {
            "deviceStatus": self.state.status,
            "deviceId": "1",
            "serialNo": self.state.serial,
            "firmware": "1.0",
            "certification": "SBI 1.0",
            "serviceVersion": "1.0",
            "deviceSubId": ["1", "2", "3"],
            "callbackId": f"http://127.0.0.1:{port}/",
            "digitalId": sign_jwt(self.state.digital_id()),
            "env": "Developer",
            "purpose": "Registration",
            "specVersion": ["0.9.5"],
        }
        self._send([{"deviceInfo": sign_jwt(info), "error": {"errorCode": "0"}}])

    def do_MOSIPDINFO(self) -> None:
        if self.state.sbi10_only:
            self._record()
            self.send_error(501)
            return
        self._info()

    def do_SBIINFO(self) -> None:
        self._info()

    def _error(self, code: str, info: str) -> None:
        self._send(
            {
                "biometrics": [
                    {
                        "specVersion": "0.9.5",
                        "data": "",
                        "hash": "",
                        "error": {"errorCode": code, "errorInfo": info},
                    }
                ]
            }
        )

    def do_RCAPTURE(self) -> None:
        body = self._record()
        if self.state.next_error is not None:
            code, info = self.state.next_error
            self.state.next_error = None
            self._error(code, info)
            return
        try:
            bio = body["bio"][0]
            slap = SLAP_BY_SUB_ID[int(bio["deviceSubId"])]
            wanted = [FINGER_BY_SUBTYPE[s.lower()] for s in bio.get("bioSubType", [])]
            skipped = [FINGER_BY_SUBTYPE[s.lower()] for s in bio.get("exception", [])]
            transaction = str(body["transactionId"])
            previous = str(bio.get("previousHash", ""))
        except (KeyError, TypeError, ValueError, IndexError):
            self._error("101", "Invalid JSON value")
            return
        if any(f not in SLAP_FINGERS[slap] for f in wanted + skipped):
            self._error("109", "Requested fingers do not match the deviceSubId")
            return
        skip = [f for f in SLAP_FINGERS[slap] if f in skipped or (wanted and f not in wanted)]
        conditions = {f: self.state.scanner.attempt_for(f).condition for f in SLAP_FINGERS[slap]}
        images = self.state.scanner.capture(slap, skip, SilentPrompter())
        items = []
        for item in images:
            if self.state.image_format == "plain_png":
                value = encode_image(item.image, "png")
            else:
                value = iso_record(item.image, item.finger.iso_position, self.state.image_format)
            payload = {
                "digitalId": sign_jwt(self.state.digital_id()),
                "bioType": "Finger",
                "deviceServiceVersion": "1.0",
                "bioSubType": BIO_SUBTYPES[item.finger],
                "purpose": "Registration",
                "env": "Developer",
                "bioValue": b64url(value),
                "transactionId": transaction,
                "timestamp": dt.datetime.now(dt.UTC).isoformat(timespec="milliseconds"),
                "requestedScore": str(bio.get("requestedScore", "")),
                "qualityScore": str(DEVICE_QUALITY.get(conditions[item.finger], 60)),
            }
            digest = hashlib.sha256(value).hexdigest().upper()
            chained = hashlib.sha256((previous + digest).encode()).hexdigest().upper()
            previous = chained
            items.append(
                {
                    "specVersion": "0.9.5",
                    "data": sign_jwt(payload),
                    "hash": chained,
                    "error": {"errorCode": "0", "errorInfo": "Success"},
                }
            )
        if not items:
            self._error("101", "Unable to detect a biometric object")
            return
        self._send({"biometrics": items})

    def do_GET(self) -> None:
        self._send({"error": {"errorCode": "500", "errorInfo": "Use the SBI methods"}}, 405)


class SbiHttpServer(ThreadingHTTPServer):
    daemon_threads = True

    def __init__(self, address: tuple[str, int], state: ServerState) -> None:
        super().__init__(address, Handler)
        self.state = state
        self.open_connections: set[socket.socket] = set()

    def finish_request(self, request: Any, client_address: Any) -> None:
        self.open_connections.add(request)
        try:
            super().finish_request(request, client_address)
        finally:
            self.open_connections.discard(request)

    def close_connections(self) -> None:
        """Drop kept-alive connections too, as a stopped device service would."""
        for conn in list(self.open_connections):
            with contextlib.suppress(OSError):
                conn.shutdown(socket.SHUT_RDWR)


class SbiTestServer:
    """The service on a free port of 4501-4600 (``port``), in a background thread."""

    def __init__(self, person_seed: int = 5, *, image_format: str = "wsq") -> None:
        self.state = ServerState(person_seed=person_seed, image_format=image_format)
        ports = list(range(4501, 4601))
        random.Random().shuffle(ports)
        last: OSError | None = None
        for port in ports:
            try:
                self.httpd = SbiHttpServer(("127.0.0.1", port), self.state)
                break
            except OSError as exc:
                last = exc
        else:
            raise RuntimeError(f"no free port in 4501-4600: {last}")
        self.port = self.httpd.server_address[1]
        self._thread = threading.Thread(target=self.httpd.serve_forever, daemon=True)

    @property
    def scanner(self) -> SimulatedScanner:
        return self.state.scanner

    def start(self) -> SbiTestServer:
        self._thread.start()
        return self

    def stop(self) -> None:
        self.httpd.shutdown()
        self.httpd.server_close()
        self.httpd.close_connections()
        self._thread.join(timeout=5)

    def __enter__(self) -> SbiTestServer:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    def rcapture_requests(self) -> list[dict[str, Any]]:
        return [body for method, _, body in self.state.requests if method == "RCAPTURE"]
