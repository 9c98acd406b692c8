"""The supervisor's hold on the port: refused where a server listens, shared only with
its own workers (SO_REUSEPORT), and free again for it right after a server stopped."""

from __future__ import annotations

import socket

import pytest

from shared.workers import reserve_port


def _listening(port: int = 0, reuse_port: bool = False) -> socket.socket:
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    if reuse_port:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEPORT, 1)
    sock.bind(("127.0.0.1", port))
    sock.listen()
    return sock


def test_a_port_another_server_listens_on_is_refused() -> None:
    with _listening() as other, pytest.raises(SystemExit, match="cannot serve"):
        reserve_port("127.0.0.1", other.getsockname()[1])


def test_a_server_sharing_its_port_is_refused_too() -> None:
    with _listening(reuse_port=True) as other, pytest.raises(SystemExit, match="cannot serve"):
        reserve_port("127.0.0.1", other.getsockname()[1])


def test_workers_bind_beside_the_reservation_and_a_stopped_server_leaves_it_free() -> None:
    held = reserve_port("127.0.0.1", 0)
    port = held.getsockname()[1]
    try:
        with _listening(port, reuse_port=True), _listening(port, reuse_port=True):
            pass
        # Both workers gone (as after a restart): the port can be held again.
        held.close()
        # A connection closed by its server leaves the port in TIME_WAIT, not held.
        with _listening(port) as server:
            client = socket.create_connection(("127.0.0.1", port))
            accepted, _ = server.accept()
            accepted.close()
            client.close()
        reserve_port("127.0.0.1", port).close()
    finally:
        held.close()
