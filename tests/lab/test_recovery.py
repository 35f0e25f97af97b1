"""Recovery in seconds after our own network changes, a peer daemon restart, and a relay that
goes silent.

Two homes behind symmetric NAT (no hole punch: the pair stays RELAYED) meet on the lab's relay;
``client`` has a forward to the echo service of ``server``. Each fault is applied to ``server``
(the side only reachable through its reservation): its WAN address changes, its LAN address
changes, its link goes down for a few seconds, its daemon is SIGKILLed or SIGTERMed and started
again. From the moment the network is back (or the restarted daemon's API answers), a prober in
the client's namespace opens NEW connections through the forward (each attempt bounded) until one
carries 256 KiB there and back intact; the time until that one finished must be at most
:data:`BAR`. The last test makes the relay silently drop every packet (no FIN, no RST): the
server must report its reservation lost within :data:`LOST_BOUND` and hold a new one within
:data:`BAR` of the drop being lifted. ``pytest -s`` prints one JSON line per fault.

Everything runs twice: with our relay (a ``peerup daemon``) and with kubo 0.22 (go-libp2p 0.29,
tests/interop) as the only relay. A go-libp2p relay sends a circuit over the connection to the
target with the most streams: after the server's own address changed that is its old, dead
connection, until go-yamux's keepalive closes it (~40 s). Those two cases are expected to miss
the bar (xfail, with the time measured); nothing on our side can make that relay pick the new
connection (a second relay would).
"""

from __future__ import annotations

import contextlib
import json
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from app.api.transport import ApiEndpoint
from app.core.status import PathType
from tests.helpers.nodes import NodeDir, make_node_dir
from tests.lab.daemons import (
    LISTEN_PORT,
    api_call,
    configure_home,
    has_reservation,
    start_in_ns,
    start_public_services,
    wait_until,
)
from tests.lab.netlab import Home, Lab, unavailable_reason

REPO = Path(__file__).resolve().parents[2]
BAR = 5.0  # seconds from "back" to a new forwarded connection working (issue 16, item 1)
LOST_BOUND = 12.0  # seconds for a silently dead relay connection to be noticed
KUBO_PORT = 4011
GO_RELAY_STALE = (
    "a go-libp2p relay sends the circuit over the server's old, dead connection (the one with "
    "more streams) until go-yamux's keepalive closes it"
)

pytestmark = pytest.mark.skipif(unavailable_reason() is not None, reason=str(unavailable_reason()))

# New connections through the forward (argv: port, deadline seconds) until one echoes 256 KiB
# intact; each attempt is bounded. Prints one JSON object: when the first good one finished
# (seconds from the prober's start), how many attempts it took, the errors seen.
PROBER = """
import json, os, socket, sys, time
port, deadline = int(sys.argv[1]), float(sys.argv[2])
start = time.monotonic()
errors = []
attempts = 0
while time.monotonic() - start < deadline:
    attempts += 1
    payload = os.urandom(256 * 1024)
    t0 = time.monotonic()
    try:
        s = socket.create_connection(("127.0.0.1", port), timeout=3)
        s.settimeout(max(0.5, 4 - (time.monotonic() - t0)))
        s.sendall(payload)
        s.shutdown(socket.SHUT_WR)
        got = bytearray()
        while data := s.recv(1 << 16):
            got += data
        s.close()
        if got == payload:
            print(json.dumps({"ok": True, "after_s": round(time.monotonic() - start, 2),
                              "attempts": attempts, "errors": errors[-5:]}))
            sys.exit(0)
        errors.append(f"got {len(got)} bytes")
    except OSError as exc:
        errors.append(type(exc).__name__)
    time.sleep(max(0.0, 0.2 - (time.monotonic() - t0)))
print(json.dumps({"ok": False, "after_s": None, "attempts": attempts, "errors": errors[-10:]}))
"""


@dataclass
class Pair:
    lab: Lab
    relay_kind: str  # "peerup" or "kubo"
    relay_addr: str
    client: Home
    server: Home
    client_node: NodeDir
    server_node: NodeDir
    client_api: ApiEndpoint
    server_api: ApiEndpoint
    server_proc: subprocess.Popen[bytes]
    port: int


def _start_server(
    pair_lab: Lab, home: Home, node: NodeDir
) -> tuple[ApiEndpoint, subprocess.Popen[bytes]]:
    """Start (again) the server's daemon; a killed one's API socket and cookie are removed."""
    for name in ("api.sock", "api.cookie"):
        (node.path / name).unlink(missing_ok=True)
    log = node.path / "daemon.log"
    if log.exists():  # keep the earlier run's log for a failure's post-mortem
        log.rename(node.path / f"daemon.{time.monotonic_ns()}.log")
    endpoint = start_in_ns(pair_lab, home.host_ns, node)
    return endpoint, pair_lab.procs[-1]


@pytest.fixture(scope="module", params=["peerup", "kubo"], ids=["peerup-relay", "kubo-relay"])
def pair(
    tmp_path_factory: pytest.TempPathFactory, request: pytest.FixtureRequest
) -> Iterator[Pair]:
    root = tmp_path_factory.mktemp("recovery")
    relay_kind: str = request.param
    with Lab(prefix="pr") as lab, contextlib.ExitStack() as stack:
        relay_addr = start_public_services(lab, root)
        if relay_kind == "kubo":
            from tests.interop.peers import start_kubo_relay

            kubo = stack.enter_context(
                start_kubo_relay(
                    root, host=lab.relay.ip, port=KUBO_PORT, wrap=lab.wrap(lab.relay.ns, [])
                )
            )
            relay_addr = next(a for a in kubo.addrs if f"/{lab.relay.ip}/" in a)
        client = lab.add_home("client", nat="symmetric")
        server = lab.add_home("server", nat="symmetric")
        listen = f"/ip4/0.0.0.0/tcp/{LISTEN_PORT}"
        client_node = make_node_dir(root, "client", listen=listen)
        server_node = make_node_dir(root, "server", listen=listen)
        client_node.authorize(server_node)
        server_node.authorize(client_node)
        echo = lab.popen(server.host_ns, [sys.executable, "-m", "tests.helpers.services", "echo"],
                         cwd=REPO, stdout=subprocess.PIPE, text=True)  # fmt: skip
        assert echo.stdout is not None
        configure_home(server_node, relay_addr, lab, int(echo.stdout.readline()))
        configure_home(client_node, relay_addr, lab, None)
        server_api, server_proc = _start_server(lab, server, server_node)
        client_api = start_in_ns(lab, client.host_ns, client_node)
        wait_until("server reserved", lambda: has_reservation(server_api), 45, 0.3)
        wait_until("client reserved", lambda: has_reservation(client_api), 45, 0.3)
        forward = api_call(client_api, "open_forward", server_node.peer_id, "echo", "127.0.0.1:0")
        port = int(forward.listen_address.rsplit(":", 1)[1])  # type: ignore[attr-defined]
        pair = Pair(lab, relay_kind, relay_addr, client, server, client_node, server_node,
                    client_api, server_api, server_proc, port)  # fmt: skip
        first = _probe(pair, 30)
        assert first["ok"], first
        paths = api_call(client_api, "paths")
        path = next(p for p in paths if p.peer_id == server_node.peer_id)  # type: ignore[attr-defined]
        assert path.path_type is PathType.RELAYED, path
        yield pair


def _probe(pair: Pair, deadline: float = 30) -> dict[str, object]:
    out = pair.lab.exec(
        pair.client.host_ns,
        [sys.executable, "-c", PROBER, str(pair.port), str(deadline)],
        timeout=deadline + 15,
    )
    return json.loads(out.stdout.strip().splitlines()[-1])  # type: ignore[no-any-return]


def _report(fault: str, result: dict[str, object], **extra: object) -> None:
    line = {"fault": fault, "new_connection_after_s": result["after_s"], **extra}
    print(json.dumps({**line, "attempts": result["attempts"], "errors": result["errors"]}))


def _assert_recovered(pair: Pair, fault: str, result: dict[str, object]) -> None:
    _report(fault, result)
    assert result["ok"], (fault, result, pair.lab.describe())
    assert float(result["after_s"]) <= BAR, (fault, result)  # type: ignore[arg-type]


def _restart_server(pair: Pair, sig: signal.Signals) -> None:
    pair.server_proc.send_signal(sig)
    pair.server_proc.wait(20)
    pair.server_api, pair.server_proc = _start_server(pair.lab, pair.server, pair.server_node)
    wait_until("restarted server's API", lambda: api_call(pair.server_api, "status", timeout=5), 30)


def _other_public_ip(lab: Lab, home: Home) -> str:
    used = {h.public_ip for h in lab.homes.values()}
    return next(f"203.0.113.{n}" for n in range(150, 200) if f"203.0.113.{n}" not in used)


def _other_lan_ip(home: Home) -> str:
    assert home.lan_net is not None
    base = home.lan_net.network_address
    return next(str(base + n) for n in (77, 78) if str(base + n) != home.lan_ip)


def _log(node_dir: Path) -> str:
    return (node_dir / "daemon.log").read_text(errors="replace")


def _expect_go_relay_stale(pair: Pair, fault: str) -> None:
    """kubo relay, server's address changed: measure how long it takes, then xfail."""
    result = _probe(pair, deadline=90)
    _report(f"{fault}-{pair.relay_kind}-relay", result)
    assert result["ok"], result  # it does recover, once go-yamux gives the old connection up
    if float(result["after_s"]) > BAR:  # type: ignore[arg-type]
        pytest.xfail(f"{GO_RELAY_STALE}: {result['after_s']} s")


@pytest.mark.parametrize("side", ["server", "client"])
def test_wan_address_change(pair: Pair, side: str) -> None:
    home = pair.server if side == "server" else pair.client
    home.move_public_ip(_other_public_ip(pair.lab, home))
    if pair.relay_kind == "kubo" and side == "server":
        _expect_go_relay_stale(pair, f"{side}-wan-address-change")
        return
    _assert_recovered(pair, f"{side}-wan-address-change-{pair.relay_kind}-relay", _probe(pair))
    if side == "server":
        # The relay doubted the server's old connection when it reserved over a new one.
        assert "is silent: closing it" in _log(pair.server_node.path.parent / "relay")


@pytest.mark.parametrize("side", ["server", "client"])
def test_lan_address_change(pair: Pair, side: str) -> None:
    home = pair.server if side == "server" else pair.client
    old = home.lan_ip
    home.move_lan_ip(_other_lan_ip(home))
    if pair.relay_kind == "kubo" and side == "server":
        _expect_go_relay_stale(pair, f"{side}-lan-address-change")
        return
    _assert_recovered(pair, f"{side}-lan-address-change-{pair.relay_kind}-relay", _probe(pair))
    node = pair.server_node if side == "server" else pair.client_node
    # Its connections from the vanished address were closed at once, not after a ping timeout.
    assert f"our address {old} is gone: closing" in _log(node.path)


# A blip TCP rides out, and an outage long enough for every side to give the connection up.
@pytest.mark.parametrize("down_s", [3.0, 15.0])
def test_link_down_up(pair: Pair, down_s: float) -> None:
    pair.server.link_down()
    try:
        time.sleep(down_s)
    finally:
        pair.server.link_up()
    fault = f"server-link-down-{down_s:.0f}s-up-{pair.relay_kind}-relay"
    _assert_recovered(pair, fault, _probe(pair))


@pytest.mark.parametrize("sig", [signal.SIGKILL, signal.SIGTERM], ids=["sigkill", "sigterm"])
def test_peer_daemon_restart(pair: Pair, sig: signal.Signals) -> None:
    _restart_server(pair, sig)
    fault = f"peer-daemon-{sig.name.lower()}-restart-{pair.relay_kind}-relay"
    _assert_recovered(pair, fault, _probe(pair))


def _relay_drop(pair: Pair, action: str) -> None:
    for chain in ("INPUT", "OUTPUT"):
        pair.lab.exec(pair.lab.relay.ns, ["iptables", "-w", "5", action, chain, "-j", "DROP"])


def test_relay_goes_silent(pair: Pair) -> None:
    wait_until("server reserved", lambda: has_reservation(pair.server_api), 20)
    _relay_drop(pair, "-I")
    try:
        lost_s = wait_until(
            "reservation reported lost", lambda: not has_reservation(pair.server_api), LOST_BOUND
        )
        time.sleep(max(0.0, 10 - lost_s))  # the relay stays silent for 10 s in all
    finally:
        _relay_drop(pair, "-D")
    reserved_s = wait_until("reserved again", lambda: has_reservation(pair.server_api), 30)
    result = _probe(pair)
    _report(f"relay-silent-10s-{pair.relay_kind}-relay", result, lost_after_s=round(lost_s, 2),
            reserved_again_after_s=round(reserved_s, 2))  # fmt: skip
    assert reserved_s <= BAR, reserved_s
    assert result["ok"], result
    assert float(result["after_s"]) <= BAR, result  # type: ignore[arg-type]
