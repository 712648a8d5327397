"""The password policy: long enough, not a common or Vietnamese stock password, not the account.

Checked when a password is set (provisioning, a new operator, a reset, a change), never at login,
so an account made under an older, weaker rule still opens and is asked for a new password only
when it changes it. A password is refused when:

- it has fewer than :data:`MIN_LENGTH` characters (or more than :data:`MAX_LENGTH`), a control
  character, or fewer than 4 different characters;
- it is made of digits only (dates, phone numbers, ``1234567890``) or is a keyboard run;
- once folded (lowercase, no diacritics, ``đ`` -> ``d``, common digit-for-letter swaps undone,
  everything but letters and digits dropped) and stripped of trailing digits, it is a word of the
  deny-list: the most common passwords worldwide and those common in Vietnam (``matkhau``,
  ``anhyeuem``, ``123456a``...). ``Password1!``, ``password12`` and ``matkhau123`` all fold to
  a deny-listed word;
- it contains the operator's id or the station code (compared folded, at least 3 characters).

Every refusal names the field and says why, in Vietnamese and in English.
"""

from __future__ import annotations

import re
import unicodedata

from station.errors import ValidationError

MIN_LENGTH = 10
MAX_LENGTH = 256
MIN_DISTINCT = 4

#: Folded stock passwords (letters and digits only, trailing digits removed).
DENY_LIST: frozenset[str] = frozenset(
    """
    password passwd passw pass matkhau matkhaumoi matkhaucuatoi mk admin administrator quantri
    quantrivien root toor user guest test tester demo default changeme welcome letmein login
    qwerty qwertyuiop qwertyui asdfgh asdfghjkl zxcvbn zxcvbnm qazwsx qazwsxedc zaq zaqxsw
    abc abcd abcde abcdef abcdefg abcdefgh abcdefghi abcdefghij abcabc aaa aaaaaa
    iloveyou iloveu loveyou love lovely anhyeuem emyeuanh yeuem yeuanh anhyeu emyeu yeuemnhieu
    yeuanhnhieu toiyeuem toiyeuanh teuem saranghae
    vietnam vietnamvodich hanoi saigon hochiminh hcm danang haiphong cantho hue
    congan canbo cancuoc cccd cmnd dinhdanh tramthu tram station intake
    dragon monkey football soccer baseball master shadow sunshine princess superman batman
    trustno starwars whatever freedom secret hello hellohello hihi hehe haha hoho
    a b c q x z ab abc aa
    thanhcong hanhphuc thienthan binhminh hoanghon
    nguyen tran le pham hoang phan vu vo dang bui do ho ngo duong ly
    samsung iphone apple google facebook zalo youtube
    """.split()
)
_KEYBOARD_RUNS = (
    "1234567890",
    "0987654321",
    "qwertyuiop",
    "asdfghjkl",
    "zxcvbnm",
    "abcdefghijklmnopqrstuvwxyz",
    "1q2w3e4r5t6y7u8i9o0p",
    "q1w2e3r4t5y6u7i8o9p0",
)
_LEET = str.maketrans(
    {"0": "o", "1": "i", "3": "e", "4": "a", "5": "s", "7": "t", "@": "a", "$": "s"}
)


def fold(text: str) -> str:
    """Lowercase ASCII letters and digits only: ``Mật-Khẩu`` -> ``matkhau``."""
    text = text.replace("đ", "d").replace("Đ", "D")
    text = unicodedata.normalize("NFKD", text)
    text = "".join(ch for ch in text if not unicodedata.combining(ch))
    return re.sub(r"[^a-z0-9]", "", text.casefold())


def _deny_core(password: str) -> str | None:
    """The deny-listed word ``password`` folds to, if any."""
    plain = fold(password)
    candidates = {plain, plain.rstrip("0123456789"), plain.lstrip("0123456789")}
    # Digit-for-letter swaps only inside the word: "p4ssw0rd" -> "password", "matkhau123" stays.
    core = fold(password.replace("@", "a").replace("$", "s")).rstrip("0123456789")
    candidates.add(core.translate(_LEET))
    candidates.add(re.sub(r"^[0-9]+", "", core).translate(_LEET))
    for cand in candidates:
        if cand in DENY_LIST:
            return cand
    return None


def _refuse(field: str, vi: str, en: str) -> ValidationError:
    return ValidationError(f"Mật khẩu: {vi}", f"Password: {en}", field=field, code="weak_password")


def check(
    value: object,
    *,
    field: str = "password",
    operator_id: str | None = None,
    station_code: str | None = None,
) -> str:
    """``value`` when it meets the policy; otherwise a ValidationError naming ``field``."""
    if not isinstance(value, str):
        raise _refuse(
            field,
            f"phải là chuỗi ký tự, không phải {type(value).__name__}.",
            f"must be text, not {type(value).__name__}.",
        )
    text = value
    if len(text) < MIN_LENGTH:
        raise _refuse(
            field, f"cần ít nhất {MIN_LENGTH} ký tự.", f"needs at least {MIN_LENGTH} characters."
        )
    if len(text) > MAX_LENGTH:
        raise _refuse(field, f"tối đa {MAX_LENGTH} ký tự.", f"at most {MAX_LENGTH} characters.")
    if any(unicodedata.category(ch).startswith("C") for ch in text):
        raise _refuse(
            field, "không được chứa ký tự điều khiển.", "must not contain control characters."
        )
    if len(set(text)) < MIN_DISTINCT:
        raise _refuse(
            field,
            f"quá đơn giản (cần ít nhất {MIN_DISTINCT} ký tự khác nhau).",
            f"too simple (needs at least {MIN_DISTINCT} different characters).",
        )
    plain = fold(text)
    if plain.isdigit() or (plain and any(plain in run for run in _KEYBOARD_RUNS)):
        raise _refuse(
            field,
            "chỉ gồm chữ số hoặc một dãy phím liền nhau; hãy dùng một cụm từ dễ nhớ.",
            "digits only or a run of keys; use a memorable phrase instead.",
        )
    if _deny_core(text) is not None:
        raise _refuse(
            field,
            "quá phổ biến (nằm trong danh sách mật khẩu hay bị đoán); hãy dùng một cụm từ riêng.",
            "too common (on the list of easily guessed passwords); use a phrase of your own.",
        )
    for own, vi, en in (
        (operator_id, "mã cán bộ", "the operator id"),
        (station_code, "mã trạm", "the station code"),
    ):
        folded = fold(own or "")
        if len(folded) >= 3 and folded in plain:
            raise _refuse(field, f"không được chứa {vi}.", f"must not contain {en}.")
    return text
