"""Reading files from outside (a USB drive, an export folder) without being fooled by them.

* Only regular files are read: a FIFO would block for ever, a symlink may point at ``/dev/zero``
  or outside the folder. The file is opened with ``O_NOFOLLOW | O_NONBLOCK`` and checked with
  ``fstat`` on the open descriptor, so a file swapped after a check is still caught.
* The size is checked before reading, and at most ``limit + 1`` bytes are read whatever the
  file claims.
* JSON nesting depth is bounded before parsing (a deeply nested document would otherwise
  exhaust the parser's recursion or the memory).
"""

from __future__ import annotations

import json
import os
import stat
from pathlib import Path
from typing import Any

from station.errors import ValidationError

#: Deepest JSON nesting accepted from outside (the formats nest four or five levels).
MAX_JSON_DEPTH = 32


class UnsafeFileError(ValidationError):
    """Not a regular file, too large, or JSON nested too deeply."""

    code = "unsafe_file"


def read_regular(path: Path, limit: int) -> bytes:
    """The bytes of ``path`` if it is a regular file (not a link, FIFO or device) of at most
    ``limit`` bytes; ``FileNotFoundError`` if absent; ``UnsafeFileError`` otherwise."""
    flags = os.O_RDONLY | getattr(os, "O_NOFOLLOW", 0) | getattr(os, "O_NONBLOCK", 0)
    try:
        fd = os.open(path, flags)
    except OSError as exc:
        if isinstance(exc, FileNotFoundError):
            raise
        # ELOOP: a symbolic link (O_NOFOLLOW); anything else: unreadable.
        raise UnsafeFileError(
            f"{path.name}: không phải tệp thường (liên kết, thiết bị hoặc không đọc được).",
            f"{path.name}: not a regular file (a link, a device, or unreadable).",
            field="file",
        ) from None
    try:
        st = os.fstat(fd)
        if not stat.S_ISREG(st.st_mode):
            raise UnsafeFileError(
                f"{path.name}: không phải tệp thường.",
                f"{path.name}: not a regular file.",
                field="file",
            )
        if st.st_size > limit:
            raise UnsafeFileError(
                f"{path.name}: quá lớn ({st.st_size:,} byte, tối đa {limit:,}).",
                f"{path.name}: too large ({st.st_size:,} bytes, at most {limit:,}).",
                field="file",
            )
        chunks: list[bytes] = []
        got = 0
        while got <= limit:
            piece = os.read(fd, min(1 << 20, limit + 1 - got))
            if not piece:
                break
            chunks.append(piece)
            got += len(piece)
        if got > limit:  # grew while being read
            raise UnsafeFileError(
                f"{path.name}: quá lớn (tối đa {limit:,} byte).",
                f"{path.name}: too large (at most {limit:,} bytes).",
                field="file",
            )
        return b"".join(chunks)
    finally:
        os.close(fd)


def regular_size(path: Path) -> int | None:
    """The size of ``path`` if it is a regular file (links not followed), else None."""
    try:
        st = os.lstat(path)
    except OSError:
        return None
    return st.st_size if stat.S_ISREG(st.st_mode) else None


def json_depth(raw: bytes) -> int:
    """The deepest nesting of arrays and objects in a JSON text (strings skipped)."""
    depth = deepest = 0
    in_string = escaped = False
    for byte in raw:
        if in_string:
            if escaped:
                escaped = False
            elif byte == 0x5C:  # backslash
                escaped = True
            elif byte == 0x22:  # quote
                in_string = False
        elif byte == 0x22:
            in_string = True
        elif byte in (0x5B, 0x7B):  # [ {
            depth += 1
            deepest = max(deepest, depth)
        elif byte in (0x5D, 0x7D):
            depth -= 1
    return deepest


def loads_bounded(raw: bytes, max_depth: int = MAX_JSON_DEPTH) -> Any:
    """``json.loads`` of UTF-8 ``raw``, refusing nesting deeper than ``max_depth``."""
    if json_depth(raw) > max_depth:
        raise UnsafeFileError(
            f"JSON lồng quá sâu (tối đa {max_depth} mức).",
            f"JSON nested too deeply (at most {max_depth} levels).",
            field="file",
        )
    try:
        return json.loads(raw.decode("utf-8"))
    except (ValueError, RecursionError) as exc:
        raise UnsafeFileError("JSON không hợp lệ.", "Invalid JSON.", field="file") from exc
