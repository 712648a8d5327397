"""Parsers refuse malformed input with a clear error and never crash; MRZ check digits; SM."""

from __future__ import annotations

import contextlib
import hashlib
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from station.chip import ChipError, TlvError, lds, pa, tlv
from station.chip.mrz import AccessKey, build_td1, check_digit, document_number_from_id, parse_td1
from station.chip.sm import SecureMessaging, bac_keys, pad, retail_mac, unpad

# ICAO Doc 9303 part 3 §4.9 and the part 4/5/11 specimens
CHECK_DIGITS = [
    ("L898902C3", "6"),  # part 11 appendix D specimen document number
    ("740812", "2"),  # its date of birth
    ("120415", "9"),  # its date of expiry
    ("520727", "3"),  # part 3 worked example
    ("D23145890", "7"),  # part 5 TD1 specimen (document number D23145890 7)
    ("AB2134<<<", "5"),
    ("<<<<<<<<<", "0"),
    ("", "0"),
]


@pytest.mark.parametrize(("text", "digit"), CHECK_DIGITS)
def test_check_digit(text: str, digit: str) -> None:
    assert check_digit(text) == digit


def test_check_digit_refuses_bad_characters() -> None:
    with pytest.raises(ChipError):
        check_digit("l898902c3")


def test_mrz_information_and_bac_keys_icao_worked_example() -> None:
    # ICAO 9303 part 11 appendix D.1: document L898902C<, born 690806, expires 940623
    key = AccessKey("L898902C", "690806", "940623")
    assert key.mrz_information() == b"L898902C<369080619406236"
    k_enc, k_mac = bac_keys(key.mrz_information())
    assert k_enc.hex().upper() == "AB94FDECF2674FDFB9B391F85D7F76F2"
    assert k_mac.hex().upper() == "7962D9ECE03D1ACD4C76089DCE131543"


def test_retail_mac_icao_worked_example() -> None:
    # part 11 appendix D.3: EXTERNAL AUTHENTICATE cryptogram and its MAC
    k_mac = bytes.fromhex("7962D9ECE03D1ACD4C76089DCE131543")
    e_ifd = bytes.fromhex("72C29C2371CC9BDB65B779B8E8D37B29ECC154AA56A8799FAE2F498F76ED92F2")
    assert retail_mac(k_mac, pad(e_ifd)).hex().upper() == "5F1448EEA8AD90A7"


def test_sm_wrap_icao_worked_example() -> None:
    # part 11 appendix D.4: SELECT EF.COM under secure messaging
    sm = SecureMessaging(
        bytes.fromhex("979EC13B1CBFE9DCD01AB0FED307EAE5"),
        bytes.fromhex("F1CB1F1FB5ADF208806B89DC579DC1F8"),
        bytes.fromhex("887022120C06C226"),
    )
    apdu = sm.wrap(0x00, 0xA4, 0x02, 0x0C, bytes.fromhex("011E"), None)
    assert apdu.hex().upper() == "0CA4020C158709016375432908C044F68E08BF8B92D635FF24F800"
    data, sw = sm.unwrap(bytes.fromhex("990290008E08FA855A5D4C50A8ED9000"))
    assert (data, sw) == (b"", 0x9000)


def test_td1_roundtrip_and_vietnamese_document_number() -> None:
    assert document_number_from_id("001089012345") == "089012345"
    text = build_td1(document_number="089012345", id_number="001089012345",
                     date_of_birth="890215", sex="M", date_of_expiry="340215",
                     surname="NGUYEN", given_names="VAN AN")  # fmt: skip
    td1 = parse_td1(text)
    assert td1.checks_ok and td1.id_number == "001089012345" and td1.name == "NGUYEN VAN AN"
    broken = text[:14] + ("0" if text[14] != "0" else "1") + text[15:]
    assert not parse_td1(broken).checks_ok
    with pytest.raises(ChipError):
        parse_td1(text[:-1])


def test_access_key_from_twelve_digits() -> None:
    key = AccessKey.make("001089012345", "890215", "340215")
    assert key.document_number == "089012345"
    with pytest.raises(ChipError):
        AccessKey.make("0010890123", "890215", "340215x")


@pytest.mark.parametrize(
    "data",
    [
        b"",
        b"\x30",
        b"\x30\x05\x01",
        b"\x30\x80\x00\x00",
        b"\x5f",
        b"\x30\x85\x01\x02\x03\x04\x05",
        b"\x30\x84\xff\xff\xff\xff",
        b"\x1f\xff\xff\xff\xff\xff\x01\x00",
        b"\x30\x00\x00",
    ],
)
def test_tlv_refuses_malformed(data: bytes) -> None:
    with pytest.raises(TlvError):
        tlv.parse_single(data)


def test_tlv_refuses_deep_nesting() -> None:
    data = b""
    for _ in range(100):
        data = tlv.encode(0x30, data)
    with pytest.raises(TlvError):
        list(tlv.walk(tlv.parse_single(data)))


def test_unpad_refuses_bad_padding() -> None:
    assert unpad(pad(b"abc")) == b"abc"
    with pytest.raises(ChipError):
        unpad(b"abc\x00\x00\x00\x00\x00")


def test_dg13_unknown_field_kept_raw_and_repeats_refused() -> None:
    field = tlv.encode(0x30, tlv.encode(0x02, b"\x02") + tlv.encode(0x0C, "Lê Thị Hoa".encode()))
    odd = tlv.encode(0x30, tlv.encode(0x02, b"\x10") + tlv.encode(0x04, b"\xde\xad"))
    data = tlv.encode(
        0x6D, tlv.encode(0x30, tlv.encode(0x02, b"\x01") + tlv.encode(0x31, field + odd))
    )
    dg13 = lds.parse_dg13(data)
    assert dg13.text(2) == "Lê Thị Hoa" and dg13.raw[16] == b"\xde\xad" and dg13.fields[16] == []
    twice = tlv.encode(0x6D, tlv.encode(0x30, tlv.encode(0x31, field + field)))
    with pytest.raises(TlvError):
        lds.parse_dg13(twice)


_PARSERS = [tlv.parse_single, lds.parse_com, lds.parse_dg1, lds.parse_dg2, lds.parse_dg13]
_FUZZ = settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])


def _tlv_tree() -> st.SearchStrategy[bytes]:
    leaf = st.builds(tlv.encode, st.sampled_from([0x02, 0x04, 0x0C, 0x5F1F, 0x5F2E, 0x87, 0x8E]),
                     st.binary(max_size=40))  # fmt: skip
    return st.recursive(
        leaf,
        lambda kids: st.builds(
            lambda tag, items: tlv.encode(tag, b"".join(items)),
            st.sampled_from([0x30, 0x31, 0x60, 0x61, 0x6D, 0x75, 0x7F61, 0x7F60, 0xA1]),
            st.lists(kids, max_size=4),
        ),
        max_leaves=20,
    )


def _mutate(data: bytes, flips: list[tuple[int, int]], cut: int) -> bytes:
    buf = bytearray(data)
    for pos, val in flips:
        if buf:
            buf[pos % len(buf)] = val
    return bytes(buf[: max(0, len(buf) - cut)])


@_FUZZ
@given(st.binary(max_size=300))
def test_fuzz_random_bytes(data: bytes) -> None:
    for parse in _PARSERS:
        with contextlib.suppress(ChipError):
            parse(data)


@_FUZZ
@given(_tlv_tree(), st.lists(st.tuples(st.integers(0, 10_000), st.integers(0, 255)), max_size=3),
       st.integers(0, 3))  # fmt: skip
def test_fuzz_mutated_tlv(data: bytes, flips: list[tuple[int, int]], cut: int) -> None:
    mutated = _mutate(data, flips, cut)
    for parse in _PARSERS:
        with contextlib.suppress(ChipError):
            parse(mutated)
    try:
        for _depth, _node in tlv.walk(tlv.parse_single(mutated)):
            pass
    except TlvError:
        pass


@pytest.fixture(scope="module")
def good_sod() -> tuple[bytes, dict[int, bytes]]:
    from tests.chip.vcard import make_pki

    groups = {1: b"\x61\x03\x5f\x1f\x00", 2: b"\x75\x00"}
    from tests.chip.vcard import build_sod

    return build_sod(groups, make_pki()), groups


def test_sod_ok_and_unlisted(good_sod: tuple[bytes, dict[int, bytes]]) -> None:
    sod, groups = good_sod
    result = pa.verify(sod, groups)
    assert result.ok and not result.chain_checked
    result = pa.verify(sod, {**groups, 14: b"\x6e\x00"})
    assert result.unlisted_groups == [14] and not result.ok
    assert hashlib.sha256(groups[1]).digest() != hashlib.sha256(groups[2]).digest()


#: A SOD made once by ``vcard.build_sod`` and kept, so that the fuzzing below sees the same
#: bytes on every run (a fresh one has fresh keys, and a red run could not be replayed).
SOD_SEED = Path(__file__).resolve().parents[1] / "vectors" / "chip" / "sod_fuzz_seed.der"


@pytest.mark.fuzz
@settings(max_examples=400, deadline=None, derandomize=True)
@given(st.lists(st.tuples(st.integers(0, 100_000), st.integers(0, 255)), min_size=1, max_size=4),
       st.integers(0, 8))  # fmt: skip
def test_fuzz_sod(flips: list[tuple[int, int]], cut: int) -> None:
    sod, groups = SOD_SEED.read_bytes(), {1: b"\x61\x03\x5f\x1f\x00", 2: b"\x75\x00"}
    mutated = _mutate(sod, flips, cut)
    result = pa.verify(mutated, groups)  # never raises: a malformed SOD is a verdict
    assert result.status in (pa.OK, pa.CHAIN_NOT_CHECKED, pa.FAILED)
    if result.malformed:
        assert result.status == pa.FAILED and result.problems
        assert "EF.SOD" in result.summary()[0] and "EF.SOD" in result.summary()[1]


def test_flipped_ds_certificate_version_is_a_verdict(
    good_sod: tuple[bytes, dict[int, bytes]],
) -> None:
    """The flip once seen in CI: the DS certificate's version 2 (v3) made 1, which
    ``cryptography`` refuses with ``InvalidVersion`` (not a ValueError)."""
    sod, groups = good_sod
    at = sod.index(bytes.fromhex("a003020102"))  # [0] EXPLICIT INTEGER 2 of the DS certificate
    mutated = sod[: at + 4] + b"\x01" + sod[at + 5 :]
    result = pa.verify(mutated, groups)
    assert result.status == pa.FAILED and result.malformed
    assert "DS" in result.summary()[1] and "InvalidVersion" in result.summary()[1]
    assert "DS" in result.summary()[0]


@settings(max_examples=200, deadline=None, derandomize=True)
@given(st.sampled_from([1, 2, 13, 15]), st.lists(st.tuples(st.integers(0, 100_000),
       st.integers(0, 255)), min_size=1, max_size=3), st.integers(0, 8))  # fmt: skip
def test_fuzz_data_groups_are_verdicts(
    card_groups: tuple[list[int], bytes, dict[int, bytes]],
    group: int,
    flips: list[tuple[int, int]],
    cut: int,
) -> None:
    """Every malformed data group read from a chip is a failed verdict naming the file."""
    from station.chip.reader import judge

    com, sod, files = card_groups
    mutated = {**files, group: _mutate(files[group], flips, cut)}
    chip = judge(com, sod, mutated)
    if mutated[group] != files[group]:
        assert chip.status == pa.FAILED
        vi, en = chip.summary()
        assert vi and en


@pytest.fixture(scope="module")
def card_groups() -> tuple[list[int], bytes, dict[int, bytes]]:
    from tests.chip.vcard import Person, build_card, face_jpeg, make_pki

    files = build_card(Person(), make_pki(), face_jpeg(4000))
    by_dg = {1: files[0x0101], 2: files[0x0102], 13: files[0x010D], 15: files[0x010F]}
    return [1, 2, 13, 15], files[0x011D], by_dg


def test_dg2_jpeg2000_face_found_and_decoded_by_opencv() -> None:
    import cv2
    import numpy as np

    from tests.chip.vcard import build_dg2

    ok, buf = cv2.imencode(".jp2", np.full((64, 48, 3), 128, np.uint8))
    assert ok
    faces = lds.parse_dg2(build_dg2(buf.tobytes()))
    assert faces[0].format == "jpeg2000"
    image = lds.decode_face(faces[0])
    assert image is not None  # the opencv-python-headless wheels include OpenJPEG


@pytest.mark.parametrize(
    ("born", "issued", "expires"),
    [
        ("1989-02-15", "2021-05-10", "2029-02-15"),  # at 32: until 40
        ("1997-03-01", "2021-04-01", "2037-03-01"),  # within two years before 25: until 40
        ("1999-06-01", "2021-04-01", "2024-06-01"),  # at 21: until 25
        ("2015-01-01", "2024-08-01", "2029-01-01"),  # a child's card: until 14
        ("1962-01-01", "2021-04-01", None),  # from 58: no end date to compute
        ("2000-02-29", "2015-01-01", "2025-02-28"),  # born on 29 February
    ],
)
def test_expiry_by_the_renewal_ages(born: str, issued: str, expires: str | None) -> None:
    from datetime import date

    from station.chip.access import expiry_by_age_rule

    got = expiry_by_age_rule(date.fromisoformat(born), date.fromisoformat(issued))
    assert got == (date.fromisoformat(expires) if expires else None)


@pytest.fixture(scope="module")
def dg14_dg15() -> tuple[bytes, bytes]:
    from tests.chip.vcard import CA_AES128, Person, build_card, face_jpeg, make_pki

    files = build_card(Person(), make_pki(), face_jpeg(3000), ca_oid=CA_AES128)
    return files[0x010E], files[0x010F]


class _NoCard:
    """A session whose chip answers every command with an error."""

    sm = None

    def command(self, ins: int, *a: object, **kw: object) -> tuple[bytes, int]:
        if ins == 0x88:  # a signature that cannot verify: the DG15 key is parsed
            return b"\x01" * 64, 0x9000
        return b"", 0x6A80

    def select_file(self, fid: int) -> bool:
        return False

    def read_binary(self, offset: int, length: int) -> bytes:
        return b""


@settings(max_examples=300, deadline=None, derandomize=True)
@given(st.sampled_from([0, 1]), st.lists(st.tuples(st.integers(0, 10_000),
       st.integers(0, 255)), min_size=1, max_size=3), st.integers(0, 6))  # fmt: skip
def test_fuzz_dg14_dg15_never_raise(
    dg14_dg15: tuple[bytes, bytes], which: int, flips: list[tuple[int, int]], cut: int
) -> None:
    """A malformed DG14 or DG15 makes chip/active authentication fail or be skipped, never an
    exception (the SOD hash of such a group fails too)."""
    from station.chip import auth

    mutated = _mutate(dg14_dg15[which], flips, cut)
    if which == 0:
        infos = auth.security_infos_or_none(mutated)
        if infos is not None:
            assert auth.chip_authentication(_NoCard(), infos) in ("failed", "not_offered")  # type: ignore[arg-type]
    else:
        assert auth.active_authentication(_NoCard(), mutated, None) == "failed"  # type: ignore[arg-type]
