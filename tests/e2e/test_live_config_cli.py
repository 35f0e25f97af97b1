"""End to end: while a daemon runs, the CLI's config edits go through it and apply at once.

Three real ``peerup daemon`` processes on loopback (a relay, ``home`` and a ``laptop`` that reaches
home's services) and the real CLI. ``service add/disable/enable/remove`` and ``relay add/remove``
on home are sent to home's daemon, which writes config.yaml (the user's comments survive) and
applies the change without a restart: a disabled service stops answering new connections at
once, an added relay gets a reservation within seconds. Every client hears ``config-changed``.
"""

from __future__ import annotations

import contextlib
import json
import socket
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass

import pytest

from app.core.status import ConfigChanged, Event, RelaysChanged, ServicesChanged, SettingsChanged
from tests.helpers.daemons import DaemonProcess, EventLog, start_daemon
from tests.helpers.nodes import NodeDir, free_port, make_node_dir
from tests.helpers.services import start_service

pytestmark = pytest.mark.e2e

COMMENT = "# my own note: keep me\n"


@dataclass
class Three:
    relay: DaemonProcess
    home: DaemonProcess
    laptop: DaemonProcess
    relay_addr: str
    echo_port: int


@pytest.fixture(scope="module")
def three(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Three]:
    root = tmp_path_factory.mktemp("live")
    echo, echo_port = start_service("echo")
    relay_port, home_port = free_port(), free_port()
    relay_dir = make_node_dir(
        root,
        "relay",
        listen=f"/ip4/127.0.0.1/tcp/{relay_port}",
        extra="relay_service: {enabled: true}\n",
    )
    home_dir = make_node_dir(root, "home", listen=f"/ip4/127.0.0.1/tcp/{home_port}", extra=COMMENT)
    probe = NodeDir(home_dir.path, home_dir.identity)
    laptop_dir = make_node_dir(
        root,
        "laptop",
        names={"home": probe.peer_id},
        peer_addresses={"home": [f"/ip4/127.0.0.1/tcp/{home_port}"]},
    )
    for a, b in ((relay_dir, home_dir), (home_dir, relay_dir), (home_dir, laptop_dir)):
        a.authorize(b)
    laptop_dir.authorize(home_dir)
    daemons: list[DaemonProcess] = []
    try:
        daemons.append(start_daemon(relay_dir))  # one by one: a failed start stops the others
        daemons.append(start_daemon(home_dir))
        daemons.append(start_daemon(laptop_dir))
        relay_addr = f"/ip4/127.0.0.1/tcp/{relay_port}/p2p/{relay_dir.peer_id}"
        yield Three(*daemons, relay_addr=relay_addr, echo_port=echo_port)
    finally:
        for d in daemons:
            d.stop()
        echo.kill()
        echo.wait(5)


def config_text(daemon: DaemonProcess) -> str:
    return daemon.node.config_path.read_text(encoding="utf-8")


def wait_for(check: Callable[[], bool], limit: float = 20.0) -> bool:
    deadline = time.monotonic() + limit
    while time.monotonic() < deadline:
        if check():
            return True
        time.sleep(0.2)
    return check()


def exchange(port: int, payload: bytes, timeout: float = 20.0) -> bytes:
    """Send ``payload``, half-close, read to EOF (a reset reads as what arrived so far)."""
    received = bytearray()
    with socket.create_connection(("127.0.0.1", port), timeout=timeout) as s:
        s.sendall(payload)
        s.shutdown(socket.SHUT_WR)
        with contextlib.suppress(ConnectionResetError):
            while data := s.recv(1 << 16):
                received += data
    return bytes(received)


def config_events(events: list[Event]) -> list[ConfigChanged]:
    return [e for e in events if isinstance(e, ConfigChanged)]


def test_service_edits_go_through_the_daemon_and_apply_at_once(three: Three) -> None:
    home, laptop = three.home, three.laptop
    log = EventLog(home.endpoint, limit=120)
    try:
        log.wait_ready()
        added = home.cli("service", "add", "echo", f"127.0.0.1:{three.echo_port}")
        assert added.returncode == 0, added.stderr
        assert "The running daemon exposes it now." in added.stdout
        text = config_text(home)
        assert "echo:" in text
        assert f"127.0.0.1:{three.echo_port}" in text
        assert COMMENT.strip() in text

        connect = laptop.cli("daemon", "connect", "--peer", "home", "--service", "echo", "--json")
        assert connect.returncode == 0, connect.stderr
        port = int(json.loads(connect.stdout)["listen_address"].rsplit(":", 1)[1])
        assert exchange(port, b"hello through home") == b"hello through home"

        disabled = home.cli("service", "disable", "echo")
        assert disabled.returncode == 0, disabled.stderr
        assert "no longer exposes it now" in disabled.stdout
        assert "enabled: false" in config_text(home)
        assert COMMENT.strip() in config_text(home)
        # No restart: the very next connection is refused, at once.
        started = time.monotonic()
        assert exchange(port, b"anyone there?") == b""
        assert time.monotonic() - started < 5

        enabled = home.cli("service", "enable", "echo")
        assert enabled.returncode == 0, enabled.stderr
        assert exchange(port, b"back again") == b"back again"

        removed = home.cli("service", "remove", "echo")
        assert removed.returncode == 0, removed.stderr
        assert "echo:" not in config_text(home)
        assert COMMENT.strip() in config_text(home)
        assert wait_for(lambda: len(config_events(log.events)) >= 4)
    finally:
        events = log.stop()
    changes = config_events(events)
    assert [c.keys for c in changes] == [("services",)] * 4
    assert all(c.restart_needed == () for c in changes)
    exposed = [tuple(s.name for s in e.services) for e in events if isinstance(e, ServicesChanged)]
    assert exposed[0] == ("echo",)
    assert exposed[-1] == ()
    assert home.proc.poll() is None  # the same daemon all along
    assert laptop.cli("daemon", "disconnect", json.loads(connect.stdout)["id"]).returncode == 0


def relays(daemon: DaemonProcess) -> list[dict[str, object]]:
    out = daemon.cli("relay", "list", "--json")
    assert out.returncode == 0, out.stderr
    return [r for r in json.loads(out.stdout)["relays"] if r["in_daemon"]]


def test_relay_add_reserves_at_once_and_remove_stops_using_it(three: Three) -> None:
    home = three.home
    assert relays(home) == []
    log = EventLog(home.endpoint, limit=120)
    try:
        log.wait_ready()
        added = home.cli("relay", "add", three.relay_addr)
        assert added.returncode == 0, added.stderr
        assert f"Added relay {three.relay_addr}" in added.stdout
        assert "reserves a slot on it now" in added.stdout
        assert three.relay_addr in config_text(home)
        assert COMMENT.strip() in config_text(home)
        assert wait_for(lambda: [r["reserved"] for r in relays(home)] == [True])
        status = json.loads(home.cli("status", "--json").stdout)["status"]
        assert status["circuit_addresses"]

        again = home.cli("relay", "add", three.relay_addr)
        assert again.returncode == 1
        assert "configured already" in again.stderr

        removed = home.cli("relay", "remove", three.relay_addr.rsplit("/p2p/", 1)[1])
        assert removed.returncode == 0, removed.stderr
        assert f"Removed relay {three.relay_addr}" in removed.stdout
        assert three.relay_addr not in config_text(home)
        assert COMMENT.strip() in config_text(home)
        assert relays(home) == []
        status = json.loads(home.cli("status", "--json").stdout)["status"]
        assert status["circuit_addresses"] == []
        assert wait_for(lambda: len(config_events(log.events)) >= 2)
    finally:
        events = log.stop()
    assert [c.keys for c in config_events(events)] == [("relay.addresses",)] * 2
    reserved = [e for e in events if isinstance(e, RelaysChanged) and e.relays]
    assert any(r.reserved for e in reserved for r in e.relays)
    assert home.proc.poll() is None


def test_config_set_goes_through_the_daemon_and_applies_at_once(three: Three) -> None:
    home = three.home
    log = EventLog(home.endpoint, limit=120)
    try:
        log.wait_ready()
        named = home.cli("config", "set", "name", "study-pc")
        assert named.returncode == 0, named.stderr
        assert named.stdout.splitlines() == ["name: study-pc", "The running daemon applied it."]
        punching = home.cli("config", "set", "hole-punching", "off")
        assert punching.returncode == 0, punching.stderr
        bad = home.cli("config", "set", "network", "Not Valid")
        assert bad.returncode == 1
        assert "invalid network name" in bad.stderr
        text = config_text(home)
        assert "name: study-pc" in text
        assert "hole_punching: false" in text
        assert COMMENT.strip() in text
        assert wait_for(lambda: len(config_events(log.events)) >= 2)
    finally:
        events = log.stop()
    changes = config_events(events)
    assert [(c.keys, c.restart_needed) for c in changes] == [
        (("identity.name",), ()),
        (("network.hole_punching",), ()),
    ]
    settings = [e.settings for e in events if isinstance(e, SettingsChanged)]
    assert [(s.device_name, s.hole_punching) for s in settings] == [
        ("study-pc", True),
        ("study-pc", False),
    ]
    assert home.proc.poll() is None
