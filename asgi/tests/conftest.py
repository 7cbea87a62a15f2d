"""Starting servers on loopback for the tests, and stopping them."""

import os
import socket
import subprocess
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.normpath(os.path.join(HERE, "..", ".."))


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_port(port, proc, seconds=30):
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise RuntimeError(f"the server exited with {proc.returncode}: {proc.args}")
        try:
            socket.create_connection(("127.0.0.1", port), timeout=1).close()
            return
        except OSError:
            time.sleep(0.1)
    raise RuntimeError(f"nothing listens on {port} after {seconds} s: {proc.args}")


class Processes:
    """Processes started by one test, all stopped at its end."""

    def __init__(self):
        self.procs = []

    def start(self, args, port, env=None, **kwargs):
        proc = subprocess.Popen(args, env={**os.environ, **(env or {})}, **kwargs)
        self.procs.append(proc)
        wait_port(port, proc)
        return proc

    def serve(self, mode, server, port, *extra):
        return self.start([sys.executable, os.path.join(HERE, "serve.py"), mode, server, str(port), *extra], port)

    def stop(self):
        for proc in self.procs:
            proc.terminate()
        for proc in self.procs:
            try:
                proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait()


def proxy_bin():
    """The proxy binary the runner built (scripts/asgi_test.sh sets it)."""
    path = os.environ.get("OMR_PROXY_BIN") or os.path.join(ROOT, "target", "debug", "oauth-metadata-repair")
    if not os.access(path, os.X_OK):
        raise RuntimeError(f"no proxy binary at {path}: build it (cargo build -p oauth-metadata-repair-cli) or set OMR_PROXY_BIN")
    return path
