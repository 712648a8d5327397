"""The standing fuzz harness: every entry point that takes outside input, fed with generated and
mutated input. Nothing may end in anything but the entry point's own clear refusal (a
``StationError`` with both texts, or the documented False / report), a hang, or memory beyond the
bound below.

CI runs it derandomised (the ``ci`` Hypothesis profile in ``tests/conftest.py``: a red run
replays exactly) within about 40 s on two cores; ``make fuzz-long`` runs the same tests with the
``long`` profile: random seeds, many more examples.
"""

from __future__ import annotations

import io
import json
import os
import resource
import struct
import zlib
from datetime import date
from pathlib import Path
from typing import Any

import cv2
import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from PIL import Image as PilImage

from station import dossier, form, imagecheck, packet, qr, receipts, residents, textcheck
from station.capture import documents, face
from station.errors import StationError
from station.masterdata import load as load_masterdata

pytestmark = pytest.mark.fuzz

#: Peak resident memory the whole harness may reach (the bomb-sized inputs are refused from the
#: header, so nothing here should allocate more than a few tens of MB).
MAX_RSS_MB = 1500
TODAY = date(2026, 12, 3)
#: The long run (``make fuzz-long``) multiplies every budget; CI keeps the derandomised one.
SCALE = 1 if os.environ.get("HYPOTHESIS_PROFILE", "ci") == "ci" else 25
FAST = settings(
    max_examples=120 * SCALE,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture],
)
MEDIUM = settings(
    max_examples=50 * SCALE,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture],
)


def mutate(data: bytes, flips: list[tuple[int, int]], cut: int, junk: bytes) -> bytes:
    """``data`` with bytes overwritten, maybe cut short or grown: the shapes of damage seen."""
    out = bytearray(data)
    for pos, value in flips:
        if out:
            out[pos % len(out)] = value
    if cut:
        out = out[: max(0, len(out) - cut * max(1, len(out) // 16))]
    return bytes(out) + junk


FLIPS = st.lists(st.tuples(st.integers(0, 1 << 20), st.integers(0, 255)), max_size=6)
CUT = st.integers(0, 16)
JUNK = st.binary(max_size=32)


def _png(w: int = 40, h: int = 30) -> bytes:
    return bytes(cv2.imencode(".png", np.full((h, w), 90, np.uint8))[1])


def _jpeg() -> bytes:
    img = np.zeros((120, 96, 3), np.uint8)
    cv2.circle(img, (48, 60), 30, (60, 120, 200), -1)
    return bytes(cv2.imencode(".jpg", img)[1])


def _pdf() -> bytes:
    buf = io.BytesIO()
    PilImage.fromarray(np.full((80, 60, 3), 200, np.uint8)).save(buf, "PDF", resolution=72)
    return buf.getvalue()


def _huge_png_header(w: int, h: int) -> bytes:
    def chunk(kind: bytes, body: bytes) -> bytes:
        return (
            struct.pack(">I", len(body)) + kind + body + struct.pack(">I", zlib.crc32(kind + body))
        )

    ihdr = struct.pack(">IIBBBBB", w, h, 8, 0, 0, 0, 0)
    idat = zlib.compress(b"\0" * 1024)
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", ihdr) + chunk(b"IDAT", idat) + chunk(b"IEND", b"")


SEEDS = {"png": _png(), "jpeg": _jpeg(), "pdf": _pdf()}


# --- QR text and images ---------------------------------------------------------------------

QR_FIELD = st.text(st.characters(codec="utf-8"), max_size=40) | st.from_regex(
    r"\d{0,13}", fullmatch=True
)


@FAST
@given(st.text(max_size=300) | st.lists(QR_FIELD, max_size=9).map("|".join))
def test_fuzz_qr_text(text: str) -> None:
    try:
        card = qr.parse(text, TODAY)
    except StationError as err:
        assert err.vi and err.en
        return
    assert card is not None


@MEDIUM
@given(st.sampled_from(["png", "jpeg", "pdf"]), FLIPS, CUT, JUNK)
def test_fuzz_images_and_pdfs(
    kind: str, flips: list[tuple[int, int]], cut: int, junk: bytes
) -> None:
    data = mutate(SEEDS[kind], flips, cut, junk)
    for call in (documents.decode, qr.decode_image, face.load_image):
        try:
            call(data)
        except StationError as err:
            assert err.vi and err.en and err.field
    try:
        imagecheck.checked_header(data)
    except imagecheck.HeaderError as err:
        assert err.vi and err.en


@FAST
@given(st.integers(1, 1 << 31), st.integers(1, 1 << 31))
def test_fuzz_declared_sizes_refused_from_the_header(w: int, h: int) -> None:
    data = _huge_png_header(w, h)
    try:
        head = imagecheck.checked_header(data)
    except imagecheck.HeaderError as err:
        assert err.too_large or "damaged" in err.en
        return
    assert head.pixels <= imagecheck.MAX_PIXELS


# --- resident lists and form fields ---------------------------------------------------------

CSV_CHARS = st.characters(codec="utf-8") | st.sampled_from(list(',;\t"\n\r\x00\x1b\u202eĐạ'))


@FAST
@given(
    st.lists(st.text(CSV_CHARS, max_size=60), max_size=12),
    st.sampled_from(["utf-8", "utf-8-sig", "utf-16", "cp1258", "cp1252", "latin-1"]),
)
def test_fuzz_csv_lists(lines: list[str], encoding: str) -> None:
    text = "so_dinh_danh,ho_ten,ngay_sinh,gioi_tinh,dia_chi\n" + "\n".join(lines)
    data = text.encode(encoding, "replace")
    try:
        pre = residents.preview(data, "fuzz.csv", TODAY)
    except StationError as err:
        assert err.vi and err.en and err.field
        return
    assert pre.good + pre.rejected == pre.rows


FORM_VALUES = st.recursive(
    st.none() | st.booleans() | st.integers() | st.text(max_size=40),
    lambda inner: (
        st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=12), inner, max_size=4)
    ),
    max_leaves=12,
)


@FAST
@given(
    st.dictionaries(
        st.sampled_from(sorted(form.LABELS)) | st.text(max_size=10), FORM_VALUES, max_size=8
    )
)
def test_fuzz_form_fields(raw: dict[str, Any]) -> None:
    md = load_masterdata()
    try:
        cleaned = form.normalize(textcheck.clean_tree(raw))
        text = dossier.form_json(cleaned)
    except StationError as err:
        assert err.vi and err.en and err.field
        return
    text.encode("utf-8")  # whatever passed the checks can be stored
    for case in dossier.CaseType:
        form.problems(cleaned, case, md, TODAY)


# --- packets, receipts, USB folders ---------------------------------------------------------


@pytest.fixture(scope="module")
def sealed() -> tuple[bytes, Any, bytes]:
    from station import crypto
    from tests.sync.conftest import make_station, seal_packet

    receiver_key = crypto.HpkePrivateKey.generate()
    station = make_station()
    p = seal_packet(station, receiver_key.public_key(), size=4000)
    return p.data, receiver_key, station.public_key


@MEDIUM
@given(FLIPS, CUT, JUNK)
def test_fuzz_packets(
    sealed: tuple[bytes, Any, bytes], flips: list[tuple[int, int]], cut: int, junk: bytes
) -> None:
    data, key, station_public = sealed
    mutated = mutate(data, flips, cut, junk)
    try:
        packet.open_packet(mutated, receiver_key=key, station_public_key=station_public)
    except StationError as err:
        assert err.vi and err.en
    try:
        packet.read_header(mutated)
    except StationError as err:
        assert err.vi and err.en


JSON = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(max_size=30),
    lambda inner: (
        st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=10), inner, max_size=4)
    ),
    max_leaves=15,
)


@FAST
@given(JSON | st.fixed_dictionaries({"receipt": JSON, "signature": JSON}))
def test_fuzz_receipts(value: Any) -> None:
    assert receipts.verify(value, [b"\x01" * 32], "p" * 32, "0" * 64, "station") is False


@pytest.fixture(scope="module")
def usb_receiver(tmp_path_factory: pytest.TempPathFactory) -> Any:
    from sync.receiver.core import Receiver
    from sync.receiver.keys import load_keys
    from sync.receiver.store import ReceiverStore
    from tests.sync.conftest import current_public, make_station, seal_packet

    keys = load_keys([_receiver_keys(tmp_path_factory)])
    r = Receiver(ReceiverStore(tmp_path_factory.mktemp("usb-data")), keys)
    station = make_station()
    r.register_station(station.registration())
    good = seal_packet(station, current_public(keys), size=2000)
    yield r, good.data
    r.store.close()


@MEDIUM
@given(
    st.one_of(st.binary(max_size=200), JSON.map(lambda v: json.dumps(v).encode())),
    st.binary(max_size=100),
    st.lists(st.text("0123456789abcdef", min_size=1, max_size=40), max_size=3),
)
def test_fuzz_receiver_usb_folder(
    tmp_path_factory: pytest.TempPathFactory,
    usb_receiver: Any,
    manifest: bytes,
    signature: bytes,
    names: list[str],
) -> None:
    from sync.receiver.usb import MANIFEST, MANIFEST_SIG, import_usb

    receiver, data = usb_receiver
    root = tmp_path_factory.mktemp("usb")
    folder = root / "export"
    folder.mkdir()
    (folder / MANIFEST).write_bytes(manifest)
    (folder / MANIFEST_SIG).write_bytes(signature)
    for name in names:
        (folder / f"{name}.ipkt").write_bytes(data[: len(name) * 50])
    report = import_usb(receiver, folder, root / "receipts")
    assert report.manifest != "ok" or report.station_id is not None
    assert report.manifest == "ok" or (report.manifest_vi and report.manifest_en)


_KEYS: dict[str, Path] = {}


def _receiver_keys(factory: pytest.TempPathFactory) -> Path:
    if "path" not in _KEYS:
        from station.provisioning import generate_receiver_keyset

        _KEYS["path"] = generate_receiver_keyset(factory.mktemp("rk"))["receiver_keys"]
    return _KEYS["path"]


# --- every receiver request -----------------------------------------------------------------


@pytest.fixture(scope="module")
def receiver_app(tmp_path_factory: pytest.TempPathFactory) -> Any:
    from starlette.testclient import TestClient

    from sync.receiver.app import create_app
    from sync.receiver.core import Receiver
    from sync.receiver.keys import load_keys
    from sync.receiver.store import ReceiverStore
    from tests.sync.conftest import StationClient, make_station

    keys = load_keys([_receiver_keys(tmp_path_factory)])
    r = Receiver(ReceiverStore(tmp_path_factory.mktemp("recv")), keys)
    station = make_station()
    r.register_station(station.registration())
    client = StationClient("http://testserver", station)
    client.http.close()
    client.http = TestClient(create_app(r), raise_server_exceptions=False)
    yield client
    client.http.close()
    r.store.close()


REQUESTS = st.tuples(
    st.sampled_from(["GET", "HEAD", "POST", "PATCH", "OPTIONS", "PUT", "DELETE"]),
    st.sampled_from(
        ["/v1/health", "/v1/uploads", "/v1/status", "/v1/uploads/{id}", "/v1/receipts/{id}"]
    ),
    st.text("0123456789abcdef-", max_size=70),
    st.one_of(st.binary(max_size=300), JSON.map(lambda v: json.dumps(v).encode())),
    st.dictionaries(
        st.sampled_from(["Upload-Offset", "Content-Type", "Tus-Resumable", "Upload-Length"]),
        st.text(st.characters(min_codepoint=32, max_codepoint=126), max_size=20),
        max_size=3,
    ),
    st.booleans(),
)


@MEDIUM
@given(REQUESTS)
def test_fuzz_receiver_requests(receiver_app: Any, req: tuple[Any, ...]) -> None:
    method, path, ident, body, headers, signed = req
    path = path.replace("{id}", ident or "x")
    if signed:
        r = receiver_app.request(method, path, body, headers)
    else:
        r = receiver_app.http.request(method, path, content=body, headers=headers)
    assert r.status_code < 500, (method, path, r.status_code, r.text[:200])


def test_memory_stayed_bounded() -> None:
    peak_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    assert peak_mb < MAX_RSS_MB, f"peak resident memory {peak_mb:.0f} MB"


@MEDIUM
@given(
    st.lists(
        st.tuples(
            st.text("0123456789abcdef", min_size=1, max_size=40),
            st.one_of(st.binary(max_size=200), JSON.map(lambda v: json.dumps(v).encode())),
        ),
        max_size=4,
    )
)
def test_fuzz_station_receipt_folder(
    staffed: Any, tmp_path_factory: pytest.TempPathFactory, files: list[tuple[str, bytes]]
) -> None:
    from sync.usb import import_receipts

    folder = tmp_path_factory.mktemp("receipts")
    for name, body in files:
        (folder / f"{name}.json").write_bytes(body)
    report = import_receipts(staffed, folder)  # the admin: the matrix allows it
    assert not report.accepted


def test_damaged_pdf_page_is_a_clear_refusal() -> None:
    """Found by the long run: one byte of a page object changed made PDFium fail the page."""
    data = mutate(SEEDS["pdf"], [(116, 1)], 0, b"")
    try:
        documents.decode(data)
    except StationError as err:
        assert err.field == "document" and err.vi and err.en


# --- iris records (SBI iris cameras) and stored iris images -------------------------------------


def _iris_seeds() -> dict[str, bytes]:
    from station.devices.iris import Eye
    from tests.sbi_bio_server import iso_iris_record

    eye = np.full((160, 200), 200, np.uint8)
    cv2.circle(eye, (100, 80), 50, 100, -1)
    cv2.circle(eye, (100, 80), 18, 20, -1)
    return {
        "iso_png": iso_iris_record(eye, Eye.LEFT, "png"),
        "iso_raw": iso_iris_record(eye, Eye.RIGHT, "raw"),
        "png": bytes(cv2.imencode(".png", eye)[1]),
    }


IRIS_SEEDS = _iris_seeds()


@MEDIUM
@given(st.sampled_from(sorted(IRIS_SEEDS)), FLIPS, CUT, JUNK)
def test_fuzz_iris_records_and_images(
    kind: str, flips: list[tuple[int, int]], cut: int, junk: bytes
) -> None:
    from station.capture import biogate
    from station.capture.gate import GateSettings
    from station.devices.sbi_bio import decode_iris_record

    data = mutate(IRIS_SEEDS[kind], flips, cut, junk)
    try:
        decode_iris_record(data)
    except StationError as err:
        assert err.vi and err.en
    verdict = biogate.judge_iris("image/png", data, GateSettings())
    assert isinstance(verdict["decodes"], bool)


# --- signed captures from SBI devices (station/devices/sbitrust.py) ------------------------------


def _signed_capture() -> bytes:
    from tests.sbi_server import b64url, sign_jwt

    ident = sign_jwt({"serialNo": "S1", "make": "M", "model": "X"})
    payload = {"digitalId": ident, "bioValue": b64url(b"FIR\x00"), "transactionId": "tx"}
    return sign_jwt(payload).encode("ascii")


SIGNED_CAPTURE = _signed_capture()


@MEDIUM
@given(FLIPS, CUT, JUNK)
def test_fuzz_sbi_signed_captures(flips: list[tuple[int, int]], cut: int, junk: bytes) -> None:
    """A damaged device JWS is a TrustError, or (unchanged bytes) verified: nothing else."""
    from station.devices.sbitrust import TrustError
    from tests.sbi_server import station_trust

    token = mutate(SIGNED_CAPTURE, flips, cut, junk).decode("latin-1")
    try:
        att = station_trust().check_capture(token, transaction_id="tx", serials=["S1"])
    except TrustError as err:
        assert err.reason
    else:
        assert att.verified and att.serial_no == "S1"
