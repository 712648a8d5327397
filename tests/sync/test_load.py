"""Load and faults, short form (the full form is ``bench/bench_load.py``): stations upload at
once through HAProxy (the shipped configuration) to several receiver processes, one of which is
SIGKILLed and started again every two seconds, while slow clients hold connections open. Every
packet is stored once, every station gets verified receipts, the health check answers.

And the slow-client flood alone, through HAProxy: 500 connections trickling headers or bodies
do not keep signed stations from uploading, nor the health check from answering.
"""

from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path

import pytest

from station.provisioning import make_tls_certificate

from .loadrig import (
    HAPROXY,
    HAPROXY_CFG,
    LoadConfig,
    LoadResult,
    postgres_available,
    run_load,
)

pytestmark = pytest.mark.skipif(
    shutil.which(HAPROXY) is None, reason="haproxy is not installed (installer/debian-packages.txt)"
)


def test_the_shipped_haproxy_configuration_is_valid_and_complete(tmp_path: Path) -> None:
    cert, key = make_tls_certificate(["127.0.0.1"])
    pem = tmp_path / "receiver.pem"
    pem.write_bytes(cert + key)
    env = {**os.environ, "RECEIVER_CERT": str(pem), "RECEIVER_BIND": "127.0.0.1:18443"}
    checked = subprocess.run(
        [HAPROXY, "-c", "-f", str(HAPROXY_CFG)], env=env, capture_output=True, text=True
    )
    assert checked.returncode == 0, checked.stdout + checked.stderr
    assert "WARNING" not in checked.stdout + checked.stderr
    text = HAPROXY_CFG.read_text()
    for needed in (
        "ssl crt",
        "ssl-min-ver TLSv1.2",
        "timeout http-request",
        "timeout http-keep-alive",
        "timeout client ",
        "http-request wait-for-body time 60s if { path_beg /v1/ }",
        "stick-table",
        "sc0_conn_cur",
        "http-check send meth GET uri /v1/health",
        "retry-on conn-failure",
    ):
        assert needed in text, needed
    packages = (HAPROXY_CFG.parents[1] / "debian-packages.txt").read_text().split()
    assert "haproxy" in packages


def _check(result: LoadResult) -> None:
    report = "\n".join(result.lines())
    print(report)
    assert result.stats.unfinished == [], report
    assert result.stats.bad_receipts == 0, report
    assert result.stations_receipted == result.config.stations, report
    assert result.stored_rows == result.stored_distinct == result.packets, report
    assert result.blobs == result.packets and result.leftover_uploads == 0, report
    assert result.health_ok_during_flood, report


def test_stations_through_haproxy_while_receivers_are_killed_and_slow_clients_flood() -> None:
    result = run_load(
        LoadConfig(
            stations=24,
            packets_per_station=4,
            packet_size=100_000,
            receivers=2,
            postgres=False,
            kill_every_s=2.0,
            pause_s=2.0,
            slow_clients=100,
            deadline_s=75.0,
        )
    )
    _check(result)
    assert result.kills >= 2


@pytest.mark.skipif(not postgres_available(), reason="PostgreSQL or psycopg is not installed")
def test_three_stateless_receivers_on_postgresql_through_haproxy_under_kills() -> None:
    """Each receiver process with its own (empty) data folder: every resume that lands on
    another process continues from the database."""
    result = run_load(
        LoadConfig(
            stations=24,
            packets_per_station=3,
            packet_size=100_000,
            receivers=3,
            postgres=True,
            shared_data=False,
            kill_every_s=2.0,
            pause_s=1.5,
            slow_clients=100,
            deadline_s=80.0,
        )
    )
    _check(result)
    assert result.kills >= 2


def test_slow_client_flood_through_haproxy_does_not_block_signed_stations() -> None:
    result = run_load(
        LoadConfig(
            stations=10,
            packets_per_station=1,
            packet_size=150_000,
            receivers=1,
            postgres=False,
            kill_every_s=0,
            slow_clients=500,
            deadline_s=40.0,
            # The flood comes from 10 addresses, 50 connections each: 30 per source pass.
            proxy_env={"SOURCE_MAX_CONN": 30},
        )
    )
    _check(result)
    # No receiver was lost, so no request needed a retry: the flood took nothing from them.
    assert set(result.stats.by_outcome) <= {"200", "201", "204"}, result.stats.by_outcome
    # The per-source limit turned away what one address held beyond 30.
    # (The rig waited for 250 flood connections before the stations started.)
    assert result.flood["refused"] > 0 and result.flood["max_open"] <= 300, result.flood


def test_a_version_2_stream_passes_through_haproxy_as_it_comes(
    tmp_path: Path, receiver_public, station_a, server
) -> None:
    """The station sends a stream's frames only as the receiver acknowledges them (a 64 KiB
    window): a proxy that buffered the body before forwarding would wait for bytes the station
    holds back, and the stream would stall. Through the shipped configuration it completes."""
    from sync.streaming import Outgoing, StreamSession

    from .conftest import seal_packet
    from .loadrig import Haproxy

    sealed = seal_packet(station_a, receiver_public, size=300_000)  # past the window and buffer
    proxy = Haproxy(tmp_path, [server.url.removeprefix("http://")])
    proxy.start()
    receipts: list[str] = []

    class Events:
        def on_offset(self, packet_id: str, offset: int) -> None:
            pass

        def on_receipt(self, packet_id: str, receipt: dict[str, object]) -> None:
            receipts.append(packet_id)

        def on_error(self, packet_id: str, err: Exception) -> None:
            raise AssertionError(err)

    try:
        out = Outgoing(sealed.packet_id, sealed.data, sealed.sha256, 0)
        stats = StreamSession(
            proxy.url,
            station_a.station_id,
            station_a.signing_key,
            proxy.context(),
            [out],
            Events(),
            progress_s=10.0,
        ).run()
    finally:
        proxy.stop()
    assert receipts == [sealed.packet_id]
    assert stats.acked == sealed.size
