"""Generic helpers for tests that run real processes on loopback ports."""

import os
import signal
import socket
import subprocess
import time


def free_port(host: str = "127.0.0.1") -> int:
    """A TCP port nobody listens on right now (the OS picks it)."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind((host, 0))
        return sock.getsockname()[1]


def wait_for_port(
    port: int,
    host: str = "127.0.0.1",
    timeout: float = 30,
    process: subprocess.Popen | None = None,
) -> None:
    """Wait until something accepts connections on host:port.

    With `process`, give up as soon as that process has exited.
    """
    deadline = time.monotonic() + timeout
    while True:
        try:
            with socket.create_connection((host, port), timeout=1):
                return
        except OSError:
            pass
        if process is not None and process.poll() is not None:
            raise RuntimeError(
                f"process exited with {process.returncode} before {host}:{port} opened"
            )
        if time.monotonic() > deadline:
            raise TimeoutError(f"nothing listens on {host}:{port} after {timeout} s")
        time.sleep(0.1)


def stop_process(process: subprocess.Popen, timeout: float = 20) -> None:
    """SIGTERM, then SIGKILL to its whole process group if it is still there."""
    if process.poll() is None:
        process.terminate()
        try:
            process.wait(timeout)
        except subprocess.TimeoutExpired:
            try:
                os.killpg(process.pid, signal.SIGKILL)
            except (ProcessLookupError, PermissionError):
                process.kill()
    process.wait()
    # Children of a killed prefork parent may linger in its group: remove them too.
    try:
        os.killpg(process.pid, signal.SIGKILL)
    except (ProcessLookupError, PermissionError):
        pass


class TcpProxy:
    """Forwards TCP connections from 127.0.0.1:``port`` to 127.0.0.1:``target``: a service
    that "comes back" on a port where nothing listened (start), or goes away (stop: the
    listening socket and every forwarded connection are closed)."""

    def __init__(self, port: int, target: int) -> None:
        self.port, self.target = port, target
        self._sockets: list[socket.socket] = []
        self._listener: socket.socket | None = None

    def start(self) -> "TcpProxy":
        import threading

        listener = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        listener.bind(("127.0.0.1", self.port))
        listener.listen()
        self._listener = listener

        def pump(source: socket.socket, sink: socket.socket) -> None:
            try:
                while data := source.recv(65536):
                    sink.sendall(data)
            except OSError:
                pass
            for end in (source, sink):
                try:
                    end.shutdown(socket.SHUT_RDWR)
                except OSError:
                    pass

        def accept() -> None:
            while True:
                try:
                    client, _address = listener.accept()
                except OSError:
                    return  # stopped
                upstream = socket.create_connection(("127.0.0.1", self.target))
                self._sockets += [client, upstream]
                for pair in ((client, upstream), (upstream, client)):
                    threading.Thread(target=pump, args=pair, daemon=True).start()

        threading.Thread(target=accept, daemon=True).start()
        return self

    def stop(self) -> None:
        if self._listener is not None:
            self._listener.close()
        for sock in self._sockets:
            try:
                sock.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass
            sock.close()
        self._sockets.clear()
