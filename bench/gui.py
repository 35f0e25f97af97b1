#!/usr/bin/env python3
"""Benchmark: the tray app with its engine in-process (a trio guest on the qasync loop).

One run, under Xvfb with the trayer tray host and a private D-Bus session bus, measures:
  * ``tray_visible_s``: from starting the tray process to its icon embedded in trayer's panel
    (polled with xdotool, ~20 ms resolution);
  * ``tray_idle_rss_mb``: the tray process's RSS once its engine is up and has settled (3 s);
  * ``max_timer_gap_ms``: how late a 10 ms precise QTimer on the tray's Qt loop fired at worst
    while 200 MB go through a forward of the in-tray engine (3 times; 2 x 100 MB in --quick):
    the longest interval between two ticks minus the 10 ms period (``max_timer_interval_ms`` is
    the interval itself);
  * ``in_tray_ratio``: that forward's MB/s over the same uploads through a headless
    ``peerup daemon`` forwarding to the same serving peer (a ``peerup daemon`` with a sink
    service), alternating with the in-tray ones in the same run.

The tray is the real ``peerup-tray`` (``app.launcher.tray_main``) started by this script with
``--tray-child``, which only adds the QTimer (it records its ticks and writes them to a file when
the tray quits); the timer runs on the same Qt loop as the engine, so no hook in app code is needed.
Clocks: ``time.monotonic`` is CLOCK_MONOTONIC, shared by all processes of the machine.

The last line printed is one JSON object with max_timer_gap_ms, max_timer_interval_ms,
tray_visible_s, tray_idle_rss_mb, daemon_idle_rss_mb, in_tray_mb_s, daemon_mb_s, in_tray_ratio.

Usage: python bench/gui.py [--quick]
"""

from __future__ import annotations

import argparse
import itertools
import json
import sys
import time
from array import array
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
TIMER_MS = 10


def tray_child(ticks_path: Path, tray_args: list[str]) -> int:
    """Run ``peerup-tray`` with a 10 ms QTimer on its Qt loop; write the ticks when it quits."""
    sys.path.insert(0, str(REPO))
    from PySide6.QtCore import Qt, QTimer
    from PySide6.QtWidgets import QApplication

    from app.launcher import tray_main

    app = QApplication([sys.argv[0], *tray_args])  # app.gui.main.run() uses this instance
    ticks = array("d")
    timer = QTimer(app)
    timer.setTimerType(Qt.TimerType.PreciseTimer)
    timer.setInterval(TIMER_MS)
    timer.timeout.connect(lambda: ticks.append(time.monotonic()))
    timer.start()
    code = tray_main(tray_args)
    ticks_path.write_bytes(ticks.tobytes())
    return code


def max_interval_ms(ticks: array[float], start: float, end: float) -> float:
    """The longest interval between consecutive ticks overlapping [start, end], in ms."""
    worst = 0.0
    for before, after in itertools.pairwise(ticks):
        if after >= start and before <= end:
            worst = max(worst, after - before)
    return worst * 1000


def main() -> None:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument(
        "--quick", action="store_true", help="2 rounds of 100 MB instead of 3 of 200 (< 50 s)"
    )
    parser.add_argument("--tray-child", type=Path, help=argparse.SUPPRESS)
    args, rest = parser.parse_known_args()
    if args.tray_child is not None:
        sys.exit(tray_child(args.tray_child, [a for a in rest if a != "--"]))
    run(*((100, 2) if args.quick else (200, 3)))


def run(size_mb: int, rounds: int) -> None:
    """The parent: desktop, peers, tray; measure; print the JSON line."""
    import asyncio
    import os
    import shutil
    import signal
    import subprocess
    import tempfile
    import threading

    sys.path.insert(0, str(REPO))
    from app.api.client import open_local_client
    from app.api.transport import ApiEndpoint, endpoint_for_config
    from bench.common import serve, sink, upload_mb_s
    from tests.gui.desktop import desktop_env, embedded_icon, session_bus, trayer, xvfb
    from tests.helpers.daemons import start_daemon
    from tests.helpers.nodes import make_node_dir

    missing = [p for p in ("Xvfb", "trayer", "xdotool", "dbus-daemon") if not shutil.which(p)]
    if missing:
        raise SystemExit(f"not installed: {', '.join(missing)} (make gui-test-deps installs them)")

    async def open_sink_forward(client: ApiEndpoint, server: ApiEndpoint, peer: str) -> int:
        async with open_local_client(server) as server_api:
            addr = (await server_api.status()).listen_addresses[0]
        async with open_local_client(client) as api:
            await api.connect(peer, [addr])
            fwd = await api.open_forward(peer, "sink", "127.0.0.1:0")
            return int(fwd.listen_address.rsplit(":", 1)[1])

    def rss_mb(pid: int) -> float:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
        raise SystemExit("no VmRSS for the tray")

    size = size_mb << 20
    windows: list[tuple[float, float]] = []  # the in-tray transfers (monotonic start, end)
    daemon_s = 0.0
    stop = threading.Event()
    sink_port = serve(sink, stop)
    with tempfile.TemporaryDirectory(prefix="peerup-bench-gui-") as tmp:
        root = Path(tmp)
        server = make_node_dir(root, "server", services={"sink": f"127.0.0.1:{sink_port}"})
        tray_node = make_node_dir(root, "tray")
        daemon_node = make_node_dir(root, "daemon")
        for node in (tray_node, daemon_node):
            server.authorize(node)
            node.authorize(server)
        daemons = [start_daemon(server), start_daemon(daemon_node)]
        tray_runtime = tray_node.path / "run"
        tray_runtime.mkdir(mode=0o700)
        os.environ["PEERUP_RUNTIME_DIR"] = str(tray_runtime)
        tray_api = endpoint_for_config(tray_node.config_path)
        ticks_path = root / "ticks.bin"
        try:
            with xvfb() as display, session_bus() as bus:
                env = desktop_env(display, bus, tray_runtime)
                with trayer(env, root / "trayer.log"), (root / "tray.log").open("wb") as log:
                    started = time.monotonic()
                    tray = subprocess.Popen(
                        [
                            *(sys.executable, str(Path(__file__).resolve())),
                            *("--tray-child", str(ticks_path), "--"),
                            *("--config", str(tray_node.config_path)),
                        ],
                        env=env,
                        cwd=REPO,
                        stdin=subprocess.DEVNULL,
                        stdout=log,
                        stderr=subprocess.STDOUT,
                    )
                    try:
                        visible_s = None
                        while time.monotonic() - started < 30 and tray.poll() is None:
                            if embedded_icon(env) is not None:
                                visible_s = time.monotonic() - started
                                break
                            time.sleep(0.005)
                        deadline = time.monotonic() + 30

                        def api_up() -> bool:
                            return tray_api.socket_path.exists() and tray_api.cookie_path.exists()

                        while not api_up() and time.monotonic() < deadline:
                            time.sleep(0.05)
                        if visible_s is None or not api_up():
                            tail = (root / "tray.log").read_text(errors="replace")[-3000:]
                            raise SystemExit(f"the tray did not come up:\n{tail}")
                        time.sleep(3.0)  # start-up settles (first reachability probe, watch)
                        idle_rss = rss_mb(tray.pid)
                        daemon_idle_rss = daemons[1].rss_mb()

                        server_api = daemons[0].endpoint
                        tray_port = asyncio.run(
                            open_sink_forward(tray_api, server_api, server.peer_id)
                        )
                        daemon_port = asyncio.run(
                            open_sink_forward(daemons[1].endpoint, server_api, server.peer_id)
                        )
                        upload_mb_s(tray_port, 8 << 20)  # warm-up
                        upload_mb_s(daemon_port, 8 << 20)
                        for _ in range(rounds):  # alternating, so that load drifts hit both
                            start = time.monotonic()
                            upload_mb_s(tray_port, size)
                            windows.append((start, time.monotonic()))
                            start = time.monotonic()
                            upload_mb_s(daemon_port, size)
                            daemon_s += time.monotonic() - start
                    except OSError as exc:
                        tail = (root / "tray.log").read_text(errors="replace")[-4000:]
                        server_tail = daemons[0].log_tail(40)
                        raise SystemExit(
                            f"transfer failed: {exc!r}\ntray log:\n{tail}\n"
                            f"serving daemon log:\n{server_tail}"
                        ) from exc
                    finally:
                        tray.send_signal(signal.SIGTERM)  # quits as the menu's Quit does
                        try:
                            tray.wait(30)
                        except subprocess.TimeoutExpired:
                            tray.kill()
                            tray.wait(5)
        finally:
            os.environ.pop("PEERUP_RUNTIME_DIR", None)
            for d in daemons:
                d.stop()
            stop.set()
        ticks = array("d")
        ticks.frombytes(ticks_path.read_bytes() if ticks_path.exists() else b"")
        if len(ticks) < 2:
            raise SystemExit("the tray wrote no QTimer ticks (did it quit cleanly?)")
        during = sum(1 for t in ticks for a, b in windows if a <= t <= b)
        interval = max(max_interval_ms(ticks, a, b) for a, b in windows)

    tray_s = sum(b - a for a, b in windows)
    in_tray = rounds * size / tray_s / 1e6
    daemon = rounds * size / daemon_s / 1e6
    gap = interval - TIMER_MS
    ratio = in_tray / daemon
    expected = tray_s * 1000 / TIMER_MS
    print(
        f"payload: {rounds} x {size_mb} MB each way, alternating, one connection at a time, "
        "loopback; forwards to a peerup daemon's sink"
    )
    print(f"tray icon embedded in trayer: {visible_s:.3f} s after the process started")
    print(f"idle RSS: tray (engine in-process) {idle_rss:.1f} MB, daemon {daemon_idle_rss:.1f} MB")
    print(f"through the in-tray engine: {in_tray:8.1f} MB/s")
    print(f"through peerup daemon:      {daemon:8.1f} MB/s   ratio {ratio:.3f}")
    print(
        f"10 ms QTimer during the in-tray transfer: {during} ticks of {expected:.0f}, "
        f"longest interval {interval:.1f} ms (gap {gap:.1f} ms)"
    )
    print(
        json.dumps(
            {
                "max_timer_gap_ms": round(gap, 1),
                "max_timer_interval_ms": round(interval, 1),
                "tray_visible_s": round(visible_s, 3),
                "tray_idle_rss_mb": round(idle_rss, 1),
                "daemon_idle_rss_mb": round(daemon_idle_rss, 1),
                "in_tray_mb_s": round(in_tray, 1),
                "daemon_mb_s": round(daemon, 1),
                "in_tray_ratio": round(ratio, 3),
            }
        )
    )


if __name__ == "__main__":
    main()
