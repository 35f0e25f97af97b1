"""IDENTIFY-AGENT-VERSION and IDENTIFY-NO-EVENT: identify announces ``py-libp2p/<version>``, drops
the peer's agent, and tells nobody when it has updated the peerstore.

Upstream (``libp2p.identity.identify``): the agent version announced is a module constant
(neither ``new_host`` nor the host takes one), and the agent version a peer announces is dropped:
``update_peerstore_from_identify`` stores its key, addresses, protocols and record, not its
``agent_version``.

Workaround (:func:`install`, process-wide): ours (:data:`AGENT_VERSION`) is announced, and what
peers announce is stored, bounded (:func:`bounded_agent_version`), under the peerstore key
:data:`AGENT_VERSION_KEY` as go-libp2p does. All hosts of the process announce the same version.

IDENTIFY-NO-EVENT: upstream tells nobody when identify has updated the peerstore (no event, no
notifee method), so whoever needs a peer's announced addresses could only poll for them:
:func:`on_identified` registers a callback per peerstore, called right after each update.
"""

from __future__ import annotations

import contextlib
import itertools
import weakref
from collections.abc import Awaitable, Callable
from typing import Any

from libp2p.host import basic_host as _basic_host
from libp2p.identity import update as _identify_update
from libp2p.identity.identify import identify as _identify
from libp2p.identity.identify_push import identify_push as _identify_push
from libp2p.peer.id import ID

from app import __version__

AGENT_VERSION = f"peerup/{__version__}"
"""What our hosts announce. The Go peer-up's format: its ``/v1/peers`` lists only peers whose
agent starts with ``peerup/`` (or ``relay-server/``)."""


AGENT_VERSION_KEY = "AgentVersion"
MAX_AGENT_VERSION = 128

_original_update_from_identify: Callable[[Any, ID, Any], Awaitable[None]] = (
    _identify_update.update_peerstore_from_identify
)


def bounded_agent_version(text: str) -> str:
    """A peer's agent version fit to show: printable characters only, at most 128 of them.

    It comes from the network, so it may be long or hold control characters (terminal escapes).
    """
    return "".join(itertools.islice((ch for ch in text if ch.isprintable()), MAX_AGENT_VERSION))


_listeners: weakref.WeakKeyDictionary[Any, Callable[[ID], None]] = weakref.WeakKeyDictionary()


def on_identified(host: Any, callback: Callable[[ID], None]) -> None:
    """Call ``callback(peer_id)`` after identify updated ``host``'s peerstore for a peer.

    The callback runs inside identify's task and must not block; one callback per host.
    """
    _listeners[host.get_peerstore()] = callback


async def _update_from_identify(peerstore: Any, peer_id: ID, identify_msg: Any) -> None:
    """py-libp2p's peerstore update, plus the peer's agent version (IDENTIFY-AGENT-VERSION)."""
    await _original_update_from_identify(peerstore, peer_id, identify_msg)
    if identify_msg.HasField("agent_version"):
        agent = bounded_agent_version(identify_msg.agent_version)
        with contextlib.suppress(Exception):  # a peerstore refusing must not break identify
            peerstore.put(peer_id, AGENT_VERSION_KEY, agent)
    listener = _listeners.get(peerstore)
    if listener is not None:
        listener(peer_id)


def install(agent_version: str = AGENT_VERSION) -> None:
    """Announce ``agent_version`` in identify and store what peers announce (idempotent)."""
    _identify.AGENT_VERSION = agent_version
    _basic_host.update_peerstore_from_identify = _update_from_identify  # type: ignore[attr-defined]
    _identify_push.update_peerstore_from_identify = _update_from_identify  # type: ignore[attr-defined]


def original_update_from_identify() -> Callable[[Any, ID, Any], Awaitable[None]]:
    """The upstream ``update_peerstore_from_identify``, for the test that proves the defect."""
    return _original_update_from_identify
