"""A TCP relay between the bot and the stand-in's Socket Mode server that can cut connections.

Why: the failures that hurt Socket Mode happen between the two ends. A NAT or load balancer
that forgets a flow, or a pulled cable, leaves both sockets open while nothing arrives any more;
only the client's own ping can notice. A server process that dies closes the socket at once.
The relay forwards bytes both ways and, on ``cut``, either goes silent (drops everything,
closes nothing) or closes both sides. Connections made after a cut work normally.
"""

from __future__ import annotations

import contextlib
import logging
import socket
import threading
from typing import Self

log = logging.getLogger("tests.standin.relay")


class _Link:
    """One relayed connection: two pump threads, one per direction."""

    def __init__(self, client: socket.socket, upstream: socket.socket) -> None:
        self.client, self.upstream = client, upstream
        self.silent = False
        for src, dst in ((client, upstream), (upstream, client)):
            threading.Thread(target=self._pump, args=(src, dst), daemon=True).start()

    def _pump(self, src: socket.socket, dst: socket.socket) -> None:
        try:
            while data := src.recv(65536):
                if not self.silent:
                    dst.sendall(data)
        except OSError:
            pass  # the other pump or close() shut the socket
        if not self.silent:
            self.close()

    def close(self) -> None:
        for sock in (self.client, self.upstream):
            with contextlib.suppress(OSError):
                sock.shutdown(socket.SHUT_RDWR)  # wakes the pump blocked in recv()
            sock.close()


class TcpRelay:
    """Listens on 127.0.0.1:<random port> and relays each connection to ``target``."""

    def __init__(self, target: tuple[str, int], host: str = "127.0.0.1") -> None:
        self.target, self.host = target, host
        self._listener: socket.socket | None = None
        self._links: list[_Link] = []
        self._cut: list[_Link] = []
        """Silently cut links: their sockets stay open until ``stop``, as in a black hole."""
        self._lock = threading.Lock()

    def start(self) -> Self:
        listener = socket.create_server((self.host, 0))
        self._listener = listener
        threading.Thread(target=self._accept, args=(listener,), daemon=True).start()
        return self

    def stop(self) -> None:
        listener, self._listener = self._listener, None
        if listener is not None:
            listener.close()
        self.cut(silently=False)
        with self._lock:
            silent, self._cut = self._cut, []
        for link in silent:
            link.close()

    @property
    def port(self) -> int:
        if self._listener is None:
            raise RuntimeError("TcpRelay is not started")
        return int(self._listener.getsockname()[1])

    def cut(self, *, silently: bool) -> int:
        """Cut every current connection; returns how many. ``silently``: drop, never close."""
        with self._lock:
            links, self._links = self._links, []
            if silently:
                self._cut += links
        for link in links:
            if silently:
                link.silent = True
            else:
                link.close()
        return len(links)

    def _accept(self, listener: socket.socket) -> None:
        while True:
            try:
                client, _ = listener.accept()
            except OSError:
                return  # stop() closed the listener
            try:
                upstream = socket.create_connection(self.target, timeout=5)
            except OSError:
                log.warning("relay could not reach %s", self.target)
                client.close()
                continue
            upstream.settimeout(None)
            for sock in (client, upstream):
                sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
            with self._lock:
                self._links.append(_Link(client, upstream))
