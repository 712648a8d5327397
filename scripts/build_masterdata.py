#!/usr/bin/env python3
"""Regenerate the master data bundle in ``resources/masterdata/`` (development time only).

The station reads the bundle with ``station.masterdata``; this script is the only thing that
writes it. It needs two packages that are *not* runtime dependencies of the station, so run it
in a scratch virtual environment::

    python3.11 -m venv /tmp/md-venv
    /tmp/md-venv/bin/pip install vietnamadminunits==1.0.4 babel==2.18.0
    /tmp/md-venv/bin/python scripts/build_masterdata.py            # rewrite the bundle
    /tmp/md-venv/bin/python scripts/build_masterdata.py --check    # verify it is up to date

Inputs:

* administrative units (new 2-tier units since 2025-07-01, the 63/696/10,035 units valid until
  2025-06-30, and the legacy ward -> new commune mapping): the SQLite dataset and the converter
  tables inside the installed PyPI package ``vietnamadminunits`` 1.0.4 (MIT). Coordinates,
  bounds and areas are not copied.
* country names: Unicode CLDR 47 as bundled by PyPI ``babel`` 2.18.0, corrected by
  ``resources/masterdata/src/country_name_overrides.json``; ISO 3166-1 alpha-3/numeric codes
  from ``resources/masterdata/src/iso3166_codes.json`` (extracted once from CLDR 41
  ``supplementalData.xml`` of the Debian package ``unicode-cldr-core``; not needed to rebuild).
* ethnic groups and religions: the hand-checked files ``resources/masterdata/src/ethnic_1979.json``,
  ``ethnic_2008.json`` and ``religions.json`` (sources noted inside each file).

The output is deterministic: same inputs, same bytes. A new bundle needs a new, strictly higher
``--version`` (``YYYY.MM.DD-n``) or stations that already imported the old one will refuse it.
"""

from __future__ import annotations

import argparse
import hashlib
import importlib
import json
import re
import sqlite3
import sys
import unicodedata
from collections import Counter, defaultdict
from collections.abc import Callable, Iterable
from importlib import metadata, resources
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
OUT_DIR = ROOT / "resources" / "masterdata"
SRC_DIR = OUT_DIR / "src"

FORMAT = "intake-station/masterdata"
DEFAULT_VERSION = "2025.10.08-1"
VERSION_RE = re.compile(r"^(\d{4})\.(\d{2})\.(\d{2})-(\d+)$")

VAU_PACKAGE = "vietnamadminunits"
VAU_VERSION = "1.0.4"
BABEL_VERSION = "2.18.0"
CLDR_VERSION = "47"

ADMIN_FILE = "admin_units.json"
ETHNIC_FILE = "ethnic_groups.json"
RELIGION_FILE = "religions.json"
COUNTRY_FILE = "countries.json"
MANIFEST_FILE = "manifest.json"

#: Unit types, longest first so that "Thị xã" is tried before "Xã".
UNIT_TYPES = ("Thành phố", "Thị trấn", "Đặc khu", "Phường", "Thị xã", "Huyện", "Quận", "Tỉnh", "Xã")

#: State administrative documents are not protected by copyright (Vietnamese IP Law, art. 15).
OFFICIAL_TEXT = "official document, not subject to copyright (Luật Sở hữu trí tuệ, Điều 15)"

ETHNIC_LIST_FILES = {"QD121-1979": "ethnic_1979.json", "QD1019-2008": "ethnic_2008.json"}

Log = Callable[[str], None]
Table = dict[str, Any]


# --- helpers -------------------------------------------------------------------------------------


def clean(text: str) -> str:
    """NFC, single spaces, no surrounding blanks."""
    return " ".join(unicodedata.normalize("NFC", text).split())


def split_type(name: str) -> tuple[str, str]:
    """("Thị trấn", "Yên Viên") from "Thị Trấn Yên Viên": the type prefix is matched caselessly."""
    lowered = name.lower()
    for unit_type in UNIT_TYPES:
        if lowered.startswith(unit_type.lower() + " "):
            return unit_type, name[len(unit_type) + 1 :].strip()
    raise ValueError(f"no unit type prefix in {name!r}")


def short_of(unit_type: str, rest: str) -> str:
    """The name without its type, except numbered units ("Phường 1", "Quận 3") that keep it."""
    return f"{unit_type} {rest}" if rest.isdigit() else rest


def table(columns: list[str], rows: Iterable[list[Any]]) -> Table:
    return {"columns": columns, "rows": sorted(rows, key=lambda row: str(row[0]))}


def dump_compact(obj: Any) -> bytes:
    text = json.dumps(obj, ensure_ascii=False, separators=(",", ":"), sort_keys=True)
    return (text + "\n").encode("utf-8")


def dump_pretty(obj: Any) -> bytes:
    return (json.dumps(obj, ensure_ascii=False, indent=1, sort_keys=True) + "\n").encode("utf-8")


def read_src(name: str) -> Any:
    return json.loads((SRC_DIR / name).read_text(encoding="utf-8"))


def require_version(dist: str, wanted: str, force: bool) -> str:
    try:
        found = metadata.version(dist)
    except metadata.PackageNotFoundError:
        sys.exit(f"{dist} is not installed: pip install {dist}=={wanted} (see the docstring)")
    if found != wanted and not force:
        sys.exit(f"{dist} {found} is installed but the bundle is built from {wanted} (or --force)")
    return found


# --- administrative units ------------------------------------------------------------------------


class UnitNamer:
    """Canonical name, short name and type of a unit, logging every correction of the source."""

    def __init__(self, log: Log) -> None:
        self.log = log
        self.fixes: Counter[str] = Counter()

    def __call__(self, level: str, code: str, raw_name: str, raw_type: str | None) -> list[str]:
        name = clean(raw_name)
        unit_type, rest = split_type(name)
        canonical = f"{unit_type} {rest}"
        if canonical != name:
            self.fixes[f"{level}: type prefix capitalisation"] += 1
            self.log(f"  fix {level} {code}: name {name!r} -> {canonical!r}")
        if raw_type is not None and clean(raw_type) != unit_type:
            self.fixes[f"{level}: type column contradicts the name"] += 1
            self.log(f"  fix {level} {code}: type {raw_type!r} -> {unit_type!r} (from {name!r})")
        return [canonical, short_of(unit_type, rest), unit_type]


NEW_UNITS_SQL = (
    "SELECT provinceCode, province, provinceShort, provinceKey, wardCode, ward, wardType, wardKey "
    "FROM admin_units ORDER BY provinceCode, wardCode"
)
LEGACY_UNITS_SQL = (
    "SELECT provinceCode, province, provinceShort, provinceKey, districtCode, district, "
    "districtType, districtKey, wardCode, ward, wardType, wardKey "
    "FROM admin_units_legacy ORDER BY provinceCode, districtCode, wardCode"
)


class AdminBuilder:
    """The tables of ``admin_units.json``, each a dict code -> row (a list of column values)."""

    def __init__(self, log: Log) -> None:
        self.log = log
        self.namer = UnitNamer(log)
        self.provinces: dict[str, list[str]] = {}
        self.communes: dict[str, list[str]] = {}
        self.legacy_provinces: dict[str, list[str]] = {}
        self.legacy_districts: dict[str, list[str]] = {}
        self.legacy_wards: dict[str, list[str]] = {}
        self.ward_map: dict[str, list[str]] = {}
        self.district_map: dict[str, list[str]] = {}
        self.province_map: dict[str, str] = {}
        # vietnamadminunits identifies units by text keys in its converter tables
        self.new_key: dict[tuple[str, str], str] = {}
        self.new_province_key: dict[str, str] = {}
        self.old_key: dict[str, tuple[str, str | None]] = {}
        self.old_province_key: dict[str, str] = {}

    def add_new_units(self, rows: Iterable[tuple[str, ...]]) -> None:
        for pcode, pname, pshort, pkey, wcode, wname, wtype, wkey in rows:
            if pcode not in self.provinces:
                self.provinces[pcode] = [pcode, *self.namer("province", pcode, pname, None)]
                if self.provinces[pcode][2] != clean(pshort):
                    raise ValueError(f"province {pcode}: short name {pshort!r}")
                self.new_province_key[pkey] = pcode
            self.communes[wcode] = [wcode, *self.namer("commune", wcode, wname, wtype), pcode]
            self.new_key[(pkey, wkey)] = wcode

    def add_legacy_units(self, rows: Iterable[tuple[str, ...]]) -> None:
        namer = self.namer
        for (
            pcode,
            pname,
            pshort,
            pkey,
            dcode,
            dname,
            dtype,
            dkey,
            wcode,
            wname,
            wtype,
            wkey,
        ) in rows:
            if pcode not in self.legacy_provinces:
                self.legacy_provinces[pcode] = [
                    pcode,
                    *namer("legacy province", pcode, pname, None),
                ]
                if self.legacy_provinces[pcode][2] != clean(pshort):
                    raise ValueError(f"legacy province {pcode}: short name {pshort!r}")
                self.old_province_key[pkey] = pcode
            if dcode not in self.legacy_districts:
                district = namer("legacy district", dcode, dname, dtype)
                self.legacy_districts[dcode] = [dcode, *district, pcode]
            if wcode:
                ward = namer("legacy ward", wcode, wname, wtype)
                self.legacy_wards[wcode] = [wcode, *ward, dcode]
            self.old_key[f"{pkey}_{dkey}_{wkey or ''}"] = (dcode, wcode or None)

    def add_mapping(self, converter: dict[str, Any]) -> None:
        """Legacy ward (or ward-less district) -> new communes, default target first."""
        targets: dict[tuple[str, str | None], set[tuple[bool, str]]] = defaultdict(set)
        links: list[tuple[str, str, str, bool]] = [
            (old, new_pkey, new_wkey, True)
            for new_pkey, wards in converter["DICT_PROVINCE_WARD_NO_DIVIDED"].items()
            for new_wkey, olds in wards.items()
            for old in olds
        ]
        links += [
            (old, new_pkey, part["newWardKey"], bool(part["isDefaultNewWard"]))
            for new_pkey, olds in converter["DICT_PROVINCE_WARD_DIVIDED"].items()
            for old, parts in olds.items()
            for part in parts
        ]
        unresolved = []
        for old, new_pkey, new_wkey, default in links:
            source, target = self.old_key.get(old), self.new_key.get((new_pkey, new_wkey))
            if source is None or target is None:
                unresolved.append(f"{old} -> {new_pkey}/{new_wkey}")
            else:
                targets[source].add((default, target))
        if unresolved:
            raise ValueError(f"{len(unresolved)} unresolved mapping keys, e.g. {unresolved[:3]}")
        for (dcode, wcode), pairs in targets.items():
            defaults = sorted(code for is_default, code in pairs if is_default)
            if len(defaults) != 1:
                raise ValueError(f"legacy unit {dcode}/{wcode}: {len(defaults)} default targets")
            codes = [*defaults, *sorted({code for _, code in pairs} - set(defaults))]
            if wcode is None:
                self.district_map[dcode] = codes
            else:
                self.ward_map[wcode] = codes
        for new_pkey, old_pkeys in converter["DICT_PROVINCE"].items():
            for old_pkey in old_pkeys:
                old = self.old_province_key[old_pkey]
                self.province_map[old] = self.new_province_key[new_pkey]

    def check(self) -> None:
        """Invariants the loader and the tests rely on; a failure means the source changed."""
        counts = tuple(
            len(t)
            for t in (
                self.provinces,
                self.communes,
                self.legacy_provinces,
                self.legacy_districts,
                self.legacy_wards,
            )
        )
        if counts != (34, 3321, 63, 696, 10035):
            raise ValueError(f"unexpected unit counts {counts}")
        for rows, parents, what in (
            (self.communes, self.provinces, "commune -> province"),
            (self.legacy_districts, self.legacy_provinces, "legacy district -> province"),
            (self.legacy_wards, self.legacy_districts, "legacy ward -> district"),
        ):
            if any(row[4] not in parents for row in rows.values()):
                raise ValueError(f"dangling reference {what}")
        if set(self.ward_map) != set(self.legacy_wards):
            raise ValueError("some legacy wards have no mapping")
        with_wards = {row[4] for row in self.legacy_wards.values()}
        if set(self.district_map) != set(self.legacy_districts) - with_wards:
            raise ValueError("mapping of the districts without wards is incomplete")
        if set(self.province_map) != set(self.legacy_provinces):
            raise ValueError("legacy province -> province mapping is incomplete")
        if set(self.province_map.values()) != set(self.provinces):
            raise ValueError("some province has no legacy province")
        self.check_mapping_provinces()

    def check_mapping_provinces(self) -> None:
        reached: set[str] = set()
        for wcode, codes in self.ward_map.items():
            legacy_province = self.legacy_districts[self.legacy_wards[wcode][4]][4]
            if any(self.communes[c][4] != self.province_map[legacy_province] for c in codes):
                raise ValueError(f"legacy ward {wcode} maps into another province")
            reached.update(codes)
        for codes in self.district_map.values():
            reached.update(codes)
        if reached != set(self.communes):
            raise ValueError(f"{len(set(self.communes) - reached)} communes have no legacy source")

    def document(self) -> Table:
        unit = ["code", "name", "short", "type"]
        return {
            "effective": {"units": "2025-07-01", "legacy_until": "2025-06-30"},
            "provinces": table(unit, self.provinces.values()),
            "communes": table([*unit, "province_code"], self.communes.values()),
            "legacy_provinces": table(unit, self.legacy_provinces.values()),
            "legacy_districts": table([*unit, "province_code"], self.legacy_districts.values()),
            "legacy_wards": table([*unit, "district_code"], self.legacy_wards.values()),
            "legacy_ward_communes": table(
                ["legacy_ward_code", "commune_codes"], ([k, v] for k, v in self.ward_map.items())
            ),
            "legacy_district_communes": table(
                ["legacy_district_code", "commune_codes"],
                ([k, v] for k, v in self.district_map.items()),
            ),
            "legacy_province_province": table(
                ["legacy_province_code", "province_code"],
                ([k, v] for k, v in self.province_map.items()),
            ),
        }


def build_admin(log: Log, force: bool) -> tuple[Table, dict[str, Any]]:
    version = require_version(VAU_PACKAGE, VAU_VERSION, force)
    data = resources.files(VAU_PACKAGE) / "data"
    converter = json.loads((data / "converter_2025.json").read_text(encoding="utf-8"))
    builder = AdminBuilder(log)
    with resources.as_file(data / "dataset.db") as db_path:
        db = sqlite3.connect(f"file:{db_path}?mode=ro", uri=True)
        try:
            builder.add_new_units(db.execute(NEW_UNITS_SQL))
            builder.add_legacy_units(db.execute(LEGACY_UNITS_SQL))
        finally:
            db.close()
    builder.add_mapping(converter)
    builder.check()
    for fix, count in sorted(builder.namer.fixes.items()):
        log(f"admin: {count} x {fix}")
    source = {
        "file": ADMIN_FILE,
        "what": (
            f"Administrative units: {len(builder.provinces)} provinces and "
            f"{len(builder.communes)} communes in force since 2025-07-01; "
            f"{len(builder.legacy_provinces)} provinces, {len(builder.legacy_districts)} districts "
            f"and {len(builder.legacy_wards)} wards valid until 2025-06-30; legacy ward -> new "
            "commune mapping (default target first)"
        ),
        "source": f"PyPI {VAU_PACKAGE} (data/dataset.db, data/converter_2025.json)",
        "version": version,
        "licence": "MIT, (c) 2025 Tran Ngoc Minh Hieu",
        "url": "https://github.com/tranngocminhhieu/vietnamadminunits",
        "notes": (
            "Codes follow the GSO list (Công văn 1027/CTK-CSCL 25/6/2025, Quyết định "
            "19/2025/QĐ-TTg); coordinates and areas dropped; type prefixes re-capitalised and "
            "unit types taken from the unit name where the source's type column contradicted it "
            "(see README)"
        ),
    }
    return builder.document(), source


# --- countries -----------------------------------------------------------------------------------


def build_countries(log: Log, force: bool) -> tuple[Table, dict[str, Any]]:
    version = require_version("babel", BABEL_VERSION, force)
    babel = importlib.import_module("babel")
    babel_core = importlib.import_module("babel.core")
    cldr = str(babel_core.get_cldr_version())
    if cldr != CLDR_VERSION and not force:
        sys.exit(f"babel bundles CLDR {cldr}, expected {CLDR_VERSION} (or --force)")
    names_vi: dict[str, str] = dict(babel.Locale("vi").territories)
    names_en: dict[str, str] = dict(babel.Locale("en").territories)

    codes = read_src("iso3166_codes.json")
    if codes["columns"] != ["alpha2", "alpha3", "numeric"]:
        raise ValueError("iso3166_codes.json: unexpected columns")
    overrides: dict[str, dict[str, str]] = read_src("country_name_overrides.json")["overrides"]
    known = {row[0] for row in codes["rows"]}
    if set(overrides) - known:
        raise ValueError(f"overrides for unknown codes {sorted(set(overrides) - known)}")

    rows: list[list[str]] = []
    for alpha2, alpha3, numeric in codes["rows"]:
        if not (re.fullmatch(r"[A-Z]{2}", alpha2) and re.fullmatch(r"[A-Z]{3}", alpha3)):
            raise ValueError(f"bad ISO code row {alpha2} {alpha3}")
        if not re.fullmatch(r"\d{3}", numeric):
            raise ValueError(f"bad ISO numeric code for {alpha2}: {numeric!r}")
        name_vi, name_en = clean(names_vi[alpha2]), clean(names_en[alpha2])
        fix = overrides.get(alpha2, {})
        for field, old in (("name_vi", name_vi), ("name_en", name_en)):
            if field in fix:
                if fix[field] == old:
                    raise ValueError(f"override {alpha2}.{field} no longer changes anything")
                log(f"  override {alpha2} {field}: {old!r} -> {fix[field]!r}")
        rows.append(
            [alpha2, alpha3, numeric, fix.get("name_vi", name_vi), fix.get("name_en", name_en)]
        )
    names = Counter(row[3] for row in rows)
    if any(count > 1 for count in names.values()):
        raise ValueError(
            f"duplicate Vietnamese country names {[n for n, c in names.items() if c > 1]}"
        )
    log(f"countries: {len(rows)} rows, {len(overrides)} overrides")
    countries: Table = table(["alpha2", "alpha3", "numeric", "name_vi", "name_en"], rows)
    source = {
        "file": COUNTRY_FILE,
        "what": "Countries and territories: ISO 3166-1 alpha-2/alpha-3/numeric, names vi and en",
        "source": (
            f"Names: Unicode CLDR {cldr} via PyPI Babel {version}, corrected by "
            "src/country_name_overrides.json; codes: src/iso3166_codes.json (CLDR 41 "
            "supplementalData.xml, cross-checked with pycountry 26.2.16)"
        ),
        "version": f"CLDR {cldr} / Babel {version}",
        "licence": "Unicode License v3 (CLDR data); Babel code BSD-3-Clause (not shipped)",
        "url": "https://cldr.unicode.org/",
        "notes": f"{len(overrides)} names overridden, one comment per override in the src file",
    }
    return countries, source


# --- ethnic groups and religions -----------------------------------------------------------------


def build_ethnic(log: Log) -> tuple[Table, list[dict[str, Any]]]:
    lists: dict[str, Any] = {}
    sources: list[dict[str, Any]] = []
    for list_id, name in sorted(ETHNIC_LIST_FILES.items()):
        src = read_src(name)
        if src["list_id"] != list_id:
            raise ValueError(f"{name}: list_id {src['list_id']!r} != {list_id!r}")
        rows = [
            [it["code"], clean(it["name"]), [clean(a) for a in it["aliases"]]]
            for it in src["items"]
        ]
        if [row[0] for row in rows] != [f"{i:02d}" for i in range(1, 55)]:
            raise ValueError(f"{name}: codes are not exactly 01..54 in order")
        if len({row[1] for row in rows}) != 54:
            raise ValueError(f"{name}: duplicate names")
        lists[list_id] = {
            "title": src["title"],
            "decision": src["source"]["decision"],
            **table(["code", "name", "aliases"], rows),
        }
        sources.append(
            {
                "file": ETHNIC_FILE,
                "what": f"Ethnic groups, list {list_id}: {src['title']}",
                "source": f"src/{name} (hand-checked)",
                "version": list_id,
                "licence": OFFICIAL_TEXT,
                "decision": src["source"]["decision"],
                "notes": src["source"]["confidence"],
            }
        )
        log(f"ethnic {list_id}: {len(rows)} groups")
    return {"lists": lists}, sources


def build_religions(log: Log) -> tuple[Table, dict[str, Any]]:
    src = read_src("religions.json")
    rows = [[it["code"], clean(it["name"]), bool(it["official"])] for it in src["items"]]
    codes = [row[0] for row in rows]
    if codes != [f"{i:02d}" for i in range(17)]:
        raise ValueError(f"religions.json: codes must be 00..16 in order, got {codes}")
    official = [row[0] for row in rows if row[2]]
    if official != [f"{i:02d}" for i in range(1, 15)]:
        raise ValueError("religions.json: exactly 01..14 must be official")
    log(f"religions: {len(rows)} rows ({len(official)} official)")
    source = {
        "file": RELIGION_FILE,
        "what": "Religions: 01-14 official codes, 15-16 station-local codes, 00 = Không (none)",
        "source": "src/religions.json (hand-checked)",
        "version": "1019/QĐ-TCTK (2008) + 16 religions recognised by Bộ Nội vụ (2023)",
        "licence": OFFICIAL_TEXT,
        "decision": src["source"]["codes"],
        "notes": src["codes_note"],
    }
    return table(["code", "name", "official"], rows), source


# --- bundle --------------------------------------------------------------------------------------


def build(version: str, generated: str, log: Log, force: bool) -> dict[str, bytes]:
    """All bundle files, name -> bytes."""
    admin, admin_source = build_admin(log, force)
    ethnic, ethnic_sources = build_ethnic(log)
    religions, religion_source = build_religions(log)
    countries, country_source = build_countries(log, force)
    files = {
        ADMIN_FILE: dump_compact(admin),
        ETHNIC_FILE: dump_compact(ethnic),
        RELIGION_FILE: dump_compact(religions),
        COUNTRY_FILE: dump_compact(countries),
    }
    manifest = {
        "format": FORMAT,
        "version": version,
        "generated": generated,
        "files": {name: hashlib.sha256(data).hexdigest() for name, data in sorted(files.items())},
        "sources": [admin_source, *ethnic_sources, religion_source, country_source],
    }
    files[MANIFEST_FILE] = dump_pretty(manifest)
    return files


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--version", default=DEFAULT_VERSION, help="bundle version YYYY.MM.DD-n")
    parser.add_argument("--generated", help="generation date (default: the date in --version)")
    parser.add_argument("--out", type=Path, default=OUT_DIR, help="output folder")
    parser.add_argument(
        "--check", action="store_true", help="compare, do not write; exit 1 on drift"
    )
    parser.add_argument("--force", action="store_true", help="accept other package versions")
    parser.add_argument("-v", "--verbose", action="store_true", help="list every correction")
    args = parser.parse_args(argv)

    match = VERSION_RE.match(args.version)
    if not match:
        parser.error("--version must look like 2025.10.08-1")
    generated = args.generated or "-".join(match.group(1, 2, 3))

    def log(message: str) -> None:
        if args.verbose or not message.startswith("  "):
            print(message, file=sys.stderr)

    files = build(args.version, generated, log, args.force)
    if args.check:
        stale = [n for n, data in files.items() if _read(args.out / n) != data]
        for name in stale:
            print(f"out of date: {args.out / name}", file=sys.stderr)
        return 1 if stale else 0
    args.out.mkdir(parents=True, exist_ok=True)
    for name, data in sorted(files.items()):
        (args.out / name).write_bytes(data)
        print(f"wrote {args.out / name} ({len(data):,} bytes)", file=sys.stderr)
    return 0


def _read(path: Path) -> bytes | None:
    return path.read_bytes() if path.exists() else None


if __name__ == "__main__":
    sys.exit(main())
