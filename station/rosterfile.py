"""Reading a resident-list file: its encoding, its header and its rows, strictly.

A list is never imported in part by accident. What makes the file itself unreadable stops the
whole import, nothing stored, with a message naming the file, the line and the field:

- a record that runs over more than one line (the fields of a list are one line each, so this is
  a quote that never closes: the rows after it would vanish into one cell);
- a cell over :data:`MAX_CELL_CHARS` characters (the same mistake, or not a list at all);
- two columns that mean the same thing (``Họ tên`` and ``full_name``): which one wins would be
  a guess;
- no ``full_name`` column, an empty file.

A row with more cells than the header (an address with an unquoted comma) is rejected as a row,
with its line, and the others go on.

Encodings (:func:`decode`), tried in this order: a byte-order mark (UTF-8, UTF-16 LE/BE); UTF-8;
UTF-16 without a mark (recognised by its zero bytes); then the Windows code pages office software
writes, **cp1258** (Vietnamese) when the text decodes to Vietnamese letters or tone marks, else
**cp1252** (Western European, which is also what Latin-1 files decode as). The text is NFC
afterwards (cp1258 writes tones as combining marks). The 1990s font encodings TCVN3 (ABC) and VNI
cannot be told apart from cp1252 by their bytes: such a file imports with wrong letters, which the
preview shows (names refused as not Latin script or odd): convert it to Unicode first (UniKey's
converter does it).
"""

from __future__ import annotations

import csv
import io
import unicodedata
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from station.errors import ValidationError

MAX_CELL_CHARS = 2000
_VIETNAMESE = frozenset("ăâđêôơưĂÂĐÊÔƠƯ\u0300\u0301\u0303\u0309\u0323")


def _fatal(source: str, line: int | None, field: str, vi: str, en: str) -> ValidationError:
    where_vi = f"«{source}»" + (f", dòng {line}" if line else "")
    where_en = f"'{source}'" + (f", line {line}" if line else "")
    col = f", cột «{field}»" if field != "file" else ""
    col_en = f", column '{field}'" if field != "file" else ""
    return ValidationError(
        f"Tệp danh sách {where_vi}{col}: {vi} Không nhập gì từ tệp này.",
        f"List file {where_en}{col_en}: {en} Nothing was imported from it.",
        field=field if field != "file" else "file",
        code="list_file_unreadable",
    )


def decode(data: bytes, source: str = "list") -> tuple[str, str]:
    """The file's text and the name of the encoding it was read in."""
    if data.startswith(b"\xef\xbb\xbf"):
        return _nfc(data[3:].decode("utf-8", "strict"), source, "utf-8"), "utf-8 (BOM)"
    for bom, codec in ((b"\xff\xfe", "utf-16-le"), (b"\xfe\xff", "utf-16-be")):
        if data.startswith(bom):
            return _strict(data[2:], codec, source), f"{codec} (BOM)"
    try:
        return unicodedata.normalize("NFC", data.decode("utf-8")), "utf-8"
    except UnicodeDecodeError:
        pass
    sample = data[:4096]
    if len(sample) >= 4 and sample.count(0) * 3 >= len(sample):
        codec = "utf-16-le" if sample[1::2].count(0) > sample[0::2].count(0) else "utf-16-be"
        return _strict(data, codec, source), codec
    try:
        text = data.decode("cp1258")
    except UnicodeDecodeError:
        text = ""
    if text and any(ch in _VIETNAMESE for ch in text):
        return unicodedata.normalize("NFC", text), "cp1258"
    try:
        return unicodedata.normalize("NFC", data.decode("cp1252")), "cp1252"
    except UnicodeDecodeError:
        return unicodedata.normalize("NFC", data.decode("latin-1")), "latin-1"


def _strict(data: bytes, codec: str, source: str) -> str:
    try:
        return unicodedata.normalize("NFC", data.decode(codec))
    except UnicodeDecodeError as exc:
        raise _fatal(
            source,
            None,
            "file",
            f"không đọc được theo mã {codec} (byte {exc.start}).",
            f"cannot be read as {codec} (byte {exc.start}).",
        ) from None


def _nfc(text: str, source: str, codec: str) -> str:
    return unicodedata.normalize("NFC", text)


@dataclass(frozen=True)
class Layout:
    """What the header says: which column is which, and how the file is delimited."""

    columns: dict[int, str]  # column index -> canonical name
    width: int  # cells in the header
    dialect: Any


def read_header(
    text: str, headers: dict[str, tuple[str, ...]], fold: Any, source: str
) -> tuple[Layout, Any]:
    """The layout and a reader positioned after the header line."""
    sample = text[:4096]
    try:
        dialect: Any = csv.Sniffer().sniff(sample, delimiters=",;\t")
    except csv.Error:
        dialect = csv.excel
    reader = csv.reader(io.StringIO(text, newline=""), dialect, strict=False)
    header = _next(reader, source)
    if not header or not any(cell.strip() for cell in header):
        raise _fatal(source, None, "file", "trống.", "empty.")
    columns: dict[int, str] = {}
    seen: dict[str, str] = {}
    for i, name in enumerate(header):
        key = fold(name).replace("_", " ").strip()
        for canonical, aliases in headers.items():
            if key in {a.replace("_", " ") for a in aliases}:
                if canonical in seen:
                    raise _fatal(
                        source,
                        1,
                        canonical,
                        f"hai cột cùng nghĩa «{seen[canonical]}» và «{name}»; giữ lại một.",
                        f"two columns mean the same: '{seen[canonical]}' and '{name}'; keep one.",
                    )
                seen[canonical] = name
                columns[i] = canonical
    if "full_name" not in columns.values():
        raise _fatal(
            source,
            1,
            "file",
            "thiếu cột «Họ tên» (full_name).",
            "the 'full_name' column is missing.",
        )
    return Layout(columns, len(header), dialect), reader


def _next(reader: Any, source: str) -> list[str] | None:
    """The next record (the caller has lifted the cell-size limit, so that a long cell is named
    by us with its column, not by the csv module)."""
    start = reader.line_num + 1
    try:
        return next(reader, None)
    except csv.Error as exc:
        raise _fatal(
            source,
            start,
            "file",
            f"không đọc được ({exc}).",
            f"cannot be read ({exc}).",
        ) from None


@dataclass(frozen=True)
class RowShape:
    """A row whose cell count does not fit the header: rejected with this line and reason."""

    line: int
    cells: int
    width: int


def rows(
    text: str,
    headers: dict[str, tuple[str, ...]],
    fold: Any,
    source: str = "list",
) -> Iterator[tuple[int, dict[str, str] | RowShape]]:
    """``(line, cells by canonical column)`` for each non-empty record; fatal errors raised."""
    old_limit = csv.field_size_limit(1 << 30)
    try:
        yield from _rows(text, headers, fold, source)
    finally:
        csv.field_size_limit(old_limit)


def _rows(
    text: str,
    headers: dict[str, tuple[str, ...]],
    fold: Any,
    source: str,
) -> Iterator[tuple[int, dict[str, str] | RowShape]]:
    layout, reader = read_header(text, headers, fold, source)
    names = {i: layout.columns.get(i, f"#{i + 1}") for i in range(layout.width)}
    while True:
        start = reader.line_num + 1
        row = _next(reader, source)
        if row is None:
            return
        joined = "".join(row)
        suspicious = "\n" in joined or "\r" in joined or len(joined) > MAX_CELL_CHARS
        for i, cell in enumerate(row if suspicious else ()):
            name = names.get(i, f"#{i + 1}")
            if "\n" in cell or "\r" in cell:
                raise _fatal(
                    source,
                    start,
                    name,
                    "dấu ngoặc kép mở mà không đóng trên cùng dòng; các dòng sau sẽ bị nuốt "
                    "vào ô này. Sửa dấu ngoặc kép rồi nhập lại.",
                    "a quote opens and does not close on the same line; the lines after it "
                    "would be swallowed into this cell. Fix the quote and import again.",
                )
            if len(cell) > MAX_CELL_CHARS:
                raise _fatal(
                    source,
                    start,
                    name,
                    f"ô dài {len(cell)} ký tự (tối đa {MAX_CELL_CHARS}).",
                    f"the cell is {len(cell)} characters long (at most {MAX_CELL_CHARS}).",
                )
        if not any(cell.strip() for cell in row):
            continue
        if len(row) > layout.width and any(c.strip() for c in row[layout.width :]):
            yield start, RowShape(start, len(row), layout.width)
            continue
        yield start, {layout.columns[i]: cell for i, cell in enumerate(row) if i in layout.columns}
