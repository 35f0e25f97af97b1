"""Real TCP services for end-to-end tests, each in its own process.

``python -m tests.helpers.services echo`` runs an echo server that propagates half-close;
``python -m tests.helpers.services http DIR`` runs the stdlib HTTP server on DIR. Both print their
port on the first line of stdout. :func:`start_service` starts one and returns (process, port).
"""

from __future__ import annotations

import contextlib
import functools
import http.server
import socket
import subprocess
import sys
import threading
import urllib.request
from collections.abc import Iterator
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]


def _echo(conn: socket.socket) -> None:
    # A forward whose peer connection was lost resets its connections: not an error here.
    with conn, contextlib.suppress(ConnectionResetError, BrokenPipeError):
        while data := conn.recv(1 << 20):
            conn.sendall(data)
        conn.shutdown(socket.SHUT_WR)


def run_echo() -> None:
    srv = socket.create_server(("127.0.0.1", 0), backlog=128)
    print(srv.getsockname()[1], flush=True)
    while True:
        conn, _ = srv.accept()
        threading.Thread(target=_echo, args=(conn,), daemon=True).start()


def run_http(directory: str) -> None:
    handler = functools.partial(http.server.SimpleHTTPRequestHandler, directory=directory)
    httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    print(httpd.server_address[1], flush=True)
    httpd.serve_forever()


def start_service(kind: str, *args: str) -> tuple[subprocess.Popen[str], int]:
    """Start a service process and return it with its port (read from its first line)."""
    proc = subprocess.Popen(
        [sys.executable, "-m", "tests.helpers.services", kind, *args],
        cwd=REPO,
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
        text=True,
    )
    assert proc.stdout is not None
    line = proc.stdout.readline()
    if not line.strip().isdigit():
        proc.kill()
        raise RuntimeError(f"{kind} service did not start: {line!r}")
    return proc, int(line)


if __name__ == "__main__":
    if sys.argv[1] == "echo":
        run_echo()
    elif sys.argv[1] == "http":
        run_http(sys.argv[2])


@contextlib.contextmanager
def serving_page(folder: Path, page: bytes) -> Iterator[int]:
    """The stdlib HTTP server in its own process serving ``page`` as ``page.html`` from
    ``folder``; yields its port and stops it afterwards."""
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "page.html").write_bytes(page)
    proc, port = start_service("http", str(folder))
    try:
        yield port
    finally:
        proc.kill()
        proc.wait(10)


def fetch_page(port: int) -> bytes:
    """GET ``page.html`` from a local port (blocking: run it in an executor)."""
    with urllib.request.urlopen(f"http://127.0.0.1:{port}/page.html", timeout=20) as reply:
        return bytes(reply.read())
