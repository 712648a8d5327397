"""The QR code printed on chip ID cards: parsing its text and decoding it from an image.

The text is fields separated by ``|``: 12-digit ID number | old 9-digit ID number (may be empty)
| full name | date of birth (ddmmyyyy) | sex (Nam/Nữ) | permanent residence | date of issue
(ddmmyyyy). Cards issued since 2024 have been reported with further fields after these seven;
they are kept raw in ``extra`` and never reach the form. A code that does not parse whole is
refused whole: nothing half-parsed reaches the form.
"""

from __future__ import annotations

import unicodedata
from dataclasses import dataclass
from datetime import date
from typing import Any

from station import idnumber, imagecheck
from station.errors import ValidationError
from station.form import citizen_name_problem
from station.idnumber import Sex
from station.masterdata import MasterData
from station.prefill import Prefill, address_from_text

MAX_QR_TEXT = 1024
MAX_IMAGE_BYTES = 20 * 1024 * 1024
MAX_IMAGE_PIXELS = imagecheck.MAX_PIXELS
_SEX = {"nam": Sex.MALE, "nữ": Sex.FEMALE, "nu": Sex.FEMALE}


@dataclass(frozen=True)
class CardQr:
    id_number: str
    old_id_number: str | None
    full_name: str
    date_of_birth: date
    sex: Sex
    address: str
    issue_date: date
    extra: tuple[str, ...] = ()


def _bad(vi: str, en: str, field: str = "qr") -> ValidationError:
    return ValidationError(f"Mã QR trên thẻ: {vi}", f"Card QR code: {en}", field=field)


def _ddmmyyyy(text: str, what: tuple[str, str], today: date) -> date:
    if len(text) != 8 or not text.isdigit():
        raise _bad(
            f"{what[0]} «{text}» không đúng dạng ddmmyyyy.",
            f"{what[1]} '{text}' is not in the form ddmmyyyy.",
        )
    try:
        value = date(int(text[4:]), int(text[2:4]), int(text[:2]))
    except ValueError:
        raise _bad(
            f"{what[0]} «{text}» không tồn tại.", f"{what[1]} '{text}' does not exist."
        ) from None
    if value > today or value.year < 1900:
        raise _bad(f"{what[0]} «{text}» không hợp lý.", f"{what[1]} '{text}' is not plausible.")
    return value


def parse(text: object, today: date) -> CardQr:
    """Parse the QR text of a chip card; a clear error for each malformed kind."""
    if not isinstance(text, str) or not text.strip():
        raise _bad("trống.", "empty.")
    if len(text) > MAX_QR_TEXT:
        raise _bad("quá dài.", "too long.")
    text = unicodedata.normalize("NFC", text.strip())
    if any(unicodedata.category(c) == "Cc" for c in text):
        raise _bad("có ký tự điều khiển.", "contains control characters.")
    parts = [p.strip() for p in text.split("|")]
    if len(parts) < 7:
        raise _bad(
            f"chỉ có {len(parts)} trường, cần ít nhất 7 (mã bị cắt hoặc không phải thẻ căn cước).",
            f"only {len(parts)} fields, at least 7 are needed (cut off, or not an ID card).",
        )
    id_raw, old_raw, name, dob_raw, sex_raw, address, issue_raw = parts[:7]
    number = idnumber.parse(id_raw)
    old = idnumber.parse_old(old_raw) if old_raw else None
    problem = citizen_name_problem(name, "Họ tên", "Name")
    if problem:
        raise _bad(problem[0], problem[1], "full_name")
    dob = _ddmmyyyy(dob_raw, ("Ngày sinh", "Date of birth"), today)
    sex = _SEX.get(sex_raw.lower())
    if sex is None:
        raise _bad(f"giới tính «{sex_raw}» không rõ.", f"unknown sex '{sex_raw}'.", "sex")
    idnumber.check_against(number, dob.year, sex)
    if not address:
        raise _bad("thiếu địa chỉ thường trú.", "the permanent residence is missing.")
    issued = _ddmmyyyy(issue_raw, ("Ngày cấp", "Date of issue"), today)
    if issued < dob:
        raise _bad("ngày cấp trước ngày sinh.", "the date of issue is before the date of birth.")
    return CardQr(
        number.value,
        old,
        " ".join(name.split()),
        dob,
        sex,
        address,
        issued,
        tuple(parts[7:]),
    )


def to_prefill(card: CardQr, md: MasterData) -> Prefill:
    values: dict[str, Any] = {
        "id_number": card.id_number,
        "full_name": card.full_name,
        "date_of_birth": card.date_of_birth.isoformat(),
        "sex": card.sex.value,
        "previous_card": {"number": card.id_number, "issue_date": card.issue_date.isoformat()},
    }
    if card.old_id_number:
        values["old_id_number"] = card.old_id_number
    unmatched: dict[str, str] = {}
    address = address_from_text(card.address, md)
    if address is not None:
        values["permanent_residence"] = address
    else:
        unmatched["permanent_residence"] = card.address
    return Prefill("qr", values, unmatched)


# --- images -----------------------------------------------------------------------------------


def _image_error(vi: str, en: str) -> ValidationError:
    return ValidationError(f"Ảnh mã QR: {vi}", f"QR image: {en}", field="image")


def decode_image(data: bytes) -> str:
    """The text of the one QR code in an encoded image (PNG, JPEG...), or a clear error.

    Tries OpenCV's classic detector, then its ArUco-based one, then both on the image enlarged
    twice (small codes in a large frame).
    """
    import cv2
    import numpy as np

    if not isinstance(data, bytes | bytearray) or not data:
        raise _image_error("tệp trống.", "the file is empty.")
    if len(data) > MAX_IMAGE_BYTES:
        raise _image_error(
            f"tệp quá lớn ({len(data) // (1024 * 1024)} MB, tối đa 20 MB).",
            f"the file is too large ({len(data) // (1024 * 1024)} MB, at most 20 MB).",
        )
    # The size from the header, before any decoding (a small file can declare a huge image).
    imagecheck.check(bytes(data), label=("Ảnh mã QR", "QR image"), field="image")
    buf = np.frombuffer(bytes(data), dtype=np.uint8)
    image = cv2.imdecode(buf, cv2.IMREAD_GRAYSCALE)
    if image is None:
        raise _image_error("không đọc được ảnh.", "cannot read the image.")
    return decode_frame(image)


def decode_frame(image: Any) -> str:
    """The text of the QR code in a grayscale or BGR frame (a numpy array) from a camera."""
    import cv2

    detectors = [cv2.QRCodeDetector(), cv2.QRCodeDetectorAruco()]
    candidates = [image]
    if max(image.shape[:2]) < 2000:
        candidates.append(cv2.resize(image, None, fx=2, fy=2, interpolation=cv2.INTER_CUBIC))
    for frame in candidates:
        for detector in detectors:
            text, _points, _ = detector.detectAndDecode(frame)
            if text:
                return str(text)
    raise _image_error(
        "không tìm thấy mã QR đọc được; đặt thẻ phẳng, đủ sáng, mã chiếm phần lớn khung hình.",
        "no readable QR code found; hold the card flat, well lit, the code filling the frame.",
    )
