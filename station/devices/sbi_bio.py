"""Iris cameras and rolled-print scanners behind MOSIP's SBI (see :mod:`station.devices.sbi`).

The same client, transport and rules as the slap scanners (discovery on 127.0.0.1:4501-4600,
``MOSIPDINFO``/``SBIINFO``, ``RCAPTURE`` with ``purpose: "Registration"``, ``previousHash``
chaining, device JWTs kept as received and **not verified**):

* **Iris** (``type: "Iris"``, ``deviceSubType`` ``Single`` or ``Double``): ``deviceSubId`` 1 =
  left eye, 2 = right eye, 3 = both; ``bioSubType`` ``"Left"`` / ``"Right"``, an eye that cannot
  be captured listed under ``exception``. ``bioValue`` is an ISO/IEC 19794-6:2011 iris image
  record (:func:`decode_iris_record`; MOSIP's registration profile: 640x480, 8-bit, lossless
  JPEG 2000) or, from some devices, a bare PNG / JPEG / JPEG 2000 file.
* **Rolled finger** (``type: "Finger"``, ``deviceSubType: "Single"``, ``deviceSubId`` 0): SBI 1.0
  has no "rolled" capture flag; a single-finger registration device captures one finger per
  request (``count`` 1, ``bioSubType`` the finger) and its own software assembles the roll. The
  station asks for it with ``customOpts: {"impression": "rolled"}`` (ignored by devices that do
  not know it) and judges the image as it comes, like any print: quality, and the comparison
  with the finger's flat print (:mod:`station.capture.biogate`).
"""

from __future__ import annotations

import hashlib
import json
import struct
import uuid
from collections.abc import Sequence
from datetime import UTC, datetime
from typing import Any

import numpy as np
import numpy.typing as npt

from station.devices import DeviceError, DeviceInfo, DeviceKind, Finger, FingerImage, Prompter
from station.devices.iris import Eye, IrisImage, eye_prompt
from station.devices.rolled import roll_prompt
from station.devices.sbi import (
    DEFAULT_SPEC_VERSION,
    MAX_BIO_BYTES,
    SbiClient,
    SbiDevice,
    _bad_answer,
    _check_side,
    _decode_file,
    _image_error,
    _payload_of,
    _sniff,
    b64url_decode,
    sbi_error,
)
from station.errors import ValidationError

Image = npt.NDArray[np.uint8]

IRIS_SUBTYPES: dict[Eye, str] = {Eye.LEFT: "Left", Eye.RIGHT: "Right"}
EYE_BY_SUBTYPE = {v.lower(): k for k, v in IRIS_SUBTYPES.items()}
#: deviceSubId of an iris capture: 1 left, 2 right, 3 both.
IRIS_SUB_IDS = {(Eye.LEFT,): 1, (Eye.RIGHT,): 2}
BOTH_EYES_SUB_ID = 3
SINGLE_FINGER_SUB_ID = 0
#: ISO/IEC 19794-6:2011 image formats: 2 mono raw, 10 JPEG 2000, 14 PNG (and 6 JPEG, lossy).
ISO_IRIS_FORMATS = {2: "raw", 6: "jpeg", 10: "jpeg2000", 14: "png"}
#: ISO/IEC 19794-6:2011 eye labels: 0 undefined, 1 right, 2 left.
ISO_EYE_LABELS = {1: Eye.RIGHT, 2: Eye.LEFT}
#: Representation fields after the quality blocks (ISO/IEC 19794-6:2011, Table 3):
#: representation number, eye label, image type, image format, properties, width, height,
#: bit depth, range, roll angle, roll uncertainty, iris centre x min/max, y min/max, iris
#: diameter min/max.
_ISO_IRIS_TAIL = ">HBBBBHHBHHHHHHHHH"


def decode_iris_record(data: bytes) -> tuple[Image, Eye | None]:
    """A grayscale image (and the eye, when the record says) from what an iris camera sends:
    an ISO/IEC 19794-6:2011 record (first representation) or a bare PNG / JPEG / JPEG 2000
    file. ValidationError for anything else, never a crash."""
    if not isinstance(data, bytes | bytearray) or not data:
        raise _image_error("dữ liệu ảnh mống mắt trống.", "the iris image data is empty.")
    data = bytes(data)
    if len(data) > MAX_BIO_BYTES:
        raise _image_error("dữ liệu ảnh mống mắt quá lớn.", "the iris image data is too large.")
    if data.startswith(b"IIR\x00"):
        return _decode_iso_iris(data)
    kind = _sniff(data)
    if kind not in ("png", "jpeg", "jpeg2000"):
        raise _image_error(
            "không nhận ra định dạng ảnh mống mắt (cần ISO 19794-6, PNG, JPEG hoặc JPEG 2000).",
            "unknown iris image format (expected ISO 19794-6, PNG, JPEG or JPEG 2000).",
        )
    image, _ = _decode_file(data, kind)
    return image, None


def _decode_iso_iris(data: bytes) -> tuple[Image, Eye | None]:
    if data[4:8] != b"020\x00":
        raise _image_error(
            "bản ghi ISO 19794-6 chưa được hỗ trợ (cần phiên bản 2011, «020»).",
            "the ISO 19794-6 record version is not supported (need 2011, '020').",
        )
    try:
        total, n_repr, _cert, _eyes = struct.unpack_from(">IHBB", data, 8)
        if total > len(data) or n_repr < 1:
            raise _image_error(
                "bản ghi ISO 19794-6 bị cắt.", "the ISO 19794-6 record is truncated."
            )
        off = 16 + 4 + 9 + 1 + 2 + 2  # length, capture time, technology, vendor, type
        (n_quality,) = struct.unpack_from(">B", data, off)
        off += 1 + 5 * n_quality
        fields = struct.unpack_from(_ISO_IRIS_TAIL, data, off)
        off += struct.calcsize(_ISO_IRIS_TAIL)
        (img_len,) = struct.unpack_from(">I", data, off)
        off += 4
    except struct.error as exc:
        raise _image_error(
            "bản ghi ISO 19794-6 bị cắt.", "the ISO 19794-6 record is truncated."
        ) from exc
    _n, eye_label, _type, fmt, _props, width, height, depth = fields[:8]
    if off + img_len > len(data):
        raise _image_error(
            "dữ liệu ảnh trong bản ghi ISO 19794-6 bị cắt.",
            "the image data in the ISO 19794-6 record is truncated.",
        )
    _check_side(width, height)
    kind = ISO_IRIS_FORMATS.get(fmt)
    if kind is None or depth != 8:
        raise _image_error(
            f"định dạng ảnh {fmt} ({depth} bit) trong bản ghi ISO 19794-6 chưa được hỗ trợ.",
            f"image format {fmt} ({depth} bits) in the ISO 19794-6 record is not supported.",
        )
    raw = data[off : off + img_len]
    if kind == "raw":
        if len(raw) != width * height:
            raise _image_error(
                "ảnh thô không khớp kích thước khai báo.",
                "the raw image does not match its declared size.",
            )
        image = np.frombuffer(raw, np.uint8).reshape(height, width).copy()
    else:
        image, _ = _decode_file(raw, kind)
        if image.shape != (height, width):
            raise _image_error(
                "ảnh trong bản ghi ISO 19794-6 không khớp kích thước khai báo.",
                "the image in the ISO 19794-6 record does not match its declared size.",
            )
    return image, ISO_EYE_LABELS.get(eye_label)


def _request(
    device: SbiDevice,
    bio: dict[str, Any],
    timeout_s: float,
    transaction_id: str,
    custom: dict[str, Any] | None = None,
) -> dict[str, Any]:
    return {
        "env": "Production",
        "purpose": "Registration",
        "specVersion": device.spec_versions[0] if device.spec_versions else DEFAULT_SPEC_VERSION,
        "timeout": str(int(timeout_s * 1000)),
        "captureTime": datetime.now(UTC).isoformat(timespec="milliseconds"),
        "transactionId": transaction_id,
        "bio": [bio],
        "customOpts": custom or {},
    }


def _exchange(client: SbiClient, device: SbiDevice, body: dict[str, Any], timeout_s: float) -> Any:
    url = client.base_url(device) + "/capture"
    try:
        status, raw = client.transport.request(
            "RCAPTURE", url, json.dumps(body).encode("utf-8"), timeout_s + 5.0
        )
    except TimeoutError as exc:
        raise DeviceError(
            "Thiết bị không trả lời trong thời gian chờ.",
            "The device did not answer in time.",
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
    if isinstance(answer, dict) and isinstance(answer.get("error"), dict):
        err = answer["error"]
        if str(err.get("errorCode", "0")) not in ("0", ""):
            raise sbi_error(str(err.get("errorCode")), str(err.get("errorInfo", "")))
    items = answer.get("biometrics") if isinstance(answer, dict) else None
    if not isinstance(items, list):
        raise _bad_answer("thiếu danh sách «biometrics».", "no 'biometrics' list.")
    return items


def _payloads(items: list[Any], transaction_id: str) -> list[tuple[dict[str, Any], str, str]]:
    """(payload, token as received, hash) of each biometric; the first SBI error if none."""
    out = []
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
        out.append((payload, token, str(item.get("hash", ""))))
    if not out and errors:
        raise errors[0]
    return out


def _value(payload: dict[str, Any]) -> bytes:
    value = payload.get("bioValue")
    if not isinstance(value, str) or not value:
        raise _bad_answer("thiếu «bioValue».", "no 'bioValue'.")
    try:
        return b64url_decode(value)
    except ValueError as exc:
        raise _bad_answer("«bioValue» không phải base64url.", "bioValue is not base64url.") from exc


def _score(payload: dict[str, Any]) -> int | None:
    try:
        score = payload.get("qualityScore")
        return None if score in (None, "") else max(0, min(100, round(float(score))))
    except (TypeError, ValueError):
        return None


class _Chained:
    """``previousHash`` chaining across the captures of one device (as the slap scanner does)."""

    def __init__(self) -> None:
        self.previous_hash: str | None = None

    def previous(self) -> str:
        return self.previous_hash or hashlib.sha256(b"").hexdigest().upper()


class SbiIrisCamera(_Chained):
    """An :class:`~station.devices.iris.IrisCamera` on one SBI iris device."""

    def __init__(self, client: SbiClient, device: SbiDevice) -> None:
        super().__init__()
        self.client = client
        self.device = device
        self.info = DeviceInfo(
            kind=DeviceKind.IRIS,
            driver="sbi",
            device_id=f"sbi:{device.port}:{device.device_id}",
            name=device.make_model,
            simulated=False,
            details={
                "port": device.port,
                "serial": device.serial,
                "sub_type": device.device_sub_type,
                "signatures_verified": False,
            },
        )

    def capture(
        self, eyes: Sequence[Eye], prompter: Prompter, timeout_s: float = 30.0
    ) -> list[IrisImage]:
        wanted = [Eye(e) for e in eyes]
        if not wanted:
            return []
        if prompter.cancelled():
            raise DeviceError("Đã hủy.", "Cancelled.", code="cancelled")
        prompter.show(*eye_prompt(wanted))
        # A double-eye device takes both with deviceSubId 3, the eye left out as an exception.
        double = len(wanted) == 2 or self.device.device_sub_type.lower() == "double"
        sub_id = BOTH_EYES_SUB_ID if double else IRIS_SUB_IDS[(wanted[0],)]
        transaction = str(uuid.uuid4())
        bio = {
            "type": "Iris",
            "count": len(wanted),
            "bioSubType": [IRIS_SUBTYPES[e] for e in wanted],
            "exception": [IRIS_SUBTYPES[e] for e in Eye if double and e not in wanted],
            "requestedScore": 40,
            "deviceId": self.device.device_id,
            "serialNo": self.device.serial,
            "deviceSubId": str(sub_id),
            "previousHash": self.previous(),
        }
        items = _exchange(
            self.client, self.device, _request(self.device, bio, timeout_s, transaction), timeout_s
        )
        out: list[IrisImage] = []
        for payload, token, digest in _payloads(items, transaction):
            if digest:
                self.previous_hash = digest
            if str(payload.get("bioType", "Iris")).lower() != "iris":
                continue
            eye = EYE_BY_SUBTYPE.get(str(payload.get("bioSubType", "")).lower())
            try:
                image, label = decode_iris_record(_value(payload))
            except ValidationError as exc:
                raise DeviceError(
                    f"Ảnh mống mắt thiết bị gửi về không dùng được: {exc.vi}",
                    f"The iris camera sent an unusable image: {exc.en}",
                    code="sbi_bad_image",
                ) from exc
            eye = eye or label
            if eye is None or eye not in wanted or any(i.eye == eye for i in out):
                continue  # an eye we did not ask for, or sent twice: not guessed at
            out.append(IrisImage(eye, image, _score(payload), token))
        return out


class SbiRolledScanner(_Chained):
    """A :class:`~station.devices.rolled.RolledScanner` on one SBI single-finger device."""

    def __init__(self, client: SbiClient, device: SbiDevice) -> None:
        super().__init__()
        self.client = client
        self.device = device
        #: The signed ``data`` JWT of the last roll, as received (not verified).
        self.last_signed: str | None = None
        self.info = DeviceInfo(
            kind=DeviceKind.ROLLED,
            driver="sbi",
            device_id=f"sbi:{device.port}:{device.device_id}",
            name=device.make_model,
            simulated=False,
            details={"port": device.port, "serial": device.serial, "signatures_verified": False},
        )

    def capture_rolled(
        self, finger: Finger, prompter: Prompter, timeout_s: float = 30.0
    ) -> FingerImage | None:
        if prompter.cancelled():
            raise DeviceError("Đã hủy.", "Cancelled.", code="cancelled")
        finger = Finger(finger)
        prompter.show(*roll_prompt(finger))
        biometrics = self.client.rcapture(
            self.device,
            fingers=[finger],
            exceptions=[],
            device_sub_id=SINGLE_FINGER_SUB_ID,
            timeout_s=timeout_s,
            previous_hash=self.previous_hash,
            custom_opts={"impression": "rolled"},
        )
        self.last_signed = None
        for bio in biometrics:
            if bio.hash:
                self.previous_hash = bio.hash
            if bio.finger == finger:
                self.last_signed = bio.data
                quality = None if bio.quality_score is None else round(bio.quality_score)
                if quality is not None:
                    quality = max(0, min(100, quality))
                return FingerImage(finger, bio.image, bio.ppi, quality)
        return None


def is_single_finger(device: SbiDevice) -> bool:
    """A device that captures one finger at a time (what a roll needs)."""
    return device.device_sub_type.lower() == "single" or SINGLE_FINGER_SUB_ID in device.sub_ids
