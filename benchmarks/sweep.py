"""The daily reminder sweep over N programmes, in process: seconds, SQL statements, peak memory.

    python benchmarks/sweep.py --programmes 1000 [--database postgresql+psycopg://...] [--sink]

N copies of inkoop-2026 are loaded into a scratch register (not timed), with a recipients file of
a secretary per college, the procurement lead and the programme office. The sweep runs on
22 October 2024 (a day with reminders due: the go/no-go cut-off, the publication) as a dry run;
with --sink it also really sends, to a local HTTP receiver. Prints one JSON line.
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

from _common import StatementCounter, emit, peak_rss_mb, programme_copies, scratch_register

COLLEGES = ["aalten", "berkelland", "bronckhorst", "doetinchem", "montferland", "oost-gelre",
            "oude-ijsselstreek", "winterswijk"]


class _Sink(BaseHTTPRequestHandler):
    received = 0

    def do_POST(self):  # noqa: N802 - the http.server name
        self.rfile.read(int(self.headers.get("Content-Length", 0)))
        _Sink.received += 1
        self.send_response(200)
        self.end_headers()

    def log_message(self, *args):
        pass


def recipients_file(folder: str, port: int) -> str:
    lines = ["recipients:"]
    for college in COLLEGES:
        lines += [f"  - name: Secretaris {college}", "    role: secretary", f"    body: {college}",
                  f"    urls: [\"json://127.0.0.1:{port}/{college}\"]"]
    lines += ["  - name: Projectleider", "    role: procurement-lead", f"    urls: [\"json://127.0.0.1:{port}/lead\"]",
              "  - name: Programmabureau", "    role: programme-office",
              f"    urls: [\"json://127.0.0.1:{port}/office\"]"]
    path = os.path.join(folder, "recipients.yaml")
    with open(path, "w", encoding="utf-8") as handle:
        handle.write("\n".join(lines) + "\n")
    return path


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--programmes", type=int, default=100)
    parser.add_argument("--database", help="a PostgreSQL URL; default a scratch SQLite file")
    parser.add_argument("--as-of", default="2024-10-22")
    parser.add_argument("--sink", action="store_true", help="also send for real, to a local HTTP receiver")
    args = parser.parse_args()

    import tempfile

    scratch_register(args.database)
    server = ThreadingHTTPServer(("127.0.0.1", 0), _Sink)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    os.environ["REGIE_RECIPIENTS_FILE"] = recipients_file(tempfile.mkdtemp(), server.server_address[1])

    from models.facts.db import get_engine
    from models.access.session import register_session
    from models.access.loader import load_programmes
    from notifications.reminders import remind_all

    with register_session() as session:
        load_programmes(session, programme_copies(args.programmes))
    counter = StatementCounter(get_engine())
    as_of = dt.date.fromisoformat(args.as_of)

    remind_all(as_of, dry_run=True)  # warm: imports, template compilation, the holiday table
    with counter.measure() as box:
        start, cpu = time.perf_counter(), time.process_time()
        rows = remind_all(as_of, dry_run=True)
        seconds, cpu = time.perf_counter() - start, time.process_time() - cpu
    figures = {"programmes": args.programmes, "database": "postgresql" if args.database else "sqlite",
               "as_of": args.as_of, "seconds": round(seconds, 3), "cpu_seconds": round(cpu, 3),
               "statements": box["statements"],
               "rows": len(rows), "would_send": sum(r.status == "would-send" for r in rows)}
    if args.sink:
        with counter.measure() as sent_box:
            start = time.perf_counter()
            sent = remind_all(as_of)
            figures["sink_seconds"] = round(time.perf_counter() - start, 3)
        figures["sink_statements"] = sent_box["statements"]
        figures["sink_sent"] = sum(r.status == "sent" for r in sent)
        figures["sink_received"] = _Sink.received
        with counter.measure() as again:  # the same day once more: all sent, nothing goes out again
            started = time.perf_counter()
            remind_all(as_of)
            figures["resweep_seconds"] = round(time.perf_counter() - started, 3)
        figures["resweep_statements"] = again["statements"]
        figures["received_after_resweep"] = _Sink.received
    figures["peak_rss_mb"] = peak_rss_mb()
    server.shutdown()
    emit(figures)


if __name__ == "__main__":
    main()
