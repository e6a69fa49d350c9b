"""A partner's webhook receiver for tests: a real HTTP server on 127.0.0.1 in a thread of the test process."""

from __future__ import annotations

import threading
import time
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer


@dataclass
class Received:
    path: str
    headers: dict[str, str]
    body: bytes
    answered: int | None = None  # the status code sent back, None when the request was never answered


@dataclass
class Receiver:
    """Answers each POST with the next status of ``script`` (then ``default``), and records every request.

    ``delay`` makes every answer wait; ``hold`` makes the next request wait (unanswered) until ``release`` is set:
    ``held`` is set once it arrived.
    """

    script: list[int] = field(default_factory=list)
    default: int = 200
    answer_body: bytes = b"ok"
    received: list[Received] = field(default_factory=list)
    hold: bool = False
    delay: float = 0.0  # seconds each answer waits
    held: threading.Event = field(default_factory=threading.Event)
    release: threading.Event = field(default_factory=threading.Event)

    def __post_init__(self):
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):  # noqa: N802 - the name http.server calls
                length = int(self.headers.get("Content-Length") or 0)
                entry = Received(self.path, dict(self.headers.items()), self.rfile.read(length))
                receiver.received.append(entry)
                if receiver.hold:
                    receiver.hold = False
                    receiver.held.set()
                    receiver.release.wait(60)
                    self.close_connection = True
                    return  # the sender was killed meanwhile: nobody to answer
                if receiver.delay:
                    time.sleep(receiver.delay)
                status = receiver.script.pop(0) if receiver.script else receiver.default
                self.send_response(status)
                self.send_header("Content-Type", "text/plain")
                self.send_header("Content-Length", str(len(receiver.answer_body)))
                self.end_headers()
                self.wfile.write(receiver.answer_body)
                entry.answered = status

            def log_message(self, format, *args):  # noqa: A002 - http.server's signature
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.server.server_address[1]}/hooks/mobility"

    def stop(self) -> None:
        self.release.set()
        self.server.shutdown()
        self.server.server_close()
