"""A real peer-up node in its own process that does not speak ``/peerup/verify/1.0.0``, as the
Go peer-up: the handler is removed after start, so a verification gets ``verify-unsupported``.

``python -m tests.helpers.noverify <config.yaml>`` prints the node's first listen address and
runs until its standard input closes; :func:`start_noverify_peer` does that for a test.
"""

from __future__ import annotations

import subprocess
import sys
from dataclasses import dataclass

from tests.helpers.daemons import REPO
from tests.helpers.nodes import NodeDir

START_TIMEOUT = 60.0


@dataclass
class NoVerifyPeer:
    """The running node: its process and the address it listens on."""

    proc: subprocess.Popen[str]
    address: str

    def stop(self, timeout: float = 15) -> None:
        """Close its standard input (it stops), kill it if it does not exit in time."""
        if self.proc.stdin is not None:
            self.proc.stdin.close()
        try:
            self.proc.wait(timeout)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait(timeout)


def start_noverify_peer(node: NodeDir) -> NoVerifyPeer:
    """Start the node of ``node`` without the verify protocol; returns once it listens."""
    proc = subprocess.Popen(
        [sys.executable, "-m", "tests.helpers.noverify", str(node.config_path)],
        cwd=REPO,
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
        text=True,
    )
    assert proc.stdout is not None
    line = proc.stdout.readline()  # the node prints its address once it listens, or exits
    if not line.startswith("/"):
        proc.kill()
        proc.wait(START_TIMEOUT)
        raise RuntimeError(f"the no-verify peer did not start (exit {proc.returncode})")
    return NoVerifyPeer(proc, line.strip())


async def _serve(config_path: str) -> None:
    import trio
    from libp2p.custom_types import TProtocol

    from app.core.config import load_config
    from app.core.ids.identity import load_identity
    from app.core.pairing.verify import PROTOCOL_ID
    from app.engine.node import open_node

    config = load_config(config_path)
    async with open_node(config, load_identity(config.key_file)) as node:
        host = node._host  # the libp2p host: unregister verify, as a Go peer-up never had it
        host.get_mux().remove_handler(TProtocol(PROTOCOL_ID))  # type: ignore[attr-defined]
        print(node.status().listen_addresses[0], flush=True)
        with trio.fail_after(START_TIMEOUT * 10):  # never outlives a forgotten test
            await trio.lowlevel.wait_readable(sys.stdin.fileno())


if __name__ == "__main__":
    import trio

    from app.engine import compat

    compat.install()
    trio.run(_serve, sys.argv[1])
