"""One check of every image from outside, from its header, before any decoder sees it.

A 2.6 MB PNG can declare 30000 x 30000 pixels; decoding it costs seconds and most of a gigabyte.
So every entry point that decodes an image from outside (document scans, QR-code pictures,
imported portraits, the portrait the camera page saves, fingerprint files, the chip's face) first
reads the width and height the file declares, here, without decoding, and refuses:

- a format that is not JPEG, PNG, WebP, BMP or JPEG 2000 (JP2 file or raw codestream);
- a header it cannot read, a size of zero;
- more than :data:`MAX_PIXELS` pixels (40 megapixels: a 300 dpi A3 scan is 17.4 MP, a
  phone photo 12-50 MP) or a side over :data:`MAX_SIDE`;
- a JPEG with no frame header before its scan or with no end-of-image marker, and a PNG with no
  ``IEND`` chunk (a file cut short: what the decoders would otherwise fill with grey).

The check takes a fraction of a millisecond (``bench/bench_image_bomb.py``).
"""

from __future__ import annotations

import struct
from dataclasses import dataclass

from station.errors import ValidationError

MAX_PIXELS = 40_000_000
MAX_SIDE = 20_000

_SOF = frozenset((0xC0, 0xC1, 0xC2, 0xC3, 0xC5, 0xC6, 0xC7, 0xC9, 0xCA, 0xCB, 0xCD, 0xCE, 0xCF))
_JP2_SIGNATURE = b"\x00\x00\x00\x0cjP  \r\n\x87\n"
_J2K_SIGNATURE = b"\xff\x4f\xff\x51"


@dataclass(frozen=True)
class ImageHeader:
    format: str  # jpeg, png, webp, bmp, jp2
    width: int
    height: int

    @property
    def pixels(self) -> int:
        return self.width * self.height


class HeaderError(ValueError):
    """What is wrong with the header, in both languages (no prefix: the caller adds its own)."""

    def __init__(self, vi: str, en: str, *, too_large: bool = False) -> None:
        super().__init__(en)
        self.vi = vi
        self.en = en
        #: The header is sound but declares more pixels than the limit.
        self.too_large = too_large


def _jpeg(data: bytes) -> tuple[int, int, int]:
    pos, end = 2, len(data)
    while pos + 4 <= end:
        if data[pos] != 0xFF:
            break
        marker = data[pos + 1]
        if marker == 0xFF:
            pos += 1
            continue
        if marker in (0xD8, 0x01) or 0xD0 <= marker <= 0xD7:
            pos += 2
            continue
        (length,) = struct.unpack(">H", data[pos + 2 : pos + 4])
        if length < 2:
            break
        if marker in _SOF:
            if pos + 9 > end:
                break
            height, width = struct.unpack(">HH", data[pos + 5 : pos + 9])
            return width, height, pos
        if marker == 0xDA:
            break
        pos += 2 + length
    raise HeaderError("tệp JPEG hỏng (không có khung ảnh)", "the JPEG file is damaged (no frame)")


def _webp(data: bytes) -> tuple[int, int]:
    chunk = data[12:16]
    if chunk == b"VP8X":
        return 1 + int.from_bytes(data[24:27], "little"), 1 + int.from_bytes(data[27:30], "little")
    if chunk == b"VP8 ":
        width, height = struct.unpack("<HH", data[26:30])
        return width & 0x3FFF, height & 0x3FFF
    if chunk == b"VP8L":
        bits = int.from_bytes(data[21:25], "little")
        return (bits & 0x3FFF) + 1, ((bits >> 14) & 0x3FFF) + 1
    raise HeaderError("tệp WebP hỏng", "the WebP file is damaged")


def _jp2(data: bytes) -> tuple[int, int]:
    at = data.find(b"ihdr", 0, 4096)
    if at < 0 or at + 12 > len(data):
        raise HeaderError("tệp JPEG 2000 hỏng", "the JPEG 2000 file is damaged")
    height, width = struct.unpack(">II", data[at + 4 : at + 12])
    return width, height


def _j2k(data: bytes) -> tuple[int, int]:
    if len(data) < 24:
        raise HeaderError("tệp JPEG 2000 hỏng", "the JPEG 2000 file is damaged")
    xsiz, ysiz, xo, yo = struct.unpack(">IIII", data[8:24])
    return max(0, xsiz - xo), max(0, ysiz - yo)


def read_header(data: bytes) -> ImageHeader:
    """The format and the size ``data`` declares; HeaderError when it is not a sound image."""
    data = bytes(data[:]) if not isinstance(data, bytes) else data
    if data.startswith(b"\xff\xd8\xff"):
        width, height, frame_at = _jpeg(data)
        # The main image's scan comes after its frame header (an EXIF thumbnail's end marker
        # sits before it); the end-of-image marker must follow that scan.
        scan_at = data.find(b"\xff\xda", frame_at)
        if scan_at < 0 or data.rfind(b"\xff\xd9") < scan_at:
            raise HeaderError("tệp JPEG bị cắt cụt", "the JPEG file is truncated")
        return ImageHeader("jpeg", width, height)
    if data.startswith(b"\x89PNG\r\n\x1a\n"):
        if len(data) < 33 or data[12:16] != b"IHDR":
            raise HeaderError("tệp PNG hỏng", "the PNG file is damaged")
        width, height = struct.unpack(">II", data[16:24])
        if b"IEND" not in data[-64:]:
            raise HeaderError("tệp PNG bị cắt cụt", "the PNG file is truncated")
        return ImageHeader("png", width, height)
    if data.startswith(b"RIFF") and data[8:12] == b"WEBP" and len(data) >= 30:
        return ImageHeader("webp", *_webp(data))
    if data.startswith(b"BM") and len(data) >= 26:
        width, height = struct.unpack("<ii", data[18:26])
        return ImageHeader("bmp", abs(width), abs(height))
    if data.startswith(_JP2_SIGNATURE):
        return ImageHeader("jp2", *_jp2(data))
    if data.startswith(_J2K_SIGNATURE):
        return ImageHeader("jp2", *_j2k(data))
    if data.startswith(b"%PDF"):
        raise HeaderError("đây là tệp PDF, không phải ảnh", "this is a PDF, not an image")
    raise HeaderError(
        "không phải tệp ảnh (chấp nhận JPEG, PNG, WebP, BMP, JPEG 2000)",
        "not an image file (JPEG, PNG, WebP, BMP and JPEG 2000 are accepted)",
    )


def checked_header(data: bytes, max_pixels: int = MAX_PIXELS) -> ImageHeader:
    """:func:`read_header`, then the size limits; HeaderError naming the size when over."""
    head = read_header(data)
    if head.width <= 0 or head.height <= 0:
        raise HeaderError("kích thước ảnh không hợp lệ", "the image declares no size")
    if head.pixels > max_pixels or max(head.width, head.height) > MAX_SIDE:
        raise HeaderError(
            f"ảnh quá nhiều điểm ảnh ({head.width} x {head.height}; tối đa "
            f"{max_pixels // 1_000_000} megapixel)",
            f"the image has too many pixels ({head.width} x {head.height}; at most "
            f"{max_pixels // 1_000_000} megapixels)",
            too_large=True,
        )
    return head


def check(
    data: bytes,
    *,
    label: tuple[str, str],
    field: str,
    max_pixels: int = MAX_PIXELS,
    unreadable: tuple[str, str] = ("không đọc được ảnh", "cannot read the image"),
) -> ImageHeader:
    """:func:`checked_header` with the refusal as a ValidationError: ``label`` is what the image
    is, in Vietnamese and English ("Ảnh mã QR", "QR image"), ``field`` the field it came in;
    a file that cannot be read says ``unreadable`` first, then why."""
    try:
        return checked_header(data, max_pixels)
    except HeaderError as err:
        vi, en = (
            (err.vi, err.en)
            if err.too_large
            else (
                f"{unreadable[0]} ({err.vi})",
                f"{unreadable[1]} ({err.en})",
            )
        )
        raise ValidationError(f"{label[0]}: {vi}.", f"{label[1]}: {en}.", field=field) from None
