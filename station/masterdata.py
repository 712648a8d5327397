"""Master data: administrative units (new and legacy), ethnic groups, religions, countries.

The station ships one bundle in ``resources/masterdata/`` (written by
``scripts/build_masterdata.py``). An administrator may import a newer bundle; it is copied into
``<data_dir>/masterdata/<version>/`` and :func:`load` prefers it over the shipped one when its
version is higher. Every file of a bundle is checked against the SHA-256 listed in its
``manifest.json`` before use, and a bundle that does not match is refused.

Two eras of addresses exist:

* ``"2025"``: the two-tier units in force since 2025-07-01 (34 provinces, 3,321 communes of type
  Phường, Xã or Đặc khu), identified by the 5-digit commune code;
* ``"legacy"``: the three-tier units valid until 2025-06-30 (63 provinces, 696 districts, 10,035
  wards), identified by the 5-digit legacy ward code. Old ID cards carry these. The five island
  districts that had no wards (Bạch Long Vĩ, Cồn Cỏ, Hoàng Sa, Lý Sơn, Côn Đảo) are identified by
  their 3-digit district code.

Codes of the two eras overlap (most new communes reuse the code of one old ward), so a code alone
does not say its era.
"""

from __future__ import annotations

import hashlib
import json
import os
import re
import shutil
import tempfile
import threading
import unicodedata
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from functools import cached_property
from pathlib import Path
from typing import Any, Generic, TypeVar

from station.errors import ValidationError
from station.fsutil import fsync_dir

FORMAT = "intake-station/masterdata"
MANIFEST = "manifest.json"
ADMIN_FILE = "admin_units.json"
ETHNIC_FILE = "ethnic_groups.json"
RELIGION_FILE = "religions.json"
COUNTRY_FILE = "countries.json"
REQUIRED_FILES = (ADMIN_FILE, COUNTRY_FILE, ETHNIC_FILE, RELIGION_FILE)

#: Environment variable naming the resources folder (the one that contains ``masterdata/``).
ENV_RESOURCES = "INTAKE_STATION_RESOURCES"
#: Sub-folder of the station data folder that holds imported bundles, one folder per version.
IMPORT_DIR = "masterdata"

ETHNIC_LISTS = ("QD1019-2008", "QD121-1979")
DEFAULT_ETHNIC_LIST = "QD1019-2008"

ERA_2025 = "2025"
ERA_LEGACY = "legacy"
ERAS = (ERA_2025, ERA_LEGACY)

_VERSION_RE = re.compile(r"^(\d{4})\.(\d{2})\.(\d{2})-(\d{1,6})$")
_FILE_NAME_RE = re.compile(r"^[a-z0-9_]{1,64}\.json$")
_SHA256_RE = re.compile(r"^[0-9a-f]{64}$")


# --- records -------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Province:
    """A province-level unit in force since 2025-07-01 (2-digit code)."""

    code: str
    name: str  # "Thành phố Hà Nội"
    short: str  # "Hà Nội"
    type: str  # "Tỉnh" or "Thành phố"


@dataclass(frozen=True, slots=True)
class Commune:
    """A commune-level unit in force since 2025-07-01 (5-digit code)."""

    code: str
    name: str
    short: str
    type: str  # "Phường", "Xã" or "Đặc khu"
    province_code: str


@dataclass(frozen=True, slots=True)
class LegacyProvince:
    """A province valid until 2025-06-30 (one of 63)."""

    code: str
    name: str
    short: str
    type: str  # "Tỉnh" or "Thành phố"


@dataclass(frozen=True, slots=True)
class LegacyDistrict:
    """A district valid until 2025-06-30 (3-digit code)."""

    code: str
    name: str
    short: str
    type: str  # "Quận", "Huyện", "Thị xã" or "Thành phố"
    province_code: str


@dataclass(frozen=True, slots=True)
class LegacyWard:
    """A ward valid until 2025-06-30 (5-digit code)."""

    code: str
    name: str
    short: str
    type: str  # "Phường", "Xã" or "Thị trấn"
    district_code: str
    province_code: str


@dataclass(frozen=True, slots=True)
class EthnicGroup:
    """One entry of an official list of ethnic groups; ``aliases`` only help searching."""

    code: str
    name: str
    list_id: str  # "QD121-1979" or "QD1019-2008"
    aliases: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class Religion:
    """``official`` is False for station-local codes ("00" Không, "15", "16")."""

    code: str
    name: str
    official: bool


@dataclass(frozen=True, slots=True)
class Country:
    alpha2: str
    alpha3: str
    numeric: str
    name_vi: str
    name_en: str


# --- text folding --------------------------------------------------------------------------------

_APOSTROPHES = str.maketrans({"\u2019": "'", "\u2018": "'", "\u02bc": "'", "`": "'"})


def fold(text: str) -> str:
    """Case- and diacritic-insensitive form: NFD, no combining marks, đ -> d, lower case, single
    spaces (typographic apostrophes become ``'``). ``fold("  Đồng  Phú ") == "dong phu"``."""
    decomposed = unicodedata.normalize("NFD", text.lower())
    bare = "".join(ch for ch in decomposed if not unicodedata.combining(ch))
    return " ".join(bare.replace("đ", "d").translate(_APOSTROPHES).split())


def sort_key(text: str) -> tuple[str, str]:
    """Sort key for Vietnamese names: folded, numbers in natural order ("Phường 2" < "Phường 10"),
    ties broken by the original text."""
    natural = re.sub(r"\d+", lambda m: m.group().zfill(8), fold(text))
    return natural, text


#: Type prefixes written on cards and forms (folded), with the unit type they stand for.
_PREFIXES: tuple[tuple[str, str], ...] = (
    ("thanh pho", "thanh pho"),
    ("thi tran", "thi tran"),
    ("thi xa", "thi xa"),
    ("dac khu", "dac khu"),
    ("phuong", "phuong"),
    ("huyen", "huyen"),
    ("quan", "quan"),
    ("tinh", "tinh"),
    ("xa", "xa"),
    ("tp.", "thanh pho"),
    ("tp", "thanh pho"),
    ("tx.", "thi xa"),
    ("tx", "thi xa"),
    ("tt.", "thi tran"),
    ("tt", "thi tran"),
    ("q.", "quan"),
    ("h.", "huyen"),
    ("p.", "phuong"),
)
#: Other names of provinces: abbreviations, and names before a unit was renamed (Thừa Thiên
#: Huế became Thành phố Huế on 1 January 2025: papers and cards written before still say so).
_PROVINCE_ALIASES = {
    "hcm": "ho chi minh",
    "tphcm": "ho chi minh",
    "thua thien hue": "hue",
}


#: Districts renamed or split before 1 July 2025, by legacy province code: the old name's key.
#: Thành phố Huế (46) became the districts Thuận Hóa and Phú Xuân on 1 January 2025.
_RENAMED_DISTRICTS: dict[str, tuple[str, ...]] = {"46": ("hue",)}


def _match_key(text: str) -> str:
    """``fold`` plus: hyphens as spaces, no apostrophes, no leading zeros in numbers, no
    surrounding punctuation ("Bà Rịa-Vũng Tàu" == "ba ria vung tau", "Phường 01" == "phuong 1")."""
    key = fold(text).replace("'", "")
    key = re.sub(r"\s*-\s*", " ", key)
    key = re.sub(r"\b0+(\d)", r"\1", key)
    return " ".join(key.strip(" ,;:").split())


def _split_prefix(key: str) -> tuple[str | None, str]:
    """(folded unit type, rest) of a match key; (None, key) when it has no type prefix."""
    for prefix, unit_type in _PREFIXES:
        if not key.startswith(prefix):
            continue
        rest = key[len(prefix) :]
        if prefix.endswith(".") or rest.startswith(" "):
            rest = rest.strip(" .")
            if rest:
                return unit_type, rest
    return None, key


U = TypeVar("U", Province, Commune, LegacyProvince, LegacyDistrict, LegacyWard)


class _NameIndex(Generic[U]):
    """Units of one parent (or all provinces), looked up by a name as people write it."""

    def __init__(self, units: Iterable[U], aliases: Mapping[str, str] | None = None) -> None:
        self._full: dict[str, list[U]] = {}
        self._rest: dict[str, list[U]] = {}
        self._aliases = aliases or {}
        for unit in units:
            key = _match_key(unit.name)
            self._full.setdefault(key, []).append(unit)
            self._rest.setdefault(_split_prefix(key)[1], []).append(unit)

    def find(self, query: str) -> U | None:
        """The single unit ``query`` names, or None when it names none or is ambiguous.

        "Xã Tân Lập", "xa tan lap", "Tân Lập" all find "Xã Tân Lập". Without a type prefix a name
        shared by two units of the parent (Thị trấn and Xã Yên Viên) is ambiguous. A prefix that
        contradicts the only unit of that name (a card printed before the unit changed type) is
        ignored.
        """
        key = _match_key(query)
        if not key:
            return None
        exact = self._full.get(key, [])
        if len(exact) == 1:
            return exact[0]
        query_type, rest = _split_prefix(key)
        rest = self._aliases.get(rest, rest)
        candidates = self._rest.get(rest) or self._rest.get(key, [])
        if query_type is not None:
            typed = [u for u in candidates if fold(u.type) == query_type]
            if len(typed) == 1:
                return typed[0]
            if typed:
                return None
        return candidates[0] if len(candidates) == 1 else None


# --- errors --------------------------------------------------------------------------------------


class MasterDataError(ValueError):
    """A bundle that is missing, altered or unreadable; ``vi`` and ``en`` say what is wrong."""

    def __init__(self, vi: str, en: str) -> None:
        super().__init__(f"{vi} / {en}")
        self.vi = vi
        self.en = en


def parse_version(version: str) -> tuple[int, int, int, int]:
    """(year, month, day, n) of "YYYY.MM.DD-n"; ValueError for anything else."""
    match = _VERSION_RE.match(version) if isinstance(version, str) else None
    if not match:
        raise ValueError(f"not a master data version (YYYY.MM.DD-n): {version!r}")
    year, month, day, serial = (int(part) for part in match.groups())
    return year, month, day, serial


def _is_version(name: str) -> bool:
    try:
        parse_version(name)
    except ValueError:
        return False
    return True


# --- the data ------------------------------------------------------------------------------------


class MasterData:
    """One loaded, verified bundle. Treat it as read-only: instances are shared through the cache
    of :func:`load`. Lookups by code raise KeyError for an unknown code where stated; the
    ``*_of`` listings return an empty result instead."""

    def __init__(
        self,
        *,
        path: Path,
        manifest: dict[str, Any],
        provinces: dict[str, Province],
        communes: dict[str, Commune],
        legacy_provinces: dict[str, LegacyProvince],
        legacy_districts: dict[str, LegacyDistrict],
        legacy_wards: dict[str, LegacyWard],
        legacy_ward_communes: dict[str, tuple[str, ...]],
        legacy_district_communes: dict[str, tuple[str, ...]],
        legacy_province_province: dict[str, str],
        ethnic_groups: dict[str, dict[str, EthnicGroup]],
        religions: dict[str, Religion],
        countries: dict[str, Country],
    ) -> None:
        self.path = path
        self.manifest = manifest
        self.version: str = manifest["version"]
        self.provinces = provinces
        self.communes = communes
        self.legacy_provinces = legacy_provinces
        self.legacy_districts = legacy_districts
        self.legacy_wards = legacy_wards
        self.ethnic_groups = ethnic_groups
        self.religions = religions
        self.countries = countries
        self._ward_communes = legacy_ward_communes
        self._district_communes = legacy_district_communes
        self._province_map = legacy_province_province

    def __repr__(self) -> str:
        return f"<MasterData {self.version} from {self.path}>"

    # -- listings

    @cached_property
    def _communes_by_province(self) -> _Children[Commune]:
        return _Children(self.communes.values(), lambda c: c.province_code)

    @cached_property
    def _districts_by_province(self) -> _Children[LegacyDistrict]:
        return _Children(self.legacy_districts.values(), lambda d: d.province_code)

    @cached_property
    def _wards_by_district(self) -> _Children[LegacyWard]:
        return _Children(self.legacy_wards.values(), lambda w: w.district_code)

    def communes_of(self, province_code: str) -> list[Commune]:
        """Communes of a new province, sorted by name (folded, natural numbers)."""
        return self._communes_by_province.listing(province_code)

    def legacy_districts_of(self, province_code: str) -> list[LegacyDistrict]:
        return self._districts_by_province.listing(province_code)

    def legacy_wards_of(self, district_code: str) -> list[LegacyWard]:
        return self._wards_by_district.listing(district_code)

    def ethnic_list(self, list_id: str = DEFAULT_ETHNIC_LIST) -> list[EthnicGroup]:
        """The groups of one list in code order; KeyError for an unknown list."""
        return sorted(self.ethnic_groups[list_id].values(), key=lambda g: g.code)

    # -- legacy -> new

    def new_communes_of_legacy_ward(self, ward_code: str) -> list[str]:
        """Codes of the new communes a legacy ward became part of, the default target first (a
        ward split between several communes has more than one). Empty for an unknown code."""
        return list(self._ward_communes.get(ward_code, ()))

    def new_communes_of_legacy_district(self, district_code: str) -> list[str]:
        """For a district without wards (island districts), its new commune(s), default first;
        otherwise every new commune its wards went to, sorted by code."""
        if district_code in self._district_communes:
            return list(self._district_communes[district_code])
        codes = {
            c for w in self.legacy_wards_of(district_code) for c in self._ward_communes[w.code]
        }
        return sorted(codes)

    def new_province_of_legacy(self, legacy_province_code: str) -> str | None:
        return self._province_map.get(legacy_province_code)

    def legacy_provinces_of(self, new_province_code: str) -> set[str]:
        """The legacy provinces merged into a new one (itself included when it kept its code)."""
        return {old for old, new in self._province_map.items() if new == new_province_code}

    def is_wardless_district(self, district_code: str) -> bool:
        return district_code in self._district_communes

    # -- addresses

    def describe_address(self, era: str, unit_code: str, street: str = "") -> str:
        """ "street, Phường X, Thành phố Y" (era "2025", commune code) or "street, Xã X, Huyện Y,
        Tỉnh Z" (era "legacy", legacy ward code, or district code of a district without wards).
        KeyError for an unknown code, ValueError for an unknown era."""
        if era == ERA_2025:
            commune = self.communes[unit_code]
            parts = [commune.name, self.provinces[commune.province_code].name]
        elif era == ERA_LEGACY:
            if unit_code in self.legacy_wards:
                ward = self.legacy_wards[unit_code]
                district = self.legacy_districts[ward.district_code]
                parts = [ward.name, district.name]
            elif unit_code in self._district_communes:
                district = self.legacy_districts[unit_code]
                parts = [district.name]
            else:
                raise KeyError(unit_code)
            parts.append(self.legacy_provinces[district.province_code].name)
        else:
            raise ValueError(f"unknown address era {era!r}; expected one of {ERAS}")
        street = " ".join(street.split())
        return ", ".join([street, *parts] if street else parts)

    # -- finding units by the names written on cards

    @cached_property
    def _province_index(self) -> _NameIndex[Province]:
        return _NameIndex(self.provinces.values(), _PROVINCE_ALIASES)

    @cached_property
    def _legacy_province_index(self) -> _NameIndex[LegacyProvince]:
        return _NameIndex(self.legacy_provinces.values(), _PROVINCE_ALIASES)

    def find_province(self, province: str) -> Province | None:
        return self._province_index.find(province)

    def find_legacy_province(self, province: str) -> LegacyProvince | None:
        return self._legacy_province_index.find(province)

    def find_legacy_district(self, province: str, district: str) -> LegacyDistrict | None:
        found = self.find_legacy_province(province)
        index = self._districts_by_province.index(found.code) if found else None
        return index.find(district) if index else None

    def find_legacy_ward(self, province: str, district: str, ward: str) -> LegacyWard | None:
        """The legacy ward named as on an old card, e.g. ("Tỉnh Bình Phước", "Huyện Đồng Phú",
        "Xã Tân Lập") or ("binh phuoc", "dong phu", "tan lap"); None if not found or ambiguous."""
        found = self.find_legacy_district(province, district)
        if found is None:
            return self._ward_of_renamed_district(province, district, ward)
        index = self._wards_by_district.index(found.code)
        return index.find(ward) if index else None

    def _ward_of_renamed_district(
        self, province: str, district: str, ward: str
    ) -> LegacyWard | None:
        """A district named as before it was renamed or split (``_RENAMED_DISTRICTS``): the
        ward whose name is unique among the districts that took its place."""
        found = self.find_legacy_province(province)
        key = _match_key(district)
        renamed = _RENAMED_DISTRICTS.get(found.code, ()) if found is not None else ()
        if found is None or not any(key == k or key.endswith(" " + k) for k in renamed):
            return None
        hits = []
        for d in self.legacy_districts_of(found.code):
            index = self._wards_by_district.index(d.code)
            hit = index.find(ward) if index else None
            if hit is not None:
                hits.append(hit)
        return hits[0] if len(hits) == 1 else None

    def find_commune(self, province: str, commune: str) -> Commune | None:
        """The new commune named as in a 2-tier address; None if not found or ambiguous."""
        found = self.find_province(province)
        index = self._communes_by_province.index(found.code) if found else None
        return index.find(commune) if index else None


K = TypeVar("K", Commune, LegacyDistrict, LegacyWard)


class _Children(Generic[K]):
    """Units grouped by their parent's code; a group is sorted and indexed on first use only
    (sorting and folding all 14,000 names at start-up would slow the station down)."""

    def __init__(self, units: Iterable[K], parent: Callable[[K], str]) -> None:
        self._groups: dict[str, list[K]] = {}
        for unit in units:
            self._groups.setdefault(parent(unit), []).append(unit)
        self._sorted: dict[str, tuple[K, ...]] = {}
        self._indexes: dict[str, _NameIndex[K]] = {}

    def listing(self, parent_code: str) -> list[K]:
        found = self._sorted.get(parent_code)
        if found is None:
            group = self._groups.get(parent_code, [])
            found = tuple(sorted(group, key=lambda u: (*sort_key(u.name), u.code)))
            self._sorted[parent_code] = found
        return list(found)

    def index(self, parent_code: str) -> _NameIndex[K] | None:
        found = self._indexes.get(parent_code)
        if found is None and parent_code in self._groups:
            found = self._indexes[parent_code] = _NameIndex(self._groups[parent_code])
        return found


# --- reading a bundle ----------------------------------------------------------------------------


def resources_dir() -> Path:
    """``$INTAKE_STATION_RESOURCES`` or the ``resources`` folder next to the ``station`` package."""
    override = os.environ.get(ENV_RESOURCES)
    if override:
        return Path(override).expanduser()
    return Path(__file__).resolve().parent.parent / "resources"


def shipped_bundle_dir() -> Path:
    return resources_dir() / "masterdata"


def _read_manifest(bundle: Path) -> tuple[dict[str, Any], bytes]:
    """The checked manifest of ``bundle`` and its raw bytes."""
    path = bundle / MANIFEST
    try:
        raw = path.read_bytes()
        manifest = json.loads(raw.decode("utf-8"))
    except FileNotFoundError:
        raise MasterDataError(
            f"Không tìm thấy tệp {MANIFEST} trong thư mục {bundle}.",
            f"No {MANIFEST} in {bundle}.",
        ) from None
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise MasterDataError(
            f"Không đọc được tệp {path}: {exc}.", f"Cannot read {path}: {exc}."
        ) from exc
    if not isinstance(manifest, dict) or manifest.get("format") != FORMAT:
        raise MasterDataError(
            f"Tệp {path} không phải manifest của bộ dữ liệu danh mục (cần format «{FORMAT}»).",
            f"{path} is not a master data manifest (format must be '{FORMAT}').",
        )
    version = manifest.get("version")
    if not isinstance(version, str) or not _is_version(version):
        raise MasterDataError(
            f"Phiên bản «{version}» trong {path} không hợp lệ (cần dạng YYYY.MM.DD-n).",
            f"Invalid version '{version}' in {path} (expected YYYY.MM.DD-n).",
        )
    files = manifest.get("files")
    if not isinstance(files, dict) or not all(
        isinstance(name, str) and _FILE_NAME_RE.match(name) and isinstance(digest, str)
        for name, digest in files.items()
    ):
        raise MasterDataError(
            f"Danh sách tệp trong {path} không hợp lệ.", f"Invalid file list in {path}."
        )
    missing = [name for name in REQUIRED_FILES if name not in files]
    if missing:
        raise MasterDataError(
            f"Manifest {path} thiếu tệp bắt buộc: {', '.join(missing)}.",
            f"Manifest {path} lacks required files: {', '.join(missing)}.",
        )
    return manifest, raw


def _read_files(bundle: Path, manifest: Mapping[str, Any]) -> dict[str, bytes]:
    """Every file the manifest lists, after checking its SHA-256."""
    blobs: dict[str, bytes] = {}
    for name, digest in sorted(manifest["files"].items()):
        try:
            data = (bundle / name).read_bytes()
        except FileNotFoundError:
            raise MasterDataError(
                f"Thiếu tệp {name} trong bộ dữ liệu danh mục {bundle}.",
                f"Master data file {name} is missing from {bundle}.",
            ) from None
        except OSError as exc:
            raise MasterDataError(
                f"Không đọc được tệp {bundle / name}: {exc}.",
                f"Cannot read {bundle / name}: {exc}.",
            ) from exc
        if not _SHA256_RE.match(digest) or hashlib.sha256(data).hexdigest() != digest:
            raise MasterDataError(
                f"Tệp {name} trong {bundle} không khớp mã băm SHA-256 ghi trong manifest "
                "(dữ liệu bị sửa đổi hoặc hỏng); không dùng bộ dữ liệu này.",
                f"{name} in {bundle} does not match its SHA-256 in the manifest (altered or "
                "corrupt); the bundle is refused.",
            )
        blobs[name] = data
    return blobs


def _table(document: Mapping[str, Any], key: str, columns: Sequence[str]) -> list[list[Any]]:
    section = document.get(key)
    if not isinstance(section, dict) or section.get("columns") != list(columns):
        raise ValueError(f"section {key!r} must have columns {list(columns)}")
    rows = section.get("rows")
    if not isinstance(rows, list) or not all(
        isinstance(row, list) and len(row) == len(columns) for row in rows
    ):
        raise ValueError(f"section {key!r}: every row must have {len(columns)} values")
    return rows


def _strings(row: Sequence[Any], count: int) -> list[str]:
    if not all(isinstance(value, str) and value for value in row[:count]):
        raise ValueError(f"empty or non-text value in row {row!r}")
    return [str(value) for value in row[:count]]


def _refs(codes: Iterable[str], known: Mapping[str, object], what: str) -> None:
    unknown = sorted({code for code in codes if code not in known})
    if unknown:
        raise ValueError(f"unknown {what} codes {unknown[:5]}")


def _parse_admin(doc: Mapping[str, Any]) -> dict[str, Any]:
    cols = ["code", "name", "short", "type"]
    provinces = {r[0]: Province(*_strings(r, 4)) for r in _table(doc, "provinces", cols)}
    communes = {
        r[0]: Commune(*_strings(r, 5)) for r in _table(doc, "communes", [*cols, "province_code"])
    }
    legacy_provinces = {
        r[0]: LegacyProvince(*_strings(r, 4)) for r in _table(doc, "legacy_provinces", cols)
    }
    legacy_districts = {
        r[0]: LegacyDistrict(*_strings(r, 5))
        for r in _table(doc, "legacy_districts", [*cols, "province_code"])
    }
    _refs((c.province_code for c in communes.values()), provinces, "province")
    _refs((d.province_code for d in legacy_districts.values()), legacy_provinces, "legacy province")
    legacy_wards: dict[str, LegacyWard] = {}
    for row in _table(doc, "legacy_wards", [*cols, "district_code"]):
        code, name, short, unit_type, district_code = _strings(row, 5)
        district = legacy_districts.get(district_code)
        if district is None:
            raise ValueError(f"legacy ward {code}: unknown district {district_code}")
        legacy_wards[code] = LegacyWard(
            code, name, short, unit_type, district_code, district.province_code
        )

    def mapping(key: str, first: str, known: Mapping[str, object]) -> dict[str, tuple[str, ...]]:
        out: dict[str, tuple[str, ...]] = {}
        for source, targets in _table(doc, key, [first, "commune_codes"]):
            if not isinstance(targets, list) or not targets:
                raise ValueError(f"{key}: {source} maps to no commune")
            _refs(targets, communes, "commune")
            out[str(source)] = tuple(str(t) for t in targets)
        _refs(out, known, first)
        return out

    ward_communes = mapping("legacy_ward_communes", "legacy_ward_code", legacy_wards)
    district_communes = mapping(
        "legacy_district_communes", "legacy_district_code", legacy_districts
    )
    if set(ward_communes) != set(legacy_wards):
        raise ValueError("some legacy wards have no new commune")
    province_map = {
        str(old): str(new)
        for old, new in _table(
            doc, "legacy_province_province", ["legacy_province_code", "province_code"]
        )
    }
    _refs(province_map, legacy_provinces, "legacy province")
    _refs(province_map.values(), provinces, "province")
    return {
        "provinces": provinces,
        "communes": communes,
        "legacy_provinces": legacy_provinces,
        "legacy_districts": legacy_districts,
        "legacy_wards": legacy_wards,
        "legacy_ward_communes": ward_communes,
        "legacy_district_communes": district_communes,
        "legacy_province_province": province_map,
    }


def _parse_ethnic(doc: Mapping[str, Any]) -> dict[str, dict[str, EthnicGroup]]:
    lists = doc.get("lists")
    if not isinstance(lists, dict) or set(lists) != set(ETHNIC_LISTS):
        raise ValueError(f"ethnic group lists must be exactly {ETHNIC_LISTS}")
    out: dict[str, dict[str, EthnicGroup]] = {}
    for list_id in ETHNIC_LISTS:
        groups: dict[str, EthnicGroup] = {}
        for row in _table(lists, list_id, ["code", "name", "aliases"]):
            code, name = _strings(row, 2)
            aliases = row[2]
            if not isinstance(aliases, list) or not all(isinstance(a, str) for a in aliases):
                raise ValueError(f"{list_id} {code}: aliases must be a list of text")
            groups[code] = EthnicGroup(code, name, list_id, tuple(aliases))
        out[list_id] = groups
    return out


def _parse_religions(doc: Mapping[str, Any]) -> dict[str, Religion]:
    out: dict[str, Religion] = {}
    for row in _table({"table": doc}, "table", ["code", "name", "official"]):
        code, name = _strings(row, 2)
        if not isinstance(row[2], bool):
            raise ValueError(f"religion {code}: 'official' must be true or false")
        out[code] = Religion(code, name, row[2])
    return out


def _parse_countries(doc: Mapping[str, Any]) -> dict[str, Country]:
    columns = ["alpha2", "alpha3", "numeric", "name_vi", "name_en"]
    rows = _table({"table": doc}, "table", columns)
    return {row[0]: Country(*_strings(row, 5)) for row in rows}


def read_bundle(bundle: Path) -> MasterData:
    """Verify and parse the bundle in ``bundle`` (no caching). MasterDataError, a ValueError with
    a Vietnamese and an English message, when it is missing, altered or unreadable."""
    return _read_bundle(bundle)[0]


def _read_bundle(bundle: Path) -> tuple[MasterData, dict[str, bytes]]:
    """The parsed bundle and the verified bytes of all its files, manifest included."""
    manifest, raw_manifest = _read_manifest(bundle)
    blobs = _read_files(bundle, manifest)
    parsers: dict[str, Callable[[Any], Any]] = {
        ADMIN_FILE: _parse_admin,
        ETHNIC_FILE: _parse_ethnic,
        RELIGION_FILE: _parse_religions,
        COUNTRY_FILE: _parse_countries,
    }
    parsed: dict[str, Any] = {}
    for name, parse in parsers.items():
        try:
            doc = json.loads(blobs[name].decode("utf-8"))
            if not isinstance(doc, dict):
                raise ValueError("the top level must be an object")
            parsed[name] = parse(doc)
        except (ValueError, TypeError, KeyError, AttributeError, IndexError) as exc:
            raise MasterDataError(
                f"Tệp {name} trong {bundle} không đúng cấu trúc: {exc}.",
                f"{name} in {bundle} is malformed: {exc}.",
            ) from exc
    data = MasterData(
        path=bundle,
        manifest=manifest,
        ethnic_groups=parsed[ETHNIC_FILE],
        religions=parsed[RELIGION_FILE],
        countries=parsed[COUNTRY_FILE],
        **parsed[ADMIN_FILE],
    )
    return data, {MANIFEST: raw_manifest, **blobs}


# --- choosing, caching, importing ----------------------------------------------------------------

_cache: dict[tuple[str, str], MasterData] = {}
_cache_lock = threading.Lock()


def _imported_versions(data_dir: Path) -> dict[str, Path]:
    """Imported bundle folders by version (folders with other names are ignored)."""
    root = data_dir / IMPORT_DIR
    if not root.is_dir():
        return {}
    return {p.name: p for p in root.iterdir() if p.is_dir() and _is_version(p.name)}


def _select(data_dir: Path | None) -> tuple[Path, str]:
    """The bundle :func:`load` uses: the shipped one, or the highest imported one if newer."""
    shipped = shipped_bundle_dir()
    best_version: str = _read_manifest(shipped)[0]["version"]
    best_path = shipped
    if data_dir is not None:
        for version, path in _imported_versions(data_dir).items():
            if parse_version(version) > parse_version(best_version):
                best_path, best_version = path, version
    return best_path, best_version


def load(data_dir: Path | None = None) -> MasterData:
    """The master data the station uses: the shipped bundle, or the newest bundle imported into
    ``data_dir`` when its version is higher. Cached per (folder, version). MasterDataError (a
    ValueError) when the chosen bundle fails verification: it is never silently replaced."""
    path, version = _select(data_dir)
    key = (str(path.resolve()), version)
    with _cache_lock:
        cached = _cache.get(key)
    if cached is not None:
        return cached
    data = read_bundle(path)
    if data.version != version:
        raise MasterDataError(
            f"Thư mục {path} chứa bộ dữ liệu phiên bản {data.version}, không phải {version}.",
            f"Folder {path} holds master data version {data.version}, not {version}.",
        )
    with _cache_lock:
        return _cache.setdefault(key, data)


def _installed_version(data_dir: Path) -> str:
    """The highest version present: the shipped bundle or any imported folder."""
    shipped: str = _read_manifest(shipped_bundle_dir())[0]["version"]
    return max([shipped, *_imported_versions(data_dir)], key=parse_version)


def import_bundle(source_dir: Path, data_dir: Path) -> str:
    """Validate the bundle in ``source_dir`` and install it into
    ``data_dir/masterdata/<version>/`` (copied to a temporary folder, then renamed); returns its
    version. ValidationError (Vietnamese and English message) if the manifest, a file, a hash or
    the content is wrong, or the version is not strictly higher than the installed one."""
    try:
        data, blobs = _read_bundle(source_dir)
        current = _installed_version(data_dir)
    except MasterDataError as exc:
        raise ValidationError(exc.vi, exc.en, field="masterdata") from exc
    version = data.version
    if parse_version(version) <= parse_version(current):
        raise ValidationError(
            f"Bộ dữ liệu danh mục phiên bản {version} không mới hơn phiên bản đã có {current}; "
            "chỉ nhập được phiên bản mới hơn.",
            f"Master data version {version} is not newer than the installed version {current}; "
            "only a newer bundle can be imported.",
            field="masterdata",
        )
    root = data_dir / IMPORT_DIR
    try:
        root.mkdir(parents=True, exist_ok=True)
        tmp = Path(tempfile.mkdtemp(prefix=f".import-{version}-", dir=root))
    except OSError as exc:
        raise _install_error(version, root, exc) from exc
    try:
        for name, blob in blobs.items():
            with open(tmp / name, "xb") as fh:
                fh.write(blob)
                fh.flush()
                os.fsync(fh.fileno())
        fsync_dir(tmp)
        _read_files(tmp, data.manifest)  # what landed on disk is what was verified
        os.rename(tmp, root / version)
        fsync_dir(root)
    except MasterDataError as exc:
        shutil.rmtree(tmp, ignore_errors=True)
        raise ValidationError(exc.vi, exc.en, field="masterdata") from exc
    except OSError as exc:
        shutil.rmtree(tmp, ignore_errors=True)
        raise _install_error(version, root, exc) from exc
    return version


def _install_error(version: str, root: Path, exc: OSError) -> ValidationError:
    return ValidationError(
        f"Không cài được bộ dữ liệu danh mục {version} vào {root}: {exc}.",
        f"Cannot install master data {version} into {root}: {exc}.",
        field="masterdata",
    )
