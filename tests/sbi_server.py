"""A small SBI service for tests, on loopback, serving synthetic prints.

It answers the SBI methods the station uses (``MOSIPDISC`` / ``SBIDISC`` on ``/device``,
``MOSIPDINFO`` / ``SBIINFO`` on ``/info``, ``RCAPTURE`` on ``/capture``) as a registration slap
scanner would, with the prints of a :class:`SimulatedScanner` person wrapped in ISO/IEC
19794-4:2011 records (WSQ, PNG, JPEG 2000 or raw inside; or a bare PNG), in RS256 JWTs signed by
a throw-away device key whose certificate (in ``x5c``, with the provider's) chains to a test
adopter CA: :func:`station_trust` is the trust store of a test station. ``sign_mode`` makes the
service misbehave (unsigned, tampered, another key, expired, untrusted). Tests can inject an SBI
error for the next capture and read the requests received.

The kinds share everything here (:class:`Handler`, :class:`SbiTestServer`); a kind supplies its
:class:`ServerState` (identity, discovery types) and what one capture returns
(:meth:`ServerState.capture`). Iris and single-finger devices: ``tests/sbi_bio_server.py``.

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
from station.devices.sbi import BIO_SUBTYPES, DEVICE_SUB_IDS, FINGER_BY_SUBTYPE, b64url_decode
from station.devices.sbitrust import DeviceTrust
from station.devices.simfinger import SimulatedScanner

SLAP_BY_SUB_ID = {v: k for k, v in DEVICE_SUB_IDS.items()}
ISO_CODES = {"raw": 0, "wsq": 2, "jpeg2000": 5, "png": 6}
DEVICE_QUALITY = {"clear": 85, "dry": 45, "smudged": 50, "partial": 35, "no_finger": 5}


def b64url(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


@dataclass(frozen=True)
class DevicePki:
    """The adopter's root CA, a device provider CA, the device key and its certificate, plus
    the keys and certificates tests use to misbehave."""

    root: x509.Certificate
    provider: x509.Certificate
    device_key: rsa.RSAPrivateKey
    device: x509.Certificate
    expired: x509.Certificate  # the device key, a certificate that ended yesterday
    stranger_key: rsa.RSAPrivateKey  # a key with a self-signed certificate nobody trusts
    stranger: x509.Certificate


def _cert(
    subject: str,
    key: rsa.RSAPrivateKey,
    issuer: tuple[str, rsa.RSAPrivateKey] | None = None,
    *,
    ca: bool,
    days: tuple[int, int] = (-1, 365),
) -> x509.Certificate:
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, subject)])
    issuer_name, issuer_key = issuer if issuer is not None else (subject, key)
    now = dt.datetime.now(dt.UTC)
    return (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, issuer_name)]))
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now + dt.timedelta(days=days[0]))
        .not_valid_after(now + dt.timedelta(days=days[1]))
        .add_extension(x509.BasicConstraints(ca=ca, path_length=None), critical=True)
        .sign(issuer_key, hashes.SHA256())
    )


@lru_cache(maxsize=1)
def device_pki() -> DevicePki:
    """Made once per process (RSA key generation takes a moment)."""
    keys = [rsa.generate_private_key(public_exponent=65537, key_size=2048) for _ in range(4)]
    root_key, provider_key, device_key, stranger_key = keys
    root_name, provider_name = "Test adopter device CA", "Test provider CA"
    return DevicePki(
        root=_cert(root_name, root_key, ca=True, days=(-2, 3650)),
        provider=_cert(provider_name, provider_key, (root_name, root_key), ca=True),
        device_key=device_key,
        device=_cert("Test SBI device key", device_key, (provider_name, provider_key), ca=False),
        expired=_cert(
            "Test SBI device key",
            device_key,
            (provider_name, provider_key),
            ca=False,
            days=(-30, -1),
        ),
        stranger_key=stranger_key,
        stranger=_cert("Someone else's device", stranger_key, ca=True),
    )


def station_trust(*, allow_untrusted: bool = False) -> DeviceTrust:
    """The device trust store of a test station: the test adopter CA."""
    return DeviceTrust(anchors=(device_pki().root,), allow_untrusted=allow_untrusted)


#: How :func:`sign_jwt` signs: ``ok``; ``unsigned`` (no signature); ``wrong_key`` (another key
#: than the certificate's); ``expired`` (an expired device certificate); ``untrusted`` (a
#: certificate of a CA the station does not know); ``tampered`` (``bioValue`` changed after
#: signing).
SIGN_MODES = ("ok", "unsigned", "wrong_key", "expired", "untrusted", "tampered")


def _der(cert: x509.Certificate) -> str:
    return base64.b64encode(cert.public_bytes(serialization.Encoding.DER)).decode("ascii")


def sign_jwt(payload: dict[str, Any], mode: str = "ok") -> str:
    """``payload`` as a compact RS256 JWS with ``x5c`` [device, provider], signed as ``mode``."""
    pki = device_pki()
    key, chain = pki.device_key, [pki.device, pki.provider]
    if mode == "wrong_key":
        key = pki.stranger_key
    elif mode == "expired":
        chain = [pki.expired, pki.provider]
    elif mode == "untrusted":
        key, chain = pki.stranger_key, [pki.stranger]
    header = {"alg": "RS256", "typ": "JWT", "x5c": [_der(c) for c in chain]}
    signing_input = b64url(json.dumps(header).encode()) + "." + b64url(json.dumps(payload).encode())
    if mode == "unsigned":
        return signing_input + "."
    signature = key.sign(signing_input.encode("ascii"), padding.PKCS1v15(), hashes.SHA256())
    if mode == "tampered" and "bioValue" in payload:
        value = bytearray(b64url_decode(str(payload["bioValue"])))
        value[-1] ^= 0x01
        changed = {**payload, "bioValue": b64url(bytes(value))}
        signing_input = signing_input.split(".")[0] + "." + b64url(json.dumps(changed).encode())
    return signing_input + "." + b64url(signature)


def encode_image(image: np.ndarray, kind: str) -> bytes:
    if kind == "raw":
        return image.tobytes()
    if kind == "png":
        ok, buf = cv2.imencode(".png", image)
    elif kind in ("jpeg2000", "wsq"):
        if kind == "wsq":
            import wsq  # type: ignore[import-untyped]  # noqa: F401  (registers the plugin)
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


#: One biometric a capture returns: (bioType, bioSubType, bioValue bytes, device quality).
Captured = tuple[str, str, bytes, int]


class CaptureError(Exception):
    """What a capture answers instead of biometrics: an SBI error code and text."""

    def __init__(self, code: str, info: str) -> None:
        super().__init__(info)
        self.code, self.info = code, info


@dataclass
class ServerState:
    """A slap scanner; subclasses are other kinds (``tests/sbi_bio_server.py``)."""

    person_seed: int = 5
    image_format: str = "wsq"  # wsq | png | jpeg2000 | raw (inside ISO) | plain_png
    serial: str = "SIM0000000001"
    status: str = "Ready"
    sbi10_only: bool = False  # answer only SBI 1.0's SBIDISC / SBIINFO, not MDS 0.9.5's
    sign_mode: str = "ok"  # one of SIGN_MODES, for every capture until changed
    next_error: tuple[str, str] | None = None
    requests: list[tuple[str, str, Any]] = field(default_factory=list)
    scanner: SimulatedScanner = field(init=False)

    #: (discovery ``type`` answered, ``deviceSubType``, model, ``deviceSubId`` list)
    identity = ("Finger", "Slap", "Slap-4", ("1", "2", "3"))

    def __post_init__(self) -> None:
        self.scanner = SimulatedScanner(self.person_seed)

    def digital_id(self) -> dict[str, Any]:
        kind, sub_type, model, _ = self.identity
        return {
            "serialNo": self.serial,
            "make": "Test",
            "model": model,
            "type": kind,
            "deviceSubType": sub_type,
            "deviceProvider": "Test provider",
            "deviceProviderId": "test.provider",
            "dateTime": dt.datetime.now(dt.UTC).isoformat(),
        }

    def capture(self, bio: dict[str, Any]) -> list[Captured]:
        """The biometrics of one ``RCAPTURE`` ``bio`` entry; CaptureError for an SBI error."""
        try:
            slap = SLAP_BY_SUB_ID[int(bio["deviceSubId"])]
            wanted = [FINGER_BY_SUBTYPE[s.lower()] for s in bio.get("bioSubType", [])]
            skipped = [FINGER_BY_SUBTYPE[s.lower()] for s in bio.get("exception", [])]
        except (KeyError, TypeError, ValueError) as exc:
            raise CaptureError("101", "Invalid JSON value") from exc
        if any(f not in SLAP_FINGERS[slap] for f in wanted + skipped):
            raise CaptureError("109", "Requested fingers do not match the deviceSubId")
        skip = [f for f in SLAP_FINGERS[slap] if f in skipped or (wanted and f not in wanted)]
        conditions = {f: self.scanner.attempt_for(f).condition for f in SLAP_FINGERS[slap]}
        out = []
        for item in self.scanner.capture(slap, skip, SilentPrompter()):
            if self.image_format == "plain_png":
                value = encode_image(item.image, "png")
            else:
                value = iso_record(item.image, item.finger.iso_position, self.image_format)
            quality = DEVICE_QUALITY.get(conditions[item.finger], 60)
            out.append(("Finger", BIO_SUBTYPES[item.finger], value, quality))
        return out


def signed_items(
    state: ServerState, captured: list[Captured], transaction: str, previous: str, score: Any
) -> list[dict[str, Any]]:
    """The ``biometrics`` of an answer: each ``data`` signed (as ``state.sign_mode`` says) and
    ``hash``-chained from ``previous``."""
    items = []
    for bio_type, sub_type, value, quality in captured:
        payload = {
            "digitalId": sign_jwt(state.digital_id()),
            "bioType": bio_type,
            "deviceServiceVersion": "1.0",
            "bioSubType": sub_type,
            "purpose": "Registration",
            "env": "Developer",
            "bioValue": b64url(value),
            "transactionId": transaction,
            "timestamp": dt.datetime.now(dt.UTC).isoformat(timespec="milliseconds"),
            "requestedScore": str(score),
            "qualityScore": str(quality),
        }
        digest = hashlib.sha256(value).hexdigest().upper()
        previous = hashlib.sha256((previous + digest).encode()).hexdigest().upper()
        items.append(
            {
                "specVersion": "0.9.5",
                "data": sign_jwt(payload, state.sign_mode),
                "hash": previous,
                "error": {"errorCode": "0", "errorInfo": "Success"},
            }
        )
    return items


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

    def _entry(self) -> dict[str, Any]:
        port = self.server.server_address[1]
        return {
            "deviceId": "1",
            "serialNo": self.state.serial,
            "deviceStatus": self.state.status,
            "certification": "SBI 1.0",
            "serviceVersion": "1.0",
            "deviceSubId": list(self.state.identity[3]),
            "callbackId": f"http://127.0.0.1:{port}/",
            "specVersion": ["0.9.5"],
            "purpose": "Registration",
        }

    def _discovery(self) -> None:
        body = self._record()
        kind = body.get("type") if isinstance(body, dict) else None
        if kind not in (self.state.identity[0], "Biometric Device"):
            self._send([])
            return
        entry = {
            **self._entry(),
            "digitalId": b64url(json.dumps(self.state.digital_id()).encode()),
            "deviceCode": "test-device-code",
            "error": {"errorCode": "0", "errorInfo": "Success"},
        }
        self._send([entry])

    def _refuse_mds(self) -> bool:
        if self.state.sbi10_only:
            self._record()
            self.send_error(501)
        return self.state.sbi10_only

    def do_MOSIPDISC(self) -> None:
        if not self._refuse_mds():
            self._discovery()

    def do_SBIDISC(self) -> None:
        self._discovery()

    def _info(self) -> None:
        self._record()
        info = {
            **self._entry(),
            "firmware": "1.0",
            "digitalId": sign_jwt(self.state.digital_id()),
            "env": "Developer",
        }
        self._send([{"deviceInfo": sign_jwt(info), "error": {"errorCode": "0"}}])

    def do_MOSIPDINFO(self) -> None:
        if not self._refuse_mds():
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
            transaction = str(body["transactionId"])
            previous = str(bio.get("previousHash", ""))
            captured = self.state.capture(bio)
        except (KeyError, TypeError, IndexError):
            self._error("101", "Invalid JSON value")
            return
        except CaptureError as refused:
            self._error(refused.code, refused.info)
            return
        if not captured:
            self._error("101", "Unable to detect a biometric object")
            return
        score = bio.get("requestedScore", "")
        self._send({"biometrics": signed_items(self.state, captured, transaction, previous, score)})

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
    """The service on a free port of 4501-4600 (``port``), in a background thread; a slap
    scanner unless given another ``state``."""

    def __init__(
        self, person_seed: int = 5, *, image_format: str = "wsq", state: ServerState | None = None
    ) -> None:
        self.state = state or ServerState(person_seed=person_seed, image_format=image_format)
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
