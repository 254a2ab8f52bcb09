"""A TCP forwarder in front of the gateway that can be unplugged: no connection is accepted and the open
ones are cut, as when a phone loses its network.

Chromium's own offline emulation fails a page's navigations before its service worker sees them, so
a reload "offline" is tested with the gateway really out of reach instead.
"""

import contextlib
import socket
import threading


class Plug:
    def __init__(self, target_port: int) -> None:
        self.target = ("127.0.0.1", target_port)
        self.port = 0
        self.listener: socket.socket | None = None
        self.connections: list[socket.socket] = []
        self.lock = threading.Lock()
        self.plugged = False
        self.plug_in()

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def plug_in(self) -> None:
        listener = socket.socket()
        listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        listener.bind(("127.0.0.1", self.port))
        listener.listen(64)
        self.port = listener.getsockname()[1]
        self.listener = listener
        with self.lock:
            self.plugged = True
        threading.Thread(target=self._accept, args=(listener,), daemon=True).start()

    def unplug(self) -> None:
        with self.lock:
            self.plugged = False
            if self.listener is not None:
                self.listener.close()
            for connection in self.connections:
                with contextlib.suppress(OSError):
                    connection.shutdown(socket.SHUT_RDWR)
                connection.close()
            self.connections.clear()

    def _accept(self, listener: socket.socket) -> None:
        while True:
            try:
                client, _ = listener.accept()
            except OSError:
                return  # unplugged
            with self.lock:
                if not self.plugged:  # accepted as it was being unplugged
                    client.close()
                    return
                upstream = socket.create_connection(self.target)
                self.connections += [client, upstream]
            for source, sink in ((client, upstream), (upstream, client)):
                threading.Thread(target=self._pipe, args=(source, sink), daemon=True).start()

    @staticmethod
    def _pipe(source: socket.socket, sink: socket.socket) -> None:
        try:
            while data := source.recv(65536):
                sink.sendall(data)
        except OSError:
            pass
        finally:
            with contextlib.suppress(OSError):
                sink.shutdown(socket.SHUT_WR)
