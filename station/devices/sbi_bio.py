"""Iris cameras and rolled-print scanners behind MOSIP's SBI (see :mod:`station.devices.sbi`).

The same client, transport and rules as the slap scanners (discovery on 127.0.0.1:4501-4600,
``MOSIPDINFO``/``SBIINFO``, ``RCAPTURE`` with ``purpose: "Registration"``, ``previousHash``
chaining, every capture's signatures checked against the station's device trust store); only
what differs is here:

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

import struct
from collections.abc import Sequence

import numpy as np
import numpy.typing as npt

from station.devices import DeviceError, DeviceKind, Finger, FingerImage, Prompter
from station.devices.iris import Eye, IrisImage, eye_prompt
from station.devices.rolled import roll_prompt
from station.devices.sbi import (
    MAX_BIO_BYTES,
    SbiClient,
    SbiDevice,
    SbiDriver,
    _check_side,
    _decode_file,
    _image_error,
    _sniff,
    bio_request,
    clamp_quality,
    quality_of,
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


class SbiIrisCamera(SbiDriver):
    """An :class:`~station.devices.iris.IrisCamera` on one SBI iris device."""

    def __init__(self, client: SbiClient, device: SbiDevice) -> None:
        super().__init__(client, device, DeviceKind.IRIS, sub_type=device.device_sub_type)

    def capture(
        self, eyes: Sequence[Eye], prompter: Prompter, timeout_s: float = 30.0
    ) -> list[IrisImage]:
        wanted = [Eye(e) for e in eyes]
        if not wanted:
            return []
        self.check_cancel(prompter)
        prompter.show(*eye_prompt(wanted))
        # A double-eye device takes both with deviceSubId 3, the eye left out as an exception.
        double = len(wanted) == 2 or self.device.device_sub_type.lower() == "double"
        sub_id = BOTH_EYES_SUB_ID if double else IRIS_SUB_IDS[(wanted[0],)]
        bio = bio_request(
            self.device,
            "Iris",
            [IRIS_SUBTYPES[e] for e in wanted],
            [IRIS_SUBTYPES[e] for e in Eye if double and e not in wanted],
            sub_id,
            self.previous_hash,
        )
        items = self.client.capture(self.device, bio, timeout_s=timeout_s)
        self.chained(item.hash for item in items)
        out: list[IrisImage] = []
        for item in items:
            if str(item.payload.get("bioType", "Iris")).lower() != "iris":
                continue
            eye = EYE_BY_SUBTYPE.get(str(item.payload.get("bioSubType", "")).lower())
            try:
                image, label = decode_iris_record(item.value)
            except ValidationError as exc:
                raise DeviceError(
                    f"Ảnh mống mắt thiết bị gửi về không dùng được: {exc.vi}",
                    f"The iris camera sent an unusable image: {exc.en}",
                    code="sbi_bad_image",
                ) from exc
            eye = eye or label
            if eye is None or eye not in wanted or any(i.eye == eye for i in out):
                continue  # an eye we did not ask for, or sent twice: not guessed at
            quality = clamp_quality(quality_of(item.payload))
            out.append(IrisImage(eye, image, quality, item.token))
        return out


class SbiRolledScanner(SbiDriver):
    """A :class:`~station.devices.rolled.RolledScanner` on one SBI single-finger device."""

    def __init__(self, client: SbiClient, device: SbiDevice) -> None:
        super().__init__(client, device, DeviceKind.ROLLED)
        #: The signed ``data`` JWT of the last roll, as received.
        self.last_signed: str | None = None

    def capture_rolled(
        self, finger: Finger, prompter: Prompter, timeout_s: float = 30.0
    ) -> FingerImage | None:
        self.check_cancel(prompter)
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
        self.chained(bio.hash for bio in biometrics)
        self.last_signed = None
        for bio in biometrics:
            if bio.finger == finger:
                self.last_signed = bio.data
                return FingerImage(finger, bio.image, bio.ppi, clamp_quality(bio.quality_score))
        return None


def is_single_finger(device: SbiDevice) -> bool:
    """A device that captures one finger at a time (what a roll needs)."""
    return device.device_sub_type.lower() == "single" or SINGLE_FINGER_SUB_ID in device.sub_ids
