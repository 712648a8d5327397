"""What a chip read leaves in a dossier, and how its verdict decides.

A read becomes two parts (``docs/packet.md``): ``chip_data`` (``application/json``: the raw
EF.COM list, EF.SOD and data groups as read, base64) whose ``meta`` is the verdict, and
``chip_face`` (the portrait of DG2 as stored on the chip). When the parts are stored the core
judges the stored bytes again with the station's CSCA certificates, so the verdict that travels
is the core's, never a caller's.

A ``failed`` verdict blocks approval until a supervisor accepts the card with a reason
(``capture.chip_acceptance``, audited, sealed into the manifest with the capture metadata).
"""

from __future__ import annotations

import base64
import binascii
import json
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from cryptography.x509 import Certificate

from station.chip import pa
from station.chip.reader import ChipData, judge
from station.errors import ValidationError
from station.prefill import Prefill

RECORD_FORMAT = "chip-read/1"
KIND_DATA = "chip_data"
KIND_FACE = "chip_face"
MEDIA_TYPES = {"jpeg": "image/jpeg", "jpeg2000": "image/jp2"}


@dataclass(frozen=True)
class ChipRead:
    """One read as the window gets it: the prefill (empty when the verdict failed), the verdict
    and the raw record to store with the dossier."""

    prefill: Prefill
    status: str  # pa.OK, pa.CHAIN_NOT_CHECKED, pa.FAILED
    verdict: tuple[str, str]
    record: bytes
    doc: dict[str, Any]

    @property
    def ok(self) -> bool:
        return self.status != pa.FAILED


def raw_record(chip: ChipData) -> bytes:
    doc = {
        "format": RECORD_FORMAT,
        "com": chip.com,
        # what only the live chip could show, recorded by the core at the read
        "access": chip.access,
        "chip_authentication": chip.chip_auth,
        "active_authentication": chip.active_auth,
        "sod": base64.b64encode(chip.sod).decode("ascii"),
        "files": {
            str(n): base64.b64encode(d).decode("ascii") for n, d in sorted(chip.files.items())
        },
    }
    return json.dumps(doc, sort_keys=True).encode("utf-8")


def verdict_doc(chip: ChipData) -> dict[str, Any]:
    """The verdict stored as the ``chip_data`` part's meta and sealed in the manifest."""
    vi, en = chip.summary()
    return {
        "status": chip.status,
        "summary": {"vi": vi, "en": en},
        "passive": chip.passive.to_doc(),
        "problems": [{"vi": v, "en": e} for v, e in chip.problems],
        "access": chip.access,
        "chip_authentication": chip.chip_auth,
        "active_authentication": chip.active_auth,
        "face": {"format": chip.faces[0].format} if chip.faces else None,
    }


def rejudge(record: bytes, cscas: Sequence[Certificate]) -> ChipData:
    """The stored raw record judged again; a record that does not parse is a ValidationError."""
    try:
        doc = json.loads(record)
        if doc.get("format") != RECORD_FORMAT:
            raise ValueError("format")
        files = {int(n): base64.b64decode(v, validate=True) for n, v in doc["files"].items()}
        sod = base64.b64decode(doc["sod"], validate=True)
        com = [int(n) for n in doc["com"]]
        results = {k: str(doc.get(k, "not_performed")) for k in
                   ("access", "chip_authentication", "active_authentication")}  # fmt: skip
    except (ValueError, TypeError, KeyError, AttributeError, binascii.Error):
        raise ValidationError(
            "Bản ghi đọc chip không hợp lệ.", "The chip read record is invalid.", field="chip"
        ) from None
    chip = judge(com, sod, files, cscas, chip_auth=results["chip_authentication"],
                 active_auth=results["active_authentication"])  # fmt: skip
    chip.access = results["access"]
    return chip


def parts(chip: ChipData) -> list[tuple[str, str, bytes, dict[str, Any]]]:
    """(kind, media type, bytes, meta) of the parts a judged read leaves in a dossier."""
    doc = verdict_doc(chip)
    out = [(KIND_DATA, "application/json", raw_record(chip), doc)]
    if chip.faces:
        face = chip.faces[0]
        out.append((KIND_FACE, MEDIA_TYPES[face.format], face.data,
                    {"source": "DG2", "chip_status": doc["status"]}))  # fmt: skip
    return out


def accept(capture: dict[str, Any], status: str, reason: str, who: str, now: str) -> None:
    """Record a supervisor's acceptance of a failed chip verdict in the capture metadata."""
    if status != pa.FAILED:
        raise ValidationError(
            "Kết quả kiểm tra chip không thất bại: không cần chấp nhận.",
            "The chip's verdict did not fail: there is nothing to accept.",
            field="chip",
        )
    capture["chip_acceptance"] = {"status": status, "reason": reason, "accepted_by": who,
                                  "accepted_at": now}  # fmt: skip


def approval_problem(
    meta: dict[str, Any] | None, capture: dict[str, Any]
) -> ValidationError | None:
    """Why a dossier may not be approved because of its chip read (None: it may)."""
    if not meta or meta.get("status") != pa.FAILED:
        return None
    if capture.get("chip_acceptance", {}).get("status") == pa.FAILED:
        return None
    summary = meta.get("summary") or {}
    return ValidationError(
        "Chip của thẻ cũ KHÔNG qua kiểm tra ("
        + str(summary.get("vi", ""))
        + "); chỉ giám sát viên được chấp nhận thẻ, kèm lý do.",
        "The old card's chip FAILED its checks ("
        + str(summary.get("en", ""))
        + "); only a supervisor may accept the card, with a reason.",
        field="chip",
    )


def face_problem(match: dict[str, Any] | None, capture: dict[str, Any]) -> ValidationError | None:
    """Why approval must wait for a supervisor because of the chip-vs-live portrait."""
    if match is None or match.get("status") == "match":
        return None
    accepted = capture.get("chip_face_acceptance") or {}
    if accepted.get("live_sha256") == match.get("live_sha256"):
        return None
    from station.chip.face import summary

    vi, en = summary(match)
    return ValidationError(
        f"{vi} Cần giám sát viên quyết định (kèm lý do).",
        f"{en} A supervisor must decide (with a reason).",
        field="chip_face",
    )


def accept_face(
    capture: dict[str, Any], match: dict[str, Any] | None, reason: str, who: str, now: str
) -> None:
    if match is None or match.get("status") == "match":
        raise ValidationError(
            "Ảnh chip không cần quyết định: đã khớp, hoặc hồ sơ chưa có đủ hai ảnh.",
            "The chip portrait needs no decision: it matches, or a portrait is missing.",
            field="chip_face",
        )
    capture["chip_face_acceptance"] = {
        "status": match.get("status"),
        "distance": match.get("distance"),
        "threshold": match.get("threshold"),
        "live_sha256": match.get("live_sha256"),
        "reason": reason,
        "accepted_by": who,
        "accepted_at": now,
    }
