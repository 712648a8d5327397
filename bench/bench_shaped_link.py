"""Goodput of the station's uploader over a shaped link, against raw TCP and one HTTP POST on the
same link in the same run, and what a link cut costs.

Run as root: ``.venv/bin/python bench/bench_shaped_link.py [--repeat 5]``. Prints figures;
asserts nothing. Refuses (exit 1) when not root or when the tools are missing.

Three network namespaces (``tests/netlink.py``): station ─veth─ router ─veth─ receiver. The
router shapes each direction: ``tbf`` at the link rate, loss by ``nftables`` in its prerouting
hook, 300 ms one-way delay by a userspace TUN delay line (no ``netem`` here). On each link, one
after the other:

* **raw TCP**: one connection sends the payload to a sink that answers two bytes at the end;
* **POST**: one HTTPS ``POST`` of the payload (httpx, the receiver's certificate pinned) to a
  uvicorn sink that reads the body and answers;
* **uploader**: the station's own sync (``sync.api``, protocol version 2 unless ``--v1``) to
  ``intake-station-receiver serve`` over TLS, until every packet has a receipt.

Goodput = payload bytes / (time from the first request to the answer × link rate): the
handshakes, and for the uploader the frames' headers and signatures and the receipts, count.

Cuts: once the receiver holds two frames, the router's receiver-side link goes down for 10 s or
40 s. Re-sent = payload bytes the station handed to its connection minus the payload; back =
time from the link's return to the receiver's next stored byte.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import shutil
import socket
import statistics
import struct
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))  # tests.netlink, tests.conftest

RAW_PORT = 9100
POST_PORT = 9443
DELAY_MS = 300


# --- the two sinks and their senders (run inside the namespaces) -----------------------------


def _raw_sink(port: int) -> int:
    srv = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    srv.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    srv.bind(("0.0.0.0", port))
    srv.listen(4)
    print("ready", flush=True)
    while True:
        conn, _ = srv.accept()
        with conn:
            head = b""
            while len(head) < 8:
                head += conn.recv(8 - len(head))
            left = struct.unpack(">Q", head)[0]
            while left > 0:
                got = conn.recv(min(65536, left))
                if not got:
                    break
                left -= len(got)
            conn.sendall(b"ok")


def _raw_send(host: str, port: int, n: int) -> int:
    payload = struct.pack(">Q", n) + os.urandom(n)
    t0 = time.monotonic()
    with socket.create_connection((host, port), timeout=600) as s:
        s.sendall(payload)
        answer = s.recv(2)
    print(json.dumps({"elapsed_s": time.monotonic() - t0, "ok": answer == b"ok"}), flush=True)
    return 0


def _post_sink(port: int, cert: str, key: str) -> int:
    import uvicorn

    async def app(scope: dict[str, Any], receive: Any, send: Any) -> None:
        n = 0
        while True:
            m = await receive()
            n += len(m.get("body", b""))
            if not m.get("more_body"):
                break
        body = json.dumps({"n": n}).encode()
        await send(
            {
                "type": "http.response.start",
                "status": 200,
                "headers": [(b"content-length", str(len(body)).encode())],
            }
        )
        await send({"type": "http.response.body", "body": body})

    config = uvicorn.Config(
        app,
        host="0.0.0.0",
        port=port,
        ssl_certfile=cert,
        ssl_keyfile=key,
        lifespan="off",
        log_level="info",
    )
    uvicorn.Server(config).run()
    return 0


def _post_send(url: str, cert: str, n: int) -> int:
    import httpx

    from sync.client import pinned_context

    payload = os.urandom(n)
    t0 = time.monotonic()
    with httpx.Client(verify=pinned_context(Path(cert).read_text()), timeout=600) as http:
        r = http.post(url, content=payload)
    ok = r.status_code == 200 and r.json().get("n") == n
    print(json.dumps({"elapsed_s": time.monotonic() - t0, "ok": ok}), flush=True)
    return 0


# --- measuring --------------------------------------------------------------------------------


@dataclass
class Upload:
    payload: int
    seconds: float  # first request to the last receipt
    resent: int
    retries: int  # lost streams and failed reconnects
    back_s: float | None = None
    max_window: int = 0  # the largest version-2 window (it follows the link)


def _run_child(net: Any, ns: str, argv: list[str], timeout: float) -> dict[str, Any]:
    proc = net.spawn(ns, argv, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    out, err = proc.communicate(timeout=timeout)
    for line in out.splitlines():
        if line.startswith("{"):
            doc: dict[str, Any] = json.loads(line)
            return doc
    raise RuntimeError(f"{argv}: no result: {err[-1000:]}")


def _start_sinks(net: Any, keyset: dict[str, Path], log_dir: Path) -> None:
    from tests import netlink

    me = str(Path(__file__).resolve())
    raw = net.spawn(
        net.receiver_ns,
        [sys.executable, me, "raw-sink", "--port", str(RAW_PORT)],
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
    )
    assert raw.stdout is not None
    if raw.stdout.readline().strip() != "ready":
        raise RuntimeError("the raw sink did not start")
    log = log_dir / "post-sink.log"
    with log.open("w") as f:
        post = net.spawn(
            net.receiver_ns,
            [
                sys.executable,
                me,
                "post-sink",
                "--port",
                str(POST_PORT),
                "--cert",
                str(keyset["tls_cert"]),
                "--key",
                str(keyset["tls_key"]),
            ],
            stdout=f,
            stderr=subprocess.STDOUT,
        )
    netlink.wait_for_text(log, "Uvicorn running on", post, 30.0)


def measure_raw(net: Any, n: int) -> float:
    from tests import netlink

    me = str(Path(__file__).resolve())
    argv = [sys.executable, me, "raw-send", netlink.RECEIVER_ADDR, str(RAW_PORT), str(n)]
    doc = _run_child(net, net.station_ns, argv, 900)
    assert doc["ok"], doc
    return float(doc["elapsed_s"])


def measure_post(net: Any, keyset: dict[str, Path], n: int) -> float:
    from tests import netlink

    me = str(Path(__file__).resolve())
    url = f"https://{netlink.RECEIVER_ADDR}:{POST_PORT}/sink"
    argv = [sys.executable, me, "post-send", url, str(keyset["tls_cert"]), str(n)]
    doc = _run_child(net, net.station_ns, argv, 900)
    assert doc["ok"], doc
    return float(doc["elapsed_s"])


def measure_upload(
    net: Any,
    keyset: dict[str, Path],
    station_template: Path,
    work: Path,
    payload: int,
    *,
    protocol: int,
    cut_s: float = 0.0,
    max_window: int | None = None,
) -> Upload:
    from tests import netlink

    station = work / "station"
    shutil.copytree(station_template, station)
    data = work / "receiver"
    data.mkdir()
    netlink.start_receiver(net, keyset, data, netlink.station_registration(station))
    proc = netlink.start_uploader(
        net, station, 64 * 1024, 900.0, protocol=protocol, max_window=max_window
    )
    back = None
    if cut_s:
        back = _cut_once(net, data, proc, cut_s)
    out, err = proc.communicate(timeout=1000)
    summary, _ = netlink.read_summary(out)
    if summary["pending"] or summary["to_last_receipt_s"] is None:
        raise RuntimeError(f"upload incomplete: {summary} {err[-1000:]}")
    return Upload(
        payload,
        float(summary["to_last_receipt_s"]),
        int(summary["bytes_attempted"]) - payload,
        int(summary["retries"]),
        back,
        int(summary.get("max_window", 0)),
    )


def _committed(data: Path) -> int:
    from sqlalchemy import func, select

    from sync.receiver.store import ReceiverStore, UploadRow

    store = ReceiverStore(data, migrate=False)
    try:
        with store.read() as s:
            return int(s.scalar(select(func.max(UploadRow.offset))) or 0)
    finally:
        store.close()


def _cut_once(net: Any, data: Path, proc: Any, cut_s: float) -> float | None:
    """Cut once the receiver holds two frames; seconds from the return to the next byte."""
    deadline = time.monotonic() + 120
    while _committed(data) < 32 * 1024 and time.monotonic() < deadline and proc.poll() is None:
        time.sleep(0.05)
    net.set_link(False)
    try:
        time.sleep(cut_s)
        before = _committed(data)
    finally:
        net.set_link(True)
    back = time.monotonic()
    while _committed(data) <= before and proc.poll() is None:
        if time.monotonic() - back > 300:
            return None
        time.sleep(0.05)
    return time.monotonic() - back


def _stat(values: list[float], digits: int = 2) -> str:
    if not values:
        return "-"
    med = statistics.median(values)
    if len(values) == 1:
        return f"{med:.{digits}f}"
    return f"{med:.{digits}f} ({min(values):.{digits}f}-{max(values):.{digits}f})"


def _prepare(
    work: Path, keyset: dict[str, Path], payload: int, cache: dict[int, tuple[Path, int]]
) -> tuple[Path, int]:
    """A station with two sealed packets of ``payload`` bytes in all (made once per size)."""
    if payload not in cache:
        from tests import netlink

        root = work / f"station-{payload}"
        packets = netlink.prepare_station(root, keyset, [payload // 2] * 2)
        cache[payload] = (root, sum(size for size, _ in packets.values()))
    return cache[payload]


def run_bench(args: argparse.Namespace) -> int:
    from station.provisioning import generate_receiver_keyset
    from tests import netlink

    shapes = []
    for spec in args.shapes.split(","):
        kbit, loss, payload = spec.split(":")
        shapes.append((int(kbit), float(loss), int(payload)))
    from sync import frames

    protocol = 1 if args.v1 else 2
    fixed = frames.DEFAULT_WINDOW if args.fixed_window else None
    print(f"# {platform.python_implementation()} {platform.python_version()}, {platform.node()}")
    print(f"# {os.cpu_count()} cores; {platform.processor() or platform.machine()}")
    print(
        f"# 300 ms one way; goodput = payload / (first request to answer x link rate); "
        f"median (min-max) of {args.repeat} run(s); uploader: protocol version {protocol}"
        + ("; window fixed at 64 KiB" if fixed else "")
    )
    with tempfile.TemporaryDirectory(prefix="bench-shaped-") as tmp:
        work = Path(tmp)
        keyset = generate_receiver_keyset(work / "keys", tls_hosts=[netlink.RECEIVER_ADDR])
        cache: dict[int, tuple[Path, int]] = {}
        n = 0
        print(
            f"{'link':<18} {'payload B':>9}  {'raw TCP':<17} {'POST':<17} {'uploader':<17} "
            f"{'uploader/raw':<17} {'re-sent B':>9}",
            flush=True,
        )
        for kbit, loss, payload in shapes:
            template, size = _prepare(work, keyset, payload, cache)
            rate = kbit * 1000 / 8
            raw, post, up, ratio, resent, windows = [], [], [], [], [], []
            for _ in range(args.repeat):
                n += 1
                run_dir = work / f"m{n}"
                run_dir.mkdir()
                with netlink.ShapedNet(netlink.Shape(kbit, loss, DELAY_MS)) as net:
                    _start_sinks(net, keyset, run_dir)
                    r = size / (measure_raw(net, size) * rate)
                    p = size / (measure_post(net, keyset, size) * rate)
                    u = measure_upload(
                        net, keyset, template, run_dir, size, protocol=protocol, max_window=fixed
                    )
                raw.append(r)
                post.append(p)
                up.append(size / (u.seconds * rate))
                ratio.append(up[-1] / r)
                resent.append(u.resent)
                windows.append(u.max_window)
            label = f"{kbit} kbit/s {loss:g}% loss"
            print(
                f"{label:<18} {size:>9,}  {_stat(raw):<17} {_stat(post):<17} {_stat(up):<17} "
                f"{_stat(ratio):<17} {max(resent):>9,}  window up to {min(windows) // 1024}-"
                f"{max(windows) // 1024} KiB",
                flush=True,
            )
        if args.no_cut:
            return 0
        print(
            "\n# cuts on 64 kbit/s, 5% loss: link down once the receiver holds two frames; "
            "re-sent = payload bytes sent twice; back = link return to the next stored byte"
        )
        template, size = _prepare(work, keyset, args.cut_payload, cache)
        print(f"{'cut':>5} {'re-sent B':<26} {'back s':<20} {'retries':<14}", flush=True)
        for cut_s in (10.0, 40.0):
            ups: list[Upload] = []
            for _ in range(args.repeat):
                n += 1
                run_dir = work / f"m{n}"
                run_dir.mkdir()
                with netlink.ShapedNet(netlink.Shape(64, 5.0, DELAY_MS)) as net:
                    ups.append(
                        measure_upload(
                            net, keyset, template, run_dir, size, protocol=protocol, cut_s=cut_s
                        )
                    )
            backs = [u.back_s for u in ups if u.back_s is not None]
            print(
                f"{cut_s:>4.0f}s {_stat([float(u.resent) for u in ups], 0):<26} "
                f"{_stat(backs, 1):<20} {_stat([float(u.retries) for u in ups], 0):<14}",
                flush=True,
            )
    return 0


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    sub = p.add_subparsers(dest="cmd")
    s = sub.add_parser("raw-sink")
    s.add_argument("--port", type=int, required=True)
    s = sub.add_parser("raw-send")
    s.add_argument("host")
    s.add_argument("port", type=int)
    s.add_argument("n", type=int)
    s = sub.add_parser("post-sink")
    s.add_argument("--port", type=int, required=True)
    s.add_argument("--cert", required=True)
    s.add_argument("--key", required=True)
    s = sub.add_parser("post-send")
    s.add_argument("url")
    s.add_argument("cert")
    s.add_argument("n", type=int)
    p.add_argument(
        "--shapes",
        default="64:5:200000,16:5:100000,256:5:400000,64:20:100000",
        help="kbit/s:loss %%:payload bytes, comma-separated",
    )
    p.add_argument("--repeat", type=int, default=5, help="runs per configuration")
    p.add_argument("--cut-payload", type=int, default=300_000, help="bytes for the cut runs")
    p.add_argument("--no-cut", action="store_true", help="skip the link-cut measurements")
    p.add_argument(
        "--fixed-window", action="store_true", help="the uploader's window kept at 64 KiB"
    )
    p.add_argument("--v1", action="store_true", help="the uploader in protocol version 1")
    args = p.parse_args(argv)
    if args.cmd == "raw-sink":
        return _raw_sink(args.port)
    if args.cmd == "raw-send":
        return _raw_send(args.host, args.port, args.n)
    if args.cmd == "post-sink":
        return _post_sink(args.port, args.cert, args.key)
    if args.cmd == "post-send":
        return _post_send(args.url, args.cert, args.n)

    if os.geteuid() != 0:
        print(
            "bench_shaped_link needs root (network namespaces, tc, nftables); "
            "run it as root, e.g. sudo .venv/bin/python bench/bench_shaped_link.py",
            file=sys.stderr,
        )
        return 1
    from tests import netlink

    reason = netlink.unavailable_reason(delay=True)
    if reason:
        print(f"bench_shaped_link cannot run here: {reason}", file=sys.stderr)
        return 1
    return run_bench(args)


if __name__ == "__main__":
    sys.exit(main())
