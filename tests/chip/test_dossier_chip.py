"""The chip read through pcscd + vpcd as the station uses it: the CSCA store imported through
the command line, the verdict stored with the dossier and deciding approval, and the verdict and
the chip's face inside the opened packet."""

from __future__ import annotations

import io
import json
from collections.abc import Iterator
from pathlib import Path

import pytest

from station import packet, provisioning
from station.chip import pa
from station.chip.record import ChipRead
from station.cli import main
from station.devices.cardreader import CardReader
from station.errors import PermissionDeniedError, ValidationError
from station.service import StationService
from tests.chip.conftest import READER
from tests.chip.vcard import (
    Person,
    Pki,
    VirtualCard,
    VpcdCard,
    build_card,
    build_master_list,
    make_foreign_pki,
    make_master_list_signer,
)
from tests.conftest import ADMIN_PW, OP_PW, SUP_PW, FakeClock, capture_all, login, valid_form


def live_face() -> bytes:
    """The chip's person photographed again: the whole astronaut picture, not the chip's crop."""
    import cv2
    from skimage import data

    bgr = cv2.cvtColor(data.astronaut(), cv2.COLOR_RGB2BGR)
    return bytes(cv2.imencode(".jpg", cv2.resize(bgr, (384, 384)))[1].tobytes())


def run_cli(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str], data: Path, *args: str
) -> tuple[int, str]:
    monkeypatch.setattr("sys.stdin", io.StringIO(ADMIN_PW + "\n"))
    code = main(["--data-dir", str(data), "--password-stdin", *args])
    out = capsys.readouterr()
    return code, out.out + out.err


@pytest.fixture
def reader(pcscd: None) -> Iterator[CardReader]:
    r = CardReader(READER)
    assert r.wait_for_removal(5), "a previous card is still on the reader"
    yield r
    r.close()


@pytest.fixture
def op(staffed: StationService, clock: FakeClock) -> Iterator[StationService]:
    svc = login(staffed.paths, clock, "op1", OP_PW)
    yield svc
    svc.close()


def read_card(
    op: StationService, reader: CardReader, person: Person, pki: Pki, jpeg: bytes, **kw: int
) -> ChipRead:
    slot = VpcdCard(VirtualCard(build_card(person, pki, jpeg, **kw), person.access_key()))
    assert reader.wait_for_removal(5), "a previous card is still on the reader"
    slot.insert()
    try:
        assert reader.wait_for_card(5)
        reader.connect()
        return op.prefill_from_chip(
            reader.transmit, person.id_number, person.dob_text, person.expiry_text
        )
    finally:
        reader.disconnect()
        slot.remove()


def import_csca(
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
    staffed: StationService,
    tmp_path: Path,
    pki: Pki,
) -> None:
    path = tmp_path / "csca.pem"
    path.write_bytes(pki.csca_pem())
    code, out = run_cli(monkeypatch, capsys, staffed.paths.root, "csca", "import", str(path),
                        "--as", "admin")  # fmt: skip
    assert code == 0, out


def test_genuine_card_with_its_csca_ok_prefilled_and_sealed_with_the_packet(
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
    tmp_path: Path,
    staffed: StationService,
    op: StationService,
    reader: CardReader,
    pki: Pki,
    jpeg: bytes,
    keyset: dict[str, Path],
    clock: FakeClock,
) -> None:
    import_csca(monkeypatch, capsys, staffed, tmp_path, pki)
    code, out = run_cli(monkeypatch, capsys, staffed.paths.root, "csca", "list", "--as", "admin")
    assert code == 0 and "CN=TEST CSCA VN" in out and pa.fingerprint(pki.csca) in out
    person = Person()
    read = read_card(op, reader, person, pki, jpeg)
    assert read.status == pa.OK, read.verdict
    assert read.prefill.values["full_name"] == "Nguyễn Văn An"
    assert read.doc["passive"]["csca"]["sha256"] == pa.fingerprint(pki.csca)
    d = op.create_dossier("first_issue", form=valid_form(), chip=read)
    verdict = op.chip_verdict(d.id)
    assert verdict is not None and verdict["status"] == "ok"
    assert verdict["passive"]["chain"] == "ok" and verdict["passive"]["sod_signature"] == "ok"
    assert verdict["passive"]["groups"]["DG13"]["ok"] is True
    assert op.part_data(d.id, "chip_face") == jpeg

    capture_all(op, d.id)  # the same person (the simulated camera's astronaut), another photo
    match = op.chip_face_match(d.id)
    assert match is not None and match["status"] == "match", match
    assert match["distance"] <= match["threshold"] == 0.6
    op.mark_captured(d.id)
    op.confirm(d.id)
    sup = login(staffed.paths, clock, "sup1", SUP_PW)
    sup.approve(d.id)
    packet_id = sup.seal(d.id)
    receiver = json.loads(keyset["receiver_keys"].read_text())
    opened = packet.open_packet(
        sup.packet_bytes(packet_id),
        receiver_key=provisioning.crypto.HpkePrivateKey.decode(
            receiver["encryption"]["private_key"]
        ),
        station_public_key=provisioning.crypto.b64d(sup.registration()["public_key"]),
    )
    entries = {(p["kind"], p["slot"]): p for p in opened.manifest["parts"]}
    assert entries[("chip_data", "")]["meta"]["status"] == "ok"
    assert entries[("chip_data", "")]["meta"]["passive"]["csca"]["subject"] == (
        "CN=TEST CSCA VN,C=VN"
    )
    assert opened.parts[("chip_face", "")] == jpeg
    sealed_match = entries[("chip_face", "")]["meta"]["match"]
    assert sealed_match["status"] == "match" and sealed_match["threshold"] == 0.6
    sup.close()


def test_altered_group_no_prefill_stored_and_approval_needs_a_supervisor(
    staffed: StationService,
    op: StationService,
    reader: CardReader,
    pki: Pki,
    jpeg: bytes,
    clock: FakeClock,
) -> None:
    read = read_card(op, reader, Person(), pki, jpeg, tamper_dg=13)
    assert read.status == pa.FAILED and not read.ok
    assert read.prefill.values == {} and read.prefill.unmatched == {}
    assert "DG13" in read.verdict[0] and "DG13" in read.verdict[1]
    d = op.create_dossier("first_issue", form=valid_form(), chip=read)
    verdict = op.chip_verdict(d.id)
    assert verdict is not None and verdict["status"] == "failed"
    assert verdict["passive"]["bad_groups"] == ["DG13"]
    assert verdict["passive"]["chain"] == "not_checked"
    capture_all(op, d.id)
    op.mark_captured(d.id)
    op.confirm(d.id)
    sup = login(staffed.paths, clock, "sup1", SUP_PW)
    with pytest.raises(ValidationError) as err:
        sup.approve(d.id)
    assert err.value.field == "chip" and "supervisor" in err.value.en
    with pytest.raises(PermissionDeniedError):
        op.accept_chip_verdict(d.id, "đã đối chiếu giấy tờ")
    with pytest.raises(ValidationError):
        sup.accept_chip_verdict(d.id, "")
    sup.accept_chip_verdict(d.id, "Đã đối chiếu với giấy khai sinh bản gốc")
    sup.approve(d.id)  # the live portrait (which passed the gate) matches the chip's face
    capture = sup.capture_info(d.id)
    assert capture["chip_acceptance"]["accepted_by"] == "sup1"
    assert capture["chip_acceptance"]["reason"] == "Đã đối chiếu với giấy khai sinh bản gốc"
    sup.close()


def test_foreign_csca_chain_failure_and_no_csca_chain_not_checked(
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
    tmp_path: Path,
    staffed: StationService,
    op: StationService,
    reader: CardReader,
    pki: Pki,
    jpeg: bytes,
) -> None:
    read = read_card(op, reader, Person(), pki, jpeg)
    assert read.status == pa.CHAIN_NOT_CHECKED and read.ok
    assert "NOT checked" in read.verdict[1] and "CHƯA kiểm tra" in read.verdict[0]
    assert read.prefill.values["full_name"] == "Nguyễn Văn An"
    import_csca(monkeypatch, capsys, staffed, tmp_path, make_foreign_pki())
    read = read_card(op, reader, Person(), pki, jpeg)
    assert read.status == pa.FAILED
    assert read.doc["passive"]["chain"] == "failed"
    assert read.prefill.values == {}
    assert "CSCA" in read.verdict[1]


def test_master_list_signed_by_a_known_signer_imported_and_a_tampered_one_refused(
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
    tmp_path: Path,
    staffed: StationService,
    pki: Pki,
) -> None:
    data = staffed.paths.root
    import_csca(monkeypatch, capsys, staffed, tmp_path, pki)
    other = make_foreign_pki()
    key, signer = make_master_list_signer(pki)
    ml = build_master_list([pki.csca, other.csca], key, signer)
    tampered = bytearray(ml)
    from cryptography.hazmat.primitives.serialization import Encoding

    second = other.csca.public_bytes(Encoding.DER)
    at = ml.index(second) + len(second) // 2  # inside the second certificate of the list
    tampered[at] ^= 0x01
    bad = tmp_path / "tampered.ml"
    bad.write_bytes(bytes(tampered))
    code, out = run_cli(monkeypatch, capsys, data, "csca", "import", str(bad), "--as", "admin")
    assert code == 1 and "WRONG" in out and "SAI" in out
    assert len(staffed.csca_list()) == 1
    good = tmp_path / "list.ml"
    good.write_bytes(ml)
    code, out = run_cli(monkeypatch, capsys, data, "csca", "import", str(good), "--as", "admin")
    assert code == 0, out
    assert "issued by the trusted CSCA" in out and "Imported 1 CSCA certificates (1 already" in out
    assert {i.sha256 for i in staffed.csca_list()} == {
        pa.fingerprint(pki.csca),
        pa.fingerprint(other.csca),
    }
    code, out = run_cli(monkeypatch, capsys, data, "csca", "remove",
                        pa.fingerprint(other.csca)[:12], "--as", "admin")  # fmt: skip
    assert code == 0, out
    assert len(staffed.csca_list()) == 1
    assert staffed.verify_audit().ok
    from sqlalchemy import select

    from station.models import AuditEntry

    with staffed.store.read() as s:
        actions = list(s.execute(select(AuditEntry.action, AuditEntry.subject)).all())
    assert ("csca.imported", pa.fingerprint(other.csca)) in actions
    assert ("csca.removed", pa.fingerprint(other.csca)) in actions


def test_the_chip_parts_cannot_be_replaced_or_removed(
    staffed: StationService, op: StationService, reader: CardReader, pki: Pki, jpeg: bytes
) -> None:
    read = read_card(op, reader, Person(), pki, jpeg, tamper_dg=13)
    d = op.create_dossier("first_issue", form=valid_form(), chip=read)
    for kind in ("chip_data", "chip_face"):
        with pytest.raises(PermissionDeniedError):
            op.put_part(d.id, kind, "", "application/json", b'{"status": "ok"}', {"status": "ok"})
        with pytest.raises(PermissionDeniedError):
            op.remove_part(d.id, kind)
    verdict = op.chip_verdict(d.id)
    assert verdict is not None and verdict["status"] == "failed"
