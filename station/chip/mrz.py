"""The machine-readable zone: 7-3-1 check digits (ICAO Doc 9303 part 3 §4.9), the TD1 layout
(part 5) and the BAC access key material (part 11 §4.3).

On the Vietnamese chip ID card the TD1 document number is the last 9 digits of the 12-digit
personal ID number; the whole number sits in the optional data of line 1.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date

from station.chip import ChipError

_WEIGHTS = (7, 3, 1)


def _value(ch: str) -> int:
    if ch.isascii() and ch.isdigit():
        return int(ch)
    if "A" <= ch <= "Z":
        return ord(ch) - ord("A") + 10
    if ch == "<":
        return 0
    raise ChipError(
        f"Ký tự «{ch}» không được dùng trong MRZ.", f"Character '{ch}' is not allowed in an MRZ."
    )


def check_digit(text: str) -> str:
    """The 7-3-1 check digit of ``text`` (digits, A-Z and the filler '<')."""
    total = sum(_value(c) * _WEIGHTS[i % 3] for i, c in enumerate(text))
    return str(total % 10)


def _yymmdd(value: date | str, what: tuple[str, str]) -> str:
    if isinstance(value, date):
        return value.strftime("%y%m%d")
    if not re.fullmatch(r"[0-9]{6}", value):
        raise ChipError(f"{what[0]} phải có dạng YYMMDD.", f"{what[1]} must be YYMMDD.")
    return value


def document_number_from_id(id_number: str) -> str:
    """The TD1 document number of a Vietnamese chip card: the last 9 of the 12 ID digits."""
    digits = re.sub(r"[\s.]", "", id_number)
    if not re.fullmatch(r"[0-9]{12}", digits):
        raise ChipError(
            "Số định danh phải gồm 12 chữ số để mở chip.",
            "The ID number must be 12 digits to open the chip.",
            field="id_number",
        )
    return digits[3:]


@dataclass(frozen=True)
class AccessKey:
    """What BAC needs: document number, date of birth and date of expiry (YYMMDD)."""

    document_number: str
    date_of_birth: str
    date_of_expiry: str

    @classmethod
    def make(
        cls, document_number: str, date_of_birth: date | str, date_of_expiry: date | str
    ) -> AccessKey:
        number = document_number.strip().upper()
        if len(number) == 12 and number.isascii() and number.isdigit():
            number = document_number_from_id(number)
        if not number or len(number) > 9 or not re.fullmatch(r"[0-9A-Z<]+", number):
            raise ChipError(
                "Số giấy tờ trong MRZ không hợp lệ.",
                "The MRZ document number is not valid.",
                field="document_number",
            )
        return cls(
            number,
            _yymmdd(date_of_birth, ("Ngày sinh", "Date of birth")),
            _yymmdd(date_of_expiry, ("Ngày hết hạn", "Date of expiry")),
        )

    def mrz_information(self) -> bytes:
        """Document number, date of birth, date of expiry, each with its check digit."""
        number = self.document_number.ljust(9, "<")
        return "".join(
            f + check_digit(f) for f in (number, self.date_of_birth, self.date_of_expiry)
        ).encode("ascii")


@dataclass(frozen=True)
class Td1:
    document_code: str
    issuing_state: str
    document_number: str
    optional1: str
    date_of_birth: str  # YYMMDD
    sex: str  # M, F or <
    date_of_expiry: str
    nationality: str
    optional2: str
    surname: str
    given_names: str
    checks_ok: bool
    raw: str

    @property
    def id_number(self) -> str | None:
        """The 12-digit personal ID number from the optional data, if it is there."""
        optional = self.optional1.replace("<", "") + self.optional2.replace("<", "")
        m = re.search(r"[0-9]{12}", optional)
        return m[0] if m else None

    @property
    def name(self) -> str:
        return " ".join((self.surname + " " + self.given_names).split())


def parse_td1(text: str) -> Td1:
    """A TD1 MRZ (3 x 30 characters, lines joined or separated by newlines)."""
    raw = "".join(text.split())
    if len(raw) != 90 or not re.fullmatch(r"[0-9A-Z<]+", raw):
        raise ChipError(
            f"MRZ không đúng dạng TD1 (90 ký tự, có {len(raw)}).",
            f"The MRZ is not TD1 (90 characters, got {len(raw)}).",
            field="mrz",
        )
    l1, l2, l3 = raw[:30], raw[30:60], raw[60:]
    doc = l1[5:14]
    checks = [
        (doc, l1[14]),
        (l2[0:6], l2[6]),
        (l2[8:14], l2[14]),
        (l1[5:30] + l2[0:7] + l2[8:15] + l2[18:29], l2[29]),
    ]
    ok = all(check_digit(f) == c for f, c in checks)
    surname, _, given = l3.partition("<<")
    return Td1(
        document_code=l1[0:2].replace("<", ""),
        issuing_state=l1[2:5],
        document_number=doc.rstrip("<"),
        optional1=l1[15:30],
        date_of_birth=l2[0:6],
        sex=l2[7],
        date_of_expiry=l2[8:14],
        nationality=l2[15:18],
        optional2=l2[18:29],
        surname=surname.replace("<", " ").strip(),
        given_names=given.replace("<", " ").strip(),
        checks_ok=ok,
        raw=raw,
    )


def build_td1(
    *,
    document_number: str,
    id_number: str,
    date_of_birth: str,
    sex: str,
    date_of_expiry: str,
    surname: str,
    given_names: str,
    state: str = "VNM",
) -> str:
    """A TD1 MRZ with correct check digits (for tests and the virtual card)."""
    l1 = f"ID{state}{document_number.ljust(9, '<')}{check_digit(document_number.ljust(9, '<'))}"
    l1 = (l1 + id_number).ljust(30, "<")[:30]
    l2 = f"{date_of_birth}{check_digit(date_of_birth)}{sex}{date_of_expiry}"
    l2 += check_digit(date_of_expiry) + state
    l2 = l2.ljust(29, "<")
    l2 += check_digit(l1[5:30] + l2[0:7] + l2[8:15] + l2[18:29])
    l3 = (surname.replace(" ", "<") + "<<" + given_names.replace(" ", "<")).ljust(30, "<")[:30]
    return l1 + l2 + l3
