"""End to end: a daemon that cannot start says why in plain words (no traceback, exit 1).

Real ``peerup daemon`` / ``peerup relay serve`` processes on loopback; each run is bounded.
"""

from __future__ import annotations

import socket
import subprocess
from pathlib import Path

import pytest

from tests.helpers.daemons import DaemonProcess, daemon_env, start_daemon
from tests.helpers.nodes import make_node_dir

pytestmark = pytest.mark.e2e


def _run(daemon: DaemonProcess, *args: str) -> subprocess.CompletedProcess[str]:
    """Run ``peerup --config <daemon's config> ARGS`` in the foreground, bounded."""
    return subprocess.run(
        [*DaemonProcess.base_command(), "--config", str(daemon.node.config_path), *args],
        env=daemon.env,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )


def test_second_daemon_on_the_same_config_refuses_before_listening(tmp_path: Path) -> None:
    first = start_daemon(make_node_dir(tmp_path, "node"))
    try:
        second = _run(first, "daemon")
        assert second.returncode == 1, second.stderr
        assert "Traceback" not in second.stderr
        assert "Error: A peer-up daemon is already running" in second.stderr
        assert "Hint: Stop it first (`peerup daemon stop`)" in second.stderr
        # It gave up before its node started listening (which would share the port).
        assert "listening on" not in second.stderr
        assert first.proc.poll() is None
        assert first.cli("daemon", "status").returncode == 0
    finally:
        first.stop()


def test_relay_health_port_in_use_is_a_plain_error(tmp_path: Path) -> None:
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen(1)
        port = taken.getsockname()[1]
        node = make_node_dir(tmp_path, "relay", extra=f"relay_service: {{health_port: {port}}}\n")
        runtime = node.path / "run"
        runtime.mkdir(mode=0o700)
        out = subprocess.run(
            [*DaemonProcess.base_command(), "--config", str(node.config_path), "relay", "serve"],
            env=daemon_env(runtime),
            capture_output=True,
            text=True,
            timeout=60,
            check=False,
        )
    assert out.returncode == 1, out.stderr
    assert "Traceback" not in out.stderr
    assert f"Error: The health check cannot listen on 127.0.0.1:{port}" in out.stderr
    assert "Hint: Another program uses that port" in out.stderr
    assert not list(runtime.glob("*.sock"))  # the API socket is gone again


def _free_tcp_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def test_second_daemon_on_a_taken_listen_port_refuses(tmp_path: Path) -> None:
    # py-libp2p listens with SO_REUSEPORT: without the check the second daemon started too and
    # the kernel split incoming connections between the two.
    port = _free_tcp_port()
    listen = f"/ip4/0.0.0.0/tcp/{port}"
    first = start_daemon(make_node_dir(tmp_path, "first", listen=listen))
    try:
        other = make_node_dir(tmp_path, "second", listen=listen)
        runtime = other.path / "run"
        runtime.mkdir(mode=0o700)
        second = subprocess.run(
            [*DaemonProcess.base_command(), "--config", str(other.config_path), "daemon"],
            env=daemon_env(runtime),
            capture_output=True,
            text=True,
            timeout=60,
            check=False,
        )
        assert second.returncode == 1, second.stderr
        assert "Traceback" not in second.stderr
        assert (
            f"Error: Cannot listen on {listen}: TCP port {port} is already in use." in second.stderr
        )
        assert "Hint: Another peerup daemon or program uses it" in second.stderr
        assert " ready: peer " not in second.stdout + second.stderr
        assert not list(runtime.glob("*.sock"))
        assert first.proc.poll() is None
        status = first.cli("daemon", "status", "--json")
        assert status.returncode == 0, status.stderr
        assert f"/tcp/{port}" in status.stdout
    finally:
        first.stop()
