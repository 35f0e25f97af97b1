"""``/healthz`` on loopback for relays (``relay_service.health_port``), for monitors like systemd.

``GET /healthz`` reports whether the relay serves, checked at each request: the hop protocol is
offered (``hop``) and a libp2p listener answers on a new TCP connection to the node's own listen
port (``listening``). Both: ``200`` and ``"status": "ok"``; else ``503``, ``"status":
"not-serving"`` and the ``problems``. The body also has ``uptime_seconds``, ``connected_peers``
(all of them), ``reservations``, ``circuits``, ``circuits_total`` and ``bytes_relayed``;
anything else is 404. It is bound to 127.0.0.1 only and needs no cookie: it says nothing a
local user could not see with ``peerup status``.
"""

from __future__ import annotations

import ipaddress
import json
import logging
import socket
from collections.abc import Awaitable, Callable, MutableMapping, Sequence
from functools import partial
from typing import TYPE_CHECKING, Any, cast

import trio
from hypercorn.config import Sockets
from hypercorn.trio.run import worker_serve
from hypercorn.typing import ASGIFramework
from hypercorn.utils import wrap_app

from app.core.errors import AddressInUseError
from app.core.reach import dialback
from app.daemon.server import _hypercorn_config
from app.engine.node import Node
from app.engine.relay import answers_multistream

if TYPE_CHECKING:
    from trio_typing import TaskStatus

log = logging.getLogger("peerup.daemon.health")

Scope = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[MutableMapping[str, Any]]]
Send = Callable[[MutableMapping[str, Any]], Awaitable[None]]


def build_health_app(node: Node) -> Callable[[Scope, Receive, Send], Awaitable[None]]:
    """The ASGI app answering ``/healthz``."""

    async def app(scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "lifespan":
            message = await receive()
            while message["type"] != "lifespan.shutdown":
                await send({"type": message["type"] + ".complete"})
                message = await receive()
            await send({"type": "lifespan.shutdown.complete"})
            return
        if scope["type"] != "http":
            return
        body: dict[str, object]
        if scope["method"] == "GET" and scope["path"] == "/healthz":
            body = await health(node)
            code = 200 if body["status"] == "ok" else 503
        else:
            body, code = {"error": "not found"}, 404
        data = json.dumps(body).encode()
        await send(
            {
                "type": "http.response.start",
                "status": code,
                "headers": [(b"content-type", b"application/json")],
            }
        )
        await send({"type": "http.response.body", "body": data})

    return app


async def health(node: Node) -> dict[str, object]:
    """The relay's state as ``/healthz`` reports it (see the module docstring)."""
    status = node.status()
    stats = node.relay_statistics()
    hop = node.relay_serving()
    listening = await _answers_on_listen_port(status.listen_addresses)
    problems = []
    if not hop:
        problems.append("the relay hop is not running")
    if not listening:
        problems.append("no libp2p listener answers on the listen port")
    return {
        "status": "not-serving" if problems else "ok",
        "problems": problems,
        "hop": hop,
        "listening": listening,
        "uptime_seconds": round(status.uptime_seconds, 1),
        "connected_peers": status.connected_peers + status.connected_others,
        "reservations": stats.get("reservations", 0),
        "circuits": stats.get("circuits", 0),
        "circuits_total": stats.get("circuits_total", 0),
        "bytes_relayed": stats.get("bytes_relayed", 0),
    }


async def _answers_on_listen_port(addresses: Sequence[str]) -> bool:
    """Whether a libp2p listener answers on the first TCP listen address (loopback first)."""
    targets = [t for t in (dialback.tcp_target(a.split("/p2p/")[0]) for a in addresses) if t]
    targets.sort(key=lambda t: not ipaddress.ip_address(t[0]).is_loopback)
    return bool(targets) and await answers_multistream(*targets[0])


async def serve_health(
    node: Node, port: int, *, task_status: TaskStatus[None] = trio.TASK_STATUS_IGNORED
) -> None:
    """Serve ``/healthz`` on 127.0.0.1:``port`` until cancelled."""
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    try:
        try:
            sock.bind(("127.0.0.1", port))
        except OSError as exc:
            raise AddressInUseError(
                f"The health check cannot listen on 127.0.0.1:{port}: {exc.strerror or exc}.",
                hint="Another program uses that port: pick another relay_service.health_port "
                "(0 turns the health check off).",
            ) from None
        sock.listen(64)
        sock.setblocking(False)
        app = wrap_app(cast("ASGIFramework", build_health_app(node)), 0, "asgi")
        sockets = Sockets(secure_sockets=[], insecure_sockets=[sock], quic_sockets=[])
        async with trio.open_nursery() as nursery:
            await nursery.start(partial(worker_serve, app, _hypercorn_config(), sockets=sockets))
            log.info("health check on http://127.0.0.1:%d/healthz", port)
            task_status.started()
    finally:
        sock.close()
