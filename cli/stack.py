"""`regie up`: a local Prefect server with its UI, every deployment served, stopped together.

Writes stack.json in the data folder so that `regie decide` finds the server to resume waiting runs.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path

from models.facts.db import data_dir

STACK_FILE = "stack.json"
AUTH_FILE = "api-auth"  # user:password for the Prefect API and UI of `regie up`, readable by its owner only
DEPLOYMENTS = ("advance-phase", "inbox", "programme", "record-decision", "reminders", "resume-sweep")


def stack_file() -> Path:
    return data_dir() / STACK_FILE


def api_auth() -> str:
    """The API's user:password, made once and kept in a 0600 file in the (0700) data folder."""
    path = data_dir() / AUTH_FILE
    if path.exists():
        return path.read_text(encoding="utf-8").strip()
    import secrets

    path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
    auth = f"regie:{secrets.token_urlsafe(24)}"
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "w", encoding="utf-8") as handle:
        handle.write(auth + "\n")
    return auth


def use_known_api() -> str | None:
    """Point this process's Prefect client at the known API, with its credentials; None when there is none."""
    from_env = bool(os.environ.get("PREFECT_API_URL"))  # a server of its own (workers): its own credentials
    api = known_api_url()
    if api is None:
        return None
    os.environ["PREFECT_API_URL"] = api
    if not from_env and "PREFECT_API_AUTH_STRING" not in os.environ and (data_dir() / AUTH_FILE).exists():
        os.environ["PREFECT_API_AUTH_STRING"] = api_auth()  # the running `regie up` of this user
    return api


def known_api_url() -> str | None:
    """The Prefect API this machine uses: PREFECT_API_URL, else a running `regie up`."""
    if os.environ.get("PREFECT_API_URL"):
        return os.environ["PREFECT_API_URL"]
    try:
        info = json.loads(stack_file().read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    return info.get("api_url")


def _get_json(url: str, payload: dict | None = None, timeout: float = 2):
    import base64

    data = json.dumps(payload).encode() if payload is not None else None
    headers = {"Content-Type": "application/json"}
    if os.environ.get("PREFECT_API_AUTH_STRING"):
        headers["Authorization"] = "Basic " + base64.b64encode(os.environ["PREFECT_API_AUTH_STRING"].encode()).decode()
    request = urllib.request.Request(url, data=data, headers=headers, method="POST" if data is not None else "GET")
    with urllib.request.urlopen(request, timeout=timeout) as response:
        return json.loads(response.read() or b"null")


def _wait(what: str, check, timeout: float, proc: subprocess.Popen) -> None:
    start = time.monotonic()
    last = -1
    while True:
        if proc.poll() is not None:
            raise RuntimeError(f"{what}: het proces stopte met code {proc.returncode}")
        try:
            if check():
                print(f"  {what}: klaar na {time.monotonic() - start:.0f} s", flush=True)
                return
        except (urllib.error.URLError, OSError, ValueError):
            pass
        waited = int(time.monotonic() - start)
        if waited >= timeout:
            raise RuntimeError(f"{what}: na {timeout:.0f} s nog niet klaar")
        if waited // 10 != last:
            last = waited // 10
            print(f"  {what}: wachten... ({waited} s)", flush=True)
        time.sleep(0.5)


def _stop(procs: list[subprocess.Popen]) -> None:
    """Stop the deployments first (they still talk to the server), then the server; kill what lingers."""
    for proc in reversed(procs):
        if proc.poll() is None:
            try:
                os.killpg(proc.pid, signal.SIGTERM)
            except ProcessLookupError:
                continue
        try:
            proc.wait(20)
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.wait()


def run_stack(host: str = "127.0.0.1", port: int = 4200) -> int:
    base = f"http://{host}:{port}"
    api = f"{base}/api"
    env = os.environ.copy()
    env.setdefault("PREFECT_HOME", str(data_dir() / "prefect"))
    env["PREFECT_API_URL"] = api
    auth = api_auth()  # the API and UI ask for it: nobody records a decision through them anonymously
    env["PREFECT_SERVER_API_AUTH_STRING"] = env["PREFECT_API_AUTH_STRING"] = auth
    os.environ["PREFECT_API_AUTH_STRING"] = auth  # for this process's own calls (_get_json)
    env.setdefault("PREFECT_SERVER_ANALYTICS_ENABLED", "false")
    env.setdefault("PREFECT_RUNNER_POLL_FREQUENCY", "5")
    procs: list[subprocess.Popen] = []
    stopping = {"now": False}

    def on_signal(signum, _frame):
        stopping["now"] = True

    signal.signal(signal.SIGTERM, on_signal)
    signal.signal(signal.SIGINT, on_signal)
    logs = data_dir() / "logs"
    logs.mkdir(parents=True, exist_ok=True)
    print(f"Regie start de lokale Prefect-stack op {base} (logboeken in {logs})", flush=True)
    try:
        with open(logs / "server.log", "ab") as log:  # the child keeps its own handle
            # Prefect's server, with its SQLite writes begun IMMEDIATE (deployments/prefect_server.py says why)
            server = subprocess.Popen(
                [sys.executable, "-m", "deployments.prefect_server", "--host", host, "--port", str(port)],
                env=env, cwd=Path(__file__).resolve().parent.parent, start_new_session=True, stdout=log,
                stderr=subprocess.STDOUT,
            )
        procs.append(server)
        _wait("Prefect-server", lambda: _get_json(f"{api}/health") is True, 180, server)
        root = Path(__file__).resolve().parent.parent
        # the letters as downloads from their artifacts: read-only, 127.0.0.1, behind the stack's own token
        from cli.letters_server import LettersServer
        from models.facts.db import private_data_dir

        letters = LettersServer(private_data_dir() / "brieven", host="127.0.0.1").start()
        env["REGIE_LETTERS_URL"] = letters.url  # the deployments link each letter's PDF to it
        with open(logs / "serve.log", "ab") as log:
            serving = subprocess.Popen([sys.executable, "-m", "deployments.serve"], env=env, cwd=root,
                                       start_new_session=True, stdout=log, stderr=subprocess.STDOUT)
        procs.append(serving)
        names: list[str] = []

        def deployments_listed() -> bool:
            found = _get_json(f"{api}/deployments/filter", {"limit": 50}) or []
            names[:] = sorted(d["name"] for d in found)
            return set(DEPLOYMENTS) <= set(names)  # every one, by name

        _wait("deployments", deployments_listed, 180, serving)
        made = subprocess.run([sys.executable, "-m", "deployments.automations"], env=env, cwd=root,
                              capture_output=True, text=True, timeout=120)
        if made.returncode != 0:  # the stack works without it (the sweep runs every 5 minutes): say so, go on
            print(f"Automatisering niet aangemaakt: {(made.stderr.strip().splitlines() or ['?'])[-1][:200]}",
                  file=sys.stderr, flush=True)
        stack_file().parent.mkdir(parents=True, exist_ok=True)
        stack_file().write_text(json.dumps({"api_url": api, "ui_url": base, "pids": [p.pid for p in procs],
                                            "auth_file": str(data_dir() / AUTH_FILE)}), encoding="utf-8")
        print(f"\nRegie draait. Prefect UI: {base}", flush=True)
        print(f"Inloggen (UI en API): de inhoud van {data_dir() / AUTH_FILE} (alleen voor u leesbaar)", flush=True)
        print(f"Deployments: {', '.join(names)}", flush=True)
        if made.returncode == 0:
            print(made.stdout.strip(), flush=True)
        print("Stoppen: Ctrl-C (stopt de server en alle deployments).", flush=True)
        while not stopping["now"]:
            for proc in procs:
                if proc.poll() is not None:
                    print(f"Een onderdeel stopte onverwacht (code {proc.returncode}); Regie stopt.", file=sys.stderr)
                    return 1
            time.sleep(0.5)
        return 0
    except RuntimeError as exc:
        print(f"regie up: {exc} (zie {logs})", file=sys.stderr)
        return 1
    finally:
        print("Regie stopt...", flush=True)
        _stop(procs)
        try:
            stack_file().unlink()
        except FileNotFoundError:
            pass
        print("Gestopt.", flush=True)
