"""Pieces shared by the benchmarks: threaded TCP services on loopback and a timed upload."""

from __future__ import annotations

import socket
import threading
import time

CHUNK = 1 << 20


def serve(handler, stop: threading.Event) -> int:
    """Run a threaded TCP server on 127.0.0.1; returns its port."""
    srv = socket.create_server(("127.0.0.1", 0), backlog=256)
    srv.settimeout(0.2)

    def loop() -> None:
        while not stop.is_set():
            try:
                conn, _ = srv.accept()
            except TimeoutError:
                continue
            threading.Thread(target=handler, args=(conn,), daemon=True).start()
        srv.close()

    threading.Thread(target=loop, daemon=True).start()
    return srv.getsockname()[1]


def sink(conn: socket.socket) -> None:
    """Read to EOF, then reply with the byte count (proves every byte arrived)."""
    total = 0
    with conn:
        while data := conn.recv(CHUNK):
            total += len(data)
        conn.sendall(str(total).encode())


def echo(conn: socket.socket) -> None:
    with conn:
        while data := conn.recv(CHUNK):
            conn.sendall(data)


def upload_mb_s(port: int, size: int) -> float:
    block = b"\xa5" * CHUNK
    start = time.perf_counter()
    with socket.create_connection(("127.0.0.1", port)) as s:
        sent = 0
        while sent < size:
            s.sendall(block)
            sent += len(block)
        s.shutdown(socket.SHUT_WR)
        reply = b""
        while data := s.recv(64):
            reply += data
    elapsed = time.perf_counter() - start
    if int(reply or b"0") != sent:
        raise SystemExit(f"sink got {reply!r} bytes, sent {sent}")
    return sent / elapsed / 1e6
