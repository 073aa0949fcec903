"""The port-forward's local side: bytes are piped both ways, and close() leaves nothing."""

from __future__ import annotations

import socket
import threading

import pytest

from k8slab.portforward import PortForward, pipe


def test_pipe_copies_both_ways_until_a_side_closes():
    client, near = socket.socketpair()
    far, server = socket.socketpair()
    done = threading.Event()
    worker = threading.Thread(target=lambda: (pipe(near, far, threading.Event()), done.set()))
    worker.start()
    client.sendall(b"GET / HTTP/1.0\r\n\r\n")
    assert server.recv(100) == b"GET / HTTP/1.0\r\n\r\n"
    server.sendall(b"HTTP/1.0 200 OK\r\n")
    assert client.recv(100) == b"HTTP/1.0 200 OK\r\n"
    server.close()
    worker.join(timeout=5)
    assert done.is_set()
    for s in (client, near, far):
        s.close()


class Unreachable:
    """A client whose port-forward call fails, as when the pod has gone."""

    def connect_get_namespaced_pod_portforward(self, *args, **kwargs):
        raise ConnectionError("gone")


def test_a_failed_forward_closes_the_connection_and_close_stops_listening():
    forward = PortForward(Unreachable(), "web-0", "default", 80)
    assert forward.url == f"http://127.0.0.1:{forward.local_port}/"
    with socket.create_connection(("127.0.0.1", forward.local_port), timeout=5) as conn:
        conn.settimeout(5)
        assert conn.recv(10) == b""  # closed by the forwarder, not hung
    forward.close()
    with pytest.raises(ConnectionRefusedError):
        socket.create_connection(("127.0.0.1", forward.local_port), timeout=2)
    assert not [t for t in threading.enumerate() if t.name == "k8slab-port-forward"]
