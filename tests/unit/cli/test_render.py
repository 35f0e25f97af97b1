"""Rendering helpers, the terminal QR code, and the standalone-node plumbing."""

from __future__ import annotations

import dataclasses
import json
import subprocess
import sys
import time
from pathlib import Path

import click
import pytest

from app.api.transport import ApiEndpoint
from app.cli import render
from app.cli.commands.net import DurationType, listen_address
from app.cli.exitcodes import ExitCode, exit_code_for
from app.cli.qr import qr_matrix, render_matrix, render_qr
from app.cli.standalone import StandaloneStartError, daemon_command, wait_for_socket
from app.core.errors import InvalidAddressError
from app.core.status import (
    AuthEntry,
    FileProblem,
    ForwardInfo,
    ForwardState,
    Grade,
    LanDial,
    LanDialOutcome,
    NodeStatus,
    PathInfo,
    PathType,
    PeerInfo,
    PingResult,
    PingStats,
    PortMappingInfo,
    RelayInfo,
    TracerouteHop,
    TracerouteResult,
)
from tests.helpers.fakes import reachability

PEER = "12D3KooWPFGkL3yuqH6W4YmhpfNdrkk4hT1RpGYXi3JbS7dCLMy6"


def test_badge() -> None:
    assert render.badge(None) == "[UNVERIFIED]"
    assert render.badge("") == "[UNVERIFIED]"
    assert render.badge(False) == "[UNVERIFIED]"
    assert render.badge("sha256:9724b150") == "[VERIFIED]"
    assert render.badge(True) == "[VERIFIED]"


def test_short_id_and_sizes() -> None:
    assert render.short_id(PEER) == "12D3KooWPFGkL3yu..."
    assert render.format_bytes(512) == "512 B"
    assert render.format_bytes(1536) == "1.5 KiB"
    assert render.format_duration(3725) == "1h 2m"
    assert render.network_label(None) == "global (default)"


def test_peers_carry_badges() -> None:
    path = PathInfo(PEER, PathType.RELAYED, "/ip4/1.2.3.4/tcp/1", "tcp", "ipv4", 0.0, 12.34)
    peers = [
        PeerInfo(PEER, "home", authorized=True, verified=False, connected=True, path=path),
        PeerInfo(PEER, None, authorized=True, verified=True, connected=False),
    ]
    lines = render.render_peers(peers)
    assert lines[0].lstrip().startswith("[UNVERIFIED]")
    assert "RELAYED 12.3ms" in lines[0]
    assert lines[1].lstrip().startswith("[VERIFIED]")


def test_a_relay_is_shown_as_one() -> None:
    relay = PeerInfo(PEER, None, authorized=False, verified=False, connected=True, role="relay")
    stranger = PeerInfo(PEER, None, authorized=False, verified=False, connected=True)
    assert "(relay: circuits and introductions only)" in render.render_peers([relay])[0]
    assert "(not authorized)" in render.render_peers([stranger])[0]


def test_forward_line_and_counters() -> None:
    fwd = ForwardInfo(
        id="fwd-1",
        peer_id=PEER,
        peer_name="home",
        service="ssh",
        listen_address="127.0.0.1:2222",
        state=ForwardState.LISTENING,
        connections_total=3,
        connections_active=1,
        bytes_up=2048,
        bytes_down=10,
    )
    assert render.render_forward_line(fwd) == "Forwarding 127.0.0.1:2222 → home/ssh  [UNVERIFIED]"
    assert render.render_forward_counters(fwd) == "↑ 2.0 KiB  ↓ 10 B · 1 active / 3 connections"
    assert render.render_forwards([fwd])[0].endswith("[UNVERIFIED]")
    moving = dataclasses.replace(fwd, rate_down=2.5 * 1024 * 1024, rate_up=0.4)
    assert render.render_forward_counters(moving) == (
        "↑ 2.0 KiB  ↓ 10 B · ↓ 2.5 MiB/s · 1 active / 3 connections"
    )
    both = dataclasses.replace(moving, rate_up=512, errors=1, last_error="refused")
    assert render.render_forward_counters(both) == (
        "↑ 2.0 KiB  ↓ 10 B · ↑ 512 B/s ↓ 2.5 MiB/s · 1 active / 3 connections, 1 error"
        " (last: refused)"
    )


def test_forward_totals_are_exact_to_the_byte() -> None:
    fwd = ForwardInfo(
        id="fwd-1",
        peer_id=PEER,
        peer_name="home",
        service="web",
        listen_address="127.0.0.1:9100",
        state=ForwardState.CLOSED,
        connections_total=1,
        bytes_up=127,
        bytes_down=5_243_085,
    )
    assert render.render_forward_totals(fwd) == (
        "Total: ↑ 127 B  ↓ 5.0 MiB (5,243,085 B) · 1 connection"
    )
    assert render.format_rate(1536.4) == "1.5 KiB/s"


def test_ping_text_matches_reference() -> None:
    ok = PingResult(seq=1, peer_id=PEER, rtt_ms=1.234, path=PathType.DIRECT)
    bad = PingResult(seq=2, peer_id=PEER, rtt_ms=None, path=None, error="timeout")
    assert render.render_ping_header("home", PEER) == "PING home (12D3KooWPFGkL3yu...)"
    assert render.render_ping_result(ok) == "seq=1 rtt=1.2ms path=[DIRECT]"
    assert render.render_ping_result(bad) == "seq=2 error=timeout"
    stats = PingStats.from_results([ok, bad])
    assert render.render_ping_stats("home", stats) == [
        "--- home ping statistics ---",
        "2 sent, 1 received, 50% loss, rtt min/avg/max = 1.2/1.2/1.2 ms",
    ]
    assert render.ping_result_json(ok)["error"] == ""
    assert json.loads(render.dumps(ok, compact=True))["path"] == "DIRECT"


def test_verification_line() -> None:
    verified = AuthEntry(PEER, "", True, (("verified", "sha256:ab"),), None, "sha256:ab")
    unverified = AuthEntry(PEER, "", False, (), None)
    assert render.render_verification_line("home", verified).startswith("[VERIFIED]")
    assert render.render_verification_line("home", unverified) == (
        '[UNVERIFIED] Peer "home" not verified. Run: peerup verify home'
    )
    assert render.render_verification_line("home", None).startswith("[UNVERIFIED]")


def test_to_jsonable() -> None:
    data = render.to_jsonable({"p": Path("/x"), "t": (1, 2), "e": PathType.DIRECT, "n": None})
    assert data == {"p": "/x", "t": [1, 2], "e": "DIRECT", "n": None}
    with pytest.raises(TypeError):
        render.to_jsonable(object())


def test_render_mapping() -> None:
    lines = render.render_mapping({"a": {"b": [1, 2]}, "c": None, "d": {}})
    assert lines == ["a:", "  b:", "    - 1", "    - 2", "c: null", "d: {}"]


def test_qr_half_blocks() -> None:
    # 3 rows x 2 columns: rows pair up, the odd last row is padded with a light row.
    matrix = [[True, False], [True, True], [False, True]]
    assert render_matrix(matrix, invert=False) == "█▄\n ▀"
    assert render_matrix(matrix, invert=True) == " ▀\n█▄"


def test_qr_has_quiet_zone_and_two_rows_per_line() -> None:
    matrix = qr_matrix(PEER, border=2)
    text = render_qr(PEER, border=2)
    lines = text.splitlines()
    assert len(lines) == (len(matrix) + 1) // 2
    assert all(len(line) == len(matrix[0]) for line in lines)
    assert set(lines[0]) == {"█"}  # quiet zone drawn light (inverted)
    assert set(text) <= set("█▀▄ \n")


def test_duration_type() -> None:
    d = DurationType()
    assert d.convert("1s", None, None) == 1.0
    assert d.convert("500ms", None, None) == 0.5
    assert d.convert("2m", None, None) == 120.0
    assert d.convert("0.25", None, None) == 0.25
    with pytest.raises(click.BadParameter):
        d.convert("soon", None, None)


def test_listen_address() -> None:
    assert listen_address("2222") == "127.0.0.1:2222"
    assert listen_address("0.0.0.0:80") == "0.0.0.0:80"
    with pytest.raises(InvalidAddressError):
        listen_address("70000")


def test_exit_codes() -> None:
    assert exit_code_for("daemon-not-running") is ExitCode.NO_DAEMON
    assert exit_code_for("peer-unreachable") is ExitCode.UNREACHABLE
    assert exit_code_for("unknown-peer") is ExitCode.FAILED


def test_daemon_command_is_ephemeral(tmp_path: Path) -> None:
    argv = daemon_command(tmp_path / "c.yaml", tmp_path / "api.sock")
    assert argv[:4] == [sys.executable, "-m", "app", "daemon"]
    assert argv[argv.index("--config") + 1] == str(tmp_path / "c.yaml")
    assert "--ephemeral" in argv
    assert argv[argv.index("--api-socket") + 1] == str(tmp_path / "api.sock")


def _endpoint(tmp_path: Path) -> ApiEndpoint:
    return ApiEndpoint(tmp_path / "api.sock", tmp_path / "api.cookie")


def test_wait_for_socket_reports_child_exit(tmp_path: Path) -> None:
    import asyncio

    log = tmp_path / "daemon.log"
    log.write_text("boom: bad config\n")
    proc = subprocess.Popen([sys.executable, "-c", "raise SystemExit(3)"])
    proc.wait()
    with pytest.raises(StandaloneStartError) as info:
        asyncio.run(wait_for_socket(_endpoint(tmp_path), proc, log, limit=5))
    assert "exit code 3" in info.value.message
    assert "boom: bad config" in info.value.message


def test_wait_for_socket_times_out(tmp_path: Path) -> None:
    import asyncio

    proc = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(30)"])
    try:
        with pytest.raises(StandaloneStartError) as info:
            asyncio.run(wait_for_socket(_endpoint(tmp_path), proc, tmp_path / "none", limit=0.2))
        assert "did not start within" in info.value.message
    finally:
        proc.kill()
        proc.wait()


# ---- reachability, relays, traceroute ------------------------------------------------------------

RELAY_ID = "12D3KooWHa1ZL7eFxtBNhzaLLwsUP9PTwomRTZCQkUQq2Yfue86Z"


def _status(**changes: object) -> NodeStatus:
    base = NodeStatus(
        peer_id=PEER,
        version="0.1.0",
        uptime_seconds=65,
        listen_addresses=("/ip4/192.0.2.1/tcp/4001",),
        connected_peers=1,
        authorized_peers=2,
        services=0,
        forwards=0,
        config_path="/c.yaml",
    )
    return dataclasses.replace(base, **changes)  # type: ignore[arg-type]


def test_node_status_counts_peers_as_listed_and_others_apart() -> None:
    head = "Peers:     1 connected, 2 authorized"
    assert head in render.render_node_status(_status())
    one = render.render_node_status(_status(connected_others=1))
    assert f"{head} (also connected: 1 relay or unauthorized peer)" in one
    two = render.render_node_status(_status(connected_others=2))
    assert f"{head} (also connected: 2 relays or unauthorized peers)" in two


def test_node_status_shows_a_refused_authorized_keys_reload() -> None:
    problem = FileProblem(
        "/c/authorized_keys",
        "unsafe-file",
        "authorized_keys /c/authorized_keys has insecure permissions 0666 (expected 0600)",
        "fix with: chmod 600 /c/authorized_keys",
    )
    lines = render.render_node_status(_status(authorized_keys_problem=problem))
    assert (
        "Warning:   authorized_keys /c/authorized_keys has insecure permissions 0666 (expected "
        "0600); the previous authorized_keys is kept"
    ) in lines
    assert "           fix with: chmod 600 /c/authorized_keys" in lines
    assert not any(line.startswith("Warning:") for line in render.render_node_status(_status()))


def test_expired_peers_say_so() -> None:
    peers = [
        PeerInfo(PEER, "old", authorized=False, verified=False, connected=False, expired=True),
        PeerInfo(RELAY_ID, None, authorized=False, verified=False, connected=True),
    ]
    lines = render.render_peers(peers)
    assert "(expired: not authorized)" in lines[0]
    assert "(not authorized)" in lines[1]
    assert "expired" not in lines[1]


def test_reachability_lines() -> None:
    graded = reachability(Grade.D)
    assert render.render_reachability(graded) == [
        f"Reachability: [D] {graded.reason}",
        f"  hint: {graded.hint}",
    ]
    no_hint = reachability(Grade.B)
    assert no_hint.hint == ""
    assert render.render_reachability(no_hint) == [f"Reachability: [B] {no_hint.reason}"]
    assert render.render_reachability(None)[0].startswith("Reachability: not measured yet")


def test_node_status_shows_grade_relays_circuits_and_relaying() -> None:
    expires = 1_700_000_000.0
    relays = (
        RelayInfo(f"/ip4/203.0.113.7/tcp/7777/p2p/{RELAY_ID}", RELAY_ID, True, expires),
        RelayInfo(f"/ip4/198.51.100.9/tcp/7777/p2p/{PEER}", PEER, False, error="refused"),
        RelayInfo(f"/ip4/198.51.100.8/tcp/7777/p2p/{PEER}", PEER, False),
    )
    circuit = f"/ip4/203.0.113.7/tcp/7777/p2p/{RELAY_ID}/p2p-circuit/p2p/{PEER}"
    lines = render.render_node_status(
        _status(
            reachability=reachability(Grade.D),
            relays=relays,
            circuit_addresses=(circuit,),
            relay_service=True,
        )
    )
    clock = time.strftime("%H:%M", time.localtime(expires))
    assert f"Reachability: [D] {reachability(Grade.D).reason}" in lines
    assert "  hint: Enable UPnP on your router." in lines
    assert f"Relays:    relay 12D3KooWHa1ZL7eF... reserved until {clock}" in lines
    assert "           relay 12D3KooWPFGkL3yu... not reserved: refused" in lines
    assert "           relay 12D3KooWPFGkL3yu... not reserved yet" in lines
    assert f"Circuit:   {circuit}" in lines
    assert "Relaying:  on (this node relays for its authorized peers)" in lines

    plain = render.render_node_status(_status())
    assert not any(line.startswith("Port map:") for line in plain)
    assert "Relays:    (none configured; add one with: peerup relay add)" in plain
    assert "Circuit:   (none)" in plain
    assert "Relaying:  off" in plain
    assert not any("hint:" in line for line in plain)


def test_node_status_shows_the_port_mapping() -> None:
    mapping = PortMappingInfo("TCP", "203.0.113.101:4001", "192.168.1.2:4001", "http://gw", None)
    lines = render.render_node_status(_status(port_mapping=mapping))
    assert "Port map:  203.0.113.101:4001 → 192.168.1.2:4001 (TCP, UPnP)" in lines
    natpmp = PortMappingInfo(
        "TCP", "203.0.113.101:4001", "192.168.1.2:4001", "192.168.1.1", None, method="nat-pmp"
    )
    lines = render.render_node_status(_status(port_mapping=natpmp))
    assert "Port map:  203.0.113.101:4001 → 192.168.1.2:4001 (TCP, NAT-PMP)" in lines


def test_peer_lines_carry_grade_and_path_or_expected_path() -> None:
    path = PathInfo(PEER, PathType.DIRECT, "/ip4/1.2.3.4/tcp/1", "tcp", "ipv4", 0.0, None)
    peers = [
        PeerInfo(PEER, "home", True, False, True, path=path, reachability=reachability(Grade.B)),
        PeerInfo(RELAY_ID, "away", True, False, False, expected_path=PathType.RELAYED),
        PeerInfo(RELAY_ID, None, True, True, False),
    ]
    lines = render.render_peers(peers)
    assert "[B]" in lines[0]
    assert lines[0].rstrip().endswith("connected DIRECT")
    assert "[?]" in lines[1]
    assert "offline (expected: RELAYED)" in lines[1]
    assert lines[2].rstrip().endswith("offline")
    # Without any grade there is no grade column at all.
    assert "[?]" not in "".join(render.render_peers(peers[1:2]))


def test_traceroute_text_matches_reference() -> None:
    hops = (
        TracerouteHop(1, RELAY_ID, "relay-server/0.1.0", "/ip4/203.0.113.7/tcp/7777", 12.34),
        TracerouteHop(2, PEER, None, "/p2p-circuit/p2p/x", None, "cannot reach peer: timeout"),
    )
    result = TracerouteResult("home", PEER, PathType.RELAYED, hops)
    assert render.render_traceroute("home", result) == [
        "traceroute to home (12D3KooWPFGkL3yu...)",
        " 1  12D3KooWHa1ZL7eF... (relay-server/0.1.0)  /ip4/203.0.113.7/tcp/7777  12.3ms",
        " 2  12D3KooWPFGkL3yu...  /p2p-circuit/p2p/x  *  cannot reach peer: timeout",
        "--- path: [RELAYED] ---",
    ]
    direct = TracerouteResult(
        "home", PEER, PathType.DIRECT, (TracerouteHop(1, PEER, "home", "/ip4/1.2.3.4/tcp/1", 1.0),)
    )
    assert render.render_traceroute("home", direct)[1:] == [
        " 1  12D3KooWPFGkL3yu... (home)  /ip4/1.2.3.4/tcp/1  1.0ms",
        "--- path: [DIRECT] ---",
    ]
    assert json.loads(render.dumps(result))["hops"][1]["rtt_ms"] is None


def test_relay_address_helpers() -> None:
    assert render.with_peer_id("/ip4/1.2.3.4/tcp/1", PEER) == f"/ip4/1.2.3.4/tcp/1/p2p/{PEER}"
    assert render.with_peer_id(f"/ip4/1.2.3.4/tcp/1/p2p/{PEER}", "x").endswith(PEER)
    ordered = sorted(
        ["/ip4/127.0.0.1/tcp/1", "/ip4/192.168.1.2/tcp/1", "/ip4/203.0.114.1/tcp/1", "/dns4/x"],
        key=render.address_rank,
    )
    assert ordered == [
        "/ip4/203.0.114.1/tcp/1",
        "/ip4/192.168.1.2/tcp/1",
        "/dns4/x",
        "/ip4/127.0.0.1/tcp/1",
    ]


def test_paths_tell_how_the_last_lan_dial_went() -> None:
    at = time.mktime((2026, 12, 7, 12, 1, 0, 0, 0, -1))
    failed = LanDial(("/ip4/10.1.1.2/tcp/4001",), True, LanDialOutcome.FAILED, at, "", at + 60)
    worked = LanDial(("/ip4/192.168.1.3/tcp/4001",), False, LanDialOutcome.WORKED, at,
                     "/ip4/192.168.1.3/tcp/4001")  # fmt: skip
    relayed = PathInfo(PEER, PathType.RELAYED, "/p2p-circuit", "tcp", "ipv4", 0.0, lan_dial=failed)
    direct = PathInfo(RELAY_ID, PathType.DIRECT, "/ip4/192.168.1.3/tcp/4001", "tcp", "ipv4", 0.0,
                      lan_dial=worked)  # fmt: skip
    lines = render.render_paths([relayed, direct], {PEER: "guest"})
    assert len(lines) == 4
    assert lines[2].startswith("  guest (")
    assert lines[2].endswith(
        "): LAN dial across subnets (same public address) failed at 12:01 "
        "(/ip4/10.1.1.2/tcp/4001); next try 12:02"
    )
    assert lines[3].endswith("LAN dial worked at 12:01 via /ip4/192.168.1.3/tcp/4001")
    assert render.render_paths([dataclasses.replace(relayed, lan_dial=None)])[1:] == []


def test_a_relay_states_its_limit() -> None:
    address = f"/ip4/203.0.113.7/tcp/4001/p2p/{RELAY_ID}"
    stock = RelayInfo(address, RELAY_ID, True, None, limit_data=128 << 10, limit_duration=120)
    ours = RelayInfo(address, RELAY_ID, True, None, limit_data=1 << 30, limit_duration=3600)
    free = RelayInfo(address, RELAY_ID, True, None)
    assert render.relay_state(stock) == "reserved (limited: 128 KiB / 2 min per connection)"
    assert render.relay_state(ours) == "reserved (limit: 1 GiB / 1 h per connection)"
    assert render.relay_state(free) == "reserved"
