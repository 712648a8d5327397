"""The privacy notice given to the citizen before capture, and the record that it was given.

Luật Căn cước 2023 (Law No. 26/2023/QH15) lists what the identity database holds (Art. 9:
personal details, face, fingerprints, iris) and who keeps it; before anything is captured the
officer tells the citizen what is collected, why and who keeps it, and records that it was
given. The record lives in the dossier's capture metadata (``capture_json["privacy_notice"]``),
so it is sealed into the packet with the rest of the capture facts.
"""

from __future__ import annotations

from typing import Any

#: Version of the notice text; recorded with each notice given, so a changed text is traceable.
NOTICE_VERSION = "2024-07-luat-can-cuoc-26-2023"

NOTICE_TITLE = ("Thông báo về việc thu nhận thông tin", "Notice on the information collected")

#: What is collected, why, and who keeps it (Vietnamese, English).
NOTICE_TEXT = (
    "Theo Luật Căn cước số 26/2023/QH15, trạm thu nhận của công dân:\n"
    "• thông tin nhân thân (Điều 9): họ tên, ngày sinh, giới tính, nơi đăng ký khai sinh, "
    "quê quán, dân tộc, tôn giáo, quốc tịch, nơi cư trú, thông tin cha, mẹ, vợ hoặc chồng, "
    "người đại diện hợp pháp;\n"
    "• ảnh khuôn mặt, vân tay (và mống mắt nếu trạm có thiết bị), chữ ký trên phiếu thu nhận "
    "CC01, bản chụp giấy tờ kèm theo.\n"
    "Mục đích: cấp thẻ căn cước và cập nhật Cơ sở dữ liệu căn cước.\n"
    "Nơi lưu giữ: dữ liệu được mã hóa ngay tại trạm và chỉ gửi về Trung tâm dữ liệu quốc gia về "
    "dân cư (Bộ Công an), nơi quản lý Cơ sở dữ liệu căn cước; trạm xóa bản sao của mình khi "
    "nhận được biên nhận.\n"
    "Trẻ em dưới 6 tuổi không bị thu nhận sinh trắc học.",
    "Under the Law on Identity No. 26/2023/QH15, the station collects from the citizen:\n"
    "• personal details (Art. 9): full name, date of birth, sex, place of birth registration, "
    "hometown, ethnic group, religion, nationality, residence, the father's, mother's, "
    "spouse's and legal representative's details;\n"
    "• a face photo, fingerprints (and iris where the station has a camera for it), the "
    "signature on the intake record CC01, copies of the supporting papers.\n"
    "Purpose: issuing the identity card and keeping the identity database up to date.\n"
    "Who keeps it: the data is encrypted at the station and sent only to the National "
    "Population Data Center (Ministry of Public Security), which manages the identity "
    "database; the station deletes its copy once a receipt arrives.\n"
    "No biometrics are collected from children under 6.",
)


def notice_record(meta: dict[str, Any]) -> dict[str, Any] | None:
    """The recorded notice of a dossier's capture metadata, or None if none was recorded."""
    value = meta.get("privacy_notice")
    return value if isinstance(value, dict) else None


def with_notice(meta: dict[str, Any], operator_id: str, at: str) -> dict[str, Any]:
    """``meta`` with the record that ``operator_id`` gave the notice at ``at`` (ISO time)."""
    return {
        **meta,
        "privacy_notice": {"given_by": operator_id, "given_at": at, "version": NOTICE_VERSION},
    }
