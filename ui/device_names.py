"""A device's name in the window's language.

A real driver names its device as the device reports itself (a model name: shown as it is). The
simulated drivers of the core carry a name in both languages ("Máy quét vân tay mô phỏng /
Simulated slap scanner"); the window shows its own words for them instead, in its language
through Qt's translation system.
"""

from __future__ import annotations

from station.devices import DeviceInfo, DeviceKind
from ui.qt import QCoreApplication

translate = QCoreApplication.translate


def simulated_names() -> dict[DeviceKind, str]:
    return {
        DeviceKind.CAMERA: translate("DeviceName", "Máy ảnh mô phỏng"),
        DeviceKind.FINGERPRINT: translate("DeviceName", "Máy quét vân tay mô phỏng"),
        DeviceKind.ROLLED: translate("DeviceName", "Máy quét vân tay lăn mô phỏng"),
        DeviceKind.IRIS: translate("DeviceName", "Máy chụp mống mắt mô phỏng"),
        DeviceKind.SIGNATURE: translate("DeviceName", "Bảng ký mô phỏng"),
        DeviceKind.DOCUMENT: translate("DeviceName", "Máy quét giấy tờ mô phỏng"),
        DeviceKind.CARD_READER: translate("DeviceName", "Đầu đọc thẻ mô phỏng"),
    }


def device_text(info: DeviceInfo) -> str:
    """The name to show for ``info``: a simulated device in the window's language, a real one as
    its driver names it."""
    if info.simulated:
        return simulated_names().get(info.kind, info.name)
    return info.name
