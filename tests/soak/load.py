"""The soak's traffic: a checksumming load generator and the echo it talks to (real sockets).

``python -m tests.soak.load echo`` serves an echo on 127.0.0.1 (any port, printed on the first
line): every byte it reads goes back, and its FIN follows the client's FIN (a reset stays a reset).

``python -m tests.soak.load client --port P --log FILE ...`` keeps ``--conns`` connections open
through a forward's local port, each streaming a known pattern at ``--rate`` bytes/s until its
size (random within ``--min-size``..``--max-size``) is sent, then half-closing. Everything that
comes back is compared with the pattern as it arrives; a connection ends:

- ``ok``: EOF after exactly its size, every byte verified;
- ``truncated``: a clean EOF with fewer bytes (a silent truncation: the bug the soak hunts);
- ``corrupt``: a byte that differs from the pattern, or more bytes than were sent;
- ``error``: a reset, a refused or timed-out connect, or no byte for ``--stall`` seconds.

A connection that ends is replaced at once (after a short back-off when it failed quickly), so new
connections open continuously. Each connection writes two JSON lines to ``--log`` (monotonic
times, shared with the harness): ``first`` when its first echoed byte is verified and ``end``.

Commands on stdin: ``pause`` (open no new connection; print ``idle`` once none is open),
``run``, ``port N`` (the forward moved) and ``stop`` (or EOF: finish the open ones, bounded, and
print ``done``).
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import random
import socket
import sys
import time
from dataclasses import dataclass, field
from typing import IO

BLOCK_SIZE = 1 << 20
READ_SIZE = 1 << 16
CHUNK = 16 << 10


def pattern(seed: int) -> bytes:
    """The pattern block (plus its first READ_SIZE bytes again, so no slice has to wrap)."""
    block = random.Random(seed).randbytes(BLOCK_SIZE)
    return block + block[:READ_SIZE]


@dataclass
class Config:
    """What one load client does."""

    port: int
    log: str
    conns: int = 60
    rate: int = 32 << 10
    min_size: int = 64 << 10
    max_size: int = 512 << 10
    stall: float = 20.0
    connect_timeout: float = 10.0
    seed: int = 1
    name: str = "load"


@dataclass
class Load:
    """The running load: its state and its event log."""

    cfg: Config
    out: IO[str]
    block: bytes = field(init=False)
    paused: bool = False
    stopping: bool = False
    active: int = 0
    next_id: int = 0
    changed: asyncio.Event = field(default_factory=asyncio.Event)

    def __post_init__(self) -> None:
        self.block = pattern(self.cfg.seed)

    def emit(self, **event: object) -> None:
        self.out.write(json.dumps(event) + "\n")
        self.out.flush()

    def notify(self) -> None:
        self.changed.set()
        self.changed = asyncio.Event()

    def expected(self, offset: int, pos: int, size: int) -> bytes:
        start = (offset + pos) % BLOCK_SIZE
        return self.block[start : start + size]

    async def slot(self, rng: random.Random) -> None:
        """Open connections one after another until stopped."""
        await asyncio.sleep(rng.random() * 2)  # the slots start spread over two seconds
        while not self.stopping:
            if self.paused:
                await self.changed.wait()
                continue
            self.active += 1
            started = time.monotonic()
            try:
                outcome = await self.connection(self.next_id, rng)
            finally:
                self.active -= 1
                self.notify()
            self.next_id += 1
            if outcome != "ok" and time.monotonic() - started < 1.0:
                await asyncio.sleep(0.2 + 0.3 * rng.random())  # a dead path is not hammered

    async def connection(self, cid: int, rng: random.Random) -> str:
        cfg = self.cfg
        size = rng.randint(cfg.min_size, cfg.max_size)
        offset = rng.randrange(BLOCK_SIZE)
        t0 = time.monotonic()
        record: dict[str, object] = {"e": "end", "pair": cfg.name, "id": cid, "t0": t0}
        record.update(t1=None, size=size, sent=0, verified=0)
        try:
            reader, writer = await asyncio.wait_for(
                asyncio.open_connection("127.0.0.1", cfg.port), cfg.connect_timeout
            )
        except (OSError, TimeoutError) as exc:
            return self.finish(record, "error", f"connect: {type(exc).__name__}")
        sent = [0]

        async def send() -> None:
            await asyncio.sleep(rng.random() * CHUNK / cfg.rate)
            while sent[0] < size:
                n = min(CHUNK, size - sent[0])
                writer.write(self.expected(offset, sent[0], n))
                sent[0] += n
                await writer.drain()
                await asyncio.sleep(n / cfg.rate)
            writer.write_eof()

        sender = asyncio.create_task(send())
        verified = 0
        outcome, error = "ok", None
        try:
            while True:
                try:
                    data = await asyncio.wait_for(reader.read(READ_SIZE), cfg.stall)
                except TimeoutError:
                    outcome, error = "error", f"stall: no byte for {cfg.stall} s"
                    break
                if not data:
                    # A FIN before every byte came back is a silent truncation, even when our
                    # own send failed afterwards (the forward closed instead of resetting).
                    if verified < size:
                        failed = sender.done() and sender.exception() is not None
                        outcome, error = (
                            "truncated",
                            f"clean EOF after {verified} of {size}"
                            + (f" (send: {type(sender.exception()).__name__})" if failed else ""),
                        )
                    break
                expected = self.expected(offset, verified, len(data))
                if verified + len(data) > size or data != expected:
                    outcome, error = "corrupt", f"bad bytes at {verified}"
                    break
                if verified == 0:
                    record["t1"] = time.monotonic()
                    self.emit(e="first", pair=cfg.name, id=cid, t0=t0, t1=record["t1"])
                verified += len(data)
        except OSError as exc:
            outcome, error = "error", type(exc).__name__
        finally:
            sender.cancel()
            with contextlib.suppress(asyncio.CancelledError, OSError):
                await sender
            writer.close()
            with contextlib.suppress(OSError):
                await writer.wait_closed()
        record["sent"], record["verified"] = sent[0], verified
        return self.finish(record, outcome, error)

    def finish(self, record: dict[str, object], outcome: str, error: str | None) -> str:
        record.update(t2=time.monotonic(), out=outcome, err=error)
        self.emit(**record)
        return outcome

    async def wait_idle(self, limit: float) -> bool:
        deadline = time.monotonic() + limit
        while self.active and time.monotonic() < deadline:
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self.changed.wait(), max(0.01, deadline - time.monotonic()))
        return self.active == 0

    async def commands(self) -> None:
        loop = asyncio.get_running_loop()
        stdin = asyncio.StreamReader()
        await loop.connect_read_pipe(lambda: asyncio.StreamReaderProtocol(stdin), sys.stdin)
        while True:
            line = (await stdin.readline()).decode().split()
            if not line or line[0] == "stop":
                break
            if line[0] == "pause":
                self.paused = True
                idle = await self.wait_idle(self.cfg.stall + self.cfg.connect_timeout + 10)
                print("idle" if idle else f"busy {self.active}", flush=True)
            elif line[0] == "run":
                self.paused = False
                self.notify()
            elif line[0] == "port":
                self.cfg.port = int(line[1])
        self.stopping = True
        self.notify()


async def run_client(cfg: Config) -> None:
    with open(cfg.log, "a", encoding="utf-8") as out:  # noqa: ASYNC230 - once, before any load
        load = Load(cfg, out)
        rng = random.Random(cfg.seed)
        async with asyncio.TaskGroup() as tasks:
            for _ in range(cfg.conns):
                tasks.create_task(load.slot(random.Random(rng.random())))
            await load.commands()
        print("done", flush=True)


async def _echo(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
    with contextlib.suppress(OSError):
        while data := await reader.read(READ_SIZE):
            writer.write(data)
            await writer.drain()
        writer.write_eof()
        await writer.drain()
    writer.close()
    with contextlib.suppress(OSError):
        await writer.wait_closed()


async def run_echo() -> None:
    sock = socket.create_server(("127.0.0.1", 0), backlog=1024)
    server = await asyncio.start_server(_echo, sock=sock)
    print(sock.getsockname()[1], flush=True)
    async with server:
        await server.serve_forever()


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    sub = parser.add_subparsers(dest="cmd", required=True)
    sub.add_parser("echo")
    client = sub.add_parser("client")
    client.add_argument("--port", type=int, required=True)
    client.add_argument("--log", required=True)
    client.add_argument("--name", default="load")
    client.add_argument("--conns", type=int, default=60)
    client.add_argument("--rate", type=int, default=32 << 10, help="bytes/s per connection")
    client.add_argument("--min-size", type=int, default=64 << 10)
    client.add_argument("--max-size", type=int, default=512 << 10)
    client.add_argument("--stall", type=float, default=20.0)
    client.add_argument("--seed", type=int, default=1)
    args = parser.parse_args(argv)
    if args.cmd == "echo":
        asyncio.run(run_echo())
        return
    cfg = Config(port=args.port, log=args.log, conns=args.conns, rate=args.rate,
                 min_size=args.min_size, max_size=args.max_size, stall=args.stall,
                 seed=args.seed, name=args.name)  # fmt: skip
    asyncio.run(run_client(cfg))


if __name__ == "__main__":
    main()
