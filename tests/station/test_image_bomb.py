"""Hostile images: every decoder refuses a decompression bomb from the header, and truncated
JPEGs are refused."""

from __future__ import annotations

import struct
import time
import zlib

import cv2
import numpy as np
import pytest

from station import imagecheck, qr
from station.capture import documents, face
from station.chip.lds import FaceImage, decode_face
from station.devices.sbi import decode_finger_image as decode_fingerprint
from station.errors import ValidationError
from station.service import StationService
from tests.conftest import OP_PW, FakeClock, valid_form


def bomb_png(side: int = 30000) -> bytes:
    """A small PNG declaring ``side`` x ``side`` grey pixels (all zero rows, deflated)."""

    def chunk(kind: bytes, body: bytes) -> bytes:
        return (
            struct.pack(">I", len(body)) + kind + body + struct.pack(">I", zlib.crc32(kind + body))
        )

    comp = zlib.compressobj(9)
    raw = bytearray()
    row = b"\x00" * (side + 1)
    for _ in range(side):
        raw += comp.compress(row)
    raw += comp.flush()
    ihdr = struct.pack(">IIBBBBB", side, side, 8, 0, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", ihdr)
        + chunk(b"IDAT", bytes(raw))
        + chunk(b"IEND", b"")
    )


@pytest.fixture(scope="module")
def bomb() -> bytes:
    return bomb_png()


def test_every_decoder_refuses_the_bomb_from_the_header(bomb: bytes) -> None:
    for call in (
        lambda: documents.decode(bomb),
        lambda: qr.decode_image(bomb),
        lambda: face.load_image(bomb),
        lambda: decode_fingerprint(bomb),
    ):
        start = time.perf_counter()
        with pytest.raises(ValidationError) as err:
            call()
        assert time.perf_counter() - start < 1.0  # the header is read, nothing is decoded
        assert "30000 x 30000" in err.value.en and "30000 x 30000" in err.value.vi
    assert decode_face(FaceImage("jpeg", bomb)) is None


def _jpeg() -> bytes:
    img = np.full((480, 360, 3), 128, np.uint8)
    cv2.circle(img, (180, 200), 90, (40, 80, 200), -1)
    return bytes(cv2.imencode(".jpg", img)[1])


def test_truncated_and_fake_jpegs_refused(staffed: StationService, clock: FakeClock) -> None:
    good = _jpeg()
    assert imagecheck.checked_header(good).format == "jpeg"
    for bad in (good[: len(good) // 2], b"\xff\xd8" + b"\x00" * 102, good[:-2]):
        with pytest.raises(imagecheck.HeaderError):
            imagecheck.checked_header(bad)
    op = StationService(staffed.paths, clock)
    op.login("op1", OP_PW)
    d = op.create_dossier("first_issue", valid_form())
    for bad in (good[: len(good) // 2], b"\xff\xd8" + b"\x00" * 102):
        with pytest.raises(ValidationError) as err:
            op.save_face(d.id, bad, {})
        assert err.value.field == "face"
    op.save_face(d.id, good, {})
    op.close()
