"""setup_logging routes py-libp2p's records through our handler (in a fresh interpreter each:
logging is process-wide)."""

from __future__ import annotations

import os
import subprocess
import sys

import pytest

_SCRIPT = """
import logging
import libp2p  # importing it cuts its loggers off from the root logger
from app.util.log import setup_logging
setup_logging()
logging.getLogger("libp2p.transport.tcp.tcp").debug("dial detail")
logging.getLogger("libp2p.transport.tcp.tcp").error("Failed to open TCP stream: refused")
logging.getLogger("libp2p.network.swarm").error("a real error")
host = logging.getLogger("libp2p.host.basic_host")
host.error(
    "Failed to open stream to peer Qm1:\\n  Error: protocols not supported: tried ['/x'], "
    "timeout=5s. Last error: na\\n  Protocols: ['/x']\\n  Registry Stats: None"
)
host.error("Failed to open stream to peer Qm2:\\n  Error: response timed out after 5s")
push = logging.getLogger("libp2p.identity.identify_push.identify_push")
push.error("Error pushing identify to peer Qm3: failed to open a stream to peer Qm3")
"""


def _stderr(**env: str) -> str:
    clean = {k: v for k, v in os.environ.items() if not k.startswith(("PEERUP_DEBUG", "LIBP2P_"))}
    done = subprocess.run(
        [sys.executable, "-c", _SCRIPT],
        env={**clean, **env},
        capture_output=True,
        text=True,
        timeout=60,
        check=True,
    )
    return done.stderr


def test_libp2p_errors_are_formatted_and_routine_dial_failures_quiet() -> None:
    err = _stderr()
    assert "ERROR   libp2p.network.swarm: a real error" in err
    assert "Failed to open TCP stream" not in err
    assert "dial detail" not in err
    # A peer answering "na" (it lacks a protocol of ours) is expected: not an ERROR.
    assert "Qm1" not in err
    assert "ERROR   libp2p.host.basic_host: Failed to open stream to peer Qm2" in err
    # A peer without identify push (a js-libp2p relay) is routine too.
    assert "Qm3" not in err


@pytest.mark.parametrize(
    "env", [{"PEERUP_DEBUG": "1"}, {"PEERUP_DEBUG_LOGGERS": "libp2p.transport.tcp.tcp"}]
)
def test_debug_reaches_libp2p_loggers(env: dict[str, str]) -> None:
    err = _stderr(**env)
    assert "DEBUG   libp2p.transport.tcp.tcp: dial detail" in err
    assert "ERROR   libp2p.transport.tcp.tcp: Failed to open TCP stream: refused" in err


def test_a_refused_protocol_is_one_debug_line() -> None:
    err = _stderr(PEERUP_DEBUG="1")
    assert (
        "DEBUG   libp2p.host.basic_host: Failed to open stream to peer Qm1: "
        "protocols not supported: tried ['/x'], timeout=5s. Last error: na\n"
    ) in err
    assert "Registry Stats" not in err
    assert "ERROR   libp2p.host.basic_host: Failed to open stream to peer Qm2:\n" in err
