"""The citizen reviews the intake record, then signs it.

Since Thông tư 17/2024/TT-BCA the station prints the intake record (CC01) from the form data; the
citizen (or the legal representative) checks it and signs it: the signature confirms what was
read. So the order is enforced by the core, not by the window:

- :func:`record` writes ``capture_json["citizen_review"]`` = ``{"form_sha256", "reviewed_by",
  "reviewed_at"}``: the digest of the form the citizen was shown, who showed it, when.
- A signature is accepted only after a review of the form as it is now (:func:`require_review`);
  the signature's image meta keeps the digest it confirms (``confirms_form_sha256``).
- Editing the form after that changes its digest: the stored signature no longer confirms the
  form (:func:`signature_confirms`), ``missing_captures`` asks for a new review and signature,
  and ``mark_captured`` is refused until the citizen has reviewed the changed form and signed
  again. The old signature is kept (not deleted) until it is replaced, so nothing is lost by a
  mistaken edit that is undone: restoring the reviewed data makes it confirm again.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping
from typing import Any, Final

from station.errors import ValidationError

#: Key of the record inside a dossier's capture metadata.
KEY: Final = "citizen_review"
#: Key, in the signature image's meta, of the form digest the signature confirms.
CONFIRMS: Final = "confirms_form_sha256"


def form_digest(form: Mapping[str, Any]) -> str:
    """SHA-256 of the form's canonical JSON (what the citizen reads on the intake record)."""
    text = json.dumps(form, sort_keys=True, ensure_ascii=False, separators=(",", ":"))
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def record(
    capture: dict[str, Any], form: Mapping[str, Any], operator_id: str, at: str
) -> dict[str, Any]:
    """``capture`` with the record that the citizen reviewed ``form`` (shown by ``operator_id``)."""
    return {
        **capture,
        KEY: {"form_sha256": form_digest(form), "reviewed_by": operator_id, "reviewed_at": at},
    }


def reviewed(capture: Mapping[str, Any], form: Mapping[str, Any]) -> bool:
    """Whether the citizen reviewed the form as it is now."""
    rec = capture.get(KEY)
    return isinstance(rec, dict) and rec.get("form_sha256") == form_digest(form)


def require_review(capture: Mapping[str, Any], form: Mapping[str, Any], number: str) -> str:
    """The digest a new signature confirms; refused when the current form was not reviewed."""
    if not reviewed(capture, form):
        changed = isinstance(capture.get(KEY), dict)
        vi = (
            "thông tin đã sửa sau lần kiểm tra trước: mời công dân kiểm tra lại phiếu thu nhận"
            if changed
            else "mời công dân kiểm tra phiếu thu nhận (bước «Công dân kiểm tra») trước"
        )
        en = (
            "the data changed after the last review: have the citizen review the intake record "
            "again"
            if changed
            else "have the citizen review the intake record (the 'Citizen review' step) first"
        )
        raise ValidationError(
            f"Hồ sơ {number}: công dân ký sau khi kiểm tra thông tin; {vi}.",
            f"Dossier {number}: the citizen signs after reviewing the data; {en}.",
            field="signature",
        )
    return form_digest(form)


def signature_confirms(signature_meta: Mapping[str, Any], form: Mapping[str, Any]) -> bool:
    """Whether a stored signature confirms the form as it is now."""
    return signature_meta.get(CONFIRMS) == form_digest(form)
