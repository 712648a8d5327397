"""Reading the chip: SELECT the eMRTD application, BAC, then EF.COM, EF.SOD and the data groups
through secure messaging, each file in READ BINARY chunks sized from its first TLV header."""

from __future__ import annotations

import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import TypeVar

from cryptography.x509 import Certificate

from station.chip import ChipError, auth, lds, pa, pace
from station.chip import atr as atr_mod
from station.chip.mrz import AccessKey, Td1
from station.chip.sm import SecureMessaging, perform_bac
from station.chip.tlv import read_header

AID = bytes.fromhex("A0000002471001")
CHUNK = 0xE0
#: READ BINARY size when the card announces extended lengths (its own maximum, less the
#: secure-messaging overhead, when EF.ATR gives one)
EXT_CHUNK = 2048
SM_OVERHEAD = 40
MAX_FILE = 256 * 1024
Transmit = Callable[[bytes], bytes]
T = TypeVar("T")


@dataclass
class ChipData:
    com: list[int]
    files: dict[int, bytes]  # data group number -> file bytes
    sod: bytes
    dg1: Td1 | None
    dg13: lds.Dg13 | None
    faces: list[lds.FaceImage]
    passive: pa.PassiveAuthResult
    apdus: int = 0
    seconds: float = 0.0
    skipped: dict[int, str] = field(default_factory=dict)
    #: data groups that could not be parsed, each a (vi, en) message naming the file
    problems: list[tuple[str, str]] = field(default_factory=list)
    #: how the chip was opened: "BAC", "PACE-MRZ" or "PACE-CAN"
    access: str = "BAC"
    #: chip authentication (DG14) and active authentication (DG15): ok, failed, not_offered,
    #: not_performed (``station.chip.auth``)
    chip_auth: str = auth.NOT_PERFORMED
    active_auth: str = auth.NOT_PERFORMED

    @property
    def clone_suspected(self) -> bool:
        return auth.FAILED in (self.chip_auth, self.active_auth)

    @property
    def status(self) -> str:
        """``ok``, ``chain_not_checked`` or ``failed`` (passive authentication failed, a data
        group is malformed, or chip/active authentication failed: a clone)."""
        if self.problems or self.dg1 is None or self.clone_suspected:
            return pa.FAILED
        return self.passive.status

    def summary(self) -> tuple[str, str]:
        if self.passive.status == pa.FAILED:
            return self.passive.summary()
        if self.problems:
            vi, en = self.problems[0]
            return (f"Dữ liệu chip KHÔNG dùng được: {vi}", f"The chip's data is NOT usable: {en}")
        if self.clone_suspected:
            which_vi = " và ".join(
                n for n, r in (("xác thực chip (DG14)", self.chip_auth),
                               ("xác thực chủ động (DG15)", self.active_auth)) if r == auth.FAILED
            )  # fmt: skip
            which_en = " and ".join(
                n for n, r in (("chip authentication (DG14)", self.chip_auth),
                               ("active authentication (DG15)", self.active_auth))
                if r == auth.FAILED
            )  # fmt: skip
            return (
                f"NGHI THẺ GIẢ (chip sao chép): {which_vi} THẤT BẠI — chip không có khóa bí mật "
                "của thẻ thật.",
                f"CLONE SUSPECTED: {which_en} FAILED — the chip does not hold the genuine "
                "card's private key.",
            )
        return self.passive.summary()


class _Counter:
    def __init__(self, transmit: Transmit) -> None:
        self.transmit = transmit
        self.count = 0

    def __call__(self, apdu: bytes) -> bytes:
        self.count += 1
        return self.transmit(apdu)


def _sw_error(what: str, sw: int) -> ChipError:
    return ChipError(
        f"Chip từ chối {what} (SW {sw:04X}).",
        f"The chip refused {what} (SW {sw:04X}).",
        field="chip",
    )


def select_application(transmit: Transmit) -> None:
    resp = transmit(bytes.fromhex("00A4040C07") + AID)
    sw = int.from_bytes(resp[-2:], "big")
    if sw != 0x9000:
        raise ChipError(
            f"Thẻ không có ứng dụng eMRTD (SW {sw:04X}): không phải thẻ căn cước gắn chip?",
            f"The card has no eMRTD application (SW {sw:04X}): not a chip ID card?",
            field="chip",
        )


class Session:
    """Secure-messaging commands over a transmit function."""

    def __init__(
        self, transmit: Transmit, sm: SecureMessaging, chunk: int = CHUNK, extended: bool = False
    ) -> None:
        self.transmit = transmit
        self.sm = sm
        self.chunk = chunk
        self.extended = extended

    def command(
        self, ins: int, p1: int, p2: int, data: bytes = b"", le: int | None = None
    ) -> tuple[bytes, int]:
        long_le = self.extended and le is not None and le > 256
        wrapped = self.sm.wrap(0x00, ins, p1, p2, data, le, extended=long_le)
        return self.sm.unwrap(self.transmit(wrapped))

    def select_file(self, fid: int) -> bool:
        _data, sw = self.command(0xA4, 0x02, 0x0C, fid.to_bytes(2, "big"))
        if sw == 0x6A82:
            return False
        if sw != 0x9000:
            raise _sw_error(f"SELECT {fid:04X}", sw)
        return True

    def read_binary(self, offset: int, length: int) -> bytes:
        data, sw = self.command(0xB0, offset >> 8, offset & 0xFF, le=length)
        if sw not in (0x9000, 0x6282) or (not data and length):
            raise _sw_error(f"READ BINARY tại {offset}", sw)
        return data

    def read_file(self, fid: int) -> bytes | None:
        """The whole file, or None when it does not exist."""
        if not self.select_file(fid):
            return None
        head = self.read_binary(0, 8)
        try:
            _tag, _c, length, hlen = read_header(head)
        except ChipError as e:
            raise ChipError(
                f"Tệp {fid:04X}: {e.vi}", f"File {fid:04X}: {e.en}", field="chip"
            ) from None
        total = hlen + length
        if total > MAX_FILE:
            raise ChipError(f"Tệp {fid:04X} quá lớn.", f"File {fid:04X} is too large.")
        out = bytearray(head[:total])
        while len(out) < total:
            part = self.read_binary(len(out), min(self.chunk, total - len(out)))
            out += part
        return bytes(out[:total])


def _parsed(
    name: str, fn: Callable[[bytes], T], data: bytes, problems: list[tuple[str, str]]
) -> T | None:
    """``fn(data)``, or None with a message naming the file when the data is malformed."""
    try:
        return fn(data)
    except ChipError as e:
        problems.append((f"{name}: {e.vi}", f"{name}: {e.en}"))
    except Exception as e:  # every malformed answer is a verdict, never an exception
        problems.append(
            (
                f"{name} sai cấu trúc ({type(e).__name__}: {e}).",
                f"{name} is malformed ({type(e).__name__}: {e}).",
            )
        )
    return None


def card_capabilities(transmit: Transmit, atr: bytes | None) -> atr_mod.Capabilities:
    """Extended lengths from the ATR; when the ATR says nothing, from EF.ATR/INFO (read plain,
    before the application is selected; any refusal means short lengths)."""
    caps = atr_mod.from_atr(atr or b"")
    if caps.known or atr is None:
        return caps
    resp = transmit(bytes.fromhex("00A4020C02") + atr_mod.EF_ATR.to_bytes(2, "big"))
    if resp[-2:] != b"\x90\x00":
        return atr_mod.NONE
    resp = transmit(bytes.fromhex("00B0000000"))
    if len(resp) < 2 or resp[-2] not in (0x90, 0x62):
        return atr_mod.NONE
    return atr_mod.from_ef_atr(resp[:-2])


def open_session(
    transmit: Transmit,
    key: AccessKey | None,
    can: str | None,
    caps: atr_mod.Capabilities,
) -> tuple[Session, str]:
    """PACE when EF.CardAccess announces it (with the MRZ key, else the CAN), else BAC; one
    attempt either way. The session, and how the chip was opened."""
    chunk = CHUNK
    if caps.extended:
        chunk = max(CHUNK, min(EXT_CHUNK, (caps.max_response or 65536) - SM_OVERHEAD))
    options = pace.read_card_access(transmit)
    if options:
        info = next((o for o in options if o.cipher == "AES"), options[0])
        if key is not None:
            password, ref, access = key.mrz_information(), pace.MRZ, "PACE-MRZ"
        elif can:
            password, ref, access = can.encode("ascii"), pace.CAN, "PACE-CAN"
        else:
            raise ChipError("Cần số CAN hoặc MRZ để mở chip.", "The chip needs its CAN or MRZ.")
        sm = pace.perform_pace(transmit, info, password, ref)
        session = Session(transmit, sm, chunk, extended=caps.extended)
        _data, sw = session.command(0xA4, 0x04, 0x0C, AID)
        if sw != 0x9000:
            raise _sw_error("SELECT eMRTD", sw)
        return session, access
    if key is None:
        raise ChipError(
            "Thẻ này không hỗ trợ PACE nên không mở được bằng số CAN: cần số thẻ, ngày sinh và "
            "ngày hết hạn.",
            "This card has no PACE, so the CAN cannot open it: the card number, date of birth "
            "and date of expiry are needed.",
            field="can",
        )
    select_application(transmit)
    return Session(transmit, perform_bac(transmit, key.mrz_information()), chunk,
                   extended=caps.extended), "BAC"  # fmt: skip


def read_chip(
    transmit: Transmit,
    key: AccessKey | None,
    cscas: Sequence[Certificate] | None = None,
    groups: tuple[int, ...] = (1, 2, 13, 14, 15),
    *,
    can: str | None = None,
    atr: bytes | None = None,
) -> ChipData:
    """Read and check a card: BAC (one attempt), every listed data group, passive authentication
    against the CSCA certificates ``cscas`` (none: the chain is not checked). ``atr`` (the
    card's, from the reader's connect) decides extended-length READ BINARY; without it, reads
    are short.

    Talking to the card may raise :class:`ChipError`/``DeviceError`` (refused key, card pulled);
    what was read is judged, never raised: malformed data groups and SOD are in the verdict."""
    counter = _Counter(transmit)
    start = time.monotonic()
    session, access = open_session(counter, key, can, card_capabilities(counter, atr))
    com_bytes = session.read_file(lds.EF_COM[0])
    if com_bytes is None:
        raise ChipError("Chip không có EF.COM.", "The chip has no EF.COM.")
    com = _parsed("EF.COM", lds.parse_com, com_bytes, [])
    if com is None:
        raise ChipError("EF.COM sai cấu trúc.", "EF.COM is malformed.", field="chip")
    sod = session.read_file(lds.EF_SOD[0])
    if sod is None:
        raise ChipError("Chip không có EF.SOD.", "The chip has no EF.SOD.")
    files: dict[int, bytes] = {}
    skipped: dict[int, str] = {}
    for number in groups:
        if number not in com:
            continue
        fid = lds.DATA_GROUPS[number][0]
        data = session.read_file(fid)
        if data is None:
            skipped[number] = "not found"
        else:
            files[number] = data
    infos = auth.security_infos_or_none(files.get(14))
    active = auth.NOT_OFFERED
    if 15 in files:  # first: a failed chip authentication leaves no session behind
        active = auth.active_authentication(session, files[15], infos.aa_hash if infos else None)
    chip_auth = auth.NOT_OFFERED
    if 14 in files:
        chip_auth = auth.chip_authentication(session, infos) if infos else auth.FAILED
    chip = judge(com, sod, files, cscas, chip_auth=chip_auth, active_auth=active)
    chip.access = access
    chip.apdus = counter.count
    chip.seconds = time.monotonic() - start
    chip.skipped = skipped
    return chip


def judge(
    com: list[int],
    sod: bytes,
    files: dict[int, bytes],
    cscas: Sequence[Certificate] | None = None,
    *,
    chip_auth: str = auth.NOT_PERFORMED,
    active_auth: str = auth.NOT_PERFORMED,
) -> ChipData:
    """Passive authentication and parsing of files read from a chip (or stored after a read),
    with the chip and active authentication results of the read: never raises, every fault is
    in the result's verdict."""
    problems: list[tuple[str, str]] = []
    if 1 not in files:
        problems.append(("Chip không có DG1.", "The chip has no DG1."))
    passive = pa.verify(sod, files, cscas)
    dg1 = _parsed("DG1", lds.parse_dg1, files[1], problems) if 1 in files else None
    dg13 = _parsed("DG13", lds.parse_dg13, files[13], problems) if 13 in files else None
    faces = (_parsed("DG2", lds.parse_dg2, files[2], problems) or []) if 2 in files else []
    return ChipData(
        com=com,
        files=files,
        sod=sod,
        dg1=dg1,
        dg13=dg13,
        faces=faces,
        passive=passive,
        problems=problems,
        chip_auth=chip_auth,
        active_auth=active_auth,
    )
