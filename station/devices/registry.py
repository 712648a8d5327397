"""The device registry: which drivers exist for each kind, which devices they find, and which one
to use, by configuration. A driver that fails to probe is recorded and skipped; the others still
work.

Configuration (the station's settings, ``devices``)::

    {"camera": {"driver": "auto" | "opencv" | "simulated", ...driver options},
     "fingerprint": {"driver": "auto" | "sbi" | "simulated"}, ...}

``auto`` takes the first real device found and falls back to the simulated driver, so a station
without hardware still runs (and says so: ``DeviceInfo.simulated``).
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from station.devices import DeviceError, DeviceInfo, DeviceKind

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Driver:
    """One way to reach devices of a kind: ``probe`` lists them, ``open`` makes one."""

    kind: DeviceKind
    name: str
    simulated: bool
    probe: Callable[[dict[str, Any]], list[DeviceInfo]]
    open: Callable[[DeviceInfo, dict[str, Any]], Any]


@dataclass
class Probe:
    devices: list[DeviceInfo] = field(default_factory=list)
    problems: dict[str, str] = field(default_factory=dict)  # driver name -> what went wrong


class DeviceRegistry:
    def __init__(self, drivers: list[Driver], config: dict[str, Any] | None = None) -> None:
        self.drivers = drivers
        self.config = config or {}

    def _options(self, kind: DeviceKind) -> dict[str, Any]:
        value = self.config.get(kind.value, {})
        return value if isinstance(value, dict) else {}

    def probe(self, kind: DeviceKind) -> Probe:
        """Every device of ``kind`` each driver can see; a failing driver is noted, not fatal."""
        result = Probe()
        options = self._options(kind)
        for driver in self.drivers:
            if driver.kind != kind:
                continue
            try:
                result.devices.extend(driver.probe(options))
            except Exception as exc:  # a broken driver must not take the others down
                log.warning("device driver %s failed to probe: %s", driver.name, exc)
                result.problems[driver.name] = f"{type(exc).__name__}: {exc}"
        return result

    def open(self, kind: DeviceKind) -> Any:
        """The configured device of ``kind``: a named driver, or ``auto`` (real first)."""
        options = self._options(kind)
        wanted = str(options.get("driver", "auto"))
        found = self.probe(kind)
        candidates = [d for d in found.devices if wanted in ("auto", d.driver)]
        candidates.sort(key=lambda d: d.simulated)  # real devices first
        errors: list[str] = []
        for info in candidates:
            driver = next(dr for dr in self.drivers if dr.kind == kind and dr.name == info.driver)
            try:
                return driver.open(info, options)
            except DeviceError as exc:
                errors.append(f"{info.name}: {exc.en}")
        raise DeviceError(
            f"Không có thiết bị «{kind.value}» dùng được (trình điều khiển: {wanted}).",
            f"No usable {kind.value} device (driver: {wanted})"
            + (f": {'; '.join(errors)}" if errors else "."),
            field=kind.value,
        )
