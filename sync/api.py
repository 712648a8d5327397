"""What the window and the command line use of sync: build a client from the station's pinned
settings, run the uploader once, or keep it running in the background."""

from __future__ import annotations

import logging
from collections.abc import Callable

from station.errors import StationError
from station.service import StationService
from sync.client import ReceiverClient
from sync.uploader import RunReport, SyncLoop, Uploader

log = logging.getLogger(__name__)


class NoReceiverError(StationError):
    code = "no_receiver"

    def __init__(self) -> None:
        super().__init__(
            "Trạm chưa được cấu hình địa chỉ máy chủ nhận.",
            "No receiver address is configured for this station.",
            field="receiver_url",
        )


def client_for(service: StationService) -> ReceiverClient:
    settings = service.receiver_settings()
    if not settings["url"]:
        raise NoReceiverError()
    reg = service.registration()
    return ReceiverClient(
        str(settings["url"]),
        reg["station_id"],
        service.signing_key(),
        tls_cert_pem=settings["tls_cert"],
    )


def uploader_for(service: StationService) -> Uploader:
    cap = service.receiver_settings()["bandwidth_cap_bps"]
    return Uploader(
        service,
        client_for(service),
        bandwidth_bps=float(cap) if isinstance(cap, int | float) and cap > 0 else None,
    )


def sync_now(service: StationService, budget_s: float | None = None) -> RunReport:
    """One run: purge what retention allows, upload (riding out lost connections within the
    budget), pull statuses. Ends in a report whatever the network does; ``NoReceiverError``
    only when no receiver is configured."""
    service.authorize("sync.now")
    uploader = uploader_for(service)
    try:
        try:
            service.purge_due()
        except Exception:  # a purge failing must not stop the run
            log.exception("purge failed")
        report = uploader.run_once(budget_s)
        if report.reachable and not report.failed:
            uploader.pull_status(report)
        return report
    finally:
        uploader.client.close()


def start_background_sync(
    service: StationService,
    on_report: Callable[[RunReport], None] | None = None,
    interval_s: float = 300.0,
) -> SyncLoop | None:
    """Start the uploader loop; None when the station has no receiver configured."""
    try:
        uploader = uploader_for(service)
    except NoReceiverError:
        return None
    loop = SyncLoop(uploader, interval_s=interval_s, on_report=on_report)
    loop.start()
    return loop
