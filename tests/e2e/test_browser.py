"""The Prefect UI served by `regie up`, in a real browser (Debian's Chromium, headless, driven by
Playwright): a secretary works her college's inbox, the programme office reads the programme run.

CI installs Chromium (.ci/run); on a machine without it this test is skipped, saying so. The
browser is waited on for what a person would look for (a link, a badge, a text), never for the
network to fall quiet: the Prefect UI polls all the time.
"""

from __future__ import annotations

import json
import os
import shutil
from pathlib import Path

import pytest

from tests.e2e.test_stack import Stack
from tests.flows.helpers import describe_runs, record_all, wait_until
from tests.receivers import free_port

pytestmark = pytest.mark.slow
CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
INBOX = "Besluitvorming door colleges: go/no-go - het college van Winterswijk"


def _needs_browser():
    if not Path(CHROMIUM).exists():
        if os.environ.get("CI"):
            pytest.fail("Chromium is required in CI (.ci/run installs it)")
        pytest.skip("no Chromium on this machine (apt-get install chromium)")
    return pytest.importorskip("playwright.sync_api")


def test_a_secretary_and_the_programme_office_in_the_prefect_ui(tmp_path, monkeypatch):
    playwright = _needs_browser()
    monkeypatch.setenv("REGIE_DATABASE_URL", f"sqlite:///{tmp_path / 'regie.db'}")
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path / "xdg"))
    record_all(skip={("go-no-go", "winterswijk"), ("go-no-go", "montferland")})
    env = {k: v for k, v in os.environ.items() if k != "PREFECT_API_URL"}
    env.update(PREFECT_RUNNER_POLL_FREQUENCY="2", PREFECT_HOME=str(tmp_path / "prefect"))
    stack = Stack(env, free_port())
    try:
        wait_until(lambda: "Regie draait" in stack.output() or stack.proc.poll() is not None, 600, "regie up",
                   seen=lambda: stack.output()[-2000:])
        assert "Regie draait" in stack.output(), stack.output()
        info = json.loads((tmp_path / "xdg" / "regie" / "stack.json").read_text())
        auth = Path(info["auth_file"]).read_text().strip()

        from prefect.deployments import run_deployment
        from prefect.settings import PREFECT_API_AUTH_STRING, PREFECT_API_URL, temporary_settings

        with temporary_settings({PREFECT_API_URL: info["api_url"], PREFECT_API_AUTH_STRING: auth}):
            run = run_deployment("regie-programma/programme", parameters={"programme": "inkoop-2026"}, timeout=0)
            wait_until(lambda: _inbox("winterswijk", "Suspended"), 600, "Winterswijk's inbox to wait",
                       seen=lambda: _seen(tmp_path))
            with playwright.sync_playwright() as p:
                browser = p.chromium.launch(executable_path=CHROMIUM, args=[
                    "--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking"])
                page = browser.new_context(viewport={"width": 1440, "height": 1400}).new_page()
                page.set_default_timeout(180_000)  # a ceiling for a loaded machine; every wait is on a sight
                try:
                    _walk(page, info["ui_url"], auth, run, lambda: _seen(tmp_path))
                except Exception:
                    page.screenshot(path=str(tmp_path / "failure.png"), full_page=True)  # what the browser saw
                    raise
                finally:
                    browser.close()
    finally:
        stack.stop()


def _inbox(college: str, state: str | None = None):
    """The college's inbox run (through the API), when it is in `state` (any final state: 'final')."""
    from prefect import get_client
    from prefect.client.schemas.filters import FlowRunFilter, FlowRunFilterTags

    with get_client(sync_client=True) as client:
        found = client.read_flow_runs(flow_run_filter=FlowRunFilter(tags=FlowRunFilterTags(all_=[f"college:{college}"])))
    if not found:
        return None
    if state == "final":
        return found[0] if found[0].state.is_final() else None
    return found[0] if state is None or found[0].state.name == state else None


def _seen(tmp_path) -> str:
    """What the stack shows: every run with its state (the last log lines of those not done), and the
    tail of the served deployments' log."""
    serve_log = tmp_path / "xdg" / "regie" / "logs" / "serve.log"
    tail = serve_log.read_text(errors="replace")[-1500:] if serve_log.exists() else "(no serve.log)"
    return f"{describe_runs()}\n--- serve.log ---\n{tail}"


def _walk(page, base: str, auth: str, run, seen) -> None:
    from prefect import get_client

    from models.access.session import register_session
    from models.commands.register import record_decision
    from tasks.runs import resume_waiting_runs

    _login(page, base, auth)

    # The programme office: the runs list says on whom the programme waits, "Nu aan zet" who acts.
    page.goto(f"{base}/runs")
    page.get_by_role("link", name="inkoop-2026 · wacht op Besluitvorming door colleges: go/no-go: "
                                  "Montferland, Winterswijk").first.click()
    page.wait_for_url("**/runs/flow-run/**")
    page.locator("li.p-tab", has_text="Artifacts").click()
    page.get_by_text("inkoop-2026-nu-aan-zet").first.wait_for()
    page.goto(f"{base}/artifacts/key/inkoop-2026-nu-aan-zet")  # its versions; the newest opens
    page.locator("a[href*='/artifacts/artifact/']").first.click()
    page.get_by_text("het college van Montferland, het college van Winterswijk").first.wait_for()
    table = page.locator("table").first.inner_text()
    assert "Besluitvorming door colleges: go/no-go" in table and "te laat" in table
    assert "Aalten" not in table  # decided: not named

    # The secretary of Winterswijk: her runs, filtered by her college's tag; her inbox run.
    page.goto(f"{base}/runs?tag=college:winterswijk")
    page.get_by_role("link", name=INBOX).first.click()
    page.wait_for_url("**/runs/flow-run/**")
    inbox_url = page.url
    form = _open_form(page)
    assert form.locator(".schema-form-property__label", has_text="Orgaan").count() == 0  # no college to pick
    _fill(page, form, outcome="Go", date="2099-01-01", reference="B&W 2024/99", name="Secretaris Winterswijk")
    _submit(form)

    # refused: the inbox waits again, says why, and keeps what was typed
    wait_until(lambda: (box := _inbox("winterswijk", "Suspended")) and
               box.state.state_details.pause_key.endswith("-1"), 600, "the inbox to ask again", seen=seen)
    page.goto(inbox_url)
    form = _open_form(page)
    form.get_by_text("Vorige invoer geweigerd, niets vastgelegd").first.wait_for()
    assert "in de toekomst" in form.inner_text()
    assert _field(form, "Kenmerk").locator("textarea").input_value() == "B&W 2024/99"
    assert _field(form, "Vastgelegd door").locator("textarea").input_value() == "Secretaris Winterswijk"
    _fill(page, form, outcome=None, date="2024-11-05", reference=None, name=None)
    _submit(form)

    assert wait_until(lambda: _inbox("winterswijk", "final"), 600, "the inbox run to end",
                      seen=seen).state.name == "Vastgelegd"
    page.goto(inbox_url)  # and the secretary sees it so, with what was recorded
    page.locator(".state-badge", has_text="Vastgelegd").first.wait_for()
    page.get_by_text("het college van Winterswijk: go op dinsdag 5 november 2024").first.wait_for()

    # Montferland decides with `regie decide`'s path: its inbox ends by itself, the programme moves on.
    with register_session() as session:
        record_decision(session, programme="inkoop-2026", point="go-no-go", body="montferland", outcome="go",
                        decided_on="2024-11-05", recorded_by="Secretaris Montferland")
    assert resume_waiting_runs.fn("inkoop-2026", "go-no-go", "montferland")
    montferland = wait_until(lambda: _inbox("montferland", "final"), 600, "Montferland's inbox to end", seen=seen)
    assert montferland.state.name == "Vastgelegd"
    assert "het college van Montferland: go op dinsdag 5 november 2024" in montferland.state.message

    def moved_on():
        with get_client(sync_client=True) as client:
            name = client.read_flow_run(run.id).name
        return name if "wacht op Publicatie" in name or "alle fasen" in name else None

    name = wait_until(moved_on, 600, "the programme run to move past the go/no-go", seen=seen)
    page.goto(f"{base}/runs")  # the runs list says so
    page.get_by_role("link", name=name).first.wait_for()


def _login(page, base: str, auth: str) -> None:
    """Prefect's UI asks the password on its own login page (the API sends no basic-auth challenge)."""
    page.goto(f"{base}/login")
    page.locator('input[placeholder="admin:pass"]').fill(auth)
    page.get_by_role("button", name="Login").click()
    page.wait_for_url(lambda url: "/login" not in url)


def _open_form(page):
    """Open the run's form and wait until it shows its fields (a person waits for the form, not a time)."""
    page.locator("button:has-text('Resume')").first.click()
    form = page.locator(".p-modal")
    form.wait_for()
    _field(form, "Vastgelegd door").locator("textarea").wait_for()
    return form


def _submit(form) -> None:
    """Press Submit and wait for the form to close: a form that stays open was not sent (its message
    is then the failure)."""
    form.locator(".p-modal__footer").get_by_role("button", name="Submit").click()
    try:
        form.wait_for(state="hidden", timeout=120_000)
    except Exception as exc:  # noqa: BLE001 - say what the form shows instead
        raise AssertionError(f"the form did not close after Submit; it shows: {form.inner_text()[:1500]}") from exc


def _field(form, label: str):
    return form.locator(".schema-form-property",
                        has=form.page.locator(".schema-form-property__label", has_text=label))


def _fill(page, form, *, outcome, date, reference, name) -> None:
    if outcome:
        button = _field(form, "Uitkomst").locator("button.p-select-button__control")
        button.focus()
        page.keyboard.press("ArrowDown")
        page.get_by_role("option", name=outcome, exact=True).click()
    if date:
        _field(form, "Besluitdatum").locator("button.p-date-button__control").click(force=True)
        picker = page.locator("input.p-native-date-input__control[type=date]:visible")
        picker.wait_for()
        picker.fill(date)
        page.get_by_role("button", name="Apply").click()
        # the date a person chose is the one the form shows before it is sent (a busy browser that drew the
        # form again after the choice would otherwise send the date it had before: refused, and asked again)
        _field(form, "Besluitdatum").filter(has_text=date[:4]).wait_for()
    if reference is not None:
        _field(form, "Kenmerk").locator("textarea").fill(reference)
    if name is not None:
        _field(form, "Vastgelegd door").locator("textarea").fill(name)
