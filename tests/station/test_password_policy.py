"""The password policy: the weak passwords the hardening sweep got through are refused."""

from __future__ import annotations

import pytest

from station import password_policy
from station.errors import ValidationError
from station.service import StationService
from tests.conftest import ADMIN_PW


@pytest.mark.parametrize(
    "weak",
    [
        "1234567890",
        "password12",
        "matkhau123",
        "Password1!",
        "P@ssw0rd2026",
        "anhyeuem123",
        "Mật-Khẩu-2024",
        "qwertyuiop",
        "0912345678",
        "123456abc",
    ],
)
def test_stock_passwords_refused(weak: str) -> None:
    with pytest.raises(ValidationError) as err:
        password_policy.check(weak)
    assert err.value.field == "password" and err.value.code == "weak_password"
    assert err.value.vi.startswith("Mật khẩu:") and err.value.en.startswith("Password:")


def test_id_and_station_code_refused() -> None:
    with pytest.raises(ValidationError, match="operator id"):
        password_policy.check("xin-chao-canbo07!", operator_id="canbo07")
    with pytest.raises(ValidationError, match="station code"):
        password_policy.check("TN-001-tram-mot", station_code="TN-001")
    with pytest.raises(ValidationError, match="station code"):
        password_policy.check("tn001tn001", station_code="TN-001")
    assert password_policy.check("chim-lac-bay-cao-1", operator_id="admin", station_code="TN-001")


def test_policy_at_creation_and_change(admin: StationService) -> None:
    for weak, why in (
        ("password12", "too common"),
        ("tram-TN-001-xyz", "station code"),
        ("op-canbo09-day", "operator id"),
    ):
        with pytest.raises(ValidationError, match=why) as err:
            admin.add_operator("canbo09", "Trần Văn Bình", "operator", weak)
        assert err.value.field == "password"
    assert not admin.slots.has_operator("canbo09")
    with pytest.raises(ValidationError, match="operator id") as err:
        admin.change_password(ADMIN_PW, "admin-xyz-2026-abc")
    assert err.value.field == "new_password"
    with pytest.raises(ValidationError, match="too common"):
        admin.change_password(ADMIN_PW, "Password1!")
    with pytest.raises(ValidationError, match="too common"):
        admin.reset_operator(ADMIN_PW, "admin", "matkhau123")
