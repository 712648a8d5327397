"""Shaped links between network namespaces, for the sync tests and benches (Linux, as root).

Topology, three namespaces made for one run and deleted after it::

    station (st0 10.231.1.1) ─veth─ (rt-st 10.231.1.2) router (rt-rx 10.231.2.1) ─veth─
        (rx0 10.231.2.2) receiver

The addresses exist only inside those namespaces; nothing on the host changes. The router
shapes each direction on its outgoing interface, so the bottleneck queue sits in the "network"
and not in the sender's own stack:

* **rate**: ``tc qdisc ... tbf rate R burst 4kb latency 2000ms`` on ``rt-rx`` (towards the
  receiver) and on ``rt-st`` (towards the station);
* **loss**: an ``nftables`` rule per direction in the router's prerouting hook,
  ``numgen random mod 10000 < N drop`` (never in the sender's own output hook: the sender
  would get ``EPERM`` and retry at once). Offloads are off on the veths (``ethtool -K``), so a
  drop is one real packet and not a 64 KB GSO/GRO aggregate;
* **TCP**: the ends' congestion control is set per route (``congctl cubic``, a Debian
  station's default), since namespaces inherit the host's default and may only switch to the
  algorithms the host allows;
* **delay**: no kernel qdisc delays packets without ``netem``, which these kernels lack. A
  userspace delay line does it: policy routing in the router sends every packet that arrives on
  either veth into a TUN device (``dl0``); :func:`run_delay_line` (run in the router namespace
  as ``python -m tests.netlink delay-line``) reads each packet and writes it back to the TUN
  after the delay, and the kernel forwards it on by the main table.

Order per packet: loss (prerouting) → delay line → rate queue (egress of the far veth).

``python -m tests.netlink upload ...`` is the station side of a run: it opens a prepared station
data folder, runs ``sync.api.sync_now`` until every packet has a receipt, and prints one JSON
line per run and a JSON summary (bytes sent, chunk bytes attempted, timings).
"""

from __future__ import annotations

import argparse
import contextlib
import ctypes
import fcntl
import json
import os
import re
import secrets
import selectors
import shutil
import signal
import struct
import subprocess
import sys
import time
from collections import deque
from dataclasses import dataclass, field
from datetime import date, timedelta
from pathlib import Path
from types import TracebackType
from typing import IO, Any

ROOT = Path(__file__).resolve().parents[1]

STATION_ADDR = "10.231.1.1"
ROUTER_STATION_SIDE = "10.231.1.2"
ROUTER_RECEIVER_SIDE = "10.231.2.1"
RECEIVER_ADDR = "10.231.2.2"
PREFIX = 30
RECEIVER_PORT = 8443

ST_IF = "st0"
RT_ST_IF = "rt-st"  # router side facing the station: its egress carries receiver → station
RT_RX_IF = "rt-rx"  # router side facing the receiver: its egress carries station → receiver
RX_IF = "rx0"
TUN_IF = "dl0"
ROUTE_TABLE = "231"

TOOLS = ("ip", "tc", "nft", "ethtool", "sysctl")
#: Debian packages that provide TOOLS (installer/debian-packages.txt lists them).
PACKAGES = {
    "ip": "iproute2",
    "tc": "iproute2",
    "nft": "nftables",
    "ethtool": "ethtool",
    "sysctl": "procps",
}
#: Namespace names: ``isl-<pid of the creating process>-<random>-<st|rt|rx|probe>``.
NS_PREFIX = "isl-"
_NS_RE = re.compile(r"isl-([0-9]+)-[0-9a-f]+-(st|rt|rx|probe)")

CMD_TIMEOUT_S = 20.0
#: tbf's bucket and queue: 4 KB bursts, at most 2 s of queued packets (16 KB at 64 kbit/s).
TBF_QUEUE = ("burst", "4kb", "latency", "2000ms")

# <linux/if_tun.h>
TUNSETIFF = 0x400454CA
IFF_TUN = 0x0001
IFF_NO_PI = 0x1000


@dataclass(frozen=True)
class Shape:
    """What the link does to each direction (the same both ways)."""

    rate_kbit: int | None = 64
    loss_pct: float = 0.0
    delay_ms: int = 0  # one way
    #: TCP congestion control of the two ends (a per-route ``congctl``): a Debian station's
    #: default is cubic, whatever the host's default (which namespaces would inherit) is.
    congestion: str | None = "cubic"

    @property
    def rate_bytes_s(self) -> float | None:
        return self.rate_kbit * 1000 / 8 if self.rate_kbit else None

    def describe(self) -> str:
        parts = [f"{self.rate_kbit} kbit/s" if self.rate_kbit else "unlimited"]
        parts.append(f"{self.loss_pct:g}% loss")
        parts.append(f"{self.delay_ms} ms delay" if self.delay_ms else "no added delay")
        tcp = f", TCP {self.congestion}" if self.congestion else ""
        return ", ".join(parts) + " each way" + tcp


class NetlinkError(RuntimeError):
    """A command that sets up the shaped link failed."""


def _run(argv: list[str], *, stdin: str | None = None, check: bool = True) -> str:
    try:
        done = subprocess.run(
            argv,
            input=stdin,
            capture_output=True,
            text=True,
            timeout=CMD_TIMEOUT_S,
            check=False,
        )
    except (OSError, subprocess.TimeoutExpired) as exc:
        raise NetlinkError(f"{' '.join(argv)}: {exc}") from exc
    if check and done.returncode != 0:
        raise NetlinkError(f"{' '.join(argv)}: exit {done.returncode}: {done.stderr.strip()}")
    return done.stdout


def _add_tbf(ns: str, dev: str, rate_kbit: int) -> None:
    argv = ["tc", "-n", ns, "qdisc", "add", "dev", dev, "root", "tbf", "rate", f"{rate_kbit}kbit"]
    argv.extend(TBF_QUEUE)
    _run(argv)


def unavailable_reason(*, delay: bool = True) -> str | None:
    """Why shaped links cannot be built here, or None when they can (probes a namespace)."""
    if not sys.platform.startswith("linux"):
        return f"network namespaces need Linux (this is {sys.platform})"
    if os.geteuid() != 0:
        return "network namespaces, tc and nftables need root (run the tests as root)"
    missing = [t for t in TOOLS if shutil.which(t) is None]
    if missing:
        pkgs = sorted({PACKAGES[t] for t in missing})
        return f"missing {', '.join(missing)} (Debian packages: {', '.join(pkgs)})"
    if delay and not os.path.exists("/dev/net/tun"):
        return "/dev/net/tun is missing (the delay line needs a TUN device)"
    probe = f"{NS_PREFIX}{os.getpid()}-{secrets.token_hex(3)}-probe"
    try:
        _run(["ip", "netns", "add", probe])
    except NetlinkError as exc:
        return f"cannot create a network namespace: {exc}"
    try:
        _run(["ip", "-n", probe, "link", "set", "lo", "up"])
        _run(["ip", "-n", probe, "link", "add", "p0", "type", "veth", "peer", "name", "p1"])
        _add_tbf(probe, "p0", 64)
        _run(["ip", "netns", "exec", probe, "nft", "-f", "-"], stdin=_nft_rules(5.0))
        _run(["ip", "netns", "exec", probe, "ethtool", "-K", "p0", "tso", "off", "gso", "off"])
    except NetlinkError as exc:
        return f"shaping is not available in a namespace: {exc}"
    finally:
        with contextlib.suppress(NetlinkError):
            _run(["ip", "netns", "del", probe])
    return None


def _nft_rules(loss_pct: float) -> str:
    """The router's ruleset: loss per direction, and counters of what it dropped."""
    threshold = round(loss_pct * 100)  # out of 10000
    drops = ""
    if threshold > 0:
        drops = (
            f'    iifname "{RT_ST_IF}" numgen random mod 10000 < {threshold} counter name up_lost'
            " drop\n"
            f'    iifname "{RT_RX_IF}" numgen random mod 10000 < {threshold} counter name'
            " down_lost drop\n"
        )
    return (
        "table ip shaped {\n"
        "  counter up_lost {}\n"
        "  counter down_lost {}\n"
        "  chain pre {\n"
        "    type filter hook prerouting priority -300; policy accept;\n"
        f"{drops}"
        "  }\n"
        "}\n"
    )


@dataclass
class LinkStats:
    """What crossed the bottleneck queues and what the router dropped."""

    up_bytes: int = 0  # station → receiver, IP bytes through the rate queue
    up_packets: int = 0
    up_queue_drops: int = 0
    up_lost: int = 0  # dropped by the loss rule
    down_bytes: int = 0
    down_packets: int = 0
    down_queue_drops: int = 0
    down_lost: int = 0


@dataclass
class ShapedNet:
    """Three namespaces and a shaped link; a context manager that always tears down."""

    shape: Shape
    tag: str = field(default_factory=lambda: f"{os.getpid()}-{secrets.token_hex(3)}")
    procs: list[subprocess.Popen[Any]] = field(default_factory=list)
    created: list[str] = field(default_factory=list)
    delay_line: subprocess.Popen[str] | None = None

    @property
    def station_ns(self) -> str:
        return f"{NS_PREFIX}{self.tag}-st"

    @property
    def router_ns(self) -> str:
        return f"{NS_PREFIX}{self.tag}-rt"

    @property
    def receiver_ns(self) -> str:
        return f"{NS_PREFIX}{self.tag}-rx"

    def __enter__(self) -> ShapedNet:
        try:
            self.up()
        except BaseException:
            self.down()
            raise
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.down()

    # --- building --------------------------------------------------------------------------

    def _ip(self, ns: str, *args: str) -> None:
        _run(["ip", "-n", ns, *args])

    def _exec(self, ns: str, *args: str, stdin: str | None = None) -> str:
        return _run(["ip", "netns", "exec", ns, *args], stdin=stdin)

    def _sysctl(self, ns: str, *settings: str, check: bool = True) -> None:
        _run(["ip", "netns", "exec", ns, "sysctl", "-qw", *settings], check=check)

    def up(self) -> None:
        reap_stale_namespaces()
        for ns in (self.station_ns, self.router_ns, self.receiver_ns):
            _run(["ip", "netns", "add", ns])
            self.created.append(ns)
            self._ip(ns, "link", "set", "lo", "up")
            # No IPv6 chatter through the shaped link (absent when the kernel has no IPv6).
            self._sysctl(
                ns,
                "net.ipv6.conf.all.disable_ipv6=1",
                "net.ipv6.conf.default.disable_ipv6=1",
                check=False,
            )
        st, rt, rx = self.station_ns, self.router_ns, self.receiver_ns
        # Both ends are created inside the namespaces: no interface ever exists on the host.
        self._ip(st, "link", "add", ST_IF, "type", "veth", "peer", "name", RT_ST_IF, "netns", rt)
        self._ip(rx, "link", "add", RX_IF, "type", "veth", "peer", "name", RT_RX_IF, "netns", rt)
        for ns, dev, addr in (
            (st, ST_IF, STATION_ADDR),
            (rt, RT_ST_IF, ROUTER_STATION_SIDE),
            (rt, RT_RX_IF, ROUTER_RECEIVER_SIDE),
            (rx, RX_IF, RECEIVER_ADDR),
        ):
            self._exec(ns, "ethtool", "-K", dev, "tso", "off", "gso", "off", "gro", "off")
            self._ip(ns, "addr", "add", f"{addr}/{PREFIX}", "dev", dev)
            self._ip(ns, "link", "set", dev, "up")
        cc = ("congctl", self.shape.congestion) if self.shape.congestion else ()
        self._ip(st, "route", "add", "default", "via", ROUTER_STATION_SIDE, *cc)
        self._ip(rx, "route", "add", "default", "via", ROUTER_RECEIVER_SIDE, *cc)
        self._sysctl(
            rt,
            "net.ipv4.ip_forward=1",
            "net.ipv4.conf.all.rp_filter=0",
            "net.ipv4.conf.default.rp_filter=0",
            "net.ipv4.conf.all.send_redirects=0",
            "net.ipv4.conf.default.send_redirects=0",
        )
        if self.shape.rate_kbit:
            for dev in (RT_ST_IF, RT_RX_IF):
                _add_tbf(rt, dev, self.shape.rate_kbit)
        self._exec(rt, "nft", "-f", "-", stdin=_nft_rules(self.shape.loss_pct))
        if self.shape.delay_ms > 0:
            self._start_delay_line()

    def _start_delay_line(self) -> None:
        rt = self.router_ns
        proc = self.spawn(
            rt,
            [
                sys.executable,
                "-m",
                "tests.netlink",
                "delay-line",
                "--dev",
                TUN_IF,
                "--delay-ms",
                str(self.shape.delay_ms),
            ],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
        )
        self.delay_line = proc
        assert proc.stdout is not None
        sel = selectors.DefaultSelector()
        sel.register(proc.stdout, selectors.EVENT_READ)
        ready = sel.select(15.0)
        sel.close()
        line = proc.stdout.readline() if ready else ""
        if line.strip() != "ready":
            err = ""
            if proc.poll() is not None and proc.stderr is not None:
                err = proc.stderr.read()
            raise NetlinkError(f"the delay line did not start: {line!r} {err.strip()}")
        self._ip(rt, "link", "set", TUN_IF, "up")
        self._sysctl(rt, f"net.ipv4.conf.{TUN_IF}.rp_filter=0")
        self._ip(rt, "route", "add", "default", "dev", TUN_IF, "table", ROUTE_TABLE)
        # Whatever arrives on either veth goes into the TUN; what the delay line writes back
        # arrives on dl0, matches neither rule and is forwarded by the main table.
        for pref, dev in (("1000", RT_ST_IF), ("1001", RT_RX_IF)):
            self._ip(rt, "rule", "add", "pref", pref, "iif", dev, "lookup", ROUTE_TABLE)

    # --- using -----------------------------------------------------------------------------

    def spawn(self, ns: str, argv: list[str], **popen: Any) -> subprocess.Popen[Any]:
        """Start ``argv`` inside namespace ``ns``; it is stopped at teardown, and gets SIGTERM
        if this process dies without tearing down (killed)."""
        popen.setdefault("cwd", ROOT)
        popen.setdefault("text", True)
        proc: subprocess.Popen[Any] = subprocess.Popen(
            ["ip", "netns", "exec", ns, *argv],
            preexec_fn=_die_with_parent,  # only a prctl: safe between fork and exec
            **popen,
        )
        self.procs.append(proc)
        return proc

    def set_link(self, up: bool) -> None:
        """Bring the router's receiver-side interface down (a cut) or up again."""
        self._ip(self.router_ns, "link", "set", RT_RX_IF, "up" if up else "down")

    def set_resets(self, on: bool) -> None:
        """While on, the router answers every TCP segment from the station with a reset: the
        station's connection is torn down at once (a NAT or a middlebox forgetting the flow)."""
        if on:
            self._exec(
                self.router_ns,
                "nft",
                "-f",
                "-",
                stdin=(
                    "table ip resets {\n  chain cut {\n"
                    "    type filter hook forward priority 0; policy accept;\n"
                    f'    iifname "{RT_ST_IF}" ip protocol tcp reject with tcp reset\n'
                    "  }\n}\n"
                ),
            )
        else:
            self._exec(self.router_ns, "nft", "delete", "table", "ip", "resets")

    def stats(self) -> LinkStats:
        out = LinkStats()
        rt = self.router_ns
        for dev, prefix in ((RT_RX_IF, "up"), (RT_ST_IF, "down")):
            if not self.shape.rate_kbit:
                break
            doc = json.loads(_run(["tc", "-n", rt, "-s", "-j", "qdisc", "show", "dev", dev]))
            for q in doc:
                if q.get("kind") == "tbf":
                    setattr(out, f"{prefix}_bytes", int(q.get("bytes", 0)))
                    setattr(out, f"{prefix}_packets", int(q.get("packets", 0)))
                    setattr(out, f"{prefix}_queue_drops", int(q.get("drops", 0)))
        doc = json.loads(self._exec(rt, "nft", "-j", "list", "counters", "table", "ip", "shaped"))
        for item in doc.get("nftables", []):
            counter = item.get("counter")
            if isinstance(counter, dict) and counter.get("name") in ("up_lost", "down_lost"):
                setattr(out, str(counter["name"]), int(counter.get("packets", 0)))
        return out

    # --- teardown --------------------------------------------------------------------------

    def down(self) -> None:
        """Stop every process started here, then delete the namespaces. Never raises."""
        for proc in reversed(self.procs):
            stop_process(proc)
        self.procs.clear()
        for ns in reversed(self.created):
            with contextlib.suppress(NetlinkError):
                _run(["ip", "netns", "del", ns])
        self.created.clear()


def _die_with_parent() -> None:
    """In the child before exec: SIGTERM when the parent dies (``ip netns exec`` and the
    program it runs keep it: neither is set-user-ID)."""
    pr_set_pdeathsig = 1
    libc = ctypes.CDLL(None, use_errno=True)
    libc.prctl(pr_set_pdeathsig, signal.SIGTERM, 0, 0, 0)


def reap_stale_namespaces() -> list[str]:
    """Delete namespaces this module made for processes that no longer exist (a run that was
    killed before its teardown); returns their names."""
    try:
        listing = _run(["ip", "netns", "list"])
    except NetlinkError:
        return []
    reaped = []
    for line in listing.splitlines():
        name = line.split(" ", 1)[0]
        m = _NS_RE.fullmatch(name)
        if m is None or Path(f"/proc/{m.group(1)}").exists():
            continue
        with contextlib.suppress(NetlinkError):
            _run(["ip", "netns", "del", name])
            reaped.append(name)
    return reaped


def stop_process(proc: subprocess.Popen[Any], grace_s: float = 5.0) -> None:
    """SIGTERM, wait, SIGKILL; closes its pipes."""
    if proc.poll() is None:
        with contextlib.suppress(ProcessLookupError):
            proc.send_signal(signal.SIGTERM)
        try:
            proc.wait(grace_s)
        except subprocess.TimeoutExpired:
            with contextlib.suppress(ProcessLookupError):
                proc.kill()
            with contextlib.suppress(subprocess.TimeoutExpired):
                proc.wait(grace_s)
    for stream in (proc.stdin, proc.stdout, proc.stderr):
        if stream is not None:
            with contextlib.suppress(OSError):
                stream.close()


def wait_for_text(path: Path, text: str, proc: subprocess.Popen[Any], timeout_s: float) -> None:
    """Wait until ``text`` appears in the log file ``path`` (the process must stay alive)."""
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        with contextlib.suppress(OSError):
            if text in path.read_text(errors="replace"):
                return
        if proc.poll() is not None:
            break
        time.sleep(0.1)
    log = ""
    with contextlib.suppress(OSError):
        log = path.read_text(errors="replace")[-2000:]
    raise NetlinkError(f"{text!r} not seen in {path} (exit {proc.poll()}): {log}")


# --- the two ends: a prepared station, the receiver in its namespace -------------------------

STATION_OPERATOR = "sup1"
#: Station bytes per packet besides the padding page (a signature, the manifest).
_PACKET_BASE = 24_300


def _noise_jpeg(n_bytes: int, seed: int) -> bytes:
    """A JPEG of random noise of about ``n_bytes`` (noise does not compress)."""
    import cv2
    import numpy as np

    side = max(8, int((n_bytes / 0.93) ** 0.5))
    img = np.random.default_rng(seed).integers(0, 256, (side, side, 3), dtype=np.uint8)
    ok, buf = cv2.imencode(".jpg", img, [cv2.IMWRITE_JPEG_QUALITY, 90])
    assert ok
    return bytes(buf.tobytes())


def prepare_station(
    root: Path, keyset: dict[str, Path], sizes: list[int]
) -> dict[str, tuple[int, str]]:
    """Provision a station pinned to ``keyset``, seal one dossier per size (bytes, roughly),
    point it at the receiver's namespace address; returns {packet_id: (size, sha256)}."""
    from station.service import StationService
    from tests.conftest import (
        ADMIN_PW,
        OP_PW,
        SUP_PW,
        add_staff,
        provision,
        simulated_captures,
        valid_form,
    )

    paths = provision(root, keyset)
    admin = StationService(paths)
    admin.login("admin", ADMIN_PW)
    add_staff(admin)
    admin.set_receiver_url(f"https://{RECEIVER_ADDR}:{RECEIVER_PORT}")
    op = StationService(paths)
    op.login("op1", OP_PW)
    sup = StationService(paths)
    sup.login(STATION_OPERATOR, SUP_PW)
    try:
        for i, size in enumerate(sizes):
            # A child under 6 (no biometrics: the parent's signature and papers only), so the
            # packet's size is set by a noise page (a real JPEG: it passes the station's gate).
            born = date.today().replace(day=1) - timedelta(days=4 * 365)
            form = valid_form(
                date_of_birth=born.isoformat(),
                id_number=f"0193{born.year % 100:02d}{i + 1:06d}",
                relatives=[{"relation": "legal_representative", "full_name": "Hoàng Văn Bố"}],
                occupation=f"Nghề {i}",
            )
            d = op.create_dossier("first_issue", form)
            op.record_citizen_review(d.id)
            op.save_signature(d.id, simulated_captures().strokes)
            noise = _noise_jpeg(max(1000, size - _PACKET_BASE), i)
            op.put_part(d.id, "document", "other_1", "image/jpeg", noise, {"type": "other"})
            op.mark_captured(d.id)
            op.confirm(d.id)
            sup.approve(d.id)
            sup.seal(d.id)
        return {p.packet_id: (p.size, p.sha256) for p in sup.pending_packets()}
    finally:
        for svc in (op, sup, admin):
            svc.close()


def station_registration(root: Path) -> dict[str, Any]:
    from station.service import StationService
    from tests.conftest import SUP_PW

    svc = StationService.open(root)
    svc.login(STATION_OPERATOR, SUP_PW)
    try:
        return svc.registration()
    finally:
        svc.close()


def start_receiver(
    net: ShapedNet,
    keyset: dict[str, Path],
    data: Path,
    registration: dict[str, Any],
    *,
    verbose: bool = False,
) -> subprocess.Popen[Any]:
    """Register the station, then run ``intake-station-receiver serve`` over TLS in the
    receiver namespace; returns once uvicorn listens. Its log (with every request when
    ``verbose``) is ``data/serve.log``."""
    from sync.receiver.core import Receiver
    from sync.receiver.keys import load_keys
    from sync.receiver.store import ReceiverStore

    receiver = Receiver(ReceiverStore(data), load_keys([keyset["receiver_keys"]]))
    try:
        receiver.register_station(registration)
    finally:
        receiver.store.close()
    log = data / "serve.log"
    with log.open("w") as log_file:
        proc = net.spawn(
            net.receiver_ns,
            [
                sys.executable,
                "-m",
                "sync.receiver.cli",
                "serve",
                "--keys",
                str(keyset["receiver_keys"]),
                "--data",
                str(data),
                "--host",
                RECEIVER_ADDR,
                "--port",
                str(RECEIVER_PORT),
                "--tls-cert",
                str(keyset["tls_cert"]),
                "--tls-key",
                str(keyset["tls_key"]),
                *(["--verbose"] if verbose else []),
            ],
            stdin=subprocess.DEVNULL,
            stdout=log_file,
            stderr=subprocess.STDOUT,
        )
    wait_for_text(log, "Uvicorn running on", proc, 30.0)
    return proc


def start_uploader(
    net: ShapedNet,
    root: Path,
    chunk: int,
    deadline_s: float,
    pause_s: float = 1.0,
    protocol: int = 2,
    max_window: int | None = None,
) -> subprocess.Popen[str]:
    """``python -m tests.netlink upload`` in the station namespace (stdout: JSON lines)."""
    from tests.conftest import SUP_PW

    env = {**os.environ, "SHAPED_STATION_PASSWORD": SUP_PW, "PYTHONUNBUFFERED": "1"}
    return net.spawn(
        net.station_ns,
        [
            sys.executable,
            "-m",
            "tests.netlink",
            "upload",
            "--data",
            str(root),
            "--operator",
            STATION_OPERATOR,
            "--chunk",
            str(chunk),
            "--deadline",
            str(deadline_s),
            "--pause",
            str(pause_s),
            "--protocol",
            str(protocol),
            *(["--max-window", str(max_window)] if max_window else []),
        ],
        stdin=subprocess.DEVNULL,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        env=env,
    )


# --- the delay line (runs in the router namespace) --------------------------------------------


def run_delay_line(dev: str, delay_s: float, max_queue: int = 20000) -> int:
    """Create TUN ``dev``; write every packet read from it back after ``delay_s``.

    Constant delay, so packets leave in the order they came. Exits when its stdin closes
    (the parent is gone) or on SIGTERM. A full queue (not reached at these rates) drops.
    """
    fd = os.open("/dev/net/tun", os.O_RDWR)
    fcntl.ioctl(fd, TUNSETIFF, struct.pack("16sH", dev.encode(), IFF_TUN | IFF_NO_PI))
    os.set_blocking(fd, False)
    queue: deque[tuple[float, bytes]] = deque()
    sel = selectors.DefaultSelector()
    sel.register(fd, selectors.EVENT_READ, "tun")
    sel.register(0, selectors.EVENT_READ, "stdin")
    print("ready", flush=True)
    while True:
        now = time.monotonic()
        while queue and queue[0][0] <= now:
            with contextlib.suppress(OSError):  # e.g. the far interface is down
                os.write(fd, queue.popleft()[1])
        timeout = max(0.0, queue[0][0] - time.monotonic()) if queue else None
        for key, _ in sel.select(timeout):
            if key.data == "stdin":
                if not os.read(0, 4096):
                    return 0
                continue
            arrived = time.monotonic()
            while True:
                try:
                    pkt = os.read(fd, 65536)
                except BlockingIOError:
                    break
                if len(queue) < max_queue:
                    queue.append((arrived + delay_s, pkt))


# --- the station side of a run (runs in the station namespace) --------------------------------


@dataclass
class _Attempts:
    """Chunk bytes handed to PATCH requests, whatever became of them."""

    patches: int = 0
    patch_bytes: int = 0
    patch_failures: int = 0


def _count_patches(attempts: _Attempts) -> None:
    from sync.client import ReceiverClient

    original = ReceiverClient.patch

    def patch(
        self: ReceiverClient, packet_id: str, offset: int, chunk: bytes
    ) -> tuple[int, dict[str, Any] | None]:
        attempts.patches += 1
        attempts.patch_bytes += len(chunk)
        try:
            return original(self, packet_id, offset, chunk)
        except Exception:
            attempts.patch_failures += 1
            raise

    ReceiverClient.patch = patch  # type: ignore[method-assign]


def _emit(out: IO[str], doc: dict[str, Any]) -> None:
    out.write(json.dumps(doc) + "\n")
    out.flush()


def _time_receipts(receipts: list[float]) -> None:
    """Note when each receipt is taken (monotonic), to time "first request to last receipt"."""
    from station.service import StationService

    original = StationService.accept_receipt

    def accept_receipt(
        self: StationService, packet_id: str, receipt: dict[str, Any], via: str = "http"
    ) -> bool:
        ok = original(self, packet_id, receipt, via)
        receipts.append(time.monotonic())
        return ok

    StationService.accept_receipt = accept_receipt  # type: ignore[method-assign]


def _time_first_request(first: list[float]) -> None:
    """Note when the first connection to the receiver is opened (either protocol version)."""
    from sync.client import ReceiverClient
    from sync.streaming import StreamSession

    connect = StreamSession._connect
    send = ReceiverClient._send

    async def _connect(self: StreamSession) -> Any:
        first.append(time.monotonic())
        return await connect(self)

    def _send(self: ReceiverClient, *args: Any, **kwargs: Any) -> Any:
        first.append(time.monotonic())
        return send(self, *args, **kwargs)

    StreamSession._connect = _connect  # type: ignore[method-assign]
    ReceiverClient._send = _send  # type: ignore[method-assign]


def run_uploads(
    data_dir: Path,
    operator: str,
    password: str,
    chunk: int,
    deadline_s: float,
    pause_s: float,
    protocol: int = 2,
    max_window: int | None = None,
) -> int:
    """Run the station's sync until no packet is pending (exit 0) or the deadline (exit 3)."""
    from station.paths import StationPaths
    from station.service import StationService
    from sync import api
    from sync.protocol import DEFAULT_CHUNK

    attempts = _Attempts()
    _count_patches(attempts)
    receipts: list[float] = []
    _time_receipts(receipts)
    first: list[float] = []
    _time_first_request(first)
    svc = StationService(StationPaths(data_dir))
    svc.login(operator, password)
    try:
        packets = {p.packet_id: p.size for p in svc.pending_packets()}
        start = time.monotonic()
        runs: list[dict[str, Any]] = []
        pending = len(packets)
        while pending and time.monotonic() - start < deadline_s:
            t0 = time.monotonic()
            if chunk == DEFAULT_CHUNK and protocol == 2 and max_window is None:
                report = api.sync_now(svc)
            else:  # sync_now with another chunk size, or in version 1
                uploader = api.uploader_for(svc)
                uploader.chunk_size = chunk
                uploader.stream = protocol == 2
                if max_window is not None:
                    uploader.max_window = max_window
                try:
                    report = uploader.run_once()
                    if report.reachable:
                        uploader.pull_status()
                finally:
                    uploader.client.close()
            pending = len(svc.pending_packets())
            run = {
                "event": "run",
                "start_s": round(t0 - start, 3),
                "duration_s": round(time.monotonic() - t0, 3),
                "reachable": report.reachable,
                "bytes_sent": report.bytes_sent,
                "bytes_attempted": report.bytes_attempted,
                "max_window": report.max_window,
                "protocol": report.protocol_version,
                "retries": report.retries,
                "receipted": report.receipted,
                "failed": report.failed,
                "refused": report.refused,
                "errors": report.errors,
                "pending": pending,
            }
            runs.append(run)
            _emit(sys.stdout, run)
            if pending:
                time.sleep(pause_s)
        elapsed = time.monotonic() - start
        statuses = {pid: svc.packet_info(pid).status for pid in packets}
    finally:
        svc.close()
    _emit(
        sys.stdout,
        {
            "event": "summary",
            "packets": packets,
            "payload_bytes": sum(packets.values()),
            "statuses": statuses,
            "pending": pending,
            "elapsed_s": round(elapsed, 3),
            "runs": len(runs),
            "unreachable_runs": sum(1 for r in runs if not r["reachable"]),
            "bytes_sent": sum(int(r["bytes_sent"]) for r in runs),
            "bytes_attempted": sum(int(r["bytes_attempted"]) for r in runs),
            # The largest version-2 window: what one lost stream can cost at most.
            "max_window": max((int(r["max_window"]) for r in runs), default=0),
            "protocols": sorted({int(r["protocol"]) for r in runs}),
            "retries": sum(int(r["retries"]) for r in runs),
            # From the first request to the last receipt taken (None: no receipt).
            "to_last_receipt_s": round(receipts[-1] - first[0], 3) if receipts else None,
            "patches": attempts.patches,
            "patch_bytes": attempts.patch_bytes,
            "patch_failures": attempts.patch_failures,
            "chunk": chunk,
            "errors": [e for r in runs for e in r["errors"]],
        },
    )
    return 0 if pending == 0 else 3


def read_summary(stdout: str) -> tuple[dict[str, Any], list[dict[str, Any]]]:
    """The summary and the per-run lines printed by ``upload``."""
    summary: dict[str, Any] | None = None
    runs: list[dict[str, Any]] = []
    for line in stdout.splitlines():
        if not line.startswith("{"):
            continue
        doc = json.loads(line)
        if doc.get("event") == "summary":
            summary = doc
        elif doc.get("event") == "run":
            runs.append(doc)
    if summary is None:
        raise NetlinkError(f"the uploader printed no summary: {stdout[-2000:]!r}")
    return summary, runs


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(prog="python -m tests.netlink")
    sub = p.add_subparsers(dest="cmd", required=True)
    d = sub.add_parser("delay-line", help="TUN delay line (in the router namespace)")
    d.add_argument("--dev", default=TUN_IF)
    d.add_argument("--delay-ms", type=float, required=True)
    u = sub.add_parser("upload", help="sync a prepared station until all is receipted")
    u.add_argument("--data", type=Path, required=True)
    u.add_argument("--operator", required=True, help="password in $SHAPED_STATION_PASSWORD")
    u.add_argument("--chunk", type=int, default=64 * 1024)
    u.add_argument("--deadline", type=float, default=150.0, help="seconds")
    u.add_argument("--pause", type=float, default=1.0, help="seconds between failed runs")
    u.add_argument("--protocol", type=int, choices=(1, 2), default=2, help="upload version")
    u.add_argument("--max-window", type=int, default=None, help="bound of the v2 window")
    args = p.parse_args(argv)
    if args.cmd == "delay-line":
        return run_delay_line(args.dev, args.delay_ms / 1000)
    return run_uploads(
        args.data,
        args.operator,
        os.environ.get("SHAPED_STATION_PASSWORD", ""),
        args.chunk,
        args.deadline,
        args.pause,
        args.protocol,
        args.max_window,
    )


if __name__ == "__main__":
    sys.exit(main())
