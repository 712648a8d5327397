"""A small strict BER-TLV parser (ISO/IEC 7816-4, X.690 definite lengths only).

Input from a chip is untrusted: every length is checked against the data, indefinite lengths and
lengths over 16 MiB are refused, nesting is bounded. Errors are :class:`TlvError`, never
IndexError or RecursionError.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass

from station.chip import TlvError

MAX_LENGTH = 16 * 1024 * 1024
MAX_DEPTH = 32


@dataclass(frozen=True)
class Tlv:
    tag: int  # the tag bytes as one integer, e.g. 0x5F1F
    value: bytes
    constructed: bool

    def children(self, depth: int = 0) -> list[Tlv]:
        if not self.constructed:
            raise _err(
                f"thẻ {self.tag:X} không phải cấu trúc lồng.",
                f"tag {self.tag:X} is not constructed.",
            )
        return parse_all(self.value, depth + 1)

    def find(self, tag: int) -> Tlv | None:
        """The first direct child with ``tag``."""
        for child in self.children():
            if child.tag == tag:
                return child
        return None

    def require(self, tag: int) -> Tlv:
        child = self.find(tag)
        if child is None:
            raise _err(
                f"thiếu thẻ {tag:X} trong {self.tag:X}.", f"tag {tag:X} missing in {self.tag:X}."
            )
        return child


def _err(vi: str, en: str) -> TlvError:
    return TlvError(f"Dữ liệu chip sai cấu trúc: {vi}", f"Malformed chip data: {en}", field="chip")


def read_header(data: bytes, offset: int = 0) -> tuple[int, bool, int, int]:
    """(tag, constructed, value length, header length) of the TLV at ``offset``.

    Needs only the header bytes, so the length of a file is known from its first bytes.
    """
    n = len(data)
    pos = offset
    if pos >= n:
        raise _err("hết dữ liệu khi đọc thẻ.", "data ends before a tag.")
    first = data[pos]
    pos += 1
    tag = first
    if first & 0x1F == 0x1F:
        for _ in range(4):
            if pos >= n:
                raise _err("thẻ nhiều byte bị cắt.", "a multi-byte tag is cut off.")
            b = data[pos]
            pos += 1
            tag = (tag << 8) | b
            if not b & 0x80:
                break
        else:
            raise _err("thẻ quá dài.", "a tag is too long.")
    if pos >= n:
        raise _err(f"thẻ {tag:X} thiếu độ dài.", f"tag {tag:X} has no length.")
    lb = data[pos]
    pos += 1
    if lb < 0x80:
        length = lb
    elif lb == 0x80:
        raise _err("độ dài không xác định không được chấp nhận.", "indefinite length refused.")
    else:
        count = lb & 0x7F
        if count > 4 or pos + count > n:
            raise _err(f"độ dài của thẻ {tag:X} sai.", f"bad length bytes for tag {tag:X}.")
        length = int.from_bytes(data[pos : pos + count], "big")
        pos += count
    if length > MAX_LENGTH:
        raise _err(f"độ dài {length} quá lớn.", f"length {length} is too large.")
    return tag, bool(first & 0x20), length, pos - offset


def parse_one(data: bytes, offset: int = 0) -> tuple[Tlv, int]:
    """The TLV at ``offset`` and the offset after it."""
    tag, constructed, length, hlen = read_header(data, offset)
    start = offset + hlen
    end = start + length
    if end > len(data):
        raise _err(
            f"thẻ {tag:X} khai báo {length} byte nhưng chỉ còn {len(data) - start}.",
            f"tag {tag:X} declares {length} bytes but only {len(data) - start} remain.",
        )
    return Tlv(tag, bytes(data[start:end]), constructed), end


def iter_tlv(data: bytes) -> Iterator[Tlv]:
    pos = 0
    while pos < len(data):
        item, pos = parse_one(data, pos)
        yield item


def parse_all(data: bytes, depth: int = 0) -> list[Tlv]:
    """Every TLV in ``data`` (which must be used up exactly)."""
    if depth > MAX_DEPTH:
        raise _err("lồng quá sâu.", "nested too deeply.")
    return list(iter_tlv(data))


def parse_single(data: bytes) -> Tlv:
    """Exactly one TLV filling ``data``."""
    item, end = parse_one(data)
    if end != len(data):
        raise _err(
            f"còn {len(data) - end} byte thừa sau thẻ {item.tag:X}.",
            f"{len(data) - end} stray bytes after tag {item.tag:X}.",
        )
    return item


def walk(item: Tlv, depth: int = 0) -> Iterator[tuple[int, Tlv]]:
    """Depth-first (depth, node) over a tree, bounded in depth."""
    if depth > MAX_DEPTH:
        raise _err("lồng quá sâu.", "nested too deeply.")
    yield depth, item
    if item.constructed:
        for child in parse_all(item.value, depth + 1):
            yield from walk(child, depth + 1)


def encode_length(n: int) -> bytes:
    if n < 0x80:
        return bytes([n])
    raw = n.to_bytes((n.bit_length() + 7) // 8, "big")
    return bytes([0x80 | len(raw)]) + raw


def encode(tag: int, value: bytes) -> bytes:
    tb = tag.to_bytes(max(1, (tag.bit_length() + 7) // 8), "big")
    return tb + encode_length(len(value)) + value
