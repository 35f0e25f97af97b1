"""DENIED-CONN-SCOPE: a connection the swarm refuses after its upgrade keeps its resource slot.

Upstream (``Swarm.upgrade_*_raw_conn`` then ``Swarm.add_conn``): the upgraded connection's
resource-manager scope is hung on the muxed connection (``_resource_scope``) and only released by
``SwarmConn.close``. When ``add_conn`` fails before it wraps the connection in a ``SwarmConn`` (the
connection limits refuse it: more than 8 established connections to one peer, a cancellation in
the middle), it closes the muxed connection but never the scope: ``_current_connections`` grows by
one each time and never comes down. After ~1000 such refusals (dial herds during the soak's
faults) every new connection is refused with "Connection denied by resource manager (pre-upgrade
admission)" and the node is wedged for good (the soak's finding 4).

Workaround (:func:`install`, process-wide): when ``add_conn`` raises, the muxed connection's scope
is closed (closing is idempotent; a connection that ``add_conn`` refused is nobody's).
"""

from __future__ import annotations

import contextlib
import functools
from collections.abc import Awaitable, Callable
from typing import Any

from libp2p.network.swarm import Swarm

_original_add_conn: Callable[..., Awaitable[Any]] = Swarm.add_conn


@functools.wraps(_original_add_conn)
async def _add_conn(self: Any, muxed_conn: Any, direction: str = "unknown") -> Any:
    try:
        return await _original_add_conn(self, muxed_conn, direction)
    except BaseException:
        release_scope(muxed_conn)
        raise


def release_scope(muxed_conn: Any) -> None:
    """Close the resource scope hung on a refused muxed connection, if any (DENIED-CONN-SCOPE)."""
    scope = getattr(muxed_conn, "_resource_scope", None)
    if scope is not None and not getattr(scope, "closed", True):
        with contextlib.suppress(Exception):
            scope.close()


def install() -> None:
    """Install :func:`_add_conn` on ``Swarm`` (idempotent)."""
    Swarm.add_conn = _add_conn  # type: ignore[method-assign]


def original_add_conn() -> Callable[..., Awaitable[Any]]:
    """The upstream ``Swarm.add_conn``, for the test that proves the defect."""
    return _original_add_conn
