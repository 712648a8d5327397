"""Bad input is refused with a message in Vietnamese and English that names the field."""

from __future__ import annotations

from typing import Any

import pytest

from station import validate
from station.errors import ValidationError
from station.service import StationService


@pytest.mark.parametrize(
    "value,field,vi_part,en_part",
    [
        ("", "full_name", "không được để trống", "must not be empty"),
        ("   ", "full_name", "không được để trống", "must not be empty"),
        ("A" * 101, "full_name", "tối đa 100", "at most 100"),
        ("Nguyễn Văn 3", "full_name", "ký tự không hợp lệ", "invalid character"),
        ("Lê<script>", "full_name", "ký tự không hợp lệ", "invalid character"),
        (42, "full_name", "phải là chuỗi", "must be text"),
        (None, "full_name", "phải là chuỗi", "must be text"),
    ],
)
def test_person_name_refusals(value: Any, field: str, vi_part: str, en_part: str) -> None:
    with pytest.raises(ValidationError) as err:
        validate.person_name(value)
    assert err.value.field == field
    assert vi_part in err.value.vi and "Họ và tên" in err.value.vi
    assert en_part in err.value.en and "Full name" in err.value.en


def test_person_name_is_normalised() -> None:
    decomposed = "Nguye\u0302\u0303n  Thi\u0323   A\u0301nh"
    assert validate.person_name(decomposed) == "Nguyễn Thị Ánh"
    assert validate.person_name("H'Hen Niê") == "H'Hen Niê"


@pytest.mark.parametrize("value", ["", "ab", "Admin", "nguyễn", "a" * 33, "op 1", 7])
def test_operator_id_refusals(value: Any) -> None:
    with pytest.raises(ValidationError) as err:
        validate.operator_id(value)
    assert err.value.field == "operator_id"
    assert "Mã cán bộ" in err.value.vi and "Operator id" in err.value.en


@pytest.mark.parametrize("value", ["root", "Operator", "", None, 3])
def test_unknown_roles(value: Any) -> None:
    with pytest.raises(ValidationError) as err:
        validate.role(value)
    assert err.value.field == "role"
    assert "Vai trò" in err.value.vi and "Role" in err.value.en


@pytest.mark.parametrize(
    "value,en_part",
    [
        ("short", "at least 10"),
        ("x" * 257, "at most 256"),
        ("aaaaaaaaaaaa", "too simple"),
        ("password\x00withnull", "control characters"),
        (12345678901, "must be text"),
    ],
)
def test_password_refusals(value: Any, en_part: str) -> None:
    with pytest.raises(ValidationError) as err:
        validate.password(value)
    assert err.value.field == "password" and en_part in err.value.en
    assert "Mật khẩu" in err.value.vi


def test_service_refuses_bad_operator_without_side_effects(admin: StationService) -> None:
    before = admin.verify_audit().entries
    bad = [
        ("op1", "", "operator", "long-enough-password"),
        ("op1", "Trần Văn Bình", "boss", "long-enough-password"),
        ("op1", "Trần Văn Bình", "operator", "short"),
        ("", "Trần Văn Bình", "operator", "long-enough-password"),
        ("op1", "B" * 200, "operator", "long-enough-password"),
    ]
    for args in bad:
        with pytest.raises(ValidationError):
            admin.add_operator(*args)
    assert admin.verify_audit().entries == before
    assert [o.id for o in admin.list_operators()] == ["admin"]
    assert not admin.slots.has_operator("op1")


def test_duplicate_operator_refused(admin: StationService) -> None:
    admin.add_operator("op1", "Trần Văn Bình", "operator", "long-enough-password")
    with pytest.raises(ValidationError, match="already exists"):
        admin.add_operator("op1", "Trần Văn Khác", "operator", "long-enough-password")


@pytest.mark.parametrize(
    "form,field",
    [
        (["not", "a", "mapping"], "form"),
        ({"photo": b"bytes"}, "form"),
        ({"x": float("nan")}, "form"),
        ({"big": "x" * 70_000}, "form"),
    ],
)
def test_bad_form_data(staffed: StationService, form: Any, field: str) -> None:
    from tests.conftest import OP_PW, login

    op = login(staffed.paths, staffed.clock, "op1", OP_PW)  # type: ignore[arg-type]
    with pytest.raises(ValidationError) as err:
        op.create_dossier("first_issue", form)
    assert err.value.field == field
    with pytest.raises(ValidationError) as case_err:
        op.create_dossier("new_card", {})
    assert case_err.value.field == "case_type" and "cấp mới" in case_err.value.vi
    d = op.create_dossier("first_issue", {"full_name": "A"})
    for kind, slot, media, data, bad_field in [
        ("dna", "", "image/png", b"x", "kind"),
        ("face", "Left Thumb", "image/png", b"x", "slot"),
        ("face", "", "jpeg", b"x", "media_type"),
        ("face", "", "image/jpeg", b"", "data"),
        ("face", "", "image/jpeg", "text", "data"),
        ("face", "", "image/jpeg", b"x" * (20 * 1024 * 1024 + 1), "data"),
    ]:
        with pytest.raises(ValidationError) as part_err:
            op.put_part(d.id, kind, slot, media, data)
        assert part_err.value.field == bad_field
    assert op.get_dossier(d.id).parts == ()
