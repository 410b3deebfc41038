"""Model servers that misbehave, on a loopback port: the faults a real endpoint shows that a cassette
cannot (a connection that never answers, a body that never ends, a server that goes away).

Each is a raw socket server in a thread, so the client's real HTTP stack meets the real fault.
Used by tests/test_model_faults.py and benchmarks/model_faults.py.
"""

from __future__ import annotations

import contextlib
import json
import socket
import threading
import time
from collections.abc import Callable

Behaviour = Callable[[socket.socket], None]


def _read_request(conn: socket.socket) -> None:
    """Read the request's head and its body (by Content-Length), so the client has sent it all."""
    data = b""
    while b"\r\n\r\n" not in data:
        chunk = conn.recv(65536)
        if not chunk:
            return
        data += chunk
    head, _, body = data.partition(b"\r\n\r\n")
    length = next(
        (int(line.split(b":")[1]) for line in head.split(b"\r\n") if line.lower().startswith(b"content-length")), 0
    )
    while len(body) < length:
        chunk = conn.recv(65536)
        if not chunk:
            return
        body += chunk


def silent(conn: socket.socket) -> None:
    """Accepts the connection and the request, and never answers."""
    _read_request(conn)
    time.sleep(3600)


def trickle(conn: socket.socket) -> None:
    """Answers 200 at once, then sends a byte of body every 0.2 s, for ever (no read ever times out)."""
    _read_request(conn)
    conn.sendall(b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nTransfer-Encoding: chunked\r\n\r\n")
    while True:
        conn.sendall(b"1\r\n \r\n")
        time.sleep(0.2)


def html(conn: socket.socket) -> None:
    """A 200 whose body is a web page (a proxy's login page, a misconfigured endpoint)."""
    _read_request(conn)
    body = b"<html><body><h1>Welcome</h1><p>Please sign in.</p></body></html>"
    conn.sendall(b"HTTP/1.1 200 OK\r\nContent-Type: text/html\r\nContent-Length: %d\r\n\r\n%s" % (len(body), body))


def endless(conn: socket.socket) -> None:
    """A 200 JSON answer that streams far more than max_tokens could produce, as fast as it can."""
    _read_request(conn)
    conn.sendall(b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: 500000000\r\n\r\n")
    head = json.dumps(
        {
            "id": "x",
            "object": "chat.completion",
            "choices": [{"index": 0, "message": {"role": "assistant", "content": "' "}}],
        }
    ).encode()
    conn.sendall(head[:-20])
    block = b"9" * 65536
    while True:
        conn.sendall(block)


class Server:
    """A loopback server answering every connection with `behaviour`; `stop()` makes it go away."""

    def __init__(self, behaviour: Behaviour) -> None:
        self.behaviour = behaviour
        self.sock = socket.create_server(("127.0.0.1", 0))
        self.port = self.sock.getsockname()[1]
        self.url = f"http://127.0.0.1:{self.port}/v1"
        self.requests = 0
        self.conns: list[socket.socket] = []
        threading.Thread(target=self._serve, daemon=True).start()

    def _serve(self) -> None:
        while True:
            try:
                conn, _ = self.sock.accept()
            except OSError:
                return
            self.requests += 1
            self.conns.append(conn)
            threading.Thread(target=self._handle, args=(conn,), daemon=True).start()

    def _handle(self, conn: socket.socket) -> None:
        try:
            self.behaviour(conn)
        except OSError:
            pass
        finally:
            conn.close()

    def stop(self) -> None:
        """The server goes away: the listening socket and every open connection are closed."""
        self.sock.close()
        for conn in self.conns:
            with contextlib.suppress(OSError):
                conn.shutdown(socket.SHUT_RDWR)


def goes_away_after(n: int) -> tuple[Server, Behaviour]:
    """A server that answers like `silent` and goes away once it has had `n` requests."""
    box: dict[str, Server] = {}

    def behaviour(conn: socket.socket) -> None:
        _read_request(conn)
        if box["server"].requests >= n:
            box["server"].stop()
        time.sleep(3600)

    box["server"] = Server(behaviour)
    return box["server"], behaviour
