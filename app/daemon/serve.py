"""``serve()``: the engine and its local API as one trio function, for any process that hosts them.

It holds nothing of the process around it: no signal handling, no standard input, no printing, no
logging set-up, no single-instance check and no py-libp2p patching. Those belong to the
composition root: ``peerup daemon`` (:mod:`app.daemon.main`) wraps it in signal handling, its
stdin watch and its ready line under ``trio.run``; the tray runs it as a trio guest on its Qt
event loop (``trio.lowlevel.start_guest_run``), and a test does the same on an asyncio loop.

What a host must do around it:

* call :func:`app.engine.compat.install` once, before the first ``serve()``;
* make sure no other daemon runs on the same config first (:func:`app.daemon.server.
  refuse_if_running` on ``endpoint.socket_path``): ``serve()`` would find out only when it binds
  the API socket, after its node already listens (on a port py-libp2p shares with SO_REUSEPORT);
* stop it by cancelling it. It also returns by itself once a client asked ``POST /v1/shutdown``.
"""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING

import trio

from app.api.transport import ApiEndpoint
from app.core.config import Config
from app.core.ids.identity import Identity
from app.core.status import NodeStatus
from app.daemon.health import serve_health
from app.daemon.server import serve_api
from app.engine.node import open_node

if TYPE_CHECKING:
    # trio-typing's stubs (a libp2p dependency) shadow trio's inline types and lack TaskStatus.
    from trio_typing import TaskStatus

log = logging.getLogger("peerup.daemon")


async def serve(
    config: Config,
    identity: Identity,
    endpoint: ApiEndpoint,
    *,
    task_status: TaskStatus[NodeStatus] = trio.TASK_STATUS_IGNORED,
) -> None:
    """Run a node and serve its local API on ``endpoint`` until cancelled or shut down.

    Start-up: the node starts (it listens), then the API (the socket, mode 0600, then a fresh
    cookie), then the relay's health check when ``relay_service.health_port`` is set; then
    ``task_status.started(status)``, from which point the API answers. On the way out the API
    stops first (its socket and cookie are removed), then the node, which closes every forward.

    Args:
        config: The node's configuration.
        identity: The node's key.
        endpoint: Where the API listens and where its cookie is written.
        task_status: For ``nursery.start``; started with the node's status as it began serving.

    Returns:
        Once a client's ``POST /v1/shutdown`` has been answered and everything has stopped.

    Raises:
        PeerupError: The node cannot listen, another daemon answers on the socket
            (``DaemonAlreadyRunningError``), the socket cannot be created (``ApiSocketError``), or
            the health check cannot listen. Raised from inside nurseries, so callers see them
            wrapped in exception groups.
        CompatNotInstalledError: :func:`app.engine.compat.install` was not called.
    """
    shutdown = trio.Event()
    async with open_node(config, identity) as node, trio.open_nursery() as nursery:
        await nursery.start(serve_api, node, endpoint, shutdown.set)
        if config.relay_service.enabled and config.relay_service.health_port:
            await nursery.start(serve_health, node, config.relay_service.health_port)
        task_status.started(node.status())
        await shutdown.wait()
        log.info("shutdown requested through the API")
        nursery.cancel_scope.cancel()
