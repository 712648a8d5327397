"""Master data bundle: content, lookups, verification and import of newer bundles."""

from __future__ import annotations

import hashlib
import json
import re
import shutil
from pathlib import Path

import pytest

from station import masterdata as md
from station.errors import ValidationError

NEW_PROVINCE_CODES = (
    "01 04 08 11 12 14 15 19 20 22 24 25 31 33 37 38 40 42 44 46 48 51 52 56 66 68 75 79 80 82 "
    "86 91 92 96"
).split()


@pytest.fixture(scope="module")
def data() -> md.MasterData:
    return md.load()


def copy_bundle(dest: Path, version: str | None = None) -> Path:
    """A copy of the shipped bundle (manifest and listed files only), optionally re-versioned."""
    src = md.shipped_bundle_dir()
    dest.mkdir(parents=True)
    manifest = json.loads((src / md.MANIFEST).read_text(encoding="utf-8"))
    for name in manifest["files"]:
        shutil.copyfile(src / name, dest / name)
    if version is not None:
        manifest["version"] = version
    (dest / md.MANIFEST).write_text(json.dumps(manifest, ensure_ascii=False), encoding="utf-8")
    return dest


def flip_one_byte(path: Path, offset: int = 1000) -> None:
    raw = bytearray(path.read_bytes())
    raw[offset] = ord("X") if raw[offset] != ord("X") else ord("Y")
    path.write_bytes(bytes(raw))


# --- content -------------------------------------------------------------------------------------


def test_unit_counts_and_new_province_codes(data: md.MasterData) -> None:
    assert sorted(data.provinces) == NEW_PROVINCE_CODES
    assert len(data.communes) == 3321
    assert len(data.legacy_provinces) == 63
    assert len(data.legacy_districts) == 696
    assert len(data.legacy_wards) == 10035
    assert {c.type for c in data.communes.values()} == {"Phường", "Xã", "Đặc khu"}
    assert {p.type for p in data.provinces.values()} == {"Tỉnh", "Thành phố"}
    assert data.provinces["79"].name == "Thành phố Hồ Chí Minh"
    assert data.provinces["79"].short == "Hồ Chí Minh"


def test_references_are_consistent(data: md.MasterData) -> None:
    assert all(c.province_code in data.provinces for c in data.communes.values())
    assert all(d.province_code in data.legacy_provinces for d in data.legacy_districts.values())
    for ward in data.legacy_wards.values():
        assert data.legacy_districts[ward.district_code].province_code == ward.province_code
        targets = data.new_communes_of_legacy_ward(ward.code)
        assert targets, ward
        assert len(set(targets)) == len(targets)
        new_province = data.new_province_of_legacy(ward.province_code)
        assert {data.communes[c].province_code for c in targets} == {new_province}
    assert {data.new_province_of_legacy(p) for p in data.legacy_provinces} == set(data.provinces)


def test_names_carry_their_type(data: md.MasterData) -> None:
    units: list[md.Commune | md.LegacyDistrict | md.LegacyWard] = [
        *data.communes.values(),
        *data.legacy_districts.values(),
        *data.legacy_wards.values(),
    ]
    assert all(u.name.startswith(u.type + " ") for u in units)
    assert data.legacy_wards["27046"].type == "Phường"  # source type column said "Xã"
    assert data.legacy_districts["058"].name == "Thành phố Bắc Kạn"  # source: "Thành Phố"


def test_known_mappings(data: md.MasterData) -> None:
    ben_nghe = data.legacy_wards["26740"]
    assert (ben_nghe.name, data.legacy_districts[ben_nghe.district_code].name) == (
        "Phường Bến Nghé",
        "Quận 1",
    )
    assert [data.communes[c].name for c in data.new_communes_of_legacy_ward("26740")] == [
        "Phường Sài Gòn"
    ]
    assert data.legacy_provinces["06"].name == "Tỉnh Bắc Kạn"
    assert data.new_province_of_legacy("06") == "19"  # -> Tỉnh Thái Nguyên
    assert data.new_province_of_legacy("70") == "75"  # Bình Phước -> Tỉnh Đồng Nai
    assert data.provinces["75"].name == "Tỉnh Đồng Nai"
    assert data.legacy_provinces_of("75") == {"70", "75"}
    assert data.legacy_provinces_of("79") == {"74", "77", "79"}
    assert data.legacy_provinces_of("01") == {"01"}
    assert data.new_province_of_legacy("99") is None
    assert data.new_communes_of_legacy_ward("99999") == []
    # Xã Tân Lập, Huyện Đồng Phú, Tỉnh Bình Phước -> Xã Đồng Phú, Tỉnh Đồng Nai
    assert data.new_communes_of_legacy_ward("25381") == ["25363"]
    assert data.communes["25363"].name == "Xã Đồng Phú"


def test_divided_wards_list_the_default_target_first(data: md.MasterData) -> None:
    divided = [w for w in data.legacy_wards if len(data.new_communes_of_legacy_ward(w)) > 1]
    assert 400 < len(divided) < 600
    for code in divided:
        rest = data.new_communes_of_legacy_ward(code)[1:]
        assert rest == sorted(rest)


def test_island_districts_without_wards(data: md.MasterData) -> None:
    wardless = sorted(d for d in data.legacy_districts if not data.legacy_wards_of(d))
    assert wardless == ["318", "471", "498", "536", "755"]
    assert all(data.is_wardless_district(d) for d in wardless)
    assert [data.communes[c].name for c in data.new_communes_of_legacy_district("755")] == [
        "Đặc khu Côn Đảo"
    ]
    assert "26740" in data.new_communes_of_legacy_district("760")  # Quận 1 -> ... Sài Gòn


def test_listings_are_sorted_by_folded_name(data: md.MasterData) -> None:
    communes = data.communes_of("79")
    assert len(communes) == 168
    assert [md.sort_key(c.name) for c in communes] == sorted(md.sort_key(c.name) for c in communes)
    wards = [w.name for w in data.legacy_wards_of("770")]  # Quận 3: natural number order
    assert wards[:5] == ["Phường 1", "Phường 2", "Phường 3", "Phường 4", "Phường 5"]
    assert len(data.legacy_districts_of("79")) == 22
    assert data.communes_of("00") == []
    communes.clear()  # callers get a copy
    assert len(data.communes_of("79")) == 168


def test_ethnic_groups(data: md.MasterData) -> None:
    assert md.DEFAULT_ETHNIC_LIST in md.ETHNIC_LISTS
    for list_id in md.ETHNIC_LISTS:
        groups = data.ethnic_groups[list_id]
        assert sorted(groups) == [f"{i:02d}" for i in range(1, 55)]
        assert groups["01"].name == "Kinh"
        assert all(g.list_id == list_id for g in groups.values())
    old, new = data.ethnic_groups["QD121-1979"], data.ethnic_groups["QD1019-2008"]
    assert old["12"].name == "Ê-đê" and new["11"].name == "Ê Đê"
    assert (old["04"].name, old["06"].name) == ("Hoa", "Mường")
    assert (new["04"].name, new["06"].name) == ("Mường", "Hoa")
    assert "Mèo" in new["08"].aliases
    assert [g.code for g in data.ethnic_list()] == sorted(new)


def test_religions(data: md.MasterData) -> None:
    assert sorted(data.religions) == [f"{i:02d}" for i in range(17)]
    assert [c for c, r in data.religions.items() if r.official] == [
        f"{i:02d}" for i in range(1, 15)
    ]
    assert data.religions["00"].name == "Không"
    assert data.religions["01"].name == "Phật giáo"
    assert data.religions["15"].name == "Cơ đốc Phục lâm"
    assert data.religions["16"].name == "Phật giáo Hiếu Nghĩa Tà Lơn"
    assert not data.religions["15"].official and not data.religions["16"].official


def test_countries(data: md.MasterData) -> None:
    assert len(data.countries) == 249
    names = {c: data.countries[c].name_vi for c in ("VN", "LA", "KH", "CN")}
    assert names == {"VN": "Việt Nam", "LA": "Lào", "KH": "Campuchia", "CN": "Trung Quốc"}
    vn = data.countries["VN"]
    assert (vn.alpha3, vn.numeric, vn.name_en) == ("VNM", "704", "Vietnam")
    assert data.countries["IT"].name_vi == "Ý"
    assert data.countries["CD"].name_vi == "Cộng hòa Dân chủ Công-gô"
    assert not any(c.name_vi.startswith("St.") or "&" in c.name_vi for c in data.countries.values())


# --- addresses and name lookup -------------------------------------------------------------------


def test_describe_address(data: md.MasterData) -> None:
    assert (
        data.describe_address("2025", "26740", "12 Lê Lợi")
        == "12 Lê Lợi, Phường Sài Gòn, Thành phố Hồ Chí Minh"
    )
    assert data.describe_address("2025", "25363") == "Xã Đồng Phú, Tỉnh Đồng Nai"
    assert (
        data.describe_address("legacy", "25381", "  Ấp 3 ")
        == "Ấp 3, Xã Tân Lập, Huyện Đồng Phú, Tỉnh Bình Phước"
    )
    assert (
        data.describe_address("legacy", "26740") == "Phường Bến Nghé, Quận 1, Thành phố Hồ Chí Minh"
    )
    assert data.describe_address("legacy", "755") == "Huyện Côn Đảo, Tỉnh Bà Rịa - Vũng Tàu"
    with pytest.raises(KeyError):
        data.describe_address("2025", "99999")
    with pytest.raises(KeyError):
        data.describe_address("legacy", "760")  # a district with wards is not an address unit
    with pytest.raises(ValueError, match="era"):
        data.describe_address("1990", "26740")


def test_fold() -> None:
    assert md.fold("  Tỉnh  Bình Phước ") == "tinh binh phuoc"
    assert md.fold("ĐỒNG PHÚ") == "dong phu"
    assert md.fold("Xã Ea M\u2019Droh") == "xa ea m'droh"
    assert md.fold("Hoà") == md.fold("Hòa") == md.fold("HÒA") == "hoa"


@pytest.mark.parametrize(
    ("province", "district", "ward"),
    [
        ("Tỉnh Bình Phước", "Huyện Đồng Phú", "Xã Tân Lập"),
        ("Bình Phước", "Đồng Phú", "Tân Lập"),
        ("binh phuoc", "dong phu", "tan lap"),
        ("BÌNH PHƯỚC", "huyện  đồng phú", "xa tan lap"),
    ],
)
def test_find_legacy_ward(data: md.MasterData, province: str, district: str, ward: str) -> None:
    found = data.find_legacy_ward(province, district, ward)
    assert found is not None and found.code == "25381"


def test_find_legacy_ward_abbreviations_and_ambiguity(data: md.MasterData) -> None:
    ben_nghe = data.find_legacy_ward("TP. Hồ Chí Minh", "Q.1", "P. Bến Nghé")
    assert ben_nghe is not None and ben_nghe.code == "26740"
    assert data.find_legacy_ward("TPHCM", "Quận 3", "Phường 05") == data.legacy_wards["27151"]
    # Gia Lâm had both Thị trấn Yên Viên and Xã Yên Viên: the prefix decides
    assert data.find_legacy_ward("Hà Nội", "Gia Lâm", "Yên Viên") is None
    town = data.find_legacy_ward("Hà Nội", "Huyện Gia Lâm", "Thị trấn Yên Viên")
    commune = data.find_legacy_ward("Hà Nội", "Huyện Gia Lâm", "Xã Yên Viên")
    assert town is not None and town.type == "Thị trấn"
    assert commune is not None and commune.type == "Xã"
    assert data.find_legacy_ward("Bình Phước", "Đồng Phú", "Không Có") is None
    assert data.find_legacy_ward("Atlantis", "Đồng Phú", "Tân Lập") is None
    assert data.find_legacy_ward("Bà Rịa-Vũng Tàu", "Côn Đảo", "") is None
    district = data.find_legacy_district("ba ria vung tau", "con dao")
    assert district is not None and district.code == "755"


def test_find_commune(data: md.MasterData) -> None:
    assert data.find_commune("Thành phố Hồ Chí Minh", "Phường Sài Gòn") == data.communes["26740"]
    assert data.find_commune("ho chi minh", "sai gon") == data.communes["26740"]
    assert data.find_commune("Đồng Nai", "Xã Đồng Phú") == data.communes["25363"]
    found = data.find_commune("Lâm Đồng", "Xuân Hương - Đà Lạt")
    assert found is not None and found.code == "24781"
    assert data.find_commune("Hà Nội", "Sài Gòn") is None
    assert data.find_province("TP HCM") == data.provinces["79"]


# --- bundle verification and import --------------------------------------------------------------


def test_manifest_hashes_match(data: md.MasterData) -> None:
    bundle = md.shipped_bundle_dir()
    manifest = json.loads((bundle / "manifest.json").read_text(encoding="utf-8"))
    assert manifest["format"] == "intake-station/masterdata"
    assert manifest["version"] == data.version == "2025.10.08-1"
    assert sorted(manifest["files"]) == sorted(md.REQUIRED_FILES)
    for name, digest in manifest["files"].items():
        assert hashlib.sha256((bundle / name).read_bytes()).hexdigest() == digest
    assert {s["file"] for s in manifest["sources"]} == set(md.REQUIRED_FILES)
    assert (bundle / "admin_units.json").stat().st_size < 2_000_000


def test_load_is_cached(data: md.MasterData) -> None:
    assert md.load() is data


def test_tampered_bundle_is_refused(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    bundle = copy_bundle(tmp_path / "resources" / "masterdata")
    flip_one_byte(bundle / "admin_units.json")
    with pytest.raises(ValueError, match=re.escape("admin_units.json")) as err:
        md.read_bundle(bundle)
    assert isinstance(err.value, md.MasterDataError)
    assert "SHA-256" in err.value.en and "SHA-256" in err.value.vi
    monkeypatch.setenv(md.ENV_RESOURCES, str(tmp_path / "resources"))
    with pytest.raises(ValueError, match="SHA-256"):
        md.load()


def test_import_newer_bundle_is_used(tmp_path: Path, data: md.MasterData) -> None:
    data_dir = tmp_path / "station"
    source = copy_bundle(tmp_path / "new", version="2025.11.01-1")
    assert md.import_bundle(source, data_dir) == "2025.11.01-1"
    installed = data_dir / "masterdata" / "2025.11.01-1"
    assert sorted(p.name for p in installed.iterdir()) == sorted([*md.REQUIRED_FILES, md.MANIFEST])
    assert [p.name for p in (data_dir / "masterdata").iterdir()] == ["2025.11.01-1"]  # no temp
    loaded = md.load(data_dir)
    assert loaded.version == "2025.11.01-1"
    assert loaded.path == installed
    assert md.load(data_dir) is loaded
    assert md.load().version == data.version  # without data_dir: the shipped bundle


@pytest.mark.parametrize("version", ["2025.10.08-1", "2024.12.31-9"])
def test_import_of_equal_or_older_version_is_refused(tmp_path: Path, version: str) -> None:
    source = copy_bundle(tmp_path / "old", version=version)
    with pytest.raises(ValidationError) as err:
        md.import_bundle(source, tmp_path / "station")
    assert version in err.value.en
    assert version in err.value.vi
    assert err.value.field == "masterdata"
    assert not (tmp_path / "station" / "masterdata" / version).exists()


def test_import_refuses_a_version_already_imported(tmp_path: Path) -> None:
    data_dir = tmp_path / "station"
    md.import_bundle(copy_bundle(tmp_path / "a", version="2026.01.01-1"), data_dir)
    with pytest.raises(ValidationError, match=re.escape("2026.01.01-1")):
        md.import_bundle(copy_bundle(tmp_path / "b", version="2026.01.01-1"), data_dir)
    with pytest.raises(ValidationError, match=re.escape("2025.12.01-1")):
        md.import_bundle(copy_bundle(tmp_path / "c", version="2025.12.01-1"), data_dir)


def test_import_of_bundle_with_missing_file_is_refused(tmp_path: Path) -> None:
    source = copy_bundle(tmp_path / "new", version="2025.11.01-1")
    (source / "countries.json").unlink()
    with pytest.raises(ValidationError) as err:
        md.import_bundle(source, tmp_path / "station")
    assert "countries.json" in err.value.en and "countries.json" in err.value.vi
    assert not (tmp_path / "station" / "masterdata" / "2025.11.01-1").exists()


def test_import_of_tampered_or_malformed_bundle_is_refused(tmp_path: Path) -> None:
    tampered = copy_bundle(tmp_path / "tampered", version="2025.11.01-1")
    flip_one_byte(tampered / "religions.json", offset=50)
    with pytest.raises(ValidationError, match=re.escape("religions.json")):
        md.import_bundle(tampered, tmp_path / "station")

    wrong_format = copy_bundle(tmp_path / "format", version="2025.11.01-1")
    manifest = json.loads((wrong_format / md.MANIFEST).read_text(encoding="utf-8"))
    manifest["format"] = "something-else"
    (wrong_format / md.MANIFEST).write_text(json.dumps(manifest), encoding="utf-8")
    with pytest.raises(ValidationError, match="format"):
        md.import_bundle(wrong_format, tmp_path / "station")

    sneaky = copy_bundle(tmp_path / "sneaky", version="2025.11.01-1")
    manifest = json.loads((sneaky / md.MANIFEST).read_text(encoding="utf-8"))
    manifest["files"]["../../evil.json"] = "0" * 64
    (sneaky / md.MANIFEST).write_text(json.dumps(manifest), encoding="utf-8")
    with pytest.raises(ValidationError):
        md.import_bundle(sneaky, tmp_path / "station")

    broken = copy_bundle(tmp_path / "broken", version="2025.11.01-1")
    (broken / "religions.json").write_text('{"columns": ["code"], "rows": []}', encoding="utf-8")
    manifest = json.loads((broken / md.MANIFEST).read_text(encoding="utf-8"))
    manifest["files"]["religions.json"] = hashlib.sha256(
        (broken / "religions.json").read_bytes()
    ).hexdigest()
    (broken / md.MANIFEST).write_text(json.dumps(manifest), encoding="utf-8")
    with pytest.raises(ValidationError, match=re.escape("religions.json")):
        md.import_bundle(broken, tmp_path / "station")
    assert not (tmp_path / "station" / "masterdata").exists() or not any(
        (tmp_path / "station" / "masterdata").iterdir()
    )


def test_load_refuses_an_imported_bundle_altered_after_import(tmp_path: Path) -> None:
    data_dir = tmp_path / "station"
    version = md.import_bundle(copy_bundle(tmp_path / "new", version="2025.11.02-1"), data_dir)
    flip_one_byte(data_dir / "masterdata" / version / "countries.json", offset=200)
    with pytest.raises(ValueError, match=re.escape("countries.json")):
        md.load(data_dir)


def test_parse_version() -> None:
    assert md.parse_version("2025.10.08-1") < md.parse_version("2025.10.08-2")
    assert md.parse_version("2025.10.08-10") > md.parse_version("2025.10.08-9")
    for bad in ("2025.10.8-1", "2025-10-08-1", "latest", ""):
        with pytest.raises(ValueError):
            md.parse_version(bad)
