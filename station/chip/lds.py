"""LDS data groups (ICAO Doc 9303 part 10) and the Vietnamese DG13."""

from __future__ import annotations

from dataclasses import dataclass, field

from station import imagecheck
from station.chip import ChipError, TlvError
from station.chip.mrz import Td1, parse_td1
from station.chip.tlv import Tlv, parse_all, parse_single, walk

#: data group number -> (file id, LDS tag)
DATA_GROUPS: dict[int, tuple[int, int]] = {
    1: (0x0101, 0x61),
    2: (0x0102, 0x75),
    13: (0x010D, 0x6D),
    14: (0x010E, 0x6E),
    15: (0x010F, 0x6F),
}
EF_COM = (0x011E, 0x60)
EF_SOD = (0x011D, 0x77)
#: tag listed in EF.COM -> data group number
TAG_TO_DG = {0x61: 1, 0x75: 2, 0x63: 3, 0x76: 4, 0x65: 5, 0x66: 6, 0x67: 7, 0x68: 8, 0x69: 9,
             0x6A: 10, 0x6B: 11, 0x6C: 12, 0x6D: 13, 0x6E: 14, 0x6F: 15, 0x70: 16}  # fmt: skip
DG13_OID = "1.0.10646.1.0.8"


def _expect(data: bytes, tag: int, name: str) -> Tlv:
    item = parse_single(data)
    if item.tag != tag:
        raise TlvError(
            f"{name}: thẻ đầu là {item.tag:X}, cần {tag:X}.",
            f"{name}: outer tag is {item.tag:X}, expected {tag:X}.",
        )
    return item


def parse_com(data: bytes) -> list[int]:
    """The data group numbers EF.COM lists."""
    tags = _expect(data, 0x60, "EF.COM").require(0x5C).value
    return sorted(TAG_TO_DG[t] for t in tags if t in TAG_TO_DG)


def parse_dg1(data: bytes) -> Td1:
    text = _expect(data, 0x61, "DG1").require(0x5F1F).value
    try:
        return parse_td1(text.decode("ascii"))
    except UnicodeDecodeError:
        raise ChipError("DG1: MRZ có ký tự lạ.", "DG1: the MRZ has stray bytes.") from None


@dataclass(frozen=True)
class FaceImage:
    format: str  # "jpeg" or "jpeg2000"
    data: bytes


JPEG_SOI = b"\xff\xd8\xff"
JP2_SIG = b"\x00\x00\x00\x0cjP  \r\n\x87\n"
J2K_SOC = b"\xff\x4f\xff\x51"


def parse_dg2(data: bytes) -> list[FaceImage]:
    """The face images of DG2: each biometric data block (5F2E/7F2E) is an ISO/IEC 19794-5
    record ("FAC\\0" header, then the image); the image starts at its JPEG or JPEG 2000 magic."""
    root = _expect(data, 0x75, "DG2")
    faces: list[FaceImage] = []
    for _depth, node in walk(root):
        if node.tag not in (0x5F2E, 0x7F2E):
            continue
        block = node.value
        for fmt, magic in (("jpeg", JPEG_SOI), ("jpeg2000", JP2_SIG), ("jpeg2000", J2K_SOC)):
            at = block.find(magic)
            if at >= 0:
                faces.append(FaceImage(fmt, block[at:]))
                break
        else:
            raise ChipError(
                "DG2: không tìm thấy ảnh JPEG/JPEG 2000 trong dữ liệu sinh trắc.",
                "DG2: no JPEG/JPEG 2000 image in the biometric data block.",
            )
    if not faces:
        raise ChipError("DG2 không có ảnh khuôn mặt.", "DG2 holds no face image.")
    return faces


def decode_face(face: FaceImage) -> object | None:
    """The face as a BGR numpy array through OpenCV, or None if OpenCV cannot decode it
    (JPEG 2000 needs OpenCV built with OpenJPEG; the pip wheels have it, but not every build)."""
    import cv2
    import numpy as np

    try:
        imagecheck.checked_header(face.data)  # the size from the header, before decoding
    except imagecheck.HeaderError:
        return None
    image = cv2.imdecode(np.frombuffer(face.data, dtype=np.uint8), cv2.IMREAD_COLOR)
    return image if image is not None else None


@dataclass(frozen=True)
class Dg13:
    """Vietnamese optional data, by field number; fields 13 (parents) may hold two names."""

    version: int | None
    fields: dict[int, list[str]]
    raw: dict[int, bytes] = field(default_factory=dict)

    def text(self, number: int) -> str | None:
        values = self.fields.get(number)
        return values[0] if values else None


def _int(item: Tlv) -> int:
    if item.tag != 0x02 or not 0 < len(item.value) <= 4:
        raise TlvError("DG13: số thứ tự trường sai.", "DG13: bad field number.")
    return int.from_bytes(item.value, "big", signed=False)


def _strings(item: Tlv) -> list[str]:
    out: list[str] = []
    for _d, node in walk(item):
        if not node.constructed and node.tag in (0x0C, 0x13, 0x16, 0x1E, 0x1A):
            codec = "utf-16-be" if node.tag == 0x1E else "utf-8"
            try:
                out.append(node.value.decode(codec).strip())
            except UnicodeDecodeError:
                raise TlvError(
                    "DG13: chuỗi không phải UTF-8.", "DG13: a string is not UTF-8."
                ) from None
    return out


def parse_dg13(data: bytes) -> Dg13:
    """``[APPLICATION 13]`` SEQUENCE {version, OID, SET of SEQUENCE {INTEGER n, values...}}.

    Parsed by field number wherever the numbered sequences sit; unknown numbers are kept raw.
    """
    root = _expect(data, 0x6D, "DG13")
    version: int | None = None
    fields: dict[int, list[str]] = {}
    raw: dict[int, bytes] = {}
    seq = root.children()
    if len(seq) == 1 and seq[0].tag == 0x30:
        seq = seq[0].children()
    for item in seq:
        if item.tag == 0x02 and version is None:
            version = _int(item)
        elif item.tag in (0x30, 0x31):
            entries = [item] if _is_numbered(item) else item.children()
            for entry in entries:
                if not _is_numbered(entry):
                    continue
                parts = parse_all(entry.value)
                number = _int(parts[0])
                if number in fields:
                    raise TlvError(
                        f"DG13: trường {number} lặp lại.", f"DG13: field {number} is repeated."
                    )
                fields[number] = [s for p in parts[1:] for s in _strings(p)]
                raw[number] = b"".join(p.value for p in parts[1:])
    if not fields:
        raise ChipError("DG13 không có trường nào.", "DG13 holds no fields.")
    return Dg13(version, fields, raw)


def _is_numbered(item: Tlv) -> bool:
    if item.tag != 0x30:
        return False
    parts = parse_all(item.value)
    return bool(parts) and parts[0].tag == 0x02
