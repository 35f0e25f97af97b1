"""End to end: what the tray's dialogs ask of a daemon, through ``LocalClient``.

Two real ``peerup daemon`` processes on loopback: ``home`` exposes an echo service, ``laptop``
knows home's address. A forward saved by the laptop (``persist``) survives its daemon's restart
with the same id; it stops and starts without being removed, and closing it removes it from
config.yaml. A service disabled through the API stays listed (``enabled`` False), on the watch
stream too and after home's restart, and is enabled again from there.
"""

from __future__ import annotations

import asyncio
import contextlib
import socket
from collections.abc import Awaitable, Callable, Iterator, Sequence
from dataclasses import dataclass
from typing import TypeVar

import pytest

from app.api.client import LocalClient, open_local_client
from app.api.errors import ApiError
from app.api.models import Snapshot, WatchEvent
from app.core.config import load_config
from app.core.status import ForwardState, NodeStatus, ServiceInfo, ServicesChanged
from tests.helpers.daemons import DaemonProcess, start_daemon
from tests.helpers.nodes import NodeDir, free_port, make_node_dir
from tests.helpers.services import start_service

pytestmark = pytest.mark.e2e

T = TypeVar("T")


@dataclass
class Pair:
    home: DaemonProcess
    laptop: DaemonProcess
    laptop_dir: NodeDir
    echo_port: int


@pytest.fixture(scope="module")
def pair(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Pair]:
    root = tmp_path_factory.mktemp("dialogs")
    echo, echo_port = start_service("echo")
    home_port = free_port()
    home_dir = make_node_dir(
        root,
        "home",
        listen=f"/ip4/127.0.0.1/tcp/{home_port}",
        services={"echo": f"127.0.0.1:{echo_port}"},
    )
    laptop_dir = make_node_dir(
        root,
        "laptop",
        names={"home": home_dir.peer_id},
        peer_addresses={"home": [f"/ip4/127.0.0.1/tcp/{home_port}"]},
    )
    home_dir.authorize(laptop_dir)
    laptop_dir.authorize(home_dir)
    daemons: list[DaemonProcess] = []
    try:
        daemons.append(start_daemon(home_dir))
        daemons.append(start_daemon(laptop_dir))
        both = Pair(*daemons, laptop_dir=laptop_dir, echo_port=echo_port)
        yield both
        daemons += [both.home, both.laptop]  # a test may have restarted them
    finally:
        for d in daemons:
            d.stop()
        echo.kill()
        echo.wait(5)


def call(daemon: DaemonProcess, fn: Callable[[LocalClient], Awaitable[T]]) -> T:
    """Run ``fn`` with a client of ``daemon`` (bounded: 60 s)."""

    async def main() -> T:
        async with open_local_client(daemon.endpoint) as client:
            return await asyncio.wait_for(fn(client), timeout=60)

    return asyncio.run(main())


def exchange(port: int, payload: bytes) -> bytes:
    """Send ``payload``, half-close, read to EOF (a reset reads as what arrived so far)."""
    received = bytearray()
    with socket.create_connection(("127.0.0.1", port), timeout=20) as s:
        s.sendall(payload)
        s.shutdown(socket.SHUT_WR)
        with contextlib.suppress(ConnectionResetError):
            while data := s.recv(1 << 16):
                received += data
    return bytes(received)


def refused(port: int) -> bool:
    try:
        socket.create_connection(("127.0.0.1", port), timeout=5).close()
    except ConnectionRefusedError:
        return True
    return False


def test_a_saved_forward_survives_a_restart_stops_starts_and_is_removed(pair: Pair) -> None:
    port = free_port()
    saved = call(
        pair.laptop,
        lambda c: c.open_forward("home", "echo", f"127.0.0.1:{port}", persist=True),
    )
    assert (saved.id, saved.persistent, saved.enabled) == (f"cfg-127.0.0.1:{port}", True, True)
    assert exchange(port, b"before") == b"before"

    # The laptop's daemon restarts: the forward is back with the same id, and works.
    assert pair.laptop.stop() == 0
    pair.laptop = start_daemon(pair.laptop_dir)
    [back] = call(pair.laptop, lambda c: c.forwards())
    assert (back.id, back.state, back.persistent, back.peer_name) == (
        saved.id,
        ForwardState.LISTENING,
        True,
        "home",
    )
    assert exchange(port, b"after the restart") == b"after the restart"

    stopped = call(pair.laptop, lambda c: c.set_forward_enabled(saved.id, False))
    assert (stopped.state, stopped.enabled) == (ForwardState.STOPPED, False)
    assert refused(port)
    assert [f.state for f in call(pair.laptop, lambda c: c.forwards())] == [ForwardState.STOPPED]
    assert load_config(pair.laptop_dir.config_path).forwards[0].enabled is False
    started = call(pair.laptop, lambda c: c.set_forward_enabled(saved.id, True))
    assert started.state is ForwardState.LISTENING
    assert exchange(port, b"started") == b"started"

    # A forward opened without persist can only be closed.
    plain = call(pair.laptop, lambda c: c.open_forward("home", "echo"))
    with pytest.raises(ApiError) as err:
        call(pair.laptop, lambda c: c.set_forward_enabled(plain.id, False))
    assert (err.value.code, err.value.status) == ("forward-not-saved", 409)
    call(pair.laptop, lambda c: c.close_forward(plain.id))

    call(pair.laptop, lambda c: c.close_forward(saved.id))
    assert call(pair.laptop, lambda c: c.forwards()) == []
    assert load_config(pair.laptop_dir.config_path).forwards == ()
    assert refused(port)


def test_the_checks_a_dialog_runs_before_saving(pair: Pair) -> None:
    port = free_port()
    saved = call(
        pair.laptop,
        lambda c: c.open_forward("home", "echo", f"127.0.0.1:{port}", persist=True),
    )
    try:
        call(pair.laptop, lambda c: c.set_forward_enabled(saved.id, False))
        used = call(pair.laptop, lambda c: c.check_listen(f"localhost:{port}"))
        assert (used.free, used.error_code) == (False, "used-by-forward")  # stopped, still its
        assert used.suggestion is not None
        assert call(pair.laptop, lambda c: c.check_listen(used.suggestion or "")).free
        with pytest.raises(ApiError) as bad:
            call(pair.laptop, lambda c: c.check_listen("localhost:99999"))
        assert (bad.value.code, bad.value.status) == ("invalid-address", 400)

        answers = call(pair.home, lambda c: c.check_service(f"127.0.0.1:{pair.echo_port}"))
        assert (answers.answers, answers.error_code) == (True, None)
        assert answers.connect_ms is not None
        silent = call(pair.home, lambda c: c.check_service(f"127.0.0.1:{free_port()}"))
        assert (silent.answers, silent.error_code) == (False, "connection-refused")
    finally:
        call(pair.laptop, lambda c: c.close_forward(saved.id))


def test_exposing_a_configured_service_again_edits_it(pair: Pair) -> None:
    home = pair.home
    edited = call(
        home,
        lambda c: c.expose_service(
            "echo",
            f"localhost:{pair.echo_port}",
            allowed_peers=[pair.laptop_dir.peer_id],
            persist=True,
        ),
    )
    assert (edited.local_address, edited.allowed_peers) == (
        f"localhost:{pair.echo_port}",
        (pair.laptop_dir.peer_id,),
    )
    [service] = load_config(home.node.config_path).services
    assert service.local_address == f"localhost:{pair.echo_port}"
    forward = call(pair.laptop, lambda c: c.open_forward("home", "echo"))
    try:
        port = int(forward.listen_address.rsplit(":", 1)[1])
        assert exchange(port, b"edited") == b"edited"
    finally:
        call(pair.laptop, lambda c: c.close_forward(forward.id))


def test_the_services_home_offers(pair: Pair) -> None:
    assert call(pair.laptop, lambda c: c.peer_services("home")) == ["echo"]
    assert call(pair.home, lambda c: c.peer_services(pair.laptop_dir.peer_id)) == []
    with pytest.raises(ApiError) as err:
        call(pair.laptop, lambda c: c.peer_services("nobody"))
    assert err.value.code == "unknown-peer"


async def _watched(
    client: LocalClient, change: Callable[[LocalClient], Awaitable[ServiceInfo]] | None = None
) -> tuple[Snapshot, ServicesChanged | None, list[ServiceInfo], NodeStatus]:
    """The watch stream's snapshot; with ``change``, made then, the services-changed it brings;
    then ``GET services`` and ``GET status``."""
    items = client.watch()
    event: ServicesChanged | None = None
    try:
        snapshot = await anext(items)
        assert isinstance(snapshot, Snapshot)
        if change is not None:
            await change(client)
            while event is None:
                item = await anext(items)
                if isinstance(item, WatchEvent) and isinstance(item.event, ServicesChanged):
                    event = item.event
    finally:
        await items.aclose()
    return snapshot, event, await client.services(), await client.status()


def echo_listed(services: Sequence[ServiceInfo]) -> list[tuple[str, bool, int]]:
    return [(s.name, s.enabled, s.streams_total) for s in services]


def test_a_disabled_service_stays_listed_and_is_enabled_again(pair: Pair) -> None:
    home_dir = pair.home.node
    # Used once, so its counters are not 0 while exposed.
    forward = call(pair.laptop, lambda c: c.open_forward("home", "echo"))
    port = int(forward.listen_address.rsplit(":", 1)[1])
    assert exchange(port, b"used") == b"used"
    call(pair.laptop, lambda c: c.close_forward(forward.id))

    snapshot, event, services, status = call(
        pair.home, lambda c: _watched(c, lambda c: c.set_service_enabled("echo", False))
    )
    [before] = snapshot.services
    assert (before.name, before.enabled) == ("echo", True)
    assert before.streams_total >= 1
    assert event is not None
    assert echo_listed(event.services) == [("echo", False, 0)]  # a disabled one counts nothing
    assert echo_listed(services) == [("echo", False, 0)]
    assert services[0].local_address == before.local_address
    assert status.services == 0  # the status counts the exposed ones
    assert call(pair.laptop, lambda c: c.peer_services("home")) == []  # no longer offered
    listed = pair.home.cli("service", "list")
    assert listed.returncode == 0, listed.stderr
    assert "disabled, not exposed" in listed.stdout
    shown = pair.home.cli("daemon", "services")
    assert shown.returncode == 0, shown.stderr
    assert "Services (1):" in shown.stdout
    assert "disabled" in shown.stdout

    # home restarts: the disabled service is listed still.
    assert pair.home.stop() == 0
    pair.home = start_daemon(home_dir)
    snapshot, _, services, status = call(pair.home, _watched)
    assert echo_listed(snapshot.services) == [("echo", False, 0)]
    assert echo_listed(services) == [("echo", False, 0)]
    assert status.services == 0

    # Enabled again from there: exposed, and a forward to it works.
    snapshot, event, services, status = call(
        pair.home, lambda c: _watched(c, lambda c: c.set_service_enabled("echo", True))
    )
    assert event is not None
    assert echo_listed(event.services) == [("echo", True, 0)]
    assert echo_listed(services) == [("echo", True, 0)]
    assert status.services == 1
    assert load_config(home_dir.config_path).services[0].enabled is True
    forward = call(pair.laptop, lambda c: c.open_forward("home", "echo"))
    try:
        port = int(forward.listen_address.rsplit(":", 1)[1])
        assert exchange(port, b"enabled again") == b"enabled again"
    finally:
        call(pair.laptop, lambda c: c.close_forward(forward.id))
