"""Reading a supporting paper from a file without trusting its size.

:func:`documents.decode` refuses a file over ``MAX_FILE_BYTES`` once it is in memory; a file
picked from a USB stick can be several gigabytes, which must be refused before it is read on a
laptop with little memory. This reads the file only when its size allows it.
"""

from __future__ import annotations

from pathlib import Path

from station.capture.documents import MAX_FILE_BYTES
from station.errors import ValidationError


def read_document_file(path: Path) -> bytes:
    """The bytes of ``path``; ValidationError when it is too large, empty or unreadable."""
    try:
        size = path.stat().st_size
        if size > MAX_FILE_BYTES:
            mb = size // (1024 * 1024)
            raise ValidationError(
                f"Giấy tờ: tệp quá lớn ({mb} MB, tối đa {MAX_FILE_BYTES // (1024 * 1024)} MB).",
                f"Document: the file is too large ({mb} MB, at most "
                f"{MAX_FILE_BYTES // (1024 * 1024)} MB).",
                field="document",
            )
        with path.open("rb") as fh:
            data = fh.read(MAX_FILE_BYTES + 1)  # a file that grew meanwhile is still bounded
    except OSError as exc:
        raise ValidationError(
            f"Giấy tờ: không mở được tệp ({exc.strerror or exc}).",
            f"Document: cannot open the file ({exc.strerror or exc}).",
            field="document",
        ) from None
    if not data:
        raise ValidationError(
            "Giấy tờ: tệp trống.", "Document: the file is empty.", field="document"
        )
    return data
