"""The Prefect UI served by `regie up`, in a real browser (Debian's Chromium, headless, driven by
Playwright): a secretary works her college's inbox, the programme office reads the programme run.

CI installs Chromium (.ci/run); on a machine without it this test is skipped, saying so.
"""

from __future__ import annotations

import json
import os
import shutil
from pathlib import Path

import pytest

from tests.e2e.test_stack import Stack
from tests.flows.helpers import record_all, wait_until
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
    port = free_port()
    stack = Stack(env, port)
    try:
        wait_until(lambda: "Regie draait" in stack.output() or stack.proc.poll() is not None, 240, "regie up")
        assert "Regie draait" in stack.output(), stack.output()
        info = json.loads((tmp_path / "xdg" / "regie" / "stack.json").read_text())
        auth = Path(info["auth_file"]).read_text().strip()
        base = info["ui_url"]

        from prefect import get_client
        from prefect.client.schemas.filters import FlowRunFilter, FlowRunFilterTags
        from prefect.deployments import run_deployment
        from prefect.settings import PREFECT_API_AUTH_STRING, PREFECT_API_URL, temporary_settings

        with temporary_settings({PREFECT_API_URL: info["api_url"], PREFECT_API_AUTH_STRING: auth}):
            run = run_deployment("regie-programma/programme", parameters={"programme": "inkoop-2026"}, timeout=0)

            def inbox_waiting():
                with get_client(sync_client=True) as client:
                    found = client.read_flow_runs(flow_run_filter=FlowRunFilter(
                        tags=FlowRunFilterTags(all_=["college:winterswijk"])))
                return found if found and found[0].state.name == "Suspended" else None

            wait_until(inbox_waiting, 240, "Winterswijk's inbox to wait")

            with playwright.sync_playwright() as p:
                browser = p.chromium.launch(executable_path=CHROMIUM, args=[
                    "--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking"])
                page = browser.new_context(viewport={"width": 1440, "height": 1400}).new_page()
                page.set_default_timeout(30_000)
                _login(page, base, auth)

                # The programme office: the runs list says on whom the programme waits.
                page.goto(f"{base}/runs")
                page.wait_for_load_state("networkidle")
                waiting = page.get_by_role("link", name="inkoop-2026 · wacht op Besluitvorming door colleges: "
                                                        "go/no-go: Montferland, Winterswijk")
                waiting.first.wait_for()
                waiting.first.click()
                page.wait_for_url("**/runs/flow-run/**")
                page.locator("li.p-tab", has_text="Artifacts").click()
                page.get_by_text("inkoop-2026-nu-aan-zet").first.wait_for()
                page.goto(f"{base}/artifacts/key/inkoop-2026-nu-aan-zet")  # its versions; the newest opens
                page.locator(".artifact-timeline-item-content a, a[href*='/artifacts/artifact/']").first.click()
                page.wait_for_url("**/artifacts/artifact/**")
                page.get_by_text("het college van Montferland, het college van Winterswijk").first.wait_for()
                table = page.locator("table").first.inner_text()
                assert "Besluitvorming door colleges: go/no-go" in table and "te laat" in table
                assert "Aalten" not in table  # decided: not named

                # The secretary of Winterswijk: her runs, filtered by her college's tag.
                page.goto(f"{base}/runs?tag=college:winterswijk")
                page.wait_for_load_state("networkidle")
                page.get_by_role("link", name=INBOX).first.click()
                page.wait_for_url("**/runs/flow-run/**")
                page.wait_for_load_state("networkidle")
                inbox_url = page.url

                form = _open_form(page)
                assert form.locator(".schema-form-property__label", has_text="Orgaan").count() == 0  # no college to pick
                _fill(page, form, outcome="Go", date="2099-01-01", reference="B&W 2024/99",
                      name="Secretaris Winterswijk")
                form.locator(".p-modal__footer").get_by_role("button", name="Submit").click()

                # refused: the inbox waits again, says why, and keeps what was typed
                def asks_again():
                    with get_client(sync_client=True) as client:
                        runs = inbox_waiting()
                        return runs and runs[0].state.state_details.pause_key.endswith("-1")

                wait_until(asks_again, 120, "the inbox to ask again")
                page.goto(inbox_url)
                page.wait_for_load_state("networkidle")
                form = _open_form(page)
                text = form.inner_text()
                assert "Vorige invoer geweigerd, niets vastgelegd" in text and "in de toekomst" in text
                assert _field(form, "Kenmerk").locator("textarea").input_value() == "B&W 2024/99"
                assert _field(form, "Vastgelegd door").locator("textarea").input_value() == "Secretaris Winterswijk"
                _fill(page, form, outcome=None, date="2024-11-05", reference=None, name=None)
                form.locator(".p-modal__footer").get_by_role("button", name="Submit").click()

                def badge():
                    page.goto(inbox_url)
                    page.wait_for_load_state("networkidle")
                    shown = page.locator(".state-badge").first.inner_text().strip()
                    return shown if shown in ("Vastgelegd", "Niet meer nodig", "Geweigerd", "Failed", "Crashed") \
                        else None

                assert wait_until(badge, 120, "the inbox run to end") == "Vastgelegd"
                assert "het college van Winterswijk: go op dinsdag 5 november 2024" in page.locator("body").inner_text()

                # The programme office again: after the last college, the run moves on.
                from models.db import register_session
                from models.register import record_decision

                with register_session() as session:
                    record_decision(session, programme="inkoop-2026", point="go-no-go", body="montferland",
                                    outcome="go", decided_on="2024-11-05", recorded_by="Secretaris Montferland")
                from tasks.runs import resume_waiting_runs

                resume_waiting_runs.fn("inkoop-2026", "go-no-go", "montferland")

                def moved_on():
                    page.goto(f"{base}/runs")
                    page.wait_for_load_state("networkidle")
                    return (page.get_by_role("link", name="inkoop-2026 · wacht op Publicatie").count()
                            + page.get_by_role("link", name="inkoop-2026 · alle fasen").count()) > 0

                wait_until(moved_on, 180, "the programme run to move past the go/no-go")
                browser.close()
            with get_client(sync_client=True) as client:
                assert client.read_flow_run(run.id).state.name in ("Suspended", "Completed", "Running")
    finally:
        stack.stop()


def _login(page, base: str, auth: str) -> None:
    """Prefect's UI asks the password on its own login page (the API sends no basic-auth challenge)."""
    page.goto(f"{base}/login")
    page.locator('input[placeholder="admin:pass"]').fill(auth)
    page.get_by_role("button", name="Login").click()
    page.wait_for_url(lambda url: "/login" not in url)
    page.wait_for_load_state("networkidle")


def _open_form(page):
    page.locator("button:has-text('Resume')").first.click()
    form = page.locator(".p-modal")
    form.wait_for()
    page.wait_for_timeout(500)
    return form


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
    if reference is not None:
        _field(form, "Kenmerk").locator("textarea").fill(reference)
    if name is not None:
        _field(form, "Vastgelegd door").locator("textarea").fill(name)
