"""What the loopback model stand-ins (model_stub.py, model_stub_openai.py,
model_stub_gemini.py) share: the record file, the HTTP server on 127.0.0.1
and the small pieces of each answer.

    from model_stub_base import StubHandler, record, serve
"""

import json
import sys
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

lock = threading.Lock()


def record(path, entry):
    """Appends ENTRY to the record file PATH as one JSON line."""
    with lock, open(path, "a") as f:
        f.write(json.dumps(entry) + "\n")


def sse(events):
    """The body of a server-sent event stream of (name, event) pairs."""
    return "".join(f"event: {name}\ndata: {json.dumps(event)}\n\n" for name, event in events).encode()


class StubHandler(BaseHTTPRequestHandler):
    """A quiet HTTP/1.1 handler that records every GET and answers it with
    NOT_FOUND, the API's own error body; subclasses add do_POST."""

    protocol_version = "HTTP/1.1"
    NOT_FOUND = b'{"error": "stub"}'

    def log_message(self, *args):
        pass

    def send(self, status, content_type, data):
        self.send_response(status)
        self.send_header("content-type", content_type)
        self.send_header("content-length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def record(self, entry):
        record(self.server.record_file, entry)

    def not_found(self):
        self.send(404, "application/json", self.NOT_FOUND)

    def read_json(self):
        """The request's JSON body; {} when it is empty or not JSON."""
        length = int(self.headers.get("content-length") or 0)
        try:
            return json.loads(self.rfile.read(length) or b"{}")
        except ValueError:
            return {}

    def do_GET(self):
        self.record({"method": "GET", "path": self.path})
        self.not_found()


def serve(handler):
    """Serves HANDLER on 127.0.0.1:argv[1], recording to argv[2], forever."""
    server = ThreadingHTTPServer(("127.0.0.1", int(sys.argv[1])), handler)
    server.record_file = sys.argv[2]
    server.serve_forever()
