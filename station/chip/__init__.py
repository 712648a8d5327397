"""The chip of the Vietnamese citizen-ID card: ICAO Doc 9303 eMRTD (BAC, secure messaging, LDS
data groups, passive authentication) and the prefill drawn from it. No Qt, no HTTP: the card is
reached through a :class:`~station.chip.apdu.Transport` (``station.devices.cardreader``)."""

from __future__ import annotations

from station.devices import DeviceError


class ChipError(DeviceError):
    """Anything wrong while talking to or reading the chip; both languages."""

    code = "chip_error"


class BacError(ChipError):
    """The access key (document number, dates of birth and expiry) was refused by the chip."""

    code = "bac_failed"


class TlvError(ChipError):
    """Malformed TLV/BER data from the chip."""

    code = "malformed_tlv"


__all__ = ["BacError", "ChipError", "TlvError"]
