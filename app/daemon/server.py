"""The local control API server: a small ASGI router on hypercorn (trio), over a Unix socket.

Theory of operation:

* We bind the Unix socket ourselves, chmod it to 0600 and only then listen, so nobody else can
  connect in between (the runtime directory is 0700 as well). Only then is the cookie written;
  it is removed on the way out, together with the socket, so it rotates on every start.
* The socket object is handed to hypercorn's trio worker as a ready listener. (hypercorn's
  ``fd://`` bind would wrap the same descriptor in a second socket object that owns and closes
  it behind our back; passing the socket keeps a single owner: us.)
* Everything from the socket is untrusted: the token is checked first (constant time), then the
  route, then the body size (Content-Length and the bytes actually received), then the JSON.
  Headers are bounded by hypercorn's ``h11_max_incomplete_size``; idle or half-sent requests are
  dropped after ``keep_alive_timeout``. There is deliberately no read timeout, which would cut
  the long-lived event streams.
* Streams (ping, events) run in a nursery with a task that waits for ``http.disconnect`` and
  cancels the stream, so a client that goes away leaves no task behind. So do the long requests
  marked ``cancellable`` (a join, opening a forward): a client that gives up cancels the work,
  not only its wait, so a cancelled forward does not open once its dial is through.
"""

from __future__ import annotations

import contextlib
import errno
import logging
import os
import socket
import stat
from collections.abc import Awaitable, Callable, MutableMapping
from functools import partial
from pathlib import Path
from typing import TYPE_CHECKING, Any, Final, cast
from urllib.parse import parse_qsl, unquote

import trio
from hypercorn.config import Config, Sockets
from hypercorn.trio.run import worker_serve
from hypercorn.typing import ASGIFramework
from hypercorn.utils import wrap_app

from app.api import models
from app.api.errors import ApiSocketError, DaemonAlreadyRunningError, http_status_for
from app.api.transport import ApiEndpoint, bearer_matches, new_cookie
from app.core.errors import PeerupError
from app.daemon.handlers import ROUTES, Call, Route, Streamed
from app.engine.facade import NodeFacade
from app.util.fsio import atomic_write_bytes

if TYPE_CHECKING:
    # The trio-stubs installed with trio-typing (a libp2p dependency) shadow trio's own inline
    # types and lack ``trio.TaskStatus``; trio_typing's Protocol is the same shape.
    from trio_typing import TaskStatus

log = logging.getLogger(__name__)

Scope = MutableMapping[str, Any]
Message = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[Message]]
Send = Callable[[Message], Awaitable[None]]
AsgiApp = Callable[[Scope, Receive, Send], Awaitable[None]]


STALE_PROBE_TIMEOUT: Final = 2.0
MAX_HEADER_BYTES: Final = 16 * 1024
KEEP_ALIVE_TIMEOUT: Final = 5.0
BACKLOG: Final = 64


class _Router:
    """The ASGI application: auth, routing, body limits, envelopes, streams."""

    def __init__(self, node: NodeFacade, token: str, on_shutdown: Callable[[], None]) -> None:
        self._node = node
        self._token = token
        self._on_shutdown = on_shutdown
        self._routes = [(route, route.pattern.split("/")) for route in ROUTES]

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "lifespan":
            await _lifespan(receive, send)
        elif scope["type"] == "http":
            await self._http(scope, receive, send)
        # Anything else (websocket) is not accepted; hypercorn closes it.

    async def _http(self, scope: Scope, receive: Receive, send: Send) -> None:
        headers: dict[bytes, bytes] = {}
        for name, value in scope.get("headers", ()):
            headers[bytes(name).lower()] = bytes(value)

        if not bearer_matches(headers.get(b"authorization"), self._token):
            await _send_error(send, "unauthorized", "Invalid or missing access token.")
            return

        raw_path = scope.get("raw_path") or scope["path"].encode()
        route, params, allowed = self._match(scope["method"], bytes(raw_path).decode("latin-1"))
        if route is None:
            if allowed:
                await _send_error(
                    send,
                    "method-not-allowed",
                    f"{scope['method']} is not allowed here; use {', '.join(allowed)}.",
                    extra_headers=[(b"allow", ", ".join(allowed).encode())],
                )
            else:
                await _send_error(send, "no-such-endpoint", "No such endpoint.")
            return

        body = await _read_body(headers, receive, send)
        if body is None:
            return
        content_type = headers.get(b"content-type", b"").split(b";")[0].strip().lower()
        if body and content_type and content_type != models.JSON_TYPE.encode():
            await _send_error(
                send,
                "unsupported-media-type",
                f"Request bodies must be {models.JSON_TYPE}.",
            )
            return

        query = dict(parse_qsl(bytes(scope.get("query_string", b"")).decode("latin-1")))
        call = Call(params=params, query=query, body=body)
        try:
            if route.cancellable:
                outcome = await _while_connected(receive, partial(route.handler, self._node, call))
                if not outcome:
                    return  # the client went away: nobody to answer
                result = outcome[0]
            else:
                result = await route.handler(self._node, call)
            payload = None if isinstance(result, Streamed) else models.data_bytes(result)
        except Exception as exc:  # the boundary: everything becomes an error reply
            await _send_exception(send, exc, scope)
            return
        if isinstance(result, Streamed):
            await self._stream(receive, send, result)
            return
        assert payload is not None
        await _send_json(send, 200, payload)
        if route.shuts_down:
            self._on_shutdown()

    def _match(self, method: str, path: str) -> tuple[Route | None, dict[str, str], list[str]]:
        prefix = models.PREFIX + "/"
        if not path.startswith(prefix):
            return None, {}, []
        # Split before percent-decoding, so an encoded "/" stays inside its segment.
        segments = [unquote(segment) for segment in path[len(prefix) :].split("/")]
        allowed: list[str] = []
        for route, pattern in self._routes:
            params = _match_segments(pattern, segments)
            if params is None:
                continue
            if route.method == method:
                return route, params, []
            allowed.append(route.method)
        return None, {}, allowed

    async def _stream(self, receive: Receive, send: Send, streamed: Streamed) -> None:
        started = False

        async def emit(obj: object) -> None:
            nonlocal started
            if not started:
                await send(
                    {
                        "type": "http.response.start",
                        "status": 200,
                        "headers": [
                            (b"content-type", models.NDJSON_TYPE.encode()),
                            (b"cache-control", b"no-store"),
                        ],
                    }
                )
                started = True
            line = models.encode(obj) + b"\n"
            await send({"type": "http.response.body", "body": line, "more_body": True})

        async with trio.open_nursery() as nursery:
            nursery.start_soon(_cancel_on_disconnect, receive, nursery.cancel_scope)
            try:
                await streamed.run(emit)
            except Exception as exc:  # the boundary of a stream
                if not started:
                    await _send_exception(send, exc, None)
                    nursery.cancel_scope.cancel()
                    return
                code, message, hint = _describe(exc, None)
                await emit(models.ErrorEnvelope(models.ErrorBody(code, message, hint)))
            if not started:
                await _start_empty_stream(send)
            await send({"type": "http.response.body", "body": b"", "more_body": False})
            nursery.cancel_scope.cancel()


async def _start_empty_stream(send: Send) -> None:
    """Start an empty NDJSON reply (a stream that ended before its first line)."""
    await send(
        {
            "type": "http.response.start",
            "status": 200,
            "headers": [(b"content-type", models.NDJSON_TYPE.encode())],
        }
    )


def _match_segments(pattern: list[str], segments: list[str]) -> dict[str, str] | None:
    if len(pattern) != len(segments):
        return None
    params: dict[str, str] = {}
    for want, got in zip(pattern, segments, strict=True):
        if want.startswith("{") and want.endswith("}"):
            if not got:
                return None
            params[want[1:-1]] = got
        elif want != got:
            return None
    return params


async def _lifespan(receive: Receive, send: Send) -> None:
    while True:
        message = await receive()
        if message["type"] == "lifespan.startup":
            await send({"type": "lifespan.startup.complete"})
        elif message["type"] == "lifespan.shutdown":
            await send({"type": "lifespan.shutdown.complete"})
            return


async def _while_connected(
    receive: Receive, handler: Callable[[], Awaitable[object]]
) -> list[object]:
    """Run ``handler``, cancelled if the client goes away first.

    Returns:
        ``[result]``, or ``[]`` when the client went away (the handler was cancelled).
    """
    outcome: list[object] = []
    failure: list[Exception] = []
    async with trio.open_nursery() as nursery:
        nursery.start_soon(_cancel_on_disconnect, receive, nursery.cancel_scope)
        try:
            outcome.append(await handler())
        except Exception as exc:  # raised again below, outside the nursery's exception group
            failure.append(exc)
        nursery.cancel_scope.cancel()
    if failure:
        raise failure[0]
    return outcome


async def _cancel_on_disconnect(receive: Receive, scope: trio.CancelScope) -> None:
    while True:
        message = await receive()
        if message["type"] == "http.disconnect":
            scope.cancel()
            return


async def _read_body(headers: dict[bytes, bytes], receive: Receive, send: Send) -> bytes | None:
    """Read the whole body, or answer 413 and return None (also None on disconnect)."""
    too_large = f"The request body is larger than {models.MAX_BODY_BYTES} bytes."
    declared = headers.get(b"content-length")
    if declared is not None and (not declared.isdigit() or int(declared) > models.MAX_BODY_BYTES):
        await _send_error(send, "request-too-large", too_large)
        return None
    chunks: list[bytes] = []
    size = 0
    while True:
        message = await receive()
        if message["type"] == "http.disconnect":
            return None
        if message["type"] != "http.request":
            continue
        chunk = bytes(message.get("body", b""))
        size += len(chunk)
        if size > models.MAX_BODY_BYTES:
            await _send_error(send, "request-too-large", too_large)
            return None
        chunks.append(chunk)
        if not message.get("more_body", False):
            return b"".join(chunks)


def _expected(exc: BaseException) -> PeerupError | None:
    """The PeerupError behind ``exc``, unwrapping exception groups of expected errors only."""
    if isinstance(exc, PeerupError):
        return exc
    if isinstance(exc, BaseExceptionGroup):
        leaves = [_expected(inner) for inner in exc.exceptions]
        if leaves and all(leaf is not None for leaf in leaves):
            return leaves[0]
    return None


def _describe(exc: Exception, scope: Scope | None) -> tuple[str, str, str | None]:
    error = _expected(exc)
    if error is not None:
        return error.code, error.message, error.hint
    where = f" for {scope['method']} {scope['path']}" if scope is not None else ""
    log.exception("Unexpected error in the local API%s", where)
    return "internal-error", "The daemon hit an internal error; details are in its log.", None


async def _send_exception(send: Send, exc: Exception, scope: Scope | None) -> None:
    code, message, hint = _describe(exc, scope)
    status = getattr(exc, "status", 0) or http_status_for(code)
    await _send_json(send, status, models.error_bytes(code, message, hint))


async def _send_error(
    send: Send,
    code: str,
    message: str,
    *,
    hint: str | None = None,
    extra_headers: list[tuple[bytes, bytes]] | None = None,
) -> None:
    await _send_json(
        send, http_status_for(code), models.error_bytes(code, message, hint), extra_headers
    )


async def _send_json(
    send: Send,
    status: int,
    payload: bytes,
    extra_headers: list[tuple[bytes, bytes]] | None = None,
) -> None:
    headers = [
        (b"content-type", models.JSON_TYPE.encode()),
        (b"content-length", str(len(payload)).encode()),
        (b"cache-control", b"no-store"),
        *(extra_headers or []),
    ]
    await send({"type": "http.response.start", "status": status, "headers": headers})
    await send({"type": "http.response.body", "body": payload, "more_body": False})


def build_asgi_app(node: NodeFacade, token: str, on_shutdown: Callable[[], None]) -> AsgiApp:
    """Build the API's ASGI application (for :func:`serve_api`, and for tests of the router).

    Args:
        node: The node the endpoints act on.
        token: The bearer token clients must send.
        on_shutdown: Called once the reply to ``POST /v1/shutdown`` has been sent.

    Returns:
        An ASGI 3 application handling ``http`` and ``lifespan`` scopes.
    """
    return _Router(node, token, on_shutdown)


def _hypercorn_config() -> Config:
    config = Config()
    config.h11_max_incomplete_size = MAX_HEADER_BYTES
    config.keep_alive_timeout = KEEP_ALIVE_TIMEOUT
    config.read_timeout = None  # a read timeout would cut idle event streams
    config.graceful_timeout = 1.0
    config.include_server_header = False
    config.accesslog = None
    config.errorlog = logging.getLogger("app.daemon.http")
    config.backlog = BACKLOG
    return config


async def _clear_stale_socket(path: Path) -> None:
    """Remove a socket left by a dead daemon; refuse when a live one answers."""
    try:
        mode = os.lstat(path).st_mode
    except FileNotFoundError:
        return
    if not stat.S_ISSOCK(mode):
        raise ApiSocketError(
            f"{path} exists and is not a socket.",
            hint="Move that file away, then start the daemon again.",
        )
    probe = trio.socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    with probe:
        try:
            with trio.fail_after(STALE_PROBE_TIMEOUT):
                await probe.connect(str(path))
        except (OSError, trio.TooSlowError):
            with contextlib.suppress(FileNotFoundError):
                await trio.Path(path).unlink()
            return
    raise _already_running(path)


async def refuse_if_running(path: Path) -> None:
    """Fail early, before the node listens, when a live daemon answers on ``path``.

    A socket left by a dead daemon is removed. Without this check a second daemon on the same
    config would first open its libp2p listeners (sharing the port with the first one, whose
    listeners use SO_REUSEPORT) and only then fail on the API socket.

    Raises:
        DaemonAlreadyRunningError: Another daemon answers on the socket.
        ApiSocketError: ``path`` exists and is not a socket.
    """
    await _clear_stale_socket(path)


def _already_running(path: Path) -> DaemonAlreadyRunningError:
    return DaemonAlreadyRunningError(
        f"A peer-up daemon is already running (its socket {path} is in use).",
        hint="Stop it first (`peerup daemon stop`), or use it as it is.",
    )


def _bind(path: Path) -> socket.socket:
    """Bind and listen on ``path`` with mode 0600 set before listening."""
    sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    try:
        try:
            sock.bind(str(path))
        except OSError as exc:
            if exc.errno == errno.EADDRINUSE:
                raise _already_running(path) from None
            raise ApiSocketError(
                f"Cannot create the API socket {path}: {exc.strerror or exc}.",
                hint="Check that its directory exists, is yours, and that the path is short.",
            ) from None
        os.chmod(path, 0o600)
        sock.listen(BACKLOG)
        sock.setblocking(False)
    except BaseException:
        sock.close()
        raise
    return sock


def _remove_if_ours(path: Path, inode: int) -> None:
    try:
        if os.lstat(path).st_ino == inode:
            path.unlink()
    except FileNotFoundError:
        pass


def _remove_cookie_if_ours(path: Path, token: str) -> None:
    try:
        if path.read_bytes().strip() == token.encode():
            path.unlink()
    except FileNotFoundError:
        pass


async def serve_api(
    node: NodeFacade,
    endpoint: ApiEndpoint,
    on_shutdown: Callable[[], None],
    *,
    task_status: TaskStatus[None] = trio.TASK_STATUS_IGNORED,
) -> None:
    """Serve the local API on ``endpoint`` until cancelled.

    Removes a stale socket, binds a fresh one (0600), writes a new cookie (0600), reports
    ``task_status.started()`` once listening, and on the way out removes the socket and cookie.

    Args:
        node: The node the endpoints act on.
        endpoint: Where to listen and where to write the cookie.
        on_shutdown: Called (synchronously) after ``POST /v1/shutdown`` has been answered; the
            daemon should cancel this function's scope from there.
        task_status: For ``nursery.start``.

    Raises:
        DaemonAlreadyRunningError: Another daemon answers on the socket.
        ApiSocketError: The socket cannot be created.
        OSError: The cookie cannot be written.
    """
    socket_path = endpoint.socket_path
    socket_path.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
    await _clear_stale_socket(socket_path)
    sock = _bind(socket_path)
    inode = os.lstat(socket_path).st_ino
    token = new_cookie()
    try:
        atomic_write_bytes(endpoint.cookie_path, token.encode("ascii"), mode=0o600)
        router = cast("ASGIFramework", build_asgi_app(node, token, on_shutdown))
        app = wrap_app(router, 0, "asgi")
        sockets = Sockets(secure_sockets=[], insecure_sockets=[sock], quic_sockets=[])
        async with trio.open_nursery() as nursery:
            await nursery.start(partial(worker_serve, app, _hypercorn_config(), sockets=sockets))
            log.info("Local API listening on %s", socket_path)
            task_status.started()
    finally:
        sock.close()
        _remove_cookie_if_ours(endpoint.cookie_path, token)
        _remove_if_ours(socket_path, inode)
