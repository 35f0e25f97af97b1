"""A tiny STUN server for tests: answers Binding Requests with the source's XOR-MAPPED-ADDRESS.

Dependency-free beyond trio and app.core.reach.stun, so the NAT lab can run it inside a network
namespace::

    python -m tests.helpers.stun_server --host 203.0.113.1 --port 3478

It prints the port it listens on (one line, flushed) and runs until killed. In tests, use
:func:`open_stun_server`, whose knobs also make it misbehave on purpose (never answer, send
garbage first, report a shifted port to fake a symmetric NAT).
"""

from __future__ import annotations

import argparse
import socket
import sys
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass

import trio

from app.core.errors import StunError
from app.core.reach import stun

# Datagrams a misbehaving server sends before its real answer: not STUN, a response with a
# wrong transaction ID, a truncated one. A client must ignore all of them.
_GARBAGE = (
    b"\xff" * 7,
    b"GET / HTTP/1.1\r\n\r\n",
)


@dataclass
class StunServerStats:
    """What the server did, for assertions."""

    requests: int = 0
    answered: int = 0
    rejected: int = 0


class StunServer:
    """A UDP STUN Binding server.

    Args:
        host: Address to bind.
        port: Port to bind; 0 picks a free one (see :attr:`address` once started).
        silent: Never answer (a server behind a firewall that drops UDP).
        garbage_first: Send junk datagrams (and a response to another transaction) before each
            real answer.
        port_offset: Report the source port plus this (fakes a NAT that maps per destination).
        legacy_mapped: Add a MAPPED-ADDRESS too, as RFC 5389 servers do for RFC 3489 clients.
    """

    def __init__(
        self,
        host: str = "127.0.0.1",
        port: int = 0,
        *,
        silent: bool = False,
        garbage_first: bool = False,
        port_offset: int = 0,
        legacy_mapped: bool = False,
    ) -> None:
        self.host = host
        self.port = port
        self.silent = silent
        self.garbage_first = garbage_first
        self.port_offset = port_offset
        self.legacy_mapped = legacy_mapped
        self.stats = StunServerStats()
        self.address: tuple[str, int] = (host, port)

    async def run(
        self, *, task_status: trio.TaskStatus[tuple[str, int]] = trio.TASK_STATUS_IGNORED
    ) -> None:
        """Serve until cancelled; ``task_status.started((ip, port))`` once bound."""
        family = socket.AF_INET6 if ":" in self.host else socket.AF_INET
        with trio.socket.socket(family, socket.SOCK_DGRAM) as sock:
            await sock.bind((self.host, self.port))
            bound = sock.getsockname()
            self.address = (str(bound[0]), int(bound[1]))
            task_status.started(self.address)
            while True:
                try:
                    data, source = await sock.recvfrom(65535)
                    await self._handle(sock, data, (str(source[0]), int(source[1])))
                except OSError as exc:
                    # An ICMP error for an earlier answer, or a route gone in the NAT lab: a
                    # server keeps serving.
                    print(f"stun_server: {exc}", file=sys.stderr, flush=True)

    async def _handle(
        self, sock: trio.socket.SocketType, data: bytes, source: tuple[str, int]
    ) -> None:
        try:
            transaction_id = stun.parse_binding_request(data)
        except StunError:
            self.stats.rejected += 1
            return
        self.stats.requests += 1
        if self.silent:
            return
        ip, port = source
        if self.garbage_first:
            other = bytes(b ^ 0xFF for b in transaction_id)
            for junk in (
                *_GARBAGE,
                stun.encode_binding_success(other, "192.0.2.66", 6666),
                stun.encode_binding_success(transaction_id, ip, port)[:-4],
            ):
                await sock.sendto(junk, source)
        mapped_port = (port + self.port_offset) % 65536
        response = stun.encode_binding_success(
            transaction_id,
            ip,
            mapped_port,
            legacy_mapped=self.legacy_mapped,
            software="peerup-test-stun",
        )
        await sock.sendto(response, source)
        self.stats.answered += 1


@asynccontextmanager
async def open_stun_server(
    host: str = "127.0.0.1",
    port: int = 0,
    *,
    silent: bool = False,
    garbage_first: bool = False,
    port_offset: int = 0,
    legacy_mapped: bool = False,
) -> AsyncIterator[StunServer]:
    """Run a :class:`StunServer` (same arguments) for the duration of the block.

    Yields:
        The running server; ``server.address`` is where it listens.
    """
    server = StunServer(
        host,
        port,
        silent=silent,
        garbage_first=garbage_first,
        port_offset=port_offset,
        legacy_mapped=legacy_mapped,
    )
    async with trio.open_nursery() as nursery:
        await nursery.start(server.run)
        yield server
        nursery.cancel_scope.cancel()


def main(argv: list[str] | None = None) -> int:
    """Command line: serve on ``--host``/``--port`` and print the bound port."""
    parser = argparse.ArgumentParser(description="A minimal STUN Binding server for tests.")
    parser.add_argument("--host", default="0.0.0.0")
    parser.add_argument("--port", type=int, default=3478)
    args = parser.parse_args(argv)

    async def serve() -> None:
        server = StunServer(args.host, args.port)
        async with trio.open_nursery() as nursery:
            _, port = await nursery.start(server.run)
            print(port, flush=True)

    try:
        trio.run(serve)
    except KeyboardInterrupt:
        return 0
    return 0


if __name__ == "__main__":
    sys.exit(main())
