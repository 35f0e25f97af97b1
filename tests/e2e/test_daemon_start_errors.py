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
