"""NOISE-CANCELLED-WRITE: a Noise write cancelled after encrypting spends its nonce unsent.

Upstream (``libp2p.security.noise.io.NoiseTransportReadWriter.write_msg``): the message is
encrypted (spending a nonce), then the socket write is awaited, where a cancellation lands: the
message never goes out, the next one carries the following nonce, and the peer fails to
authenticate it ("Failed authentication of message") and drops the connection. A forward whose
one direction ends cancels the other mid-write (a refused forward did), killing every stream of
that connection.

Workaround (process-wide, installed with NOISE-WRITE-PER-MESSAGE's ``write_msg``, which writes
through :func:`_write_spent`): the write of what was encrypted is shielded from cancellation for
at most :data:`SPENT_WRITE_LIMIT`; past it the connection is closed, since a stalled path must not
hold a cancelled task for good.
"""

from __future__ import annotations

from typing import Any

import trio
from libp2p.network.connection.exceptions import RawConnError

SPENT_WRITE_LIMIT = 30.0
"""Seconds the write of Noise messages already encrypted may take, cancelled or not
(NOISE-CANCELLED-WRITE); past it the connection is closed. A path that stalls longer is dead
(the liveness probes close a dead direct path after ~5 s), and even a 256 KiB batch needs no more
than this at 9 KB/s."""


async def _write_spent(conn: Any, data: bytes | bytearray) -> None:
    """Write Noise messages whose nonces are spent: whole, even if the writer is cancelled now.

    compat NOISE-CANCELLED-WRITE: a message left out (or cut) would make the peer fail every
    message after it, so a cancellation lands at the writer's next checkpoint instead. The shield
    is bounded (:data:`SPENT_WRITE_LIMIT`) so that a stalled path cannot hold a cancelled task
    (a daemon shutting down) for good: then the connection is closed and the write fails.
    """
    with trio.CancelScope(shield=True) as scope:
        scope.deadline = trio.current_time() + SPENT_WRITE_LIMIT
        await conn.write(data)
    if scope.cancelled_caught:
        with trio.CancelScope(shield=True), trio.move_on_after(1):
            await conn.close()
        raise RawConnError(
            f"a write did not finish in {SPENT_WRITE_LIMIT:.0f} s: connection closed"
        )
