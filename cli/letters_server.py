"""The letters as downloads, for the Prefect UI: a small read-only file server that `regie up` runs beside
Prefect, on 127.0.0.1 only, serving the letters folder and nothing else.

The letters hold scores: a link works only with the stack's own random token in its path (the links stand
in the letters' artifacts, which only who may log in to the UI can read), only for a PDF or HTML file
inside the letters folder, and only for reading. `regie up` passes the address to the deployments it
serves (REGIE_LETTERS_URL), and the letters' artifacts link each PDF to it.
"""

from __future__ import annotations

import secrets
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import unquote, urlsplit

TYPES = {".pdf": "application/pdf", ".html": "text/html; charset=utf-8"}


class LettersServer:
    def __init__(self, root: Path, host: str = "127.0.0.1", port: int = 0, token: str | None = None):
        self.root = root.resolve()
        self.token = token or secrets.token_urlsafe(24)
        server = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self):  # noqa: N802 - the http.server name
                path = server.file_for(self.path)
                if path is None:
                    self.send_error(404, "niet gevonden")
                    return
                body = path.read_bytes()
                self.send_response(200)
                self.send_header("Content-Type", TYPES[path.suffix])
                if path.suffix == ".pdf":
                    self.send_header("Content-Disposition", f'attachment; filename="{path.name}"')
                self.send_header("Content-Length", str(len(body)))
                self.send_header("Cache-Control", "no-store")
                self.send_header("X-Content-Type-Options", "nosniff")
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, *args):  # the paths name providers: not in any log
                pass

        self.httpd = ThreadingHTTPServer((host, port), Handler)
        self.httpd.daemon_threads = True
        self.thread = threading.Thread(target=self.httpd.serve_forever, daemon=True)

    @property
    def url(self) -> str:
        host, port = self.httpd.server_address[:2]
        return f"http://{host}:{port}/{self.token}"

    def file_for(self, request_path: str) -> Path | None:
        """The file a request asks for, if it may be given: the token first, then a PDF or HTML file that
        lies inside the letters folder (no '..', no link out of it)."""
        parts = [unquote(p) for p in urlsplit(request_path).path.split("/") if p]
        if len(parts) < 2 or not secrets.compare_digest(parts[0], self.token):
            return None
        if any(p in (".", "..") or "\x00" in p for p in parts[1:]):
            return None
        path = self.root.joinpath(*parts[1:])
        try:
            real = path.resolve(strict=True)
        except (OSError, RuntimeError):
            return None
        if not real.is_relative_to(self.root) or not real.is_file() or real.suffix not in TYPES:
            return None
        return real

    def start(self) -> LettersServer:
        self.thread.start()
        return self

    def stop(self) -> None:
        self.httpd.shutdown()
        self.httpd.server_close()

