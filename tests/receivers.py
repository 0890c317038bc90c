"""Real receivers on 127.0.0.1 for notification tests: an HTTP server for json:// and an SMTP server."""

from __future__ import annotations

import json
import socket
import threading
from email import message_from_bytes
from email.header import decode_header, make_header
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

from aiosmtpd.controller import Controller
from aiosmtpd.smtp import AuthResult


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class HttpReceiver:
    """Collects JSON posts; `down=True` answers 503 to everything, like a receiver that is out."""

    def __init__(self):
        self.messages: list[dict] = []
        self.down = False
        self.hold = threading.Event()  # cleared: the receiver answers only when released (a slow relay)
        self.hold.set()
        self.waiting = threading.Event()  # set while a request is held
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):  # noqa: N802
                body = self.rfile.read(int(self.headers.get("Content-Length", 0)))
                if not receiver.hold.is_set():
                    receiver.waiting.set()
                    receiver.hold.wait(60)
                if receiver.down:
                    self.send_response(503)
                    self.end_headers()
                    return
                receiver.messages.append({"path": self.path, "headers": dict(self.headers), **json.loads(body)})
                self.send_response(200)
                self.end_headers()

            def log_message(self, *args):
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", free_port()), Handler)
        self.port = self.server.server_address[1]
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    def url(self, path: str = "regie") -> str:
        return f"json://127.0.0.1:{self.port}/{path}"

    def __enter__(self):
        self.thread.start()
        return self

    def __exit__(self, *exc):
        self.server.shutdown()
        self.server.server_close()


class _Collect:
    def __init__(self, sink: list):
        self.sink = sink
        self.down = False

    async def handle_DATA(self, server, session, envelope):  # noqa: N802
        if self.down:
            return "451 4.3.0 Tijdelijk niet beschikbaar"
        msg = message_from_bytes(envelope.content)
        body = msg.get_payload(decode=True) if not msg.is_multipart() else msg.get_payload(0).get_payload(decode=True)
        self.sink.append({
            "from": envelope.mail_from,
            "to": list(envelope.rcpt_tos),
            "subject": str(make_header(decode_header(msg["Subject"] or ""))),
            "message_id": msg["Message-ID"],
            "body": (body or b"").decode("utf-8", "replace"),
        })
        return "250 OK"


class SmtpReceiver:
    """An SMTP server that wants a login (user regie, password geheim), as a real relay would."""

    def __init__(self):
        self.messages: list[dict] = []
        self.logins: list[str] = []
        self.port = free_port()
        self.handler = _Collect(self.messages)
        self.controller = Controller(
            self.handler, hostname="127.0.0.1", port=self.port,
            authenticator=self._authenticate, auth_require_tls=False,
        )

    def _authenticate(self, server, session, envelope, mechanism, auth_data):
        ok = auth_data.login == b"regie" and auth_data.password == b"geheim"
        self.logins.append(auth_data.login.decode())
        return AuthResult(success=ok)

    @property
    def down(self) -> bool:
        return self.handler.down

    @down.setter
    def down(self, value: bool) -> None:
        self.handler.down = value

    def url(self, to: str) -> str:
        return f"mailto://regie:geheim@127.0.0.1:{self.port}?from=regie@sda.test&to={to}&mode=insecure"

    def __enter__(self):
        self.controller.start()
        return self

    def __exit__(self, *exc):
        self.controller.stop()
