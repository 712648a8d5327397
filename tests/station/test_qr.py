"""The old card's QR code: parsing, prefill, and decoding from images made with segno."""

from __future__ import annotations

import io
from datetime import date

import cv2
import numpy as np
import pytest
import segno

from station import masterdata, qr
from station.errors import ValidationError
from station.idnumber import Sex
from station.prefill import Prefill, merge

TODAY = date(2026, 11, 23)
MD = masterdata.load()
SAMPLE = (
    "070203012345|123456789|Nguyễn Văn An|01012003|Nam|"
    "Thôn 3, Xã Tân Lập, Huyện Đồng Phú, Tỉnh Bình Phước|15082021"
)


def test_well_formed() -> None:
    card = qr.parse(SAMPLE, TODAY)
    assert card.id_number == "070203012345" and card.old_id_number == "123456789"
    assert card.full_name == "Nguyễn Văn An" and card.sex == Sex.MALE
    assert card.date_of_birth == date(2003, 1, 1) and card.issue_date == date(2021, 8, 15)
    assert card.extra == ()


def test_variants_parse() -> None:
    no_old = SAMPLE.replace("|123456789|", "||")
    assert qr.parse(no_old, TODAY).old_id_number is None
    female = (
        "001305000001||Trần Thị Bích|12122005|Nữ|"
        "Số 1 Tràng Tiền, Phường Hoàn Kiếm, Thành phố Hà Nội|01022022"
    )
    assert qr.parse(female, TODAY).sex == Sex.FEMALE
    longer = SAMPLE + "|extra|fields"
    assert qr.parse(longer, TODAY).extra == ("extra", "fields")
    decomposed = SAMPLE.replace("Nguyễn", "Nguye\u0302\u0303n")
    assert qr.parse(decomposed, TODAY).full_name == "Nguyễn Văn An"


MALFORMED = [
    ("", "empty"),
    ("070203012345|123456789|Nguyễn Văn An|01012003|Nam", "only 5 fields"),
    ("https://example.com/not-a-card", "only 1 fields"),
    (SAMPLE.replace("070203012345", "07020301234"), "exactly 12 digits"),
    (SAMPLE.replace("070203012345", "003203012345"), "does not exist"),
    (SAMPLE.replace("|123456789|", "|12345|"), "9 or 12 digits"),
    (SAMPLE.replace("Nguyễn Văn An", ""), "must not be empty"),
    (SAMPLE.replace("Nguyễn Văn An", "Nguyễn V4n An"), "not allowed"),
    (SAMPLE.replace("01012003", "2003-01-01"), "ddmmyyyy"),
    (SAMPLE.replace("01012003", "31022003"), "does not exist"),
    (SAMPLE.replace("01012003", "01012099"), "not plausible"),
    (SAMPLE.replace("|Nam|", "|M|"), "unknown sex"),
    (SAMPLE.replace("|Nam|", "|Nữ|"), "encodes a sex other than 'female'"),
    (SAMPLE.replace("01012003", "01011999"), "encodes birth in 2000-2099"),
    (
        SAMPLE.replace("Thôn 3, Xã Tân Lập, Huyện Đồng Phú, Tỉnh Bình Phước", ""),
        "residence is missing",
    ),
    (SAMPLE.replace("15082021", "15082001"), "before the date of birth"),
    (SAMPLE.replace("Nguyễn", "Nguyễn\x07"), "control characters"),
    ("x" * 2000, "too long"),
]


@pytest.mark.parametrize("text,en_part", MALFORMED)
def test_malformed_is_refused_whole(text: str, en_part: str) -> None:
    with pytest.raises(ValidationError) as err:
        qr.parse(text, TODAY)
    assert en_part in err.value.en
    assert err.value.vi and err.value.field


def test_prefill_matches_old_address_units() -> None:
    pre = qr.to_prefill(qr.parse(SAMPLE, TODAY), MD)
    assert pre.values["permanent_residence"] == {
        "era": "legacy",
        "unit": "25381",
        "street": "Thôn 3",
    }
    assert pre.unmatched == {}
    assert pre.values["date_of_birth"] == "2003-01-01" and pre.values["sex"] == "male"
    odd = SAMPLE.replace("Huyện Đồng Phú", "Huyện Không Có")
    pre = qr.to_prefill(qr.parse(odd, TODAY), MD)
    assert "permanent_residence" not in pre.values
    assert "Không Có" in pre.unmatched["permanent_residence"]


def test_merge_never_overwrites_typed_values() -> None:
    typed = {"full_name": "Nguyễn Văn Ân", "phone": "0912345678"}
    pre = Prefill("qr", {"full_name": "Nguyễn Văn An", "sex": "male"})
    out = merge(typed, pre)
    assert out.form["full_name"] == "Nguyễn Văn Ân" and out.form["sex"] == "male"
    assert out.conflicts == {"full_name": ("Nguyễn Văn Ân", "Nguyễn Văn An")}
    assert out.filled == ["sex"] and out.form["_prefilled"] == {"sex": "qr"}


def _png(text: str, scale: int = 4, border: int = 4) -> bytes:
    buf = io.BytesIO()
    segno.make(text, error="m", micro=False).save(buf, kind="png", scale=scale, border=border)
    return buf.getvalue()


def test_round_trip_through_an_image() -> None:
    assert qr.decode_image(_png(SAMPLE)) == SAMPLE
    assert qr.parse(qr.decode_image(_png(SAMPLE)), TODAY).full_name == "Nguyễn Văn An"


def test_small_code_in_a_large_photo_with_blur() -> None:
    code = cv2.imdecode(np.frombuffer(_png(SAMPLE, scale=3), np.uint8), cv2.IMREAD_GRAYSCALE)
    canvas = np.full((1080, 1440), 200, np.uint8)
    y, x = 400, 600
    canvas[y : y + code.shape[0], x : x + code.shape[1]] = code
    canvas = cv2.GaussianBlur(canvas, (3, 3), 0)
    ok, jpeg = cv2.imencode(".jpg", canvas, [cv2.IMWRITE_JPEG_QUALITY, 70])
    assert ok
    assert qr.decode_image(jpeg.tobytes()) == SAMPLE


@pytest.mark.parametrize(
    "data,en_part",
    [
        (b"", "empty"),
        (b"\x89PNG\r\n\x1a\n" + b"\x00" * 100, "PNG file is damaged"),
        (b"GIF89a-not-really", "cannot read the image"),
        (b"%PDF-1.4 not an image", "this is a PDF, not an image"),
        (b"\xff" * (21 * 1024 * 1024), "too large"),
    ],
)
def test_bad_images_are_refused(data: bytes, en_part: str) -> None:
    with pytest.raises(ValidationError) as err:
        qr.decode_image(data)
    assert en_part in err.value.en and err.value.field == "image"


def test_image_without_code() -> None:
    _, png = cv2.imencode(".png", np.full((200, 300), 255, np.uint8))
    with pytest.raises(ValidationError, match="no readable QR code"):
        qr.decode_image(png.tobytes())


def test_truncated_image_is_refused() -> None:
    data = _png(SAMPLE)
    with pytest.raises(ValidationError):
        qr.decode_image(data[: len(data) // 3])
