"""Forward a local port to a pod's port through the API server (like `kubectl port-forward`)."""

from __future__ import annotations

import contextlib
import select
import socket
import threading


class PortForward:
    """Listens on 127.0.0.1:`local_port` (0: any free one); each connection is piped to the
    pod's `port` over the API server. Use as a context manager, or call close()."""

    def __init__(self, core, pod: str, namespace: str, port: int, local_port: int = 0):
        self._core, self.pod, self.namespace, self.port = core, pod, namespace, port
        self._server = socket.create_server(("127.0.0.1", local_port))
        self._server.settimeout(0.5)
        self.local_port: int = self._server.getsockname()[1]
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._serve, name="k8slab-port-forward",
                                        daemon=True)
        self._thread.start()

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.local_port}/"

    def __repr__(self) -> str:
        return f"<port-forward 127.0.0.1:{self.local_port} -> pod/{self.pod}:{self.port}>"

    def __enter__(self) -> PortForward:
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    def close(self) -> None:
        """Stop listening and end the open connections."""
        self._stop.set()
        self._server.close()
        self._thread.join(timeout=2)

    def _serve(self) -> None:
        while not self._stop.is_set():
            try:
                client, _ = self._server.accept()
            except TimeoutError:
                continue
            except OSError:  # closed
                return
            threading.Thread(target=self._pipe, args=(client,), daemon=True,
                             name="k8slab-port-forward-connection").start()

    def _pipe(self, client: socket.socket) -> None:
        from kubernetes.stream import portforward

        forward = None
        try:
            forward = portforward(self._core.connect_get_namespaced_pod_portforward, self.pod,
                                  self.namespace, ports=str(self.port))
            remote = forward.socket(self.port)
            remote.setblocking(True)
            pipe(client, remote, self._stop)
        except Exception:  # the pod went away or refused: the client sees the socket close
            pass
        finally:
            client.close()
            if forward is not None:
                with contextlib.suppress(Exception):
                    forward.close()


def pipe(a: socket.socket, b: socket.socket, stop: threading.Event) -> None:
    """Copy bytes both ways until either side closes or `stop` is set."""
    while not stop.is_set():
        readable, _, _ = select.select([a, b], [], [], 0.5)
        for source in readable:
            data = source.recv(65536)
            if not data:
                return
            (b if source is a else a).sendall(data)
