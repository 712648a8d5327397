"""Fingerprint scanners behind MOSIP's Secure Biometric Interface (SBI), over an injected transport.

Followed: *MOSIP Secure Biometric Interface Specification, API version 1.0* (published 23 June
2021, MOSIP 1.2.0 docs), which keeps backward compatibility with *MOSIP Device Service
Specification 0.9.5* (June 2020), and ISO/IEC 19794-4:2011 for the finger image records. The
SBI service of a device listens on ``127.0.0.1`` on a port in 4501-4600 and speaks HTTP with
custom methods:

* discovery: ``MOSIPDISC /device`` (MDS 0.9.5 and every SBI we know of) or ``SBIDISC /device``
  (SBI 1.0), body ``{"type": "Finger"}``; answer: a JSON array of devices (``deviceStatus``,
  ``certification``, ``deviceSubId``, ``callbackId``, unsigned ``digitalId``, ``specVersion``,
  ``purpose``, ``serialNo`` (1.0) or ``deviceId`` (0.9.5)). The client tries ``MOSIPDISC``
  first, then ``SBIDISC``, and uses the matching info method afterwards. SBI 1.0 calls the
  request's ``specVersion`` mandatory, but MOSIP's own clients send only ``type``; so do we.
* device info: ``MOSIPDINFO /info`` (or ``SBIINFO``): an array of ``{deviceInfo: JWT, error}``.
* registration capture: ``RCAPTURE /capture`` with ``{env, purpose: "Registration",
  specVersion, timeout (ms), captureTime, transactionId, bio: [{type: "Finger", count,
  bioSubType, exception, requestedScore, deviceId / serialNo, deviceSubId (1 left slap, 2 right
  slap, 3 two thumbs), previousHash}]}``; answer ``{biometrics: [{specVersion, data: JWT,
  hash, error: {errorCode, errorInfo}}]}`` where the JWT payload holds ``bioType``,
  ``bioSubType``, ``bioValue`` (base64url ISO 19794-4 record), ``qualityScore``,
  ``transactionId``, ``timestamp``...

**Signatures** (the ``data`` and ``digitalId`` JWTs, signed by the device key and the FTM or
device key, their certificates chained to the device provider and the adopter's CA) are checked
for every biometric by :class:`~station.devices.sbitrust.DeviceTrust`, the station's trust store
and policy given to :class:`SbiClient`: a capture that does not verify is refused, naming the
device and the reason, unless the station allows untrusted devices (development only).

This module is the protocol every SBI driver shares (transport, discovery, device info,
``RCAPTURE`` and its answer, error codes, the ``previousHash`` chain: :class:`SbiClient`,
:class:`SbiDriver`) and the slap scanner; iris cameras and rolled-print devices add only what
differs (:mod:`station.devices.sbi_bio`).

The HTTP client is not here: ``station/`` speaks HTTP through :class:`SbiTransport`, whose real
implementation (httpx) lives in ``sync/sbi_transport.py``.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import io
import json
import struct
import uuid
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any, Protocol

import numpy as np
import numpy.typing as npt

from station import imagecheck
from station.devices import (
    FINGER_LABELS,
    SLAP_FINGERS,
    DeviceError,
    DeviceInfo,
    DeviceKind,
    Finger,
    FingerImage,
    Prompter,
    Slap,
)
from station.devices.sbitrust import Attestation, DeviceTrust
from station.errors import ValidationError

Image = npt.NDArray[np.uint8]

DEFAULT_HOST = "127.0.0.1"
DEFAULT_PORTS = range(4501, 4601)
DISCOVERY_METHODS = (("MOSIPDISC", "MOSIPDINFO"), ("SBIDISC", "SBIINFO"))
DEFAULT_SPEC_VERSION = "0.9.5"
#: Limits on what a device may send: the JSON answer, one decoded biometric, image sides.
MAX_RESPONSE_BYTES = 64 * 1024 * 1024
MAX_BIO_BYTES = 16 * 1024 * 1024
MAX_IMAGE_SIDE = 4000
MIN_IMAGE_SIDE = 32

BIO_SUBTYPES: dict[Finger, str] = {
    Finger.RIGHT_THUMB: "Right Thumb",
    Finger.RIGHT_INDEX: "Right IndexFinger",
    Finger.RIGHT_MIDDLE: "Right MiddleFinger",
    Finger.RIGHT_RING: "Right RingFinger",
    Finger.RIGHT_LITTLE: "Right LittleFinger",
    Finger.LEFT_THUMB: "Left Thumb",
    Finger.LEFT_INDEX: "Left IndexFinger",
    Finger.LEFT_MIDDLE: "Left MiddleFinger",
    Finger.LEFT_RING: "Left RingFinger",
    Finger.LEFT_LITTLE: "Left LittleFinger",
}
FINGER_BY_SUBTYPE = {v.lower(): k for k, v in BIO_SUBTYPES.items()}

#: deviceSubId of each flat capture (SBI: 1 = left slap, 2 = right slap, 3 = two thumbs).
DEVICE_SUB_IDS: dict[Slap, int] = {Slap.LEFT_FOUR: 1, Slap.RIGHT_FOUR: 2, Slap.THUMBS: 3}

#: SBI error codes (specification § Error Codes) in the officer's words.
ERROR_MESSAGES: dict[str, tuple[str, str]] = {
    "100": (
        "Máy quét chưa được đăng ký với nhà cung cấp thiết bị.",
        "The scanner is not registered with its provider.",
    ),
    "101": (
        "Máy quét không nhận thấy ngón tay: đặt các ngón tay lên mặt kính rồi thử lại.",
        "The scanner did not detect a finger: place the fingers on the glass and try again.",
    ),
    "102": (
        "Máy quét gặp lỗi kỹ thuật khi xử lý ảnh vân tay.",
        "The scanner had a technical error while processing the image.",
    ),
    "103": (
        "Máy quét báo có dấu hiệu bị can thiệp: ngừng sử dụng và báo cán bộ kỹ thuật.",
        "The scanner reports tampering: stop using it and call technical support.",
    ),
    "104": (
        "Máy quét không kết nối được máy chủ quản lý của nhà cung cấp.",
        "The scanner cannot reach its provider's management server.",
    ),
    "105": (
        "Ngón tay đặt sai hướng: đặt thẳng các ngón tay trên mặt kính.",
        "The fingers are placed at a wrong angle: place them straight on the glass.",
    ),
    "106": (
        "Không tìm thấy máy quét: kiểm tra cáp USB.",
        "Scanner not found: check the USB cable.",
    ),
    "107": (
        "Khóa công khai của máy quét đã hết hạn: cần gia hạn chứng thư thiết bị.",
        "The scanner's public key has expired: the device certificate must be renewed.",
    ),
    "108": (
        "Máy quét thiếu khóa công khai của hệ thống.",
        "The scanner is missing the domain public key.",
    ),
    "109": (
        "Máy quét không hỗ trợ số ngón tay được yêu cầu.",
        "The scanner does not support the requested number of fingers.",
    ),
    "202": (
        "Không có máy quét nào được kết nối.",
        "No scanner is connected.",
    ),
}

SLAP_PROMPTS: dict[Slap, tuple[str, str]] = {
    Slap.RIGHT_FOUR: (
        "Đặt bốn ngón tay phải (trừ ngón cái) lên máy quét",
        "Place the four right fingers (not the thumb) on the scanner",
    ),
    Slap.LEFT_FOUR: (
        "Đặt bốn ngón tay trái (trừ ngón cái) lên máy quét",
        "Place the four left fingers (not the thumb) on the scanner",
    ),
    Slap.THUMBS: ("Đặt hai ngón cái lên máy quét", "Place both thumbs on the scanner"),
}


def slap_prompt(slap: Slap, skip: Sequence[Finger] = ()) -> tuple[str, str]:
    """The instruction for one flat capture, naming the fingers left out (if any)."""
    vi, en = SLAP_PROMPTS[slap]
    left_out = [f for f in slap.fingers if f in skip]
    if left_out:
        vi += " (bỏ qua " + ", ".join(FINGER_LABELS[f][0] for f in left_out) + ")"
        en += " (leave out the " + ", ".join(FINGER_LABELS[f][1] for f in left_out) + ")"
    return vi + ".", en + "."


def sbi_error(code: str, info: str = "") -> DeviceError:
    """The DeviceError for an SBI error code, with the device's own text appended."""
    code = str(code).strip()
    if code in ERROR_MESSAGES:
        vi, en = ERROR_MESSAGES[code]
    elif code.startswith("5") and len(code) == 3:
        vi, en = (
            f"Lỗi riêng của máy quét (mã {code}).",
            f"Scanner-specific error (code {code}).",
        )
    else:
        vi, en = (f"Máy quét báo lỗi (mã {code}).", f"The scanner reported an error (code {code}).")
    detail = " ".join(str(info).split())[:200]
    if detail:
        vi += f" Thiết bị báo: «{detail}»."
        en += f" Device says: '{detail}'."
    return DeviceError(vi, en, code=f"sbi_{code}" if code.isalnum() else "sbi_error")


# --- transport --------------------------------------------------------------------------------


class SbiTransport(Protocol):
    """One HTTP exchange with an SBI service.

    ``request`` returns (status, body). It raises ``ConnectionError`` when nothing listens,
    ``TimeoutError`` when the service does not answer within ``timeout`` seconds, and ``OSError``
    for other transport failures. Bodies larger than :data:`MAX_RESPONSE_BYTES` are refused with
    ``OSError``.
    """

    def request(
        self, method: str, url: str, body: bytes | None, timeout: float
    ) -> tuple[int, bytes]: ...


# --- JWT, base64url, JSON ---------------------------------------------------------------------


def b64url_decode(text: str) -> bytes:
    """base64url (padding optional); tolerates standard base64 too, as some devices send it."""
    if not isinstance(text, str):
        raise ValueError("not a string")
    s = "".join(text.split())
    s = s.replace("+", "-").replace("/", "_").rstrip("=")
    try:
        return base64.urlsafe_b64decode(s + "=" * (-len(s) % 4))
    except (binascii.Error, ValueError) as exc:
        raise ValueError("invalid base64url") from exc


def jwt_payload(token: str) -> dict[str, Any]:
    """The JSON payload of a JWS compact token (or of a bare base64url payload), UNVERIFIED."""
    parts = token.split(".")
    if len(parts) == 3:
        raw = b64url_decode(parts[1])
    elif len(parts) == 1:
        raw = b64url_decode(parts[0])
    else:
        raise ValueError("not a JWT")
    value = json.loads(raw.decode("utf-8"))
    if not isinstance(value, dict):
        raise ValueError("JWT payload is not an object")
    return value


def _bad_answer(what_vi: str, what_en: str) -> DeviceError:
    return DeviceError(
        f"Máy quét trả lời không đúng chuẩn SBI: {what_vi}",
        f"The scanner's answer does not follow SBI: {what_en}",
        code="sbi_bad_answer",
    )


# --- devices ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class SbiDevice:
    """One device found by discovery."""

    port: int
    device_id: str  # deviceId (0.9.5's internal id), else serialNo
    status: str
    certification: str
    purpose: str
    sub_ids: tuple[int, ...]
    spec_versions: tuple[str, ...]
    callback: str
    digital_id: dict[str, Any]
    methods: tuple[str, str]  # (discovery, info) methods that worked
    raw: dict[str, Any] = field(repr=False, default_factory=dict)

    @property
    def make_model(self) -> str:
        d = self.digital_id
        return " ".join(str(d.get(k, "")) for k in ("make", "model")).strip() or "SBI"

    @property
    def serial(self) -> str:
        return str(self.digital_id.get("serialNo") or self.raw.get("serialNo") or self.device_id)

    @property
    def device_sub_type(self) -> str:
        return str(self.digital_id.get("deviceSubType", ""))


@dataclass(frozen=True)
class SbiDeviceInfo:
    device_id: str
    status: str
    firmware: str
    certification: str
    env: str
    purpose: str
    spec_versions: tuple[str, ...]
    digital_id: dict[str, Any]
    payload: dict[str, Any] = field(repr=False)
    signed: bool  # whether deviceInfo came as a 3-part JWS (not relied on: captures are checked)


@dataclass(frozen=True)
class SbiBiometric:
    """One biometric of an RCAPTURE answer."""

    bio_sub_type: str
    finger: Finger | None
    image: Image
    ppi: int
    quality_score: float | None
    transaction_id: str
    timestamp: str
    hash: str
    data: str = field(repr=False)  # the device's JWT as received
    payload: dict[str, Any] = field(repr=False, default_factory=dict)
    #: The station's verdict on ``data`` (signature, certificate path, device identity).
    attestation: Attestation | None = None


@dataclass(frozen=True)
class SbiItem:
    """One biometric of an ``RCAPTURE`` answer, any kind, its signature checked."""

    payload: dict[str, Any] = field(repr=False)
    token: str = field(repr=False)  # ``data`` as received
    hash: str
    value: bytes = field(repr=False)  # the decoded ``bioValue``
    attestation: Attestation


def _as_list_of_str(value: Any) -> tuple[str, ...]:
    if isinstance(value, list):
        return tuple(str(v) for v in value)
    if value in (None, ""):
        return ()
    return (str(value),)


def _as_sub_ids(value: Any) -> tuple[int, ...]:
    out = []
    for v in _as_list_of_str(value):
        try:
            out.append(int(v))
        except ValueError:
            continue
    return tuple(out)


def _decode_digital_id(value: Any) -> dict[str, Any]:
    if isinstance(value, dict):
        return value
    if isinstance(value, str) and value:
        try:
            return jwt_payload(value)
        except (ValueError, UnicodeDecodeError):
            return {}
    return {}


class SbiClient:
    """Talks to SBI services on ``host`` over ``transport``; ``trust`` judges each capture's
    signatures (the default trusts nothing: every capture is refused)."""

    def __init__(
        self,
        transport: SbiTransport,
        host: str = DEFAULT_HOST,
        ports: Iterable[int] = DEFAULT_PORTS,
        *,
        discovery_timeout: float = 0.5,
        info_timeout: float = 3.0,
        trust: DeviceTrust | None = None,
    ) -> None:
        self.transport = transport
        self.trust = trust if trust is not None else DeviceTrust()
        self.host = host
        self.ports = tuple(ports)
        self.discovery_timeout = discovery_timeout
        self.info_timeout = info_timeout

    def url(self, port: int, path: str) -> str:
        return f"http://{self.host}:{port}/{path.lstrip('/')}"

    def _json(self, method: str, url: str, body: Any, timeout: float) -> Any | None:
        """The JSON answer, or None when the service does not answer this method with JSON.
        Transport errors (nothing listening, no answer in time) propagate."""
        data = json.dumps(body).encode("utf-8") if body is not None else None
        status, raw = self.transport.request(method, url, data, timeout)
        if status != 200 or not raw:
            return None
        try:
            return json.loads(raw.decode("utf-8"))
        except (UnicodeDecodeError, ValueError):
            return None

    def discover(self, bio_type: str = "Finger", *, stop_at_first: bool = False) -> list[SbiDevice]:
        """Finger devices on the SBI ports. Ports where nothing listens cost a refused connection
        (microseconds on loopback); a port that holds the connection costs ``discovery_timeout``.
        """
        found: list[SbiDevice] = []
        for port in self.ports:
            for disc, info in DISCOVERY_METHODS:
                try:
                    answer = self._json(
                        disc, self.url(port, "device"), {"type": bio_type}, self.discovery_timeout
                    )
                except OSError:
                    break  # nothing listens, or it does not answer: no second method either
                if not isinstance(answer, list):
                    continue
                for entry in answer:
                    device = self._parse_discovered(port, entry, (disc, info), bio_type)
                    if device is not None:
                        found.append(device)
                break
            if stop_at_first and found:
                break
        return found

    @staticmethod
    def _parse_discovered(
        port: int, entry: Any, methods: tuple[str, str], bio_type: str = "Finger"
    ) -> SbiDevice | None:
        if not isinstance(entry, dict):
            return None
        error = entry.get("error")
        code = str(error.get("errorCode", "0")) if isinstance(error, dict) else "0"
        device_id = entry.get("deviceId") or entry.get("serialNo")
        if code not in ("0", "") or not device_id:
            return None
        digital = _decode_digital_id(entry.get("digitalId"))
        kind = str(digital.get("type", bio_type))
        if kind and kind.lower() != bio_type.lower():
            return None
        return SbiDevice(
            port=port,
            device_id=str(device_id),
            status=str(entry.get("deviceStatus", "")),
            certification=str(entry.get("certification", "")),
            purpose=str(entry.get("purpose", "")),
            sub_ids=_as_sub_ids(entry.get("deviceSubId")),
            spec_versions=_as_list_of_str(entry.get("specVersion")),
            callback=str(entry.get("callbackId", "")),
            digital_id=digital,
            methods=methods,
            raw=entry,
        )

    def base_url(self, device: SbiDevice) -> str:
        """The device's callback URL when it is on our host, else its discovery port."""
        cb = device.callback.rstrip("/")
        if cb.startswith(f"http://{self.host}:"):
            return cb
        return f"http://{self.host}:{device.port}"

    def device_info(self, device: SbiDevice, bio_type: str = "Finger") -> SbiDeviceInfo:
        """MOSIPDINFO / SBIINFO for ``device``; DeviceError when it does not answer properly."""
        url = self.base_url(device) + "/info"
        try:
            answer = self._json(device.methods[1], url, {"type": bio_type}, self.info_timeout)
        except OSError as exc:
            raise DeviceError(
                "Dịch vụ máy quét (SBI) không trả lời.",
                "The scanner service (SBI) does not answer.",
                code="sbi_unreachable",
            ) from exc
        if not isinstance(answer, list) or not answer:
            raise _bad_answer("không đọc được thông tin thiết bị.", "no device information.")
        for entry in answer:
            if not isinstance(entry, dict):
                continue
            error = entry.get("error")
            code = str(error.get("errorCode", "0")) if isinstance(error, dict) else "0"
            raw_info = entry.get("deviceInfo")
            if isinstance(raw_info, dict):
                payload, signed = raw_info, False
            elif isinstance(raw_info, str) and raw_info:
                try:
                    payload = jwt_payload(raw_info)
                except (ValueError, UnicodeDecodeError):
                    continue
                signed = raw_info.count(".") == 2
            else:
                if code not in ("0", ""):
                    info_text = error.get("errorInfo", "") if isinstance(error, dict) else ""
                    raise sbi_error(code, str(info_text))
                continue
            ids = {str(payload.get(k)) for k in ("deviceId", "serialNo") if payload.get(k)}
            if ids and not ids & {device.device_id, device.serial}:
                continue  # another device of the same service
            return SbiDeviceInfo(
                device_id=str(
                    payload.get("deviceId") or payload.get("serialNo") or device.device_id
                ),
                status=str(payload.get("deviceStatus", "")),
                firmware=str(payload.get("firmware", "")),
                certification=str(payload.get("certification", "")),
                env=str(payload.get("env", "")),
                purpose=str(payload.get("purpose", "")),
                spec_versions=_as_list_of_str(payload.get("specVersion")),
                digital_id=_decode_digital_id(payload.get("digitalId")),
                payload=payload,
                signed=signed,
            )
        raise _bad_answer("không có thông tin cho thiết bị này.", "no information for this device.")

    def capture(
        self,
        device: SbiDevice,
        bio: dict[str, Any],
        *,
        timeout_s: float,
        transaction_id: str | None = None,
        env: str = "Production",
        custom_opts: dict[str, Any] | None = None,
    ) -> list[SbiItem]:
        """One ``RCAPTURE`` of any kind (``bio`` is the request's one ``bio`` entry, its
        ``previousHash`` included); each biometric's signature checked under :attr:`trust`.
        DeviceError on an SBI error, a malformed answer or a device the station does not trust.
        """
        transaction_id = transaction_id or str(uuid.uuid4())
        previous = str(bio.get("previousHash") or EMPTY_HASH)
        spec = device.spec_versions[0] if device.spec_versions else DEFAULT_SPEC_VERSION
        body = {
            "env": env,
            "purpose": "Registration",
            "specVersion": spec,
            "timeout": str(int(timeout_s * 1000)),
            "captureTime": datetime.now(UTC).isoformat(timespec="milliseconds"),
            "transactionId": transaction_id,
            "bio": [{**bio, "previousHash": previous}],
            "customOpts": custom_opts or {},
        }
        url = self.base_url(device) + "/capture"
        try:
            status, raw = self.transport.request(
                "RCAPTURE", url, json.dumps(body).encode("utf-8"), timeout_s + 5.0
            )
        except TimeoutError as exc:
            raise DeviceError(
                f"Thiết bị {device.make_model} không trả lời trong thời gian chờ.",
                f"The device {device.make_model} did not answer in time.",
                code="sbi_timeout",
            ) from exc
        except OSError as exc:
            raise DeviceError(
                "Mất kết nối với dịch vụ thiết bị (SBI).",
                "Lost the connection to the device service (SBI).",
                code="sbi_unreachable",
            ) from exc
        if status != 200:
            raise _bad_answer(f"mã HTTP {status}.", f"HTTP status {status}.")
        try:
            answer = json.loads(raw.decode("utf-8"))
        except (UnicodeDecodeError, ValueError) as exc:
            raise _bad_answer("không phải JSON.", "not JSON.") from exc
        return self._items(device, answer, transaction_id, previous)

    def _items(
        self, device: SbiDevice, answer: Any, transaction_id: str, previous: str
    ) -> list[SbiItem]:
        if isinstance(answer, dict) and isinstance(answer.get("error"), dict):
            err = answer["error"]
            if str(err.get("errorCode", "0")) not in ("0", ""):
                raise sbi_error(str(err.get("errorCode")), str(err.get("errorInfo", "")))
        items = answer.get("biometrics") if isinstance(answer, dict) else None
        if not isinstance(items, list):
            raise _bad_answer("thiếu danh sách «biometrics».", "no 'biometrics' list.")
        result: list[SbiItem] = []
        errors: list[DeviceError] = []
        for item in items:
            if not isinstance(item, dict):
                raise _bad_answer("phần tử không hợp lệ.", "an invalid item.")
            err = item.get("error")
            code = str(err.get("errorCode", "0")) if isinstance(err, dict) else "0"
            if code not in ("0", "") and not item.get("data"):
                info = str(err.get("errorInfo", "")) if isinstance(err, dict) else ""
                errors.append(sbi_error(code, info))
                continue
            payload, token = _payload_of(item.get("data"))
            if str(payload.get("transactionId", transaction_id)) != transaction_id:
                raise _bad_answer(
                    "mã giao dịch không khớp với yêu cầu.",
                    "the transaction id does not match the request.",
                )
            value = _bio_value(payload)
            digest = str(item.get("hash", ""))
            attestation = self.trust.attest(
                item.get("data"),
                device_name=device.make_model,
                transaction_id=transaction_id,
                serials=(device.serial, device.device_id),
                previous_hash=previous,
                hash_value=digest,
                bio_value=value,
            )
            if digest:
                previous = digest
            result.append(SbiItem(payload, token, digest, value, attestation))
        if not result and errors:
            raise errors[0]
        return result

    def rcapture(
        self,
        device: SbiDevice,
        *,
        fingers: Sequence[Finger],
        exceptions: Sequence[Finger],
        device_sub_id: int,
        timeout_s: float,
        requested_score: int = 40,
        env: str = "Production",
        previous_hash: str | None = None,
        transaction_id: str | None = None,
        custom_opts: dict[str, Any] | None = None,
    ) -> list[SbiBiometric]:
        """One registration capture of fingers (slap or single); DeviceError on an SBI error,
        a malformed answer or an untrusted device."""
        bio = bio_request(
            device,
            "Finger",
            [BIO_SUBTYPES[f] for f in fingers],
            [BIO_SUBTYPES[f] for f in exceptions],
            device_sub_id,
            previous_hash,
            requested_score,
        )
        items = self.capture(
            device,
            bio,
            timeout_s=timeout_s,
            transaction_id=transaction_id,
            env=env,
            custom_opts=custom_opts,
        )
        result = []
        for item in items:
            parsed = _parse_biometric(item)
            if parsed is not None:
                result.append(parsed)
        return result


EMPTY_HASH = hashlib.sha256(b"").hexdigest().upper()


def bio_request(
    device: SbiDevice,
    bio_type: str,
    sub_types: Sequence[str],
    exceptions: Sequence[str],
    device_sub_id: int,
    previous_hash: str | None,
    requested_score: int = 40,
) -> dict[str, Any]:
    """The ``bio`` entry of an ``RCAPTURE`` request."""
    return {
        "type": bio_type,
        "count": len(sub_types),
        "bioSubType": list(sub_types),
        "exception": list(exceptions),
        "requestedScore": int(requested_score),
        "deviceId": device.device_id,
        "serialNo": device.serial,
        "deviceSubId": str(device_sub_id),
        "previousHash": previous_hash or EMPTY_HASH,
    }


def _payload_of(data: Any) -> tuple[dict[str, Any], str]:
    """The payload of a biometric's ``data`` (a JWT, or a plain object) and the token kept."""
    if isinstance(data, dict):
        return data, json.dumps(data)
    if isinstance(data, str) and data:
        try:
            return jwt_payload(data), data
        except (ValueError, UnicodeDecodeError) as exc:
            raise _bad_answer("khối «data» không đọc được.", "unreadable 'data'.") from exc
    raise _bad_answer("thiếu khối «data».", "no 'data' block.")


def _bio_value(payload: dict[str, Any]) -> bytes:
    value = payload.get("bioValue")
    if not isinstance(value, str) or not value:
        raise _bad_answer("thiếu «bioValue».", "no 'bioValue'.")
    try:
        return b64url_decode(value)
    except ValueError as exc:
        raise _bad_answer("«bioValue» không phải base64url.", "bioValue is not base64url.") from exc


def quality_of(payload: dict[str, Any]) -> float | None:
    """The device's ``qualityScore``, or None when absent or not a number."""
    score = payload.get("qualityScore")
    try:
        return float(score) if score not in (None, "") else None
    except (TypeError, ValueError):
        return None


def _parse_biometric(item: SbiItem) -> SbiBiometric | None:
    """One finger of a capture; None for a biometric that is not a finger."""
    payload = item.payload
    if str(payload.get("bioType", "Finger")).lower() != "finger":
        return None
    sub_type = str(payload.get("bioSubType", "UNKNOWN"))
    try:
        decoded = decode_finger_image(item.value)
    except ValidationError as exc:
        raise DeviceError(
            f"Ảnh vân tay máy quét gửi về không dùng được ({sub_type}): {exc.vi}",
            f"The scanner sent an unusable fingerprint image ({sub_type}): {exc.en}",
            code="sbi_bad_image",
        ) from exc
    return SbiBiometric(
        bio_sub_type=sub_type,
        finger=FINGER_BY_SUBTYPE.get(sub_type.lower()),
        image=decoded.image,
        ppi=decoded.ppi,
        quality_score=quality_of(payload),
        transaction_id=str(payload.get("transactionId", "")),
        timestamp=str(payload.get("timestamp", "")),
        hash=item.hash,
        data=item.token,
        payload={k: v for k, v in payload.items() if k != "bioValue"},
        attestation=item.attestation,
    )


# --- the drivers ------------------------------------------------------------------------------


class SbiDriver:
    """What every SBI driver shares: its client and device, its :class:`DeviceInfo`, and the
    ``previousHash`` chain (the first capture uses the SHA-256 of the empty string, each next
    one the previous answer's ``hash``)."""

    def __init__(
        self, client: SbiClient, device: SbiDevice, kind: DeviceKind, **details: Any
    ) -> None:
        self.client = client
        self.device = device
        self.previous_hash: str | None = None
        self.info = DeviceInfo(
            kind=kind,
            driver="sbi",
            device_id=f"sbi:{device.port}:{device.device_id}",
            name=device.make_model,
            simulated=False,
            details={
                "port": device.port,
                "serial": device.serial,
                **details,
                "signatures_verified": not client.trust.allow_untrusted,
            },
        )

    def previous(self) -> str:
        return self.previous_hash or EMPTY_HASH

    def chained(self, hashes_seen: Iterable[str]) -> None:
        for digest in hashes_seen:
            if digest:
                self.previous_hash = digest

    @staticmethod
    def check_cancel(prompter: Prompter) -> None:
        if prompter.cancelled():
            raise DeviceError("Đã hủy.", "Cancelled.", code="cancelled")


def clamp_quality(score: float | None) -> int | None:
    return None if score is None else max(0, min(100, round(score)))


class SbiScanner(SbiDriver):
    """A :class:`~station.devices.FingerprintScanner` on one SBI slap device.

    Every biometric received is kept in :attr:`received`, with the device's signed ``data`` JWT
    as received and the station's verdict on it (:attr:`SbiBiometric.attestation`).
    """

    def __init__(
        self,
        client: SbiClient,
        device: SbiDevice,
        *,
        requested_score: int = 40,
        env: str = "Production",
    ) -> None:
        super().__init__(
            client,
            device,
            DeviceKind.FINGERPRINT,
            certification=device.certification,
            purpose=device.purpose,
            spec_versions=list(device.spec_versions),
        )
        self.requested_score = requested_score
        self.env = env
        self.received: list[SbiBiometric] = []
        #: The signed ``data`` JWT of each finger of the last capture, as received: the capture
        #: session keeps it with the finger's result (``FingerResult.device_data``).
        self.last_signed: dict[Finger, str] = {}

    def capture(
        self,
        slap: Slap,
        skip: Sequence[Finger],
        prompter: Prompter,
        timeout_s: float = 30.0,
    ) -> list[FingerImage]:
        expected = [f for f in SLAP_FINGERS[slap] if f not in skip]
        exceptions = [f for f in SLAP_FINGERS[slap] if f in skip]
        if not expected:
            return []
        self.check_cancel(prompter)
        prompter.show(*slap_prompt(slap, skip))
        biometrics = self.client.rcapture(
            self.device,
            fingers=expected,
            exceptions=exceptions,
            device_sub_id=DEVICE_SUB_IDS[slap],
            timeout_s=timeout_s,
            requested_score=self.requested_score,
            env=self.env,
            previous_hash=self.previous_hash,
        )
        self.chained(bio.hash for bio in biometrics)
        images: list[FingerImage] = []
        self.last_signed = {}
        for bio in biometrics:
            self.received.append(bio)
            if bio.finger is None or bio.finger not in expected:
                continue  # UNKNOWN or a finger we did not ask for: not guessed at
            quality = clamp_quality(bio.quality_score)
            images.append(FingerImage(bio.finger, bio.image, bio.ppi, quality))
            self.last_signed[bio.finger] = bio.data
        return images


# --- images: ISO/IEC 19794-4:2011, WSQ, JPEG 2000, PNG, JPEG ----------------------------------


@dataclass(frozen=True)
class DecodedImage:
    image: Image  # grayscale uint8
    ppi: int
    container: str  # "iso19794-4" or "plain"
    compression: str  # raw, wsq, jpeg, jpeg2000, png
    position: int | None = None  # ISO finger position, when the record says


ISO_COMPRESSION = {0: "raw", 1: "raw_bitpacked", 2: "wsq", 3: "jpeg", 4: "jpeg2000", 5: "jpeg2000"}
ISO_COMPRESSION[6] = "png"
#: Representation header after the quality / certification blocks (ISO/IEC 19794-4:2011
#: Table 4): position, representation number, scale units, capture and image sampling rates
#: (h, v), bit depth, compression, impression type, width, height.
_ISO_REPR_TAIL = ">BBBHHHHBBBHH"


def _image_error(vi: str, en: str) -> ValidationError:
    return ValidationError(vi, en, field="image")


def _sniff(data: bytes) -> str | None:
    if data.startswith(b"\x89PNG\r\n\x1a\n"):
        return "png"
    if data.startswith(b"\xff\xd8\xff"):
        return "jpeg"
    if data.startswith(b"\x00\x00\x00\x0cjP  \r\n\x87\n") or data.startswith(b"\xff\x4f\xff\x51"):
        return "jpeg2000"
    if data.startswith(b"\xff\xa0"):
        return "wsq"
    return None


def decode_finger_image(data: bytes) -> DecodedImage:
    """A grayscale image from what a device sends: an ISO/IEC 19794-4:2011 finger image record
    (first representation; image raw, WSQ, JPEG, JPEG 2000 or PNG) or a bare PNG / JPEG /
    JPEG 2000 / WSQ file. ValidationError with a message for anything else, never a crash."""
    if not isinstance(data, bytes | bytearray) or not data:
        raise _image_error("dữ liệu ảnh trống.", "the image data is empty.")
    data = bytes(data)
    if len(data) > MAX_BIO_BYTES:
        raise _image_error(
            f"dữ liệu ảnh quá lớn ({len(data) // (1024 * 1024)} MB).",
            f"the image data is too large ({len(data) // (1024 * 1024)} MB).",
        )
    if data.startswith(b"FIR\x00"):
        return _decode_iso(data)
    kind = _sniff(data)
    if kind is None:
        raise _image_error(
            "không nhận ra định dạng (cần ISO 19794-4, WSQ, JPEG 2000, PNG hoặc JPEG).",
            "unknown format (expected ISO 19794-4, WSQ, JPEG 2000, PNG or JPEG).",
        )
    image, ppi = _decode_file(data, kind)
    return DecodedImage(image, ppi or 500, "plain", kind)


@dataclass(frozen=True)
class _IsoRepresentation:
    position: int
    ppi: int
    depth: int
    compression: int
    width: int
    height: int
    image: bytes


def _iso_representation(data: bytes) -> _IsoRepresentation:
    """The first representation of an ISO/IEC 19794-4:2011 record, bounds-checked."""
    version = data[4:8]
    if version != b"020\x00":
        shown = version.rstrip(b"\x00").decode("ascii", "replace")
        raise _image_error(
            f"bản ghi ISO 19794-4 phiên bản «{shown}» chưa được hỗ trợ (cần 2011, «020»).",
            f"ISO 19794-4 record version '{shown}' is not supported (need 2011, '020').",
        )
    try:
        (total, n_repr, cert_flag, _n_pos) = struct.unpack_from(">IHBB", data, 8)
        if total > len(data) or total < 16 or n_repr < 1:
            raise _image_error(
                "bản ghi ISO 19794-4 bị cắt hoặc độ dài sai.",
                "the ISO 19794-4 record is truncated or has a wrong length.",
            )
        off = 16
        (rep_len,) = struct.unpack_from(">I", data, off)
        if rep_len > total - off:
            raise _image_error(
                "biểu diễn vượt quá bản ghi.", "a representation overruns the record."
            )
        off += 4 + 9 + 1 + 2 + 2  # length, capture time, technology, vendor, device type
        (n_quality,) = struct.unpack_from(">B", data, off)
        off += 1 + 5 * n_quality
        if cert_flag:
            (n_cert,) = struct.unpack_from(">B", data, off)
            off += 1 + 3 * n_cert
        fields = struct.unpack_from(_ISO_REPR_TAIL, data, off)
        off += struct.calcsize(_ISO_REPR_TAIL)
        (img_len,) = struct.unpack_from(">I", data, off)
        off += 4
    except struct.error as exc:
        raise _image_error(
            "bản ghi ISO 19794-4 bị cắt.", "the ISO 19794-4 record is truncated."
        ) from exc
    position, _rep_no, scale_units, _sh, _sv, ih, _iv, depth, compression, _imp, w, h = fields
    if off + img_len > len(data):
        raise _image_error(
            "dữ liệu ảnh trong bản ghi ISO bị cắt.",
            "the image data in the ISO record is truncated.",
        )
    ppi = ih if scale_units == 1 else round(ih * 2.54) if scale_units == 2 else 500
    return _IsoRepresentation(
        position=position,
        ppi=int(ppi) if 100 <= ppi <= 2000 else 500,
        depth=depth,
        compression=compression,
        width=w,
        height=h,
        image=data[off : off + img_len],
    )


def _decode_iso(data: bytes) -> DecodedImage:
    rep = _iso_representation(data)
    width, height = rep.width, rep.height
    _check_side(width, height)
    if rep.depth != 8:
        raise _image_error(
            f"chỉ hỗ trợ ảnh xám 8 bit (bản ghi: {rep.depth} bit).",
            f"only 8-bit grayscale is supported (record: {rep.depth} bits).",
        )
    kind = ISO_COMPRESSION.get(rep.compression)
    if kind is None or kind == "raw_bitpacked":
        raise _image_error(
            f"kiểu nén {rep.compression} trong bản ghi ISO chưa được hỗ trợ.",
            f"compression {rep.compression} in the ISO record is not supported.",
        )
    if kind == "raw":
        if len(rep.image) != width * height:
            raise _image_error(
                "ảnh thô không khớp kích thước khai báo.",
                "the raw image does not match its declared size.",
            )
        image = np.frombuffer(rep.image, np.uint8).reshape(height, width).copy()
    else:
        image, _ = _decode_file(rep.image, kind)
        if image.shape != (height, width):
            raise _image_error(
                "ảnh trong bản ghi ISO không khớp kích thước khai báo.",
                "the image in the ISO record does not match its declared size.",
            )
    return DecodedImage(image, rep.ppi, "iso19794-4", kind, rep.position)


def _wsq_dimensions(data: bytes) -> tuple[int, int]:
    """(width, height) from the WSQ frame header, read before handing the data to NBIS."""
    pos = 2
    while pos + 4 <= len(data):
        marker = data[pos : pos + 2]
        if marker == b"\xff\xa2":  # start of frame: length, black, white, height, width
            if pos + 10 > len(data):
                break
            height, width = struct.unpack_from(">HH", data, pos + 6)
            return width, height
        if marker[0:1] != b"\xff" or marker[1] < 0xA0 or marker[1] > 0xA8:
            break
        (length,) = struct.unpack_from(">H", data, pos + 2)
        pos += 2 + max(length, 2)
    raise _image_error("tệp WSQ không có khung ảnh.", "the WSQ file has no frame header.")


def _decode_file(data: bytes, kind: str) -> tuple[Image, int | None]:
    """Decode one PNG / JPEG / JPEG 2000 / WSQ file to grayscale, checking its size first."""
    from PIL import Image as PILImage

    if kind == "wsq":
        import wsq  # type: ignore[import-untyped]  # noqa: F401  (registers the WSQ plugin)

        width, height = _wsq_dimensions(data)
        _check_side(width, height)
    else:  # the shared header check, before Pillow sees the file
        try:
            imagecheck.checked_header(data)
        except imagecheck.HeaderError as err:
            raise _image_error(f"Ảnh vân tay: {err.vi}.", f"Fingerprint image: {err.en}.") from None
    try:
        with PILImage.open(io.BytesIO(data)) as img:
            _check_side(*img.size)
            fmt = (img.format or "").lower()
            if kind in ("png", "jpeg") and fmt != kind:
                raise _image_error(
                    "định dạng không khớp nội dung.", "format does not match content."
                )
            dpi = img.info.get("dpi")
            gray = img.convert("L")
            gray.load()
            array = np.asarray(gray, dtype=np.uint8).copy()
    except ValidationError:
        raise
    except Exception as exc:  # Pillow and its plugins raise many types on damaged data
        raise _image_error(
            f"không giải mã được ảnh {kind.upper()} (hỏng hoặc không đầy đủ).",
            f"cannot decode the {kind.upper()} image (damaged or incomplete).",
        ) from exc
    ppi: int | None = None
    if isinstance(dpi, tuple) and dpi and isinstance(dpi[0], int | float) and dpi[0] > 0:
        ppi = round(float(dpi[0]))
    return array, ppi


def _check_side(width: int, height: int) -> None:
    if not (
        MIN_IMAGE_SIDE <= width <= MAX_IMAGE_SIDE and MIN_IMAGE_SIDE <= height <= MAX_IMAGE_SIDE
    ):
        raise _image_error(
            f"kích thước ảnh không hợp lệ ({width}×{height}, mỗi cạnh "
            f"{MIN_IMAGE_SIDE}-{MAX_IMAGE_SIDE} điểm ảnh).",
            f"invalid image size ({width}×{height}, "
            f"each side {MIN_IMAGE_SIDE}-{MAX_IMAGE_SIDE} px).",
        )
