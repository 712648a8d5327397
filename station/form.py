"""The citizen's form: its fields, which are required for which case, and the rules on each.

Fields follow the identity law (Luật Căn cước 2023, Art. 9) and the order of the DC01 collection
form; ``docs/domain.md`` lists each with its source. The form is stored as a JSON object in the
dossier (``Dossier.form_json``); this module validates such an object. Every problem is reported
as a :class:`FieldProblem` naming the field (a path such as ``relatives[1].id_number``) with a
Vietnamese and an English message; :func:`check` raises them together as :class:`FormError`.

Addresses are ``{"era": "2025", "unit": <commune code>, "street": ...}`` in the two-tier units in
force since 1 July 2025, or ``{"era": "legacy", "unit": <old ward code>, "street": ...}`` for an
address written before the merger, or ``{"country": <ISO alpha-2>, "text": ...}`` abroad.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date
from enum import StrEnum
from functools import partial
from typing import Any

from station import dates, idnumber, renewal
from station.dossier import CaseType
from station.errors import ValidationError
from station.idnumber import Sex
from station.masterdata import DEFAULT_ETHNIC_LIST, MasterData

NAME_MAX = 100
STREET_MAX = 200
TEXT_MAX = 200
_PHONE_RE = re.compile(r"(?:\+84|0)(?:[35789][0-9]{8}|2[0-9]{9})")
_EMAIL_RE = re.compile(r"[^@\s]{1,64}@[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)+")


class Relation(StrEnum):
    FATHER = "father"
    MOTHER = "mother"
    SPOUSE = "spouse"
    CHILD = "child"
    LEGAL_REPRESENTATIVE = "legal_representative"
    REPRESENTED_PERSON = "represented_person"
    HOUSEHOLD_HEAD = "household_head"
    HOUSEHOLD_MEMBER = "household_member"


class MaritalStatus(StrEnum):
    SINGLE = "single"
    MARRIED = "married"
    DIVORCED = "divorced"
    WIDOWED = "widowed"


class BloodGroup(StrEnum):
    O = "O"  # noqa: E741 - the blood group's name
    A = "A"
    B = "B"
    AB = "AB"


class RenewalReason(StrEnum):
    AGE = "age"  # reaching 14, 25, 40 or 60
    DAMAGED = "damaged"
    CHANGED_INFORMATION = "changed_information"
    OLD_CARD = "old_card"  # an older CCCD/CMND exchanged for the new card


#: Field id -> (Vietnamese label, English label), in the order of the paper form.
LABELS: dict[str, tuple[str, str]] = {
    "full_name": ("Họ, chữ đệm và tên khai sinh", "Full birth name"),
    "other_names": ("Tên gọi khác", "Other names"),
    "id_number": ("Số định danh cá nhân", "Personal ID number"),
    "old_id_number": ("Số CMND cũ", "Old ID number"),
    "date_of_birth": ("Ngày, tháng, năm sinh", "Date of birth"),
    "sex": ("Giới tính", "Sex"),
    "place_of_birth": ("Nơi sinh", "Place of birth"),
    "birth_registration": ("Nơi đăng ký khai sinh", "Place of birth registration"),
    "hometown": ("Quê quán", "Hometown"),
    "ethnic_group": ("Dân tộc", "Ethnic group"),
    "religion": ("Tôn giáo", "Religion"),
    "nationality": ("Quốc tịch", "Nationality"),
    "other_nationality": ("Quốc tịch khác", "Other nationality"),
    "blood_group": ("Nhóm máu", "Blood group"),
    "marital_status": ("Tình trạng hôn nhân", "Marital status"),
    "permanent_residence": ("Nơi thường trú", "Permanent residence"),
    "temporary_residence": ("Nơi tạm trú", "Temporary residence"),
    "current_residence": ("Nơi ở hiện tại", "Current residence"),
    "residence_file_number": ("Số hồ sơ cư trú", "Residence file number"),
    "relation_to_head": ("Quan hệ với chủ hộ", "Relationship to the household head"),
    "occupation": ("Nghề nghiệp", "Occupation"),
    "identifying_marks": ("Đặc điểm nhân dạng", "Identifying marks"),
    "phone": ("Số điện thoại", "Phone number"),
    "email": ("Thư điện tử", "E-mail"),
    "previous_card": ("Thẻ đã được cấp", "Previous card"),
    "relatives": ("Thân nhân", "Relatives"),
    "renewal_reason": ("Lý do cấp đổi", "Reason for renewal"),
    "correction_note": ("Nội dung điều chỉnh", "Information to correct"),
    "not_in_population_db": (
        "Chưa có trong Cơ sở dữ liệu quốc gia về dân cư (lập phiếu DC01)",
        "Not yet in the population database (DC01 collected)",
    ),
}

RELATION_LABELS: dict[Relation, tuple[str, str]] = {
    Relation.FATHER: ("Cha", "father"),
    Relation.MOTHER: ("Mẹ", "mother"),
    Relation.SPOUSE: ("Vợ/chồng", "spouse"),
    Relation.CHILD: ("Con", "child"),
    Relation.LEGAL_REPRESENTATIVE: ("Người đại diện hợp pháp", "legal representative"),
    Relation.REPRESENTED_PERSON: ("Người được đại diện", "represented person"),
    Relation.HOUSEHOLD_HEAD: ("Chủ hộ", "household head"),
    Relation.HOUSEHOLD_MEMBER: ("Thành viên hộ gia đình", "household member"),
}

#: Below this age no biometrics are collected and the card carries no photo (Law 26/2023 Art. 23).
NO_BIOMETRICS_UNDER = 6
#: Below this age the citizen comes with a legal representative, who signs for them.
REPRESENTED_UNDER = 14


@dataclass(frozen=True)
class FieldProblem:
    field: str
    vi: str
    en: str


class FormError(ValidationError):
    """Every problem found in a form at once; ``field`` names the first."""

    code = "invalid_form"

    def __init__(self, problems: list[FieldProblem]) -> None:
        first = problems[0]
        more_vi = f" (và {len(problems) - 1} lỗi khác)" if len(problems) > 1 else ""
        more_en = f" (and {len(problems) - 1} more)" if len(problems) > 1 else ""
        super().__init__(first.vi + more_vi, first.en + more_en, field=first.field)
        self.problems = problems


@dataclass(frozen=True)
class Captures:
    """What this citizen's dossier must hold, from the case and the age."""

    face: bool
    fingerprints: bool
    iris: bool  # taken where the station has an iris camera
    signature: bool
    signer: str  # "citizen" or "legal_representative"
    legal_representative: bool


def captures_for(age: int) -> Captures:
    if age < NO_BIOMETRICS_UNDER:
        return Captures(False, False, False, True, "legal_representative", True)
    if age < REPRESENTED_UNDER:
        return Captures(True, True, True, True, "legal_representative", True)
    return Captures(True, True, True, True, "citizen", False)


# --- checking ---------------------------------------------------------------------------------


@dataclass
class _Checker:
    md: MasterData
    today: date
    problems: list[FieldProblem] = field(default_factory=list)

    def fail(self, path: str, vi: str, en: str) -> None:
        self.problems.append(FieldProblem(path, vi, en))

    def label(self, path: str) -> tuple[str, str]:
        base = re.sub(r"\[\d+\]", "", path).split(".")
        key = base[0]
        vi, en = LABELS.get(key, (key, key))
        if len(base) > 1:
            sub = SUBFIELD_LABELS.get(base[-1], (base[-1], base[-1]))
            m = re.search(r"\[(\d+)\]", path)
            n = f" {int(m[1]) + 1}" if m else ""
            return f"{vi}{n} – {sub[0]}", f"{en}{n} – {sub[1]}"
        return vi, en

    def guard(self, fn: Callable[[], Any]) -> Any:
        """Run one field's check; turn its ValidationError into a problem."""
        try:
            return fn()
        except ValidationError as err:
            self.fail(err.field or "form", err.vi, err.en)
            return None

    # --- field kinds

    def text(self, form: dict[str, Any], key: str, path: str, max_len: int = TEXT_MAX) -> None:
        value = form.get(key)
        if value in (None, ""):
            return
        vi, en = self.label(path)
        if not isinstance(value, str):
            self.fail(path, f"{vi}: phải là chữ.", f"{en}: must be text.")
            return
        text = unicodedata.normalize("NFC", value).strip()
        if len(text) > max_len:
            self.fail(
                path,
                f"{vi}: dài {len(text)} ký tự, tối đa {max_len}.",
                f"{en}: {len(text)} characters long, at most {max_len}.",
            )
        if any(unicodedata.category(c) in ("Cc", "Cf", "Co", "Cn") for c in text):
            self.fail(path, f"{vi}: có ký tự điều khiển.", f"{en}: contains control characters.")

    def name(self, value: Any, path: str, required: bool) -> None:
        vi, en = self.label(path)
        if value in (None, ""):
            if required:
                self.fail(path, f"{vi}: không được để trống.", f"{en}: must not be empty.")
            return
        problem = citizen_name_problem(value, vi, en)
        if problem:
            self.fail(path, *problem)

    def id_number(
        self, value: Any, path: str, birth_year: int | None, sex: Sex | None
    ) -> idnumber.IdNumber | None:
        number: idnumber.IdNumber | None = self.guard(lambda: idnumber.parse(value, path))
        if number is not None:
            self.guard(lambda: idnumber.check_against(number, birth_year, sex, path))
        return number

    def enum(self, form: dict[str, Any], key: str, kind: type[StrEnum], required: bool) -> Any:
        value = form.get(key)
        vi, en = self.label(key)
        if value in (None, ""):
            if required:
                self.fail(key, f"{vi}: chưa chọn.", f"{en}: not chosen.")
            return None
        try:
            return kind(value)
        except ValueError:
            allowed = ", ".join(k.value for k in kind)
            self.fail(
                key,
                f"{vi}: giá trị «{value}» không hợp lệ (chọn: {allowed}).",
                f"{en}: '{value}' is not valid (choose: {allowed}).",
            )
            return None

    def country(self, value: Any, path: str, required: bool) -> str | None:
        vi, en = self.label(path)
        if value in (None, ""):
            if required:
                self.fail(path, f"{vi}: chưa chọn.", f"{en}: not chosen.")
            return None
        if not isinstance(value, str) or value.upper() not in self.md.countries:
            self.fail(
                path,
                f"{vi}: mã nước «{value}» không có trong danh mục ISO 3166.",
                f"{en}: country code '{value}' is not in ISO 3166.",
            )
            return None
        return value.upper()

    def date(
        self, value: Any, path: str, *, required: bool, partial: bool = False, future: bool = False
    ) -> dates.PartialDate | None:
        if value in (None, ""):
            if required:
                vi, en = self.label(path)
                self.fail(path, f"{vi}: không được để trống.", f"{en}: must not be empty.")
            return None
        result: dates.PartialDate | None = self.guard(
            lambda: dates.parse(
                value,
                path,
                self.label(path),
                today=self.today,
                allow_partial=partial,
                allow_future=future,
            )
        )
        return result

    def address(self, value: Any, path: str, required: bool) -> set[str] | None:
        """Check an address; return the old province codes it may stand for (None abroad)."""
        vi, en = self.label(path)
        if value in (None, "", {}):
            if required:
                self.fail(path, f"{vi}: không được để trống.", f"{en}: must not be empty.")
            return None
        if not isinstance(value, dict):
            self.fail(path, f"{vi}: sai cấu trúc địa chỉ.", f"{en}: malformed address.")
            return None
        if "country" in value:
            code = self.country(value.get("country"), path, required=True)
            if code == "VN":
                self.fail(
                    path,
                    f"{vi}: địa chỉ trong nước phải chọn theo đơn vị hành chính.",
                    f"{en}: an address in Viet Nam must name its administrative unit.",
                )
            self.text(value, "text", f"{path}.text", STREET_MAX)
            return None
        self.text(value, "street", f"{path}.street", STREET_MAX)
        era, unit = value.get("era"), value.get("unit")
        if era == "2025":
            commune = self.md.communes.get(str(unit))
            if commune is None:
                self.fail(
                    path,
                    f"{vi}: mã xã/phường «{unit}» không có trong danh mục từ 01/7/2025.",
                    f"{en}: commune code '{unit}' is not in the units in force since 2025-07-01.",
                )
                return None
            return self.md.legacy_provinces_of(commune.province_code)
        if era == "legacy":
            ward = self.md.legacy_wards.get(str(unit))
            if ward is None:
                self.fail(
                    path,
                    f"{vi}: mã xã/phường cũ «{unit}» không có trong danh mục trước 01/7/2025.",
                    f"{en}: old ward code '{unit}' is not in the units before 2025-07-01.",
                )
                return None
            return {ward.province_code}
        self.fail(
            path,
            f"{vi}: thiếu đơn vị hành chính (xã/phường).",
            f"{en}: the administrative unit (commune/ward) is missing.",
        )
        return None


SUBFIELD_LABELS: dict[str, tuple[str, str]] = {
    "full_name": ("họ tên", "name"),
    "id_number": ("số định danh", "ID number"),
    "old_id_number": ("số CMND cũ", "old ID number"),
    "nationality": ("quốc tịch", "nationality"),
    "relation": ("quan hệ", "relation"),
    "street": ("số nhà, đường, thôn/xóm", "street, hamlet"),
    "text": ("địa chỉ", "address"),
    "number": ("số thẻ", "card number"),
    "issue_date": ("ngày cấp", "date of issue"),
    "expiry_date": ("có giá trị đến", "valid until"),
    "issue_place": ("nơi cấp", "place of issue"),
}


def citizen_name_problem(value: Any, vi: str, en: str) -> tuple[str, str] | None:
    """Why ``value`` is not a valid citizen's name, or None.

    Names are written in the Latin script with Vietnamese letters (also for the names of ethnic
    minorities, e.g. "H'Hen Niê", "Ksor Y Bí"); spaces, hyphens and apostrophes are allowed.
    """
    if not isinstance(value, str):
        return f"{vi}: phải là chữ.", f"{en}: must be text."
    text = " ".join(unicodedata.normalize("NFC", value).split())
    if not text:
        return f"{vi}: không được để trống.", f"{en}: must not be empty."
    if len(text) > NAME_MAX:
        return (
            f"{vi}: dài {len(text)} ký tự, tối đa {NAME_MAX}.",
            f"{en}: {len(text)} characters long, at most {NAME_MAX}.",
        )
    for ch in text:
        if ch in " -'’":
            continue
        cat = unicodedata.category(ch)
        if cat.startswith("L") and "LATIN" in unicodedata.name(ch, ""):
            continue
        if cat.startswith("L"):
            return (
                f"{vi}: chữ «{ch}» không thuộc bảng chữ cái tiếng Việt (chữ La-tinh).",
                f"{en}: the letter {ch!r} is not in the Latin script used for names.",
            )
        return (
            f"{vi}: ký tự «{ch}» không được dùng trong họ tên.",
            f"{en}: the character {ch!r} is not allowed in a name.",
        )
    return None


def normalize(form: Any) -> Any:
    """NFC and trimmed text everywhere, ID numbers without spaces; nothing else changes.

    Anything but a mapping is returned as it is, for ``dossier.form_json`` to refuse.
    """
    if not isinstance(form, dict):
        return form

    def walk(value: Any) -> Any:
        if isinstance(value, str):
            return " ".join(unicodedata.normalize("NFC", value).split())
        if isinstance(value, dict):
            return {k: walk(v) for k, v in value.items()}
        if isinstance(value, list):
            return [walk(v) for v in value]
        return value

    out = walk(form)
    for key in ("id_number", "old_id_number"):
        if isinstance(out.get(key), str):
            out[key] = re.sub(r"[\s.]", "", out[key])
    return out


def problems(
    form: dict[str, Any], case: CaseType, md: MasterData, today: date
) -> list[FieldProblem]:
    """Every rule broken by ``form`` for ``case`` on ``today``; empty when the form is whole."""
    c = _Checker(md, today)
    dc01 = bool(form.get("not_in_population_db")) and case == CaseType.FIRST_ISSUE

    c.name(form.get("full_name"), "full_name", required=True)
    c.text(form, "other_names", "other_names", NAME_MAX)
    sex = c.enum(form, "sex", Sex, required=True)
    dob = c.date(form.get("date_of_birth"), "date_of_birth", required=True, partial=True)
    birth_year = dob.year if dob else None

    number = None
    if form.get("id_number") not in (None, ""):
        number = c.id_number(form["id_number"], "id_number", birth_year, sex)
    elif not dc01:
        vi, en = LABELS["id_number"]
        c.fail(
            "id_number",
            f"{vi}: không được để trống (chỉ công dân chưa có trong CSDL dân cư mới để trống).",
            f"{en}: must not be empty (only a citizen not yet in the population database may "
            "have none).",
        )
    if form.get("old_id_number") not in (None, ""):
        c.guard(lambda: idnumber.parse_old(form["old_id_number"]))

    c.address(form.get("place_of_birth"), "place_of_birth", required=False)
    registered = c.address(form.get("birth_registration"), "birth_registration", required=True)
    if number is not None and registered is not None and number.province_code[1:] not in registered:
        vi, en = LABELS["id_number"]
        c.fail(
            "id_number",
            f"{vi}: mã tỉnh {number.province_code} không khớp nơi đăng ký khai sinh đã chọn.",
            f"{en}: province code {number.province_code} does not match the chosen place of "
            "birth registration.",
        )
    c.address(form.get("hometown"), "hometown", required=True)
    _ethnic(c, form.get("ethnic_group"))
    _religion(c, form.get("religion"))
    c.country(form.get("nationality"), "nationality", required=True)
    c.country(form.get("other_nationality"), "other_nationality", required=False)
    c.enum(form, "blood_group", BloodGroup, required=False)
    c.enum(form, "marital_status", MaritalStatus, required=False)

    permanent = form.get("permanent_residence")
    current = form.get("current_residence")
    if permanent in (None, "", {}) and current in (None, "", {}):
        vi, en = LABELS["permanent_residence"]
        c.fail(
            "permanent_residence",
            f"{vi}: phải ghi nơi thường trú hoặc nơi ở hiện tại.",
            f"{en}: give the permanent or the current residence.",
        )
    for key in ("permanent_residence", "temporary_residence", "current_residence"):
        c.address(form.get(key), key, required=False)
    for key, max_len in (
        ("residence_file_number", 30),
        ("relation_to_head", 50),
        ("occupation", 100),
        ("identifying_marks", TEXT_MAX),
        ("correction_note", 500),
    ):
        c.text(form, key, key, max_len)
    _contact(c, form)
    _previous_card(c, form.get("previous_card"), dob, required=case == CaseType.RENEWAL)

    age = dates.age_on(dob, today) if dob else None
    _relatives(c, form.get("relatives"), age=age, dc01=dc01)

    if case == CaseType.RENEWAL:
        c.enum(form, "renewal_reason", RenewalReason, required=True)
        if form.get("renewal_reason") == RenewalReason.AGE and dob is not None:
            _renewal_age(c, dob, today, form.get("previous_card"))
    if case == CaseType.CORRECTION and not form.get("correction_note"):
        vi, en = LABELS["correction_note"]
        c.fail("correction_note", f"{vi}: phải ghi rõ.", f"{en}: must be given.")
    return c.problems


def _renewal_age(c: _Checker, dob: dates.PartialDate, today: date, card: object) -> None:
    expiry = None
    if isinstance(card, dict) and isinstance(card.get("expiry_date"), str):
        try:
            expiry = date.fromisoformat(card["expiry_date"])
        except ValueError:
            expiry = None  # reported by the previous card's own check
    why = renewal.age_renewal_problem(dob, today, expiry)
    if why is not None:
        vi, en = LABELS["renewal_reason"]
        c.fail("renewal_reason", f"{vi}: {why[0]}.", f"{en}: {why[1]}.")


def check(form: dict[str, Any], case: CaseType, md: MasterData, today: date) -> None:
    found = problems(form, case, md, today)
    if found:
        raise FormError(found)


def age_of(form: dict[str, Any], today: date) -> int | None:
    """The citizen's age from the form's date of birth, or None when it is missing or bad."""
    try:
        born = dates.parse(
            form.get("date_of_birth"),
            "date_of_birth",
            LABELS["date_of_birth"],
            today=today,
            allow_partial=True,
        )
    except ValidationError:
        return None
    return dates.age_on(born, today)


# --- helpers for composite fields -------------------------------------------------------------


def _ethnic(c: _Checker, value: Any) -> None:
    vi, en = LABELS["ethnic_group"]
    if value in (None, "", {}):
        c.fail("ethnic_group", f"{vi}: chưa chọn.", f"{en}: not chosen.")
        return
    if not isinstance(value, dict):
        c.fail("ethnic_group", f"{vi}: sai cấu trúc.", f"{en}: malformed.")
        return
    list_id = value.get("list", DEFAULT_ETHNIC_LIST)
    groups = c.md.ethnic_groups.get(str(list_id))
    if groups is None:
        c.fail(
            "ethnic_group",
            f"{vi}: danh mục «{list_id}» không tồn tại.",
            f"{en}: code list '{list_id}' does not exist.",
        )
    elif str(value.get("code")) not in groups:
        c.fail(
            "ethnic_group",
            f"{vi}: mã «{value.get('code')}» không có trong danh mục {list_id}.",
            f"{en}: code '{value.get('code')}' is not in the list {list_id}.",
        )


def _religion(c: _Checker, value: Any) -> None:
    vi, en = LABELS["religion"]
    if value in (None, ""):
        c.fail("religion", f"{vi}: chưa chọn (chọn «Không» nếu không theo).", f"{en}: not chosen.")
    elif str(value) not in c.md.religions:
        c.fail(
            "religion",
            f"{vi}: mã «{value}» không có trong danh mục.",
            f"{en}: code '{value}' is not in the list.",
        )


def _contact(c: _Checker, form: dict[str, Any]) -> None:
    phone = form.get("phone")
    if phone not in (None, ""):
        digits = re.sub(r"[\s.\-()]", "", str(phone))
        if not _PHONE_RE.fullmatch(digits):
            vi, en = LABELS["phone"]
            c.fail(
                "phone",
                f"{vi}: «{phone}» không phải số điện thoại Việt Nam (10 hoặc 11 chữ số, bắt "
                "đầu bằng 0 hoặc +84).",
                f"{en}: '{phone}' is not a Vietnamese phone number (10 or 11 digits starting "
                "with 0 or +84).",
            )
    email = form.get("email")
    if email not in (None, "") and not (
        isinstance(email, str) and len(email) <= 254 and _EMAIL_RE.fullmatch(email)
    ):
        vi, en = LABELS["email"]
        c.fail("email", f"{vi}: «{email}» không hợp lệ.", f"{en}: '{email}' is not valid.")


def _previous_card(
    c: _Checker, value: Any, dob: dates.PartialDate | None, *, required: bool
) -> None:
    vi, en = LABELS["previous_card"]
    if value in (None, "", {}):
        if required:
            c.fail(
                "previous_card.number",
                f"{vi}: cấp đổi phải ghi số thẻ cũ.",
                f"{en}: a renewal needs the old card's number.",
            )
        return
    if not isinstance(value, dict):
        c.fail("previous_card", f"{vi}: sai cấu trúc.", f"{en}: malformed.")
        return
    if value.get("number") in (None, ""):
        if required:
            c.fail(
                "previous_card.number",
                f"{vi}: cấp đổi phải ghi số thẻ cũ.",
                f"{en}: a renewal needs the old card's number.",
            )
    elif not re.fullmatch(r"[0-9]{9}|[0-9]{12}", re.sub(r"\s", "", str(value["number"]))):
        c.fail(
            "previous_card.number",
            f"{vi} – số thẻ: phải gồm 9 hoặc 12 chữ số.",
            f"{en} – card number: must be 9 or 12 digits.",
        )
    issued = c.date(value.get("issue_date"), "previous_card.issue_date", required=False)
    expiry = c.date(
        value.get("expiry_date"), "previous_card.expiry_date", required=False, future=True
    )
    c.text(value, "issue_place", "previous_card.issue_place", 100)
    if issued and dob and issued.earliest() < dob.earliest():
        c.fail(
            "previous_card.issue_date",
            f"{vi} – ngày cấp: trước ngày sinh.",
            f"{en} – date of issue: before the date of birth.",
        )
    if issued and expiry and expiry.earliest() <= issued.earliest():
        c.fail(
            "previous_card.expiry_date",
            f"{vi} – có giá trị đến: không sau ngày cấp.",
            f"{en} – valid until: not after the date of issue.",
        )


def _relatives(c: _Checker, value: Any, *, age: int | None, dc01: bool) -> None:
    vi, en = LABELS["relatives"]
    items = value if value not in (None, "") else []
    if not isinstance(items, list):
        c.fail("relatives", f"{vi}: sai cấu trúc.", f"{en}: malformed.")
        return
    kinds: list[Relation] = []
    for i, rel in enumerate(items):
        path = f"relatives[{i}]"
        if not isinstance(rel, dict):
            c.fail(path, f"{vi} {i + 1}: sai cấu trúc.", f"{en} {i + 1}: malformed.")
            continue
        try:
            kind = Relation(str(rel.get("relation")))
        except ValueError:
            c.fail(
                f"{path}.relation",
                f"{vi} {i + 1}: quan hệ «{rel.get('relation')}» không hợp lệ.",
                f"{en} {i + 1}: relation '{rel.get('relation')}' is not valid.",
            )
            continue
        kinds.append(kind)
        c.name(rel.get("full_name"), f"{path}.full_name", required=True)
        if rel.get("id_number") not in (None, ""):
            c.id_number(rel["id_number"], f"{path}.id_number", None, None)
        old = rel.get("old_id_number")
        if old not in (None, ""):
            c.guard(partial(idnumber.parse_old, old, f"{path}.old_id_number"))
        c.country(rel.get("nationality"), f"{path}.nationality", required=dc01)
    if age is not None and age < REPRESENTED_UNDER and Relation.LEGAL_REPRESENTATIVE not in kinds:
        c.fail(
            "relatives",
            f"{vi}: công dân dưới {REPRESENTED_UNDER} tuổi phải có người đại diện hợp pháp.",
            f"{en}: a citizen under {REPRESENTED_UNDER} needs a legal representative.",
        )
    if dc01 and not (
        {Relation.FATHER, Relation.MOTHER} & set(kinds) or Relation.LEGAL_REPRESENTATIVE in kinds
    ):
        c.fail(
            "relatives",
            f"{vi}: phiếu DC01 cần họ tên, quốc tịch của cha, mẹ hoặc người đại diện hợp pháp.",
            f"{en}: a DC01 record needs the name and nationality of the father, mother or "
            "legal representative.",
        )
