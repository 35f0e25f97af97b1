#!/usr/bin/env python3
"""Benchmark: TCP forwarding through two real peerup daemons on loopback vs raw loopback TCP.

One run measures, side by side:
  * raw loopback MB/s and forwarded MB/s (one connection, 200 MB upload to a sink; 40 MB in --quick)
    and their ratio;
  * connect-to-first-byte latency (connect, send 1 byte, receive its echo), medians of 50, through
    the forward and raw;
  * RSS of the forwarding daemon idle and with 100 open forwarded connections.
The last line printed is one JSON object with raw_mb_s, forwarded_mb_s, ratio, connect_p50_ms,
raw_connect_p50_ms, idle_rss_mb, rss_100_conns_mb.

Usage: python bench/forward.py [--quick]
"""

from __future__ import annotations

import argparse
import asyncio
import json
import socket
import statistics
import sys
import tempfile
import threading
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from app.api.client import open_local_client  # noqa: E402
from bench.common import echo, serve, sink, upload_mb_s  # noqa: E402
from tests.helpers.daemons import DaemonProcess, start_daemon  # noqa: E402
from tests.helpers.nodes import make_node_dir  # noqa: E402


def connect_first_byte_ms(port: int, count: int) -> float:
    samples = []
    for _ in range(count):
        start = time.perf_counter()
        with socket.create_connection(("127.0.0.1", port)) as s:
            s.sendall(b"x")
            if s.recv(1) != b"x":
                raise SystemExit("echo mismatch")
            samples.append((time.perf_counter() - start) * 1000)
    return statistics.median(samples)


async def open_forwards(
    client_daemon: DaemonProcess, server_daemon: DaemonProcess
) -> dict[str, int]:
    async with open_local_client(server_daemon.endpoint) as server_api:
        addr = (await server_api.status()).listen_addresses[0]
    async with open_local_client(client_daemon.endpoint) as api:
        await api.connect(server_daemon.node.peer_id, [addr])
        ports = {}
        for service in ("sink", "echo"):
            fwd = await api.open_forward(server_daemon.node.peer_id, service, "127.0.0.1:0")
            ports[service] = int(fwd.listen_address.rsplit(":", 1)[1])
        return ports


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="smaller transfers (< 40 s)")
    args = parser.parse_args()
    size = (40 if args.quick else 200) * 1024 * 1024
    samples = 20 if args.quick else 50

    stop = threading.Event()
    sink_port = serve(sink, stop)
    echo_port = serve(echo, stop)
    with tempfile.TemporaryDirectory(prefix="peerup-bench-") as tmp:
        root = Path(tmp)
        server = make_node_dir(
            root,
            "server",
            services={"sink": f"127.0.0.1:{sink_port}", "echo": f"127.0.0.1:{echo_port}"},
        )
        client = make_node_dir(root, "client")
        server.authorize(client)
        client.authorize(server)
        daemons = [start_daemon(server), start_daemon(client)]
        try:
            ports = asyncio.run(open_forwards(daemons[1], daemons[0]))
            time.sleep(1.0)
            idle_rss = daemons[1].rss_mb()

            upload_mb_s(sink_port, 8 << 20)  # warm-up
            upload_mb_s(ports["sink"], 8 << 20)
            raw = upload_mb_s(sink_port, size)
            forwarded = upload_mb_s(ports["sink"], size)
            raw_p50 = connect_first_byte_ms(echo_port, samples)
            fwd_p50 = connect_first_byte_ms(ports["echo"], samples)

            conns = []
            for _ in range(100):
                s = socket.create_connection(("127.0.0.1", ports["echo"]))
                s.sendall(b"x")
                if s.recv(1) != b"x":
                    raise SystemExit("echo mismatch")
                conns.append(s)
            time.sleep(0.5)
            rss_100 = daemons[1].rss_mb()
            server_rss = daemons[0].rss_mb()
            for s in conns:
                s.close()
        finally:
            for d in daemons:
                d.stop()
            stop.set()

    print(f"payload: {size >> 20} MB, one connection, loopback")
    print(f"raw TCP:           {raw:8.1f} MB/s")
    print(f"through forward:   {forwarded:8.1f} MB/s   ratio {forwarded / raw:.3f}")
    print(f"connect→first byte p50 ({samples}): forward {fwd_p50:.2f} ms, raw {raw_p50:.2f} ms")
    print(f"forwarding daemon RSS: idle {idle_rss:.1f} MB, 100 open connections {rss_100:.1f} MB")
    print(f"serving daemon RSS with 100 open connections: {server_rss:.1f} MB")
    print(
        json.dumps(
            {
                "raw_mb_s": round(raw, 1),
                "forwarded_mb_s": round(forwarded, 1),
                "ratio": round(forwarded / raw, 4),
                "connect_p50_ms": round(fwd_p50, 2),
                "raw_connect_p50_ms": round(raw_p50, 3),
                "idle_rss_mb": round(idle_rss, 1),
                "rss_100_conns_mb": round(rss_100, 1),
            }
        )
    )


if __name__ == "__main__":
    main()
