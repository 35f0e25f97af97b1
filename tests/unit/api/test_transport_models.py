"""Cookie handling, endpoint location, and the wire models."""

from __future__ import annotations

import os
import socket
import tempfile
from collections.abc import Iterator
from pathlib import Path

import msgspec
import pytest

from app.api import models
from app.api.errors import AccessDeniedError, ApiError, DaemonNotRunningError, http_status_for
from app.api.transport import (
    ApiEndpoint,
    bearer_matches,
    daemon_available,
    endpoint_for_config,
    new_cookie,
    read_cookie,
)
from app.core.status import (
    AuthorizedKeysChanged,
    ConfigChanged,
    ConnectionRefused,
    ForwardChanged,
    ForwardInfo,
    ForwardState,
    Grade,
    IntroducedPeer,
    InviteChanged,
    InviteInfo,
    InviteState,
    JoinProgress,
    JoinStep,
    NatMapping,
    NodeStatus,
    PathChanged,
    PathInfo,
    PathType,
    PeerConnected,
    PeerDisconnected,
    PeerInfo,
    PeersIntroduced,
    PortMappingChanged,
    PortMappingInfo,
    ReachabilityChanged,
    RelayInfo,
    RelaysChanged,
    RttChanged,
    ServiceInfo,
    ServicesChanged,
    TracerouteHop,
    TracerouteResult,
)
from tests.helpers.fakes import FakeNode, reachability


@pytest.fixture
def short_dir() -> Iterator[Path]:
    with tempfile.TemporaryDirectory(prefix="pu-", dir="/tmp") as tmp:
        yield Path(tmp)


def test_new_cookie_is_64_hex_and_fresh() -> None:
    a, b = new_cookie(), new_cookie()
    assert a != b
    assert len(a) == 64
    assert set(a) <= set("0123456789abcdef")


def test_bearer_matches_exactly() -> None:
    token = new_cookie()
    assert bearer_matches(f"Bearer {token}".encode(), token)
    assert not bearer_matches(None, token)
    assert not bearer_matches(token.encode(), token)
    assert not bearer_matches(f"Bearer {token}x".encode(), token)
    assert not bearer_matches(f"bearer {token}".encode(), token)


def test_read_cookie_errors_are_plain(short_dir: Path) -> None:
    path = short_dir / "cookie"
    with pytest.raises(DaemonNotRunningError):
        read_cookie(path)
    path.write_text("not a cookie")
    with pytest.raises(ApiError) as info:
        read_cookie(path)
    assert info.value.code == "bad-cookie"
    token = new_cookie()
    path.write_text(token + "\n")
    assert read_cookie(path) == token
    if os.geteuid() != 0:  # root reads anything
        path.chmod(0)
        with pytest.raises(AccessDeniedError):
            read_cookie(path)


def test_daemon_available_needs_socket_and_cookie(short_dir: Path) -> None:
    endpoint = ApiEndpoint(short_dir / "api.sock", short_dir / "api.cookie")
    assert not daemon_available(endpoint)
    sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    sock.bind(str(endpoint.socket_path))
    sock.close()
    assert not daemon_available(endpoint)
    endpoint.cookie_path.write_text(new_cookie())
    assert daemon_available(endpoint)  # does not connect: a stale socket counts
    endpoint.socket_path.unlink()
    endpoint.socket_path.write_text("regular file")
    assert not daemon_available(endpoint)


def test_endpoint_for_config_uses_the_runtime_paths(
    short_dir: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("XDG_RUNTIME_DIR", str(short_dir))
    short_dir.chmod(0o700)
    endpoint = endpoint_for_config(short_dir / "config.yaml")
    assert endpoint.cookie_path.parent == endpoint.socket_path.parent


def test_status_codes() -> None:
    assert http_status_for("unknown-peer") == 404
    assert http_status_for("already-exists") == 409
    assert http_status_for("invalid-peer-id") == 400
    assert http_status_for("not-authorized") == 403
    assert http_status_for("peer-unreachable") == 502
    assert http_status_for("anything-else") == 400


PATH = PathInfo(
    peer_id="p",
    path_type=PathType.RELAYED,
    address="/ip4/1.2.3.4/tcp/1/p2p/r/p2p-circuit",
    transport="tcp",
    ip_version="ipv4",
    connected_at=1.5,
)
FORWARD = ForwardInfo(
    id="fwd-1",
    peer_id="p",
    peer_name="home",
    service="ssh",
    listen_address="127.0.0.1:2222",
    state=ForwardState.FAILED,
    last_error="boom",
)


@pytest.mark.parametrize(
    "event",
    [
        PeerConnected(peer_id="p", path=PATH),
        PeerConnected(peer_id="p"),
        PeerDisconnected(peer_id="p"),
        PathChanged(peer_id="p", path=PATH),
        ForwardChanged(forward=FORWARD),
        ServicesChanged(
            services=(
                ServiceInfo(
                    name="ssh", protocol_id="/peerup/ssh/1.0.0", local_address="a:1", enabled=True
                ),
            )
        ),
        AuthorizedKeysChanged(authorized_peers=3),
        ConnectionRefused(peer_id="p", address="/ip4/1.2.3.4/tcp/1"),
        ReachabilityChanged(peer_id="p", reachability=reachability()),
        RelaysChanged(
            relays=(
                RelayInfo(address="/ip4/1.2.3.4/tcp/1/p2p/r", peer_id="r", reserved=True),
                RelayInfo(address="/ip4/1.2.3.4/tcp/2/p2p/s", peer_id="s", reserved=False),
            )
        ),
        RelaysChanged(relays=()),
        RttChanged(peer_id="p", rtt_ms=1.25),
        RttChanged(peer_id="p", rtt_ms=None),
        PortMappingChanged(
            mapping=PortMappingInfo("TCP", "203.0.113.7:1", "10.0.0.2:1", "10.0.0.1", None)
        ),
        PortMappingChanged(mapping=None),
        ConfigChanged(
            keys=("services", "network.port_mapping"), restart_needed=("network.port_mapping",)
        ),
        InviteChanged(
            invite=InviteInfo(
                id="inv-1", state=InviteState.JOINED, expires_at=2.0, attempts_left=2, peer_id="p"
            )
        ),
        JoinProgress("join-1", "invite", None, JoinStep.CONNECTING),
        JoinProgress(
            "join-1", "relay-pairing", "r", JoinStep.FAILED, "wrong-code", "wrong code or expired"
        ),
        PeersIntroduced(group_id="g", relay_peer_id="r", peers=(IntroducedPeer("p", "alice"),)),
    ],
)
def test_every_event_round_trips_by_kind(event: object) -> None:
    line = models.encode(event)
    assert b'"kind":' in line
    assert models.decode_event(line) == event


def test_hello_and_unknown_kinds() -> None:
    assert models.decode_event(b'{"kind":"hello","peer_id":"me"}') == models.Hello(peer_id="me")
    assert models.decode_event(b'{"kind":"from-the-future","x":1}') is None
    with pytest.raises(msgspec.DecodeError):
        models.decode_event(b'{"no_kind":1}')
    with pytest.raises(msgspec.ValidationError):
        models.decode_event(b'{"kind":"peer-disconnected"}')


def test_envelopes() -> None:
    assert models.data_bytes([1]) == b'{"data":[1]}'
    assert models.decode_data(b'{"data":[1,2]}', list[int]) == [1, 2]
    body = models.error_bytes("unknown-peer", "Unknown peer.", None)
    assert body == b'{"error":{"code":"unknown-peer","message":"Unknown peer.","hint":null}}'
    error = models.decode_error(body)
    assert error is not None
    assert error.code == "unknown-peer"
    assert models.decode_error(b"<html>") is None
    assert models.encode(models.PingLine(stats=None)) == b"{}"


def test_new_status_fields_round_trip() -> None:
    """Nested dataclasses, enums, tuples and None in status, peers and traceroute."""
    node = FakeNode()
    status = node.status()
    assert status.reachability is not None
    assert status.relays
    assert status.circuit_addresses
    decoded = models.decode_data(models.data_bytes(status), NodeStatus)
    assert decoded == status
    assert decoded.reachability is not None
    assert decoded.reachability.grade is Grade.D
    assert decoded.reachability.nat_mapping is NatMapping.ADDRESS_DEPENDENT
    assert isinstance(decoded.relays[0], RelayInfo)
    assert decoded.relays[1].expires_at is None

    node.reachability = None
    assert models.decode_data(models.data_bytes(node.status()), NodeStatus).reachability is None

    peers = node.peers()
    decoded_peers = models.decode_data(models.data_bytes(peers), list[PeerInfo])
    assert decoded_peers == peers
    assert {p.expected_path for p in decoded_peers} == {None, PathType.RELAYED}
    assert any(p.reachability is not None for p in decoded_peers)

    hop = TracerouteHop(
        hop=1,
        peer_id="p",
        name=None,
        address="/ip4/1.2.3.4/tcp/1",
        rtt_ms=None,
        error="cannot reach peer: timeout",
    )
    result = TracerouteResult(target="home", peer_id="p", path=PathType.RELAYED, hops=(hop,))
    assert models.decode_data(models.data_bytes(result), TracerouteResult) == result


def test_traceroute_request_is_strict() -> None:
    assert msgspec.json.decode(b'{"peer":"home"}', type=models.TracerouteRequest).peer == "home"
    for body in (b"{}", b'{"peer":""}', b'{"peer":"home","x":1}'):
        with pytest.raises(msgspec.ValidationError):
            msgspec.json.decode(body, type=models.TracerouteRequest)
