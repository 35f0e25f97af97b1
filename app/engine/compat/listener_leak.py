"""LISTENER-LEAK: a stopped host keeps its TCP listening sockets open.

Upstream (``BasicHost.run``): leaving it stops the swarm without closing its TCP listeners; the
listening sockets stay open in the process with nobody accepting. An engine started again in the
same process (the tray, tests) listens beside the dead socket (SO_REUSEPORT), and the kernel
hands it part of the new connections, which then hang.

Workaround (per host): the node calls :func:`close_listeners` when it stops.
"""

from __future__ import annotations

import contextlib
from typing import Any


async def close_listeners(host: Any) -> None:
    """Close the host's transport listeners (defect LISTENER-LEAK); errors are ignored."""
    for listener in list(getattr(host.get_network(), "listeners", {}).values()):
        with contextlib.suppress(Exception):
            await listener.close()
