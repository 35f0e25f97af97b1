"""LocalClient (asyncio) against the real API server (trio) with a FakeNode, in a subprocess."""

from __future__ import annotations

import asyncio
import os
import signal
import socket
import subprocess
import sys
import tempfile
from collections.abc import Awaitable, Callable, Iterator
from pathlib import Path
from typing import TypeVar

import httpx
import pytest

from app.api.client import (
    CONNECT_TIMEOUT,
    REQUEST_TIMEOUT,
    SLOW_REQUEST_TIMEOUT,
    LocalClient,
    open_local_client,
)
from app.api.errors import AccessDeniedError, ApiError, DaemonNotRunningError
from app.api.models import Snapshot, WatchEvent
from app.api.transport import ApiEndpoint
from app.api.watch import apply_event
from app.core.status import (
    AuthEntry,
    AuthorizedKeysChanged,
    ForwardChanged,
    ForwardInfo,
    ForwardState,
    Grade,
    NodeStatus,
    PathInfo,
    PathType,
    PeerInfo,
    PingStats,
    Reachability,
    ReachabilityChanged,
    RelayInfo,
    Resolved,
    ServiceInfo,
    ServicesChanged,
    Settings,
    SettingsUpdate,
    TracerouteResult,
)
from tests.helpers.daemons import default_signals
from tests.helpers.fakes import DOWN, HOME, LAPTOP, ME, RELAY, STRANGER

ROOT = Path(__file__).resolve().parents[3]
T = TypeVar("T")

SERVER_SCRIPT = """
import sys
from functools import partial
from pathlib import Path

import trio

from app.api.transport import ApiEndpoint
from app.daemon.server import serve_api
from tests.helpers.fakes import FakeNode


async def main() -> None:
    endpoint = ApiEndpoint(Path(sys.argv[1]), Path(sys.argv[2]))
    node = FakeNode()
    async with trio.open_nursery() as nursery:
        def stop() -> None:
            node.stop()
            nursery.cancel_scope.cancel()

        await nursery.start(partial(serve_api, node, endpoint, stop))
        print("ready", flush=True)


try:
    trio.run(main)
except KeyboardInterrupt:
    pass
"""


def run(fn: Callable[[LocalClient], Awaitable[T]], endpoint: ApiEndpoint) -> T:
    async def main() -> T:
        async with open_local_client(endpoint) as client:
            return await asyncio.wait_for(fn(client), timeout=20)

    return asyncio.run(main())


class ServerProcess:
    def __init__(self, directory: Path, endpoint: ApiEndpoint | None = None) -> None:
        self.endpoint = endpoint or ApiEndpoint(directory / "api.sock", directory / "api.cookie")
        self._stderr = (directory / "stderr.txt").open("wb")
        env = {**os.environ, "PYTHONPATH": str(ROOT)}
        self.proc = subprocess.Popen(
            [
                sys.executable,
                "-c",
                SERVER_SCRIPT,
                str(self.endpoint.socket_path),
                str(self.endpoint.cookie_path),
            ],
            stdout=subprocess.PIPE,
            stderr=self._stderr,
            cwd=ROOT,
            env=env,
            preexec_fn=default_signals(signal.SIGINT),  # close() stops it with Ctrl+C
        )
        assert self.proc.stdout is not None
        line = self.proc.stdout.readline()
        if line != b"ready\n":
            self.close()
            raise AssertionError(f"server did not start: {(directory / 'stderr.txt').read_text()}")

    def close(self) -> int:
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGINT)
        try:
            code = self.proc.wait(10)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            code = self.proc.wait()
        assert self.proc.stdout is not None
        self.proc.stdout.close()
        self._stderr.close()
        return code


@pytest.fixture
def short_dir() -> Iterator[Path]:
    with tempfile.TemporaryDirectory(prefix="pu-", dir="/tmp") as tmp:
        yield Path(tmp)


@pytest.fixture(scope="module")
def daemon() -> Iterator[ApiEndpoint]:
    with tempfile.TemporaryDirectory(prefix="pu-", dir="/tmp") as tmp:
        server = ServerProcess(Path(tmp))
        try:
            yield server.endpoint
        finally:
            server.close()


# ---- the endpoints, typed ------------------------------------------------------------------------


def test_snapshots_decode_into_status_dataclasses(daemon: ApiEndpoint) -> None:
    async def go(client: LocalClient) -> None:
        status = await client.status()
        assert isinstance(status, NodeStatus)
        assert status.peer_id == ME
        assert isinstance(status.listen_addresses, tuple)
        peers = await client.peers()
        assert all(isinstance(p, PeerInfo) for p in peers)
        assert STRANGER not in [p.peer_id for p in peers]
        home = next(p for p in peers if p.peer_id == HOME)
        assert isinstance(home.path, PathInfo)
        assert home.path.path_type is PathType.DIRECT
        assert STRANGER in [p.peer_id for p in await client.peers(include_unauthorized=True)]
        paths = await client.paths()
        assert [p.peer_id for p in paths] == [HOME]
        entries = await client.auth_entries()
        assert all(isinstance(e, AuthEntry) for e in entries)
        assert await client.resolve("home") == Resolved(name="home", peer_id=HOME, source="names")

    run(go, daemon)


def test_settings_are_typed_and_errors_keep_their_code(daemon: ApiEndpoint) -> None:
    async def go(client: LocalClient) -> None:
        settings = await client.settings()
        assert isinstance(settings, Settings)
        assert settings.device_name == "fake"
        changed = await client.update_settings(
            SettingsUpdate(device_name="study-pc", hole_punching=False)
        )
        assert changed == Settings("study-pc", None, False, False, False)
        with pytest.raises(ApiError) as bad_name:
            await client.update_settings(SettingsUpdate(device_name="my box"))
        assert (bad_name.value.code, bad_name.value.status) == ("invalid-name", 400)
        with pytest.raises(ApiError) as bad_network:
            await client.update_settings(SettingsUpdate(network="crew", clear_network=True))
        assert bad_network.value.code == "invalid-network"
        back = await client.update_settings(
            SettingsUpdate(device_name="", hole_punching=True, clear_network=True)
        )
        assert back == settings

    run(go, daemon)


def test_services_forwards_auth_connect(daemon: ApiEndpoint) -> None:
    async def go(client: LocalClient) -> None:
        service = await client.expose_service(
            "web", "localhost:8080", allowed_peers=["home"], persist=True
        )
        assert isinstance(service, ServiceInfo)
        assert service.allowed_peers == (HOME,)
        assert "web" in [s.name for s in await client.services()]
        await client.unexpose_service("web", persist=True)
        assert "web" not in [s.name for s in await client.services()]

        forward = await client.open_forward("home", "ssh", "127.0.0.1:0")
        assert isinstance(forward, ForwardInfo)
        assert forward.state is ForwardState.LISTENING
        assert forward.id in [f.id for f in await client.forwards()]
        await client.close_forward(forward.id)
        assert forward.id not in [f.id for f in await client.forwards()]

        entry = await client.authorize(STRANGER, "new friend")
        assert entry == AuthEntry(
            peer_id=STRANGER, comment="new friend", verified=False, attributes=(), name=None
        )
        renamed = await client.rename_peer(STRANGER, "friend")
        assert (renamed.peer_id, renamed.name) == (STRANGER, "friend")
        with pytest.raises(ApiError) as missing:
            await client.rename_peer(STRANGER + "x", "nobody")
        assert missing.value.code == "not-found"
        await client.deauthorize(STRANGER)

        path = await client.connect("home", ["/ip4/192.0.2.1/tcp/1"])
        assert path.peer_id == HOME
        await client.disconnect("home")

    run(go, daemon)


def test_config_edits_relays_services_and_invites(daemon: ApiEndpoint) -> None:
    """The endpoints the CLI sends its config edits to while a daemon runs."""
    added_address = f"/ip4/198.51.100.20/tcp/7777/p2p/{STRANGER}"

    async def go(client: LocalClient) -> None:
        relay = await client.add_relay(added_address)
        assert relay == RelayInfo(address=added_address, peer_id=STRANGER, reserved=False)
        assert added_address in [r.address for r in (await client.status()).relays]
        with pytest.raises(ApiError) as info:
            await client.add_relay(added_address)
        assert (info.value.code, info.value.status) == ("already-exists", 409)
        with pytest.raises(ApiError) as info:
            await client.add_relay("/ip4/198.51.100.20/tcp/7777")
        assert info.value.code == "invalid-address"
        # A multiaddr is one path segment (percent-encoded), a peer ID too.
        assert await client.remove_relay(added_address) == added_address
        with pytest.raises(ApiError) as info:
            await client.remove_relay(STRANGER)
        assert (info.value.code, info.value.status) == ("not-found", 404)

        await client.expose_service("db", "localhost:5432", persist=True)
        disabled = await client.set_service_enabled("db", False)
        assert (disabled.name, disabled.enabled) == ("db", False)
        assert ("db", False) in [(s.name, s.enabled) for s in await client.services()]
        enabled = await client.set_service_enabled("db", True)
        assert (enabled.name, enabled.enabled) == ("db", True)
        with pytest.raises(ApiError) as info:
            await client.set_service_enabled("nope", True)
        assert info.value.code == "not-found"

        assert await client.invites() == []

    run(go, daemon)


def test_reachability_relays_probe_and_traceroute(daemon: ApiEndpoint) -> None:
    async def go(client: LocalClient) -> None:
        status = await client.status()
        assert isinstance(status.reachability, Reachability)
        assert all(isinstance(r, RelayInfo) for r in status.relays)
        assert status.relays[0].peer_id == RELAY
        home = next(p for p in await client.peers() if p.peer_id == HOME)
        assert home.reachability is not None
        assert home.reachability.grade is Grade.B

        events = client.events()
        first = asyncio.ensure_future(anext(events))
        await asyncio.sleep(0.3)  # let the subscription start before causing events
        grade = await client.probe_reachability()
        assert grade.grade is Grade.C
        event = await asyncio.wait_for(first, 10)
        assert isinstance(event, ReachabilityChanged)
        assert event.peer_id == ME
        assert event.reachability == grade
        await events.aclose()  # type: ignore[attr-defined]
        assert (await client.status()).reachability == grade

        result = await client.traceroute("laptop")
        assert isinstance(result, TracerouteResult)
        assert result.path is PathType.RELAYED
        assert [h.peer_id for h in result.hops] == [RELAY, LAPTOP]
        assert (await client.traceroute(HOME)).path is PathType.DIRECT
        with pytest.raises(ApiError) as info:
            await client.traceroute(DOWN)
        assert info.value.code == "peer-unreachable"

    run(go, daemon)


def test_network_measurements_get_the_long_timeout(daemon: ApiEndpoint) -> None:
    async def go(client: LocalClient) -> list[object]:
        seen: list[object] = []
        original = client._http.request

        async def request(*args: object, **kwargs: object) -> object:
            seen.append(kwargs.get("timeout"))
            return await original(*args, **kwargs)  # type: ignore[arg-type]

        client._http.request = request  # type: ignore[method-assign]
        await client.status()
        await client.probe_reachability()
        await client.traceroute("home")
        return seen

    plain, probe, trace = run(go, daemon)
    assert isinstance(plain, httpx.Timeout)
    assert plain.read == REQUEST_TIMEOUT
    for slow in (probe, trace):
        assert isinstance(slow, httpx.Timeout)
        assert slow.read == SLOW_REQUEST_TIMEOUT == 60.0
        assert slow.connect == CONNECT_TIMEOUT


def test_daemon_errors_keep_code_message_hint_and_status(daemon: ApiEndpoint) -> None:
    async def go(client: LocalClient) -> list[ApiError]:
        errors: list[ApiError] = []
        for call in (
            client.resolve("ghost"),
            client.open_forward(DOWN, "ssh"),
            client.expose_service("x", "nope"),
            client.close_forward("fwd-999"),
            client.authorize(HOME),
        ):
            try:
                await call
            except ApiError as exc:
                errors.append(exc)
        return errors

    errors = run(go, daemon)
    assert [(e.code, e.status) for e in errors] == [
        ("unknown-peer", 404),
        ("peer-unreachable", 502),
        ("invalid-address", 400),
        ("forward-not-found", 404),
        ("already-exists", 409),
    ]
    assert errors[0].hint == "Use a name from `names:` or a peer ID."
    assert errors[0].message == "Unknown peer 'ghost'."


def test_invalid_arguments_are_bad_request(daemon: ApiEndpoint) -> None:
    async def go(client: LocalClient) -> ApiError:
        with pytest.raises(ApiError) as info:
            async for _ in client.ping("home", count=0):
                pass
        return info.value

    error = run(go, daemon)
    assert error.code == "bad-request"
    assert "$.count" in error.message


def test_ping_yields_results_then_the_stats_of_that_request(daemon: ApiEndpoint) -> None:
    async def pings(client: LocalClient, count: int) -> tuple[list[int], PingStats | None]:
        run = client.ping("home", count=count, interval=0.02)
        assert run.stats is None
        return [r.seq async for r in run], run.stats

    async def go(client: LocalClient) -> None:
        # Two requests at once on one client: each keeps its own summary.
        (seqs, stats), (other_seqs, other_stats) = await asyncio.gather(
            pings(client, 3), pings(client, 2)
        )
        assert (seqs, other_seqs) == ([1, 2, 3], [1, 2])
        assert stats is not None
        assert other_stats is not None
        assert (stats.sent, stats.received, stats.min_ms, stats.max_ms) == (3, 3, 1.0, 3.0)
        assert (other_stats.sent, other_stats.max_ms) == (2, 2.0)
        with pytest.raises(ApiError) as info:
            async for _ in client.ping("ghost"):
                pass
        assert info.value.code == "unknown-peer"

    run(go, daemon)


def test_events_arrive_typed_and_unsubscribe_on_close(daemon: ApiEndpoint) -> None:
    async def go(client: LocalClient) -> None:
        events = client.events()
        first = asyncio.ensure_future(anext(events))
        await asyncio.sleep(0.3)  # let the subscription start before causing events
        await client.expose_service("events-test", "localhost:1")
        changed = await asyncio.wait_for(first, 10)
        assert isinstance(changed, ServicesChanged)
        assert "events-test" in [s.name for s in changed.services]
        forward = await client.open_forward("home", "ssh")
        event = await asyncio.wait_for(anext(events), 10)
        assert isinstance(event, ForwardChanged)
        assert event.forward == forward
        await client.authorize(STRANGER + "x")
        event = await asyncio.wait_for(anext(events), 10)
        assert isinstance(event, AuthorizedKeysChanged)
        await events.aclose()  # type: ignore[attr-defined]
        # The client still works after leaving the stream.
        await client.deauthorize(STRANGER + "x")
        await client.unexpose_service("events-test")

    run(go, daemon)


def test_watch_yields_a_snapshot_then_numbered_events(daemon: ApiEndpoint) -> None:
    async def go(client: LocalClient) -> None:
        items = client.watch()
        snapshot = await asyncio.wait_for(anext(items), 10)
        # Subscribed before the snapshot was taken: no sleep needed before causing events.
        assert isinstance(snapshot, Snapshot)
        assert isinstance(snapshot.status, NodeStatus)
        assert snapshot.status.peer_id == ME
        assert all(isinstance(p, PeerInfo) for p in snapshot.peers)
        assert all(isinstance(p, PathInfo) for p in snapshot.paths)
        await client.expose_service("watch-test", "localhost:1")
        event = await asyncio.wait_for(anext(items), 10)
        assert isinstance(event, WatchEvent)
        assert event.seq == snapshot.seq + 1
        assert isinstance(event.event, ServicesChanged)
        state = apply_event(snapshot, event)
        assert state.seq == event.seq
        assert "watch-test" in [s.name for s in state.services]
        assert state.status.services == len(state.services)
        forward = await client.open_forward("home", "ssh")
        event = await asyncio.wait_for(anext(items), 10)
        assert isinstance(event, WatchEvent)
        assert event.seq == state.seq + 1
        state = apply_event(state, event)
        assert state.forwards[-1] == forward
        await client.close_forward(forward.id)
        event = await asyncio.wait_for(anext(items), 10)
        assert isinstance(event, WatchEvent)
        state = apply_event(state, event)
        assert forward.id not in [f.id for f in state.forwards]
        # The peer list changed: the event, then a fresh snapshot with the same number.
        await client.authorize(STRANGER + "w")
        event = await asyncio.wait_for(anext(items), 10)
        assert isinstance(event, WatchEvent)
        assert isinstance(event.event, AuthorizedKeysChanged)
        refreshed = await asyncio.wait_for(anext(items), 10)
        assert isinstance(refreshed, Snapshot)
        assert refreshed.seq == event.seq == state.seq + 1
        assert STRANGER + "w" in [p.peer_id for p in refreshed.peers]
        assert refreshed.services == state.services
        await items.aclose()
        await client.deauthorize(STRANGER + "w")
        await client.unexpose_service("watch-test")

    run(go, daemon)


# ---- failures to reach the daemon ----------------------------------------------------------------


def test_no_socket_is_daemon_not_running(short_dir: Path) -> None:
    endpoint = ApiEndpoint(short_dir / "api.sock", short_dir / "api.cookie")

    async def go() -> None:
        async with open_local_client(endpoint):
            pass

    with pytest.raises(DaemonNotRunningError) as info:
        asyncio.run(go())
    assert info.value.code == "daemon-not-running"
    assert "peerup daemon" in str(info.value.hint)


def test_stale_socket_is_daemon_not_running(short_dir: Path) -> None:
    endpoint = ApiEndpoint(short_dir / "api.sock", short_dir / "api.cookie")
    stale = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    stale.bind(str(endpoint.socket_path))
    stale.close()
    endpoint.cookie_path.write_text("a" * 64)

    with pytest.raises(DaemonNotRunningError):
        run(lambda client: client.status(), endpoint)


def test_wrong_cookie_is_access_denied(daemon: ApiEndpoint, short_dir: Path) -> None:
    wrong = ApiEndpoint(daemon.socket_path, short_dir / "wrong.cookie")
    wrong.cookie_path.write_text("b" * 64)
    with pytest.raises(AccessDeniedError) as info:
        run(lambda client: client.status(), wrong)
    assert info.value.code == "unauthorized"
    assert str(wrong.cookie_path) in str(info.value.hint)

    async def explicit() -> None:
        client = LocalClient(daemon, token="c" * 64)
        try:
            await client.status()
        finally:
            await client.aclose()

    with pytest.raises(AccessDeniedError):
        asyncio.run(explicit())


def test_shutdown_stops_the_daemon_and_removes_its_files(short_dir: Path) -> None:
    server = ServerProcess(short_dir)
    try:
        run(lambda client: client.shutdown(), server.endpoint)
        assert server.proc.wait(10) == 0
    finally:
        server.close()
    assert not server.endpoint.socket_path.exists()
    assert not server.endpoint.cookie_path.exists()
