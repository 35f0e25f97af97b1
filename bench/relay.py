#!/usr/bin/env python3
"""Benchmark: forwarding through a circuit relay vs directly, with real peerup daemons on loopback.

One run starts a relay (``relay_service`` on) and two peers that reserve on it, then uploads to a
sink through a forward over a direct connection and through one with the relay as the only path
(the second peer knows no direct address), alternately, in --rounds rounds (3). Prints each
round, the median MB/s of each path and the median of the rounds' ratios.

Then, when it runs as root, it builds the NAT lab (tests/lab: a public relay and two homes behind
endpoint-independent NAT) and measures the time from the first dial to a DIRECT path (relayed
first, then hole-punched by DCUtR), median of 10 trials (3 with --quick), each with freshly
started daemons. Without root that figure is null. The last line is one JSON object with
direct_mb_s, relayed_mb_s, relayed_ratio, time_to_direct_p50_s.

With --cpu it also prints each process's CPU seconds (user + system) per 100 MB of each transfer,
which does not depend on how busy the machine is (the daemons and the bench itself, whose threads
are the load generator and the sink), and the ratio a machine with a core per process would allow;
--no-lab skips the NAT lab; --profile-wait N sleeps N seconds before the timed transfers (to
attach a profiler to the daemons' PIDs).

Usage: python bench/relay.py [--quick] [--cpu] [--no-lab] [--size MB] [--rounds N]
"""

from __future__ import annotations

import argparse
import asyncio
import json
import resource
import statistics
import sys
import tempfile
import threading
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from app.api.client import open_local_client  # noqa: E402
from bench.common import serve, sink, upload_mb_s  # noqa: E402
from tests.helpers.daemons import DaemonProcess, start_daemon  # noqa: E402
from tests.helpers.nodes import make_node_dir  # noqa: E402


async def wait_reserved(daemon: DaemonProcess) -> None:
    async with open_local_client(daemon.endpoint) as api:
        deadline = time.monotonic() + 30
        while not (await api.status()).circuit_addresses:
            if time.monotonic() > deadline:
                raise SystemExit("no relay reservation")
            await asyncio.sleep(0.1)


async def open_forward(client: DaemonProcess, peer: str, addresses: list[str]) -> tuple[int, str]:
    async with open_local_client(client.endpoint) as api:
        path = await api.connect(peer, addresses)
        fwd = await api.open_forward(peer, "sink", "127.0.0.1:0")
        return int(fwd.listen_address.rsplit(":", 1)[1]), str(path.path_type)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="smaller transfers (< 50 s)")
    parser.add_argument("--cpu", action="store_true", help="CPU seconds per 100 MB per daemon")
    parser.add_argument("--no-lab", action="store_true", help="skip the NAT lab trials")
    parser.add_argument("--size", type=int, default=0, help="payload in MB (overrides --quick)")
    parser.add_argument("--rounds", type=int, default=3, help="alternating transfer pairs")
    parser.add_argument("--profile-wait", type=float, default=0.0, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.rounds < 1:
        parser.error("--rounds must be at least 1")
    size = (args.size or (20 if args.quick else 100)) * 1024 * 1024
    cpu: dict[str, dict[str, float]] = {}
    direct_runs: list[float] = []
    relayed_runs: list[float] = []

    stop = threading.Event()
    sink_port = serve(sink, stop)
    with tempfile.TemporaryDirectory(prefix="peerup-bench-relay-") as tmp:
        root = Path(tmp)
        relay = make_node_dir(root, "relay", extra="relay_service: {enabled: true}\n")
        daemons = [start_daemon(relay)]
        try:
            relay_addr = asyncio.run(_first_address(daemons[0]))
            extra = f"relay: {{addresses: ['{relay_addr}']}}\n"
            # On loopback a hole punch would upgrade the relayed pair at once: keep it relayed.
            home = make_node_dir(
                root, "home", services={"sink": f"127.0.0.1:{sink_port}"}, extra=extra,
                hole_punching=False,
            )  # fmt: skip
            direct = make_node_dir(root, "direct", extra=extra)
            # Nor may its DHT (bootstrapped from the relay) find the home's direct address: a DHT
            # namespace of its own leaves it nobody to ask.
            relayed = make_node_dir(
                root, "relayed", extra=extra + "discovery: {network: bench-relayed-only}\n",
                hole_punching=False,
            )  # fmt: skip
            for a, b in ((home, direct), (direct, home), (home, relayed), (relayed, home)):
                a.authorize(b)
            for peer in (home, direct, relayed):
                relay.authorize(peer)
            time.sleep(1.5)  # the relay re-reads authorized_keys within a second
            home_d, direct_d, relayed_d = (start_daemon(n) for n in (home, direct, relayed))
            daemons += [home_d, direct_d, relayed_d]
            asyncio.run(wait_reserved(home_d))
            home_addr = asyncio.run(_first_address(home_d)).rsplit("/p2p/", 1)[0]
            direct_port, direct_path = asyncio.run(
                open_forward(direct_d, home.peer_id, [home_addr])
            )
            relayed_port, relayed_path = asyncio.run(open_forward(relayed_d, home.peer_id, []))
            upload_mb_s(direct_port, 4 << 20)  # warm-up
            upload_mb_s(relayed_port, 4 << 20)
            if args.profile_wait:
                pids = {n: d.proc.pid for n, d in zip(_NAMES, daemons, strict=True)}
                print(f"daemon pids: {pids}", flush=True)
                time.sleep(args.profile_wait)
                print("transfers start", flush=True)
            # Direct and relayed transfers alternate, and each figure is the median over the
            # rounds: the machine's speed drifts between minutes (direct alone moved 216-343
            # MB/s between runs of one code), and a ratio of two transfers far apart in time
            # would carry that drift.
            spent = {path: dict.fromkeys(_ROLES, 0.0) for path in ("direct", "relayed")}
            for _ in range(args.rounds):
                for path, port, results in (
                    ("direct", direct_port, direct_runs),
                    ("relayed", relayed_port, relayed_runs),
                ):
                    before = _cpu_seconds(daemons)
                    results.append(upload_mb_s(port, size))
                    after = _cpu_seconds(daemons)
                    for role in before:
                        spent[path][role] += after[role] - before[role]
            scale = 100 / (size >> 20) / args.rounds
            cpu = {
                path: {role: round(seconds * scale, 3) for role, seconds in per.items()}
                for path, per in spent.items()
            }
        finally:
            for d in reversed(daemons):
                d.stop()
            stop.set()

    print(
        f"payload: {size >> 20} MB per transfer, {args.rounds} rounds of direct then relayed, "
        "one connection, loopback, daemons in separate processes"
    )
    ratios = [r / d for d, r in zip(direct_runs, relayed_runs, strict=True)]
    for i, (d, r, q) in enumerate(zip(direct_runs, relayed_runs, ratios, strict=True), 1):
        print(f"  round {i}: direct {d:7.1f} MB/s, relayed {r:7.1f} MB/s, ratio {q:.3f}")
    direct_mb_s = statistics.median(direct_runs)
    relayed_mb_s = statistics.median(relayed_runs)
    ratio = statistics.median(ratios)
    # The ratio printed is the median of the rounds' ratios, not of the two medians' quotient.
    print(f"direct  ({direct_path}):  {direct_mb_s:8.1f} MB/s (median)")
    print(f"relayed ({relayed_path}): {relayed_mb_s:8.1f} MB/s (median)   ratio {ratio:.3f}")
    bound = None
    if args.cpu:
        for path, per in cpu.items():
            parts = ", ".join(f"{n} {v:.2f}" for n, v in per.items())
            print(f"CPU s per 100 MB, {path}: {parts}; total {sum(per.values()):.2f}")
        # Each path's throughput if every process had a core of its own: set by its busiest one.
        bound = max(cpu["direct"].values()) / max(cpu["relayed"].values())
        print(f"ratio bound with one core per process (from CPU, not measured): {bound:.3f}")
    trials = 3 if args.quick else 10
    times = [] if args.no_lab else time_to_direct(trials)
    median = statistics.median(times) if times else None
    if args.no_lab:
        print("time to DIRECT: not measured (--no-lab)")
    elif median is None:
        print("time to DIRECT: not measured (the NAT lab needs root)")
    else:
        print(f"time to DIRECT (NAT lab, {trials} trials): median {median:.2f} s, all {times}")
    print(
        json.dumps(
            {
                "direct_mb_s": round(direct_mb_s, 1),
                "relayed_mb_s": round(relayed_mb_s, 1),
                "relayed_ratio": round(ratio, 4),
                "time_to_direct_p50_s": None if median is None else round(median, 3),
                **(
                    {"cpu_s_per_100mb": cpu, "ratio_bound_core_per_process": round(bound, 3)}
                    if bound is not None
                    else {}
                ),
            }
        )
    )


def time_to_direct(trials: int) -> list[float]:
    """Seconds from the first dial to DIRECT between two endpoint-independent NATs, per trial."""
    from tests.lab.daemons import api_call, start_in_ns
    from tests.lab.netlab import Lab, unavailable_reason

    if unavailable_reason() is not None:
        return []
    results: list[float] = []
    with tempfile.TemporaryDirectory(prefix="peerup-bench-lab-") as tmp, Lab(prefix="pb") as lab:
        root = Path(tmp)
        relay = make_node_dir(
            root, "relay", listen=f"/ip4/{lab.relay.ip}/tcp/7777",
            extra="relay_service: {enabled: true, max_reservations_per_ip: 64}\n",
        )  # fmt: skip
        relay.config_path.write_text(
            relay.config_path.read_text().replace(
                "enable_connection_gating: true", "enable_connection_gating: false"
            )
        )
        start_in_ns(lab, lab.relay.ns, relay)
        extra = f"relay: {{addresses: ['/ip4/{lab.relay.ip}/tcp/7777/p2p/{relay.peer_id}']}}\n"
        homes = [lab.add_home(f"h{i}", nat="eim") for i in range(2)]
        for trial in range(trials):
            a, b = (
                make_node_dir(root / str(trial), n, listen="/ip4/0.0.0.0/tcp/4001", extra=extra)
                for n in ("a", "b")
            )
            a.authorize(b)
            b.authorize(a)
            ends = [start_in_ns(lab, h.host_ns, n) for h, n in zip(homes, (a, b), strict=True)]
            deadline = time.monotonic() + 30
            while not api_call(ends[1], "status").circuit_addresses:  # type: ignore[attr-defined]
                if time.monotonic() > deadline:
                    raise SystemExit("no reservation in the lab")
                time.sleep(0.1)
            started = time.monotonic()
            api_call(ends[0], "connect", b.peer_id)
            while time.monotonic() - started < 15:
                paths = api_call(ends[0], "paths")
                if any(p.peer_id == b.peer_id and str(p.path_type) == "DIRECT" for p in paths):  # type: ignore[attr-defined]
                    results.append(round(time.monotonic() - started, 3))
                    break
                time.sleep(0.05)
            for end in ends:
                api_call(end, "shutdown")
            time.sleep(1.0)  # let both daemons release port 4001
    return results


_NAMES = ("relay", "home", "direct", "relayed")
_ROLES = ("bench", *_NAMES)


def _cpu_seconds(daemons: list[DaemonProcess]) -> dict[str, float]:
    """User + system CPU seconds of each daemon so far, by role."""
    import psutil

    own = resource.getrusage(resource.RUSAGE_SELF)  # the load generator and sink threads
    result = {"bench": own.ru_utime + own.ru_stime}
    for name, daemon in zip(_NAMES, daemons, strict=True):
        times = psutil.Process(daemon.proc.pid).cpu_times()
        result[name] = times.user + times.system
    return result


async def _first_address(daemon: DaemonProcess) -> str:
    async with open_local_client(daemon.endpoint) as api:
        return (await api.status()).listen_addresses[0]


if __name__ == "__main__":
    main()
