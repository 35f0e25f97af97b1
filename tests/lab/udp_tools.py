"""Tiny stdlib network tools the NAT lab runs inside its namespaces (``ip netns exec … python …``).

``serve --udp PORT --tcp PORT``
    "what is my source address": answers every UDP datagram with ``ip:port`` of its sender, and
    every TCP connection with ``ip:port\\n`` of the peer; prints ``ready`` once bound.
``agent``
    one UDP socket driven by JSON lines on stdin, one JSON line answer per command on stdout:
    ``{"op": "probe", "servers": [[ip, port], …], "timeout": s}`` →
    ``{"port": local_port, "mapped": {"ip:port": "mapped_ip:mapped_port" | null}}``;
    ``{"op": "punch", "peer": [ip, port], "timeout": s}`` → sends to ``peer`` every 50 ms until a
    datagram from exactly ``peer`` arrives (then sends 5 more so the other side hears it too) →
    ``{"ok": bool, "got": text | null, "from": "ip:port" | null}``;
    ``{"op": "tcp", "server": [ip, port], "local_port": p}`` → ``{"seen_as": "ip:port",
    "local_port": int}`` (``local_port`` optional; bound with SO_REUSEADDR/SO_REUSEPORT);
    ``{"op": "tcp-punch", "local_port": p, "peer": [ip, port], "timeout": s}`` → connects from
    ``p`` to ``peer`` again and again (TCP simultaneous open) until one connection exchanges a
    line → ``{"ok": bool, "errors": [...]}``; ``peer`` may be an IPv6 address.
"""

from __future__ import annotations

import argparse
import json
import selectors
import socket
import sys
import time


def serve(udp_port: int, tcp_port: int) -> None:
    udp = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    udp.bind(("0.0.0.0", udp_port))
    tcp = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    tcp.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    tcp.bind(("0.0.0.0", tcp_port))
    tcp.listen(16)
    sel = selectors.DefaultSelector()
    sel.register(udp, selectors.EVENT_READ)
    sel.register(tcp, selectors.EVENT_READ)
    print("ready", flush=True)
    while True:
        for key, _ in sel.select():
            if key.fileobj is udp:
                _, (ip, port) = udp.recvfrom(2048)
                udp.sendto(f"{ip}:{port}".encode(), (ip, port))
            else:
                conn, (ip, port) = tcp.accept()
                with conn:
                    conn.sendall(f"{ip}:{port}\n".encode())


def probe(sock: socket.socket, servers: list[list[object]], timeout: float) -> dict[str, object]:
    targets = {(str(ip), int(str(port))) for ip, port in servers}
    mapped: dict[tuple[str, int], str] = {}
    deadline = time.monotonic() + timeout
    next_send = 0.0
    while len(mapped) < len(targets) and time.monotonic() < deadline:
        now = time.monotonic()
        if now >= next_send:
            for t in targets - mapped.keys():
                sock.sendto(b"whoami", t)
            next_send = now + 0.2
        sock.settimeout(max(0.01, min(next_send, deadline) - time.monotonic()))
        try:
            data, src = sock.recvfrom(2048)
        except TimeoutError:
            continue
        if src in targets:
            mapped[src] = data.decode()
    return {
        "port": sock.getsockname()[1],
        "mapped": {f"{ip}:{port}": mapped.get((ip, port)) for ip, port in sorted(targets)},
    }


def punch(sock: socket.socket, peer: tuple[str, int], timeout: float) -> dict[str, object]:
    deadline = time.monotonic() + timeout
    got: tuple[str, str] | None = None
    extra = 5
    next_send = 0.0
    while time.monotonic() < deadline and extra > 0:
        now = time.monotonic()
        if now >= next_send:
            sock.sendto(f"punch from port {sock.getsockname()[1]}".encode(), peer)
            next_send = now + 0.05
            if got:
                extra -= 1
        sock.settimeout(max(0.01, min(next_send, deadline) - time.monotonic()))
        try:
            data, src = sock.recvfrom(2048)
        except TimeoutError:
            continue
        if src == peer and got is None:
            got = (data.decode(), f"{src[0]}:{src[1]}")
    return {"ok": got is not None, "got": got and got[0], "from": got and got[1]}


def _tcp_socket(local_port: int, *, ipv6: bool = False) -> socket.socket:
    sock = socket.socket(socket.AF_INET6 if ipv6 else socket.AF_INET, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEPORT, 1)
    sock.bind(("::" if ipv6 else "0.0.0.0", local_port))
    return sock


def tcp_whoami(server: tuple[str, int], local_port: int = 0) -> dict[str, object]:
    conn = _tcp_socket(local_port)
    conn.settimeout(3)
    conn.connect(server)
    with conn:
        local_port = conn.getsockname()[1]
        data = b""
        while not data.endswith(b"\n"):
            chunk = conn.recv(256)
            if not chunk:
                break
            data += chunk
    return {"seen_as": data.decode().strip(), "local_port": local_port}


def tcp_punch(local_port: int, peer: tuple[str, int], timeout: float) -> dict[str, object]:
    """TCP simultaneous open: connect from ``local_port`` to ``peer`` until it works.

    ``peer`` may be IPv6 (then the socket is IPv6 too).
    """
    deadline = time.monotonic() + timeout
    errors: list[str] = []
    while time.monotonic() < deadline:
        sock = _tcp_socket(local_port, ipv6=":" in peer[0])
        sock.settimeout(max(0.05, deadline - time.monotonic()))
        try:
            sock.connect(peer)
            sock.sendall(b"hello\n")
            data = sock.recv(64)
            return {"ok": data == b"hello\n", "errors": errors[-3:]}
        except OSError as exc:
            errors.append(type(exc).__name__)
        finally:
            sock.close()
        time.sleep(0.1)
    return {"ok": False, "errors": errors[-3:]}


def agent() -> None:
    sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    sock.bind(("0.0.0.0", 0))
    print(json.dumps({"ready": True, "port": sock.getsockname()[1]}), flush=True)
    for line in sys.stdin:
        cmd = json.loads(line)
        timeout = float(cmd.get("timeout", 2.0))
        if cmd["op"] == "probe":
            out = probe(sock, cmd["servers"], timeout)
        elif cmd["op"] == "punch":
            out = punch(sock, (cmd["peer"][0], int(cmd["peer"][1])), timeout)
        elif cmd["op"] == "tcp":
            try:
                server = (cmd["server"][0], int(cmd["server"][1]))
                out = tcp_whoami(server, int(cmd.get("local_port", 0)))
            except OSError as exc:
                out = {"error": repr(exc)}
        elif cmd["op"] == "tcp-punch":
            peer = (cmd["peer"][0], int(cmd["peer"][1]))
            out = tcp_punch(int(cmd["local_port"]), peer, timeout)
        else:
            out = {"error": f"unknown op {cmd['op']}"}
        print(json.dumps(out), flush=True)


def main() -> None:
    parser = argparse.ArgumentParser()
    sub = parser.add_subparsers(dest="cmd", required=True)
    s = sub.add_parser("serve")
    s.add_argument("--udp", type=int, default=3478)
    s.add_argument("--tcp", type=int, default=3479)
    sub.add_parser("agent")
    args = parser.parse_args()
    if args.cmd == "serve":
        serve(args.udp, args.tcp)
    else:
        agent()


if __name__ == "__main__":
    main()
