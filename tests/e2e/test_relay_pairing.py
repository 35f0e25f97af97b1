"""Relay pairing with real daemons on loopback: a relay with the relay service and N members.

Every member joins with ``peerup join <code>`` (which calls ``join_with_pairing_code`` of
app/cli/commands/pairing.py for pairing codes); the relay introduces members to each other; at
the end each member pings each other member through the relay.
"""

from __future__ import annotations

import contextlib
import json
import os
import re
import signal
import subprocess
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from app.core.config import load_config
from app.core.peers.authkeys import AuthorizedKeysFile
from tests.helpers.daemons import REPO, DaemonProcess, daemon_env, start_daemon
from tests.helpers.nodes import make_node_dir

pytestmark = pytest.mark.e2e


def _start_relay(tmp_path: Path) -> DaemonProcess:
    node = make_node_dir(
        tmp_path, "relay", extra="relay_service: {enabled: true}\n", hole_punching=False
    )
    return start_daemon(node)


def _member(tmp_path: Path, name: str) -> DaemonProcess:
    return start_daemon(make_node_dir(tmp_path, name, hole_punching=False))


def _codes(relay: DaemonProcess, count: int, *extra: str) -> tuple[str, list[str]]:
    out = relay.cli("relay", "pair", "--count", str(count), "--json", *extra)
    assert out.returncode == 0, out.stderr
    data = json.loads(out.stdout)
    return data["group_id"], data["codes"]


def _join(member: DaemonProcess, code: str, name: str) -> str:
    out = member.cli("join", code, "--name", name, timeout=90)
    assert out.returncode == 0, out.stdout + out.stderr + member.log_tail()
    return out.stdout


def _groups(relay: DaemonProcess) -> list[dict]:
    out = relay.cli("relay", "pair", "--list", "--json")
    assert out.returncode == 0, out.stderr
    return json.loads(out.stdout)


def _authorized(member: DaemonProcess) -> dict[str, dict[str, str]]:
    keys = AuthorizedKeysFile(member.node.path / "authorized_keys").load()
    return {str(k.peer_id): dict(k.attributes) for k in keys}


def _wait_mutual(members: list[DaemonProcess], gid: str, timeout: float = 60) -> None:
    deadline = time.monotonic() + timeout
    while True:
        missing = [
            (m.node.path.name, o.node.path.name)
            for m in members
            for o in members
            if m is not o and _authorized(m).get(o.node.peer_id, {}).get("group") != gid
        ]
        if not missing:
            return
        if time.monotonic() > deadline:
            raise AssertionError(f"not introduced: {missing}")
        time.sleep(0.3)


def _ping(member: DaemonProcess, target: str) -> None:
    deadline = time.monotonic() + 60
    while True:
        out = member.cli("ping", target, "-c", "1", timeout=60)
        if out.returncode == 0:
            return
        if time.monotonic() > deadline:
            raise AssertionError(out.stdout + out.stderr + member.log_tail())
        time.sleep(1)


@pytest.fixture
def relay(tmp_path: Path) -> Iterator[DaemonProcess]:
    daemon = _start_relay(tmp_path)
    yield daemon
    daemon.stop()


@pytest.mark.parametrize("size", [2, 3, 5])
def test_group_ends_mutually_authorized(relay: DaemonProcess, tmp_path: Path, size: int) -> None:
    gid, codes = _codes(relay, size)
    members: list[DaemonProcess] = []
    try:
        for i, code in enumerate(codes):
            member = _member(tmp_path, f"m{i}")
            members.append(member)
            out = _join(member, code, f"member{i}")
            assert "[UNVERIFIED]" in out or i == 0
            assert "peerup verify" in out or i == 0
        _wait_mutual(members, gid)
        for member in members:
            attrs = _authorized(member)
            relay_line = attrs[relay.node.peer_id]
            assert relay_line["group"] == gid
            assert len(relay_line["hmac_proof"]) == 64
            config = load_config(member.node.config_path)
            for j, other in enumerate(members):
                if other is member:
                    continue
                line = attrs[other.node.peer_id]
                assert "verified" not in line
                assert len(line["hmac_proof"]) == 64
                assert config.peer_id_for(f"member{j}") == other.node.peer_id
        groups = [g for g in _groups(relay) if g["id"] == gid]
        assert groups[0]["used"] == size
        assert groups[0]["state"] == "full"
        for member in members:
            for j, other in enumerate(members):
                if other is not member:
                    _ping(member, f"member{j}")
    finally:
        for member in members:
            member.stop()


def test_fresh_device_join_creates_config_and_starts_a_daemon(
    relay: DaemonProcess, tmp_path: Path
) -> None:
    """A device with no config: join creates it (relay, network) and leaves a daemon running."""
    _, codes = _codes(relay, 2, "--namespace", "crew")
    first = _member(tmp_path, "first")
    fresh = tmp_path / "fresh"
    runtime = tmp_path / "fresh-run"
    runtime.mkdir(mode=0o700)
    env = daemon_env(runtime)
    pid = None
    try:
        _join(first, codes[0], "first")
        out = subprocess.run(
            [*DaemonProcess.base_command(), "--config", str(fresh / "config.yaml"), "join",
             codes[1], "--name", "fresh"],
            env=env, cwd=REPO, capture_output=True, text=True, timeout=120, check=False,
        )  # fmt: skip
        assert out.returncode == 0, out.stdout + out.stderr
        match = re.search(r"pid (\d+)", out.stdout)
        assert match, out.stdout
        pid = int(match.group(1))
        assert "Created a new config" in out.stdout
        assert "first" in out.stdout
        assert "[UNVERIFIED]" in out.stdout
        assert "peerup verify first" in out.stdout
        config = load_config(fresh / "config.yaml")
        assert config.network == "crew"
        assert config.relay_addresses
        assert relay.node.peer_id in config.relay_addresses[0]
        assert config.peer_id_for("first") == first.node.peer_id
        # The daemon it started receives nothing new here, but it serves the API and the
        # first member learns about the fresh one through the relay.
        deadline = time.monotonic() + 30
        while "fresh" not in json.dumps(_authorized(first)) and time.monotonic() < deadline:
            time.sleep(0.3)
        keys = AuthorizedKeysFile(fresh / "authorized_keys").load()
        assert {str(k.peer_id) for k in keys} >= {relay.node.peer_id, first.node.peer_id}
        assert load_config(first.node.config_path).peer_id_for("fresh") is not None
    finally:
        first.stop()
        if pid is not None:
            with contextlib.suppress(ProcessLookupError):
                os.kill(pid, signal.SIGTERM)
