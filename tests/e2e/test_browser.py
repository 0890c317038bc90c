"""The Prefect UI served by `regie up`, in a real browser (Debian's Chromium, headless, driven by
Playwright), on a register with people who log in with a one-time code: the programme office reads
the programme run, the procurement lead asks a manual transition that is refused and later one that
is accepted, a secretary works her college's inbox, and the office opens a letter from its artifact
and reads the overview of all programmes.

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
    people = _register(tmp_path)
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
                    _walk(page, info["ui_url"], auth, run, people, lambda: _seen(tmp_path))
                except Exception:
                    page.screenshot(path=str(tmp_path / "failure.png"), full_page=True)  # what the browser saw
                    raise
                finally:
                    browser.close()
    finally:
        stack.stop()


def _register(tmp_path) -> dict:
    """inkoop-2026 with every decision but Montferland's and Winterswijk's go/no-go and the project team's
    two tender milestones (which the lead will pass over by hand); the offers and the award of all lots as
    the procurement team records them; then the people, each secretary and the lead with an authenticator."""
    import datetime as dt

    import pyotp

    from models.access.session import register_session
    from models.commands.identity import add_person, login_of
    from models.commands.offers import import_offers
    from models.commands.tender import record_step
    from models.rules.programme_file import BUILTIN_DIR

    record_all(skip={("go-no-go", "winterswijk"), ("go-no-go", "montferland"),
                     ("qa-rounds", "projectteam"), ("submission", "projectteam")})
    with register_session() as session:
        import_offers(session, programme="inkoop-2026", recorded_by="Inkoper",
                      path=BUILTIN_DIR / "voorbeelden" / "inkoop-2026-inschrijvingen.csv")
        for event, day in (("award", dt.date(2025, 3, 24)), ("letters-sent", dt.date(2025, 3, 25))):
            record_step(session, programme="inkoop-2026", lots="all", event=event, on=day, recorded_by="Inkoper")
    with register_session() as session:
        add_person(session, login=login_of(session), name="Beheerder", role="beheerder")  # who runs `regie up`
        lead = add_person(session, login="inkoopleider", name="Inkoopleider", role="projectteam", totp=True)
        winterswijk = add_person(session, login="sec_winterswijk", name="Secretaris Winterswijk", role="secretaris",
                                 body="winterswijk", totp=True)
        add_person(session, login="sec_montferland", name="Secretaris Montferland", role="secretaris",
                   body="montferland")
    return {who: pyotp.TOTP(pyotp.parse_uri(p.totp_uri).secret) for who, p in (("lead", lead), ("winterswijk", winterswijk))}


class Codes:
    """One person's authenticator: each code works once, so the next one asked is a code not given before
    (the next period's, which Regie accepts, when this period's was given already)."""

    def __init__(self, totp):
        self.totp, self.given = totp, set()

    def next(self) -> str:
        import time

        now = time.time()
        for at in (now, now + self.totp.interval):
            code = self.totp.at(at)
            if code not in self.given:
                self.given.add(code)
                return code
        raise AssertionError("two periods' codes given already: wait for the next period")


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


def _walk(page, base: str, auth: str, run, people: dict, seen) -> None:
    from prefect import get_client

    from models.access.session import register_session
    from models.commands.register import record_decision
    from tasks.runs import resume_waiting_runs

    lead, secretary = Codes(people["lead"]), Codes(people["winterswijk"])
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
    page.locator("table", has_text="Montferland, Winterswijk").first.wait_for()  # the colleges by name: a narrow column
    table = page.locator("table").first.inner_text()
    assert "Besluitvorming door colleges: go/no-go" in table and "te laat" in table
    assert "Aalten" not in table  # decided: not named

    # The procurement lead wants phase 4 now: refused, the go/no-go is not taken; nothing is recorded.
    refused = _transition(page, base, to_phase="4 - Implementatie", reason="inschrijving via Mercell afgerond",
                          login="inkoopleider", code=lead.next())
    page.locator(".state-badge", has_text="Geweigerd").first.wait_for()
    page.get_by_text("verplichte besluiten overslaan").first.wait_for()
    assert "Besluitvorming door colleges: go/no-go" in page.locator("body").inner_text()
    assert _run_by_url(refused).state.name == "Geweigerd"

    # The secretary of Winterswijk: her runs, filtered by her college's tag; her inbox run.
    page.goto(f"{base}/runs?tag=college:winterswijk")
    page.get_by_role("link", name=INBOX).first.click()
    page.wait_for_url("**/runs/flow-run/**")
    inbox_url = page.url
    form = _open_form(page)
    assert form.locator(".schema-form-property__label", has_text="Orgaan").count() == 0  # no college to pick
    assert _field(form, "Vastgelegd door").count() == 0  # a register with people: who she is, she proves
    _fill(page, form, outcome="Go", date="2099-01-01", reference="B&W 2024/99", login="sec_winterswijk",
          code=secretary.next())
    _submit(form)

    # refused: the inbox waits again, says why, and keeps what was typed (the used code excepted)
    wait_until(lambda: (box := _inbox("winterswijk", "Suspended")) and
               box.state.state_details.pause_key.endswith("-1"), 600, "the inbox to ask again", seen=seen)
    page.goto(inbox_url)
    form = _open_form(page)
    form.get_by_text("Vorige invoer geweigerd, niets vastgelegd").first.wait_for()
    assert "in de toekomst" in form.inner_text()
    assert _field(form, "Kenmerk").locator("textarea").input_value() == "B&W 2024/99"
    assert _field(form, "Gebruikersnaam").locator("textarea").input_value() == "sec_winterswijk"
    assert _field(form, "Eenmalige code").locator("textarea").input_value() == ""
    _fill(page, form, outcome=None, date="2024-11-05", reference=None, login=None, code=secretary.next())
    _submit(form)

    assert wait_until(lambda: _inbox("winterswijk", "final"), 600, "the inbox run to end",
                      seen=seen).state.name == "Vastgelegd"
    page.goto(inbox_url)  # and the secretary sees it so, with what was recorded
    page.locator(".state-badge", has_text="Vastgelegd").first.wait_for()
    page.get_by_text("het college van Winterswijk: go op dinsdag 5 november 2024").first.wait_for()

    # Montferland's secretary decides with `regie decide`'s path: her inbox ends by itself, the programme
    # moves on, to the tender's milestones of the project team.
    with register_session() as session:
        record_decision(session, programme="inkoop-2026", point="go-no-go", body="montferland", outcome="go",
                        decided_on="2024-11-05", recorded_by=None,
                        verified=("sec_montferland", "Secretaris Montferland"))
    assert resume_waiting_runs.fn("inkoop-2026", "go-no-go", "montferland")
    montferland = wait_until(lambda: _inbox("montferland", "final"), 600, "Montferland's inbox to end", seen=seen)
    assert montferland.state.name == "Vastgelegd"
    assert "het college van Montferland: go op dinsdag 5 november 2024" in montferland.state.message
    from prefect.client.schemas.filters import LogFilter, LogFilterFlowRunId

    with get_client(sync_client=True) as client:  # ended without a form: its own log says how
        logs = client.read_logs(log_filter=LogFilter(flow_run_id=LogFilterFlowRunId(any_=[montferland.id])))
    assert any(x.message.startswith("Beëindigd zonder formulier: Vastgelegd: ") and
               "het college van Montferland: go op dinsdag 5 november 2024" in x.message for x in logs), \
        [x.message for x in logs][-5:]

    def run_name(*words):
        def named():
            with get_client(sync_client=True) as client:
                name = client.read_flow_run(run.id).name
            return name if any(w in name for w in words) else None
        return named

    name = wait_until(run_name("wacht op Inlichtingen", "wacht op Nota", "projectteam"), 600,
                      "the programme run to wait on the project team's milestones", seen=seen)
    page.goto(f"{base}/runs")  # the runs list says so
    page.get_by_role("link", name=name).first.wait_for()

    # The lead passes the milestones by hand, with the next code: accepted, and the programme runs to its end.
    accepted = _transition(page, base, to_phase="4 - Implementatie", reason="inlichtingen en inschrijving via Mercell afgerond",
                           login="inkoopleider", code=lead.next())
    page.locator(".state-badge", has_text="Vrijgegeven").first.wait_for()
    page.get_by_text("overgeslagen mijlpalen: 'Inlichtingenronde 2").first.wait_for()
    assert _run_by_url(accepted).state.is_completed()
    name = wait_until(run_name("alle fasen"), 600, "the programme run to reach its end", seen=seen)
    page.goto(f"{base}/runs")
    page.get_by_role("link", name=name).first.wait_for()

    # The office opens a letter from its artifact and downloads its PDF.
    page.goto(f"{base}/artifacts/key/inkoop-2026-brieven-wonen-1")
    page.locator("a[href*='/artifacts/artifact/']").first.click()
    page.get_by_text("Afwijzing: Voorbeeld: Stichting Kompas Achterhoek").first.wait_for()
    letter = page.locator("body").inner_text()
    assert "Kwaliteit van de samenwerking: score 9 tegen uw 7" in letter, letter[:3000]
    assert "<p>" not in letter
    link = page.locator("a[href*='afwijzing-stichting-kompas'][href$='.pdf']").first
    with page.expect_download() as download:
        link.click(modifiers=["Alt"])  # Alt: download, whatever target the link has
    pdf = Path(download.value.path()).read_bytes()
    assert pdf.startswith(b"%PDF-") and pdf == _letter_file("afwijzing-stichting-kompas").read_bytes()

    # And reads the overview of all programmes, as the daily sweep leaves it: started here by hand.
    _start(page, base, "reminders", {})
    page.locator(".state-badge", has_text="Completed").first.wait_for()
    page.goto(f"{base}/artifacts/key/regie-overzicht")
    page.locator("a[href*='/artifacts/artifact/']").first.click()
    page.get_by_text("Regie overzicht, stand op").first.wait_for()
    overview = page.locator("body").inner_text()
    assert "inkoop-2026" in overview and "inkoop-2022" in overview, overview[:3000]


def _transition(page, base: str, **values) -> str:
    """The lead's manual transition, from the deployment's own run form in the UI; the run's page."""
    return _start(page, base, "advance-phase", dict(programme="inkoop-2026", **values))


def _start(page, base: str, deployment: str, values: dict) -> str:
    """Fill a deployment's run form as a person does (the choices picked, the text typed), submit it and open
    the run it made; returns the run page's address."""
    from playwright.sync_api import expect
    from prefect import get_client
    from prefect.client.schemas.filters import DeploymentFilter, DeploymentFilterId

    page.goto(f"{base}/deployments")
    href = page.locator("a[href*='/deployments/deployment/']", has_text=deployment).first.get_attribute("href")
    deployment_id = href.rstrip("/").rsplit("/", 1)[-1]
    with get_client(sync_client=True) as client:  # the runs there were before: the new one is the other
        known = {str(r.id) for r in client.read_flow_runs(
            deployment_filter=DeploymentFilter(id=DeploymentFilterId(any_=[deployment_id])))}
    page.goto(f"{base}{href}/run")
    form = page.locator("body")
    form.locator(".schema-form-property").first.wait_for()
    labels = {"programme": "Programma", "to_phase": "Naar fase", "reason": "Reden", "login": "Gebruikersnaam",
              "code": "Eenmalige code"}
    for key, value in values.items():
        field = _field(form, labels[key])
        if field.locator("button.p-select-button__control").count():
            field.locator("button.p-select-button__control").focus()
            page.keyboard.press("ArrowDown")
            page.get_by_role("option", name=value, exact=True).click()
        else:
            field.locator("textarea").fill(value)
    for key, value in values.items():  # what a person checks before Submit: the form shows what was chosen
        field = _field(form, labels[key])
        if field.locator("textarea").count():
            expect(field.locator("textarea")).to_have_value(value)
        else:
            field.filter(has_text=value).wait_for()
    page.get_by_role("button", name="Submit").click()
    page.wait_for_url(lambda url: "/run" not in url.rsplit("/", 1)[-1])  # back on the deployment's page

    def new_run():  # the run the form made (its page's list refreshes on its own time: the API says at once)
        with get_client(sync_client=True) as client:
            runs = client.read_flow_runs(deployment_filter=DeploymentFilter(id=DeploymentFilterId(any_=[deployment_id])))
        return next((f"/runs/flow-run/{r.id}" for r in runs if str(r.id) not in known), None)

    run = wait_until(new_run, 120, f"the run the {deployment} form made")
    page.goto(f"{base}{run}")
    page.wait_for_url("**/runs/flow-run/**")
    return page.url


def _run_by_url(url: str):
    from prefect import get_client

    with get_client(sync_client=True) as client:
        return client.read_flow_run(url.rstrip("/").rsplit("/", 1)[-1])


def _letter_file(stem: str) -> Path:
    from models.facts.db import private_data_dir

    return next((private_data_dir() / "brieven" / "inkoop-2026" / "wonen-1").glob(f"*{stem}*.pdf"))


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
    _field(form, "Eenmalige code").locator("textarea").wait_for()
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


def _fill(page, form, *, outcome, date, reference, login, code) -> None:
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
    if login is not None:
        _field(form, "Gebruikersnaam").locator("textarea").fill(login)
    _field(form, "Eenmalige code").locator("textarea").fill(code)
