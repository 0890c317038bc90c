"""The tender inside phase 3: the standstill that ends by itself, the state per lot, and the letters."""

from __future__ import annotations

import json

from prefect import get_run_logger, task
from prefect.artifacts import create_markdown_artifact, create_table_artifact

from models.core import clock
from models.facts.db import private_data_dir
from models.access.session import register_session
from models.core.inputs import clip, join_whole, printable
from tasks.artifacts import NONE, _changed


@task(name="opschortende termijn bijhouden", task_run_name="opschortende termijn {programme}")
def settle_standstill_task(programme: str) -> list[str]:
    """Record the definitive award of every lot whose standstill ran out without an objection."""
    from models.commands.tender import settle_standstill

    with register_session() as session:
        done = settle_standstill(session, programme, clock.today())
    for line in done:
        get_run_logger().info("%s", line)
    return done


@task(name="aanbesteding per perceel", task_run_name="aanbesteding {programme} per perceel")
def tender_overview(programme: str) -> int:
    """A table of every lot (state, winners, standstill, what is owed); letters of awarded lots as files."""
    from models.views.tender import tender_report
    from notifications.letters import build_letters, letter_link, letter_markdown, write_letters

    d = lambda text: clock.short_dutch_date(clock.parse_date(text)) if text else NONE  # noqa: E731
    from sqlalchemy import func, select

    from models.facts.entities import OfferImport, Programme, TenderRecord

    with register_session(read_only=True) as session:
        pid = session.scalar(select(Programme.id).where(Programme.key == programme))
        if not any(session.scalar(select(func.count()).select_from(t).where(t.programme_id == pid))
                   for t in (OfferImport, TenderRecord)):
            return 0  # no offers and no step yet: nothing to show per lot
        report = tender_report(session, programme)
        letters = {lot["lot"]: build_letters(session, programme, lot["lot"])
                   for lot in report["lots"] if lot["award_on"]}
    # narrow columns first, the winners (a long list) last: the table fits the UI at 1440 px
    rows = [{"Perceel": clip(lot["name"], 36), "Stand": clip(lot["state"], 36),
             "Opschortende termijn t/m": d(lot["standstill_end"]), "Te doen": clip(lot["owed"], 40) if lot["owed"] else NONE,
             "Gegund aan": join_whole(list(lot["winners"]), 48, ", ")
             if lot["winners"] else NONE}
            for lot in report["lots"]]
    if _changed(f"{programme}-aanbesteding", json.dumps(rows)):
        create_table_artifact(rows, key=f"{programme}-aanbesteding",
                              description=f"Aanbesteding {programme} per perceel"
                                          + (f"; voorstel: {join_whole(report['proposal'], 400)}"
                                             if report["proposal"] else ""))
    if not letters:
        return 0
    folder = private_data_dir() / "brieven" / programme  # scores are confidential: the private folder
    lines = [f"# Brieven {programme}", "", "Elke brief is te lezen in het artifact van zijn perceel "
             f"(`{programme}-brieven-<perceel>`); de PDF is hier te downloaden.", "",
             "| Perceel | Aanbieder | Brief | PDF |", "|---|---|---|---|"]
    count = 0
    names = {lot["lot"]: lot["name"] for lot in report["lots"]}
    for lot, items in letters.items():
        write_letters(items, folder / lot)
        for x in items:
            count += 1
            link = letter_link(programme, lot, x.stem + ".pdf")
            # a link, never a path on the server (the office reads this in a browser, not on that machine)
            lines.append(f"| {names.get(lot, lot)} | {printable(x.provider, 80)} | {x.kind} | "
                         + (f"[downloaden]({link})" if link else "bij het programmabureau") + " |")
        # the letters themselves, to read in the UI: one artifact per lot
        read = [f"# Brieven {names.get(lot, lot)} ({programme})", "",
                "De gunnings- en afwijzingsbrieven van dit perceel, zoals verzonden"
                + ("; de PDF's zijn hier te downloaden." if letter_link(programme, lot, "") else "."), ""]
        for x in items:
            kind = "Gunningsbeslissing" if x.kind == "gunning" else "Afwijzing"
            read += ["---", "", f"### {kind}: {printable(x.provider, 80)}", ""]
            link = letter_link(programme, lot, x.stem + ".pdf")
            if link:
                read += [f"[PDF downloaden]({link})", ""]
            read += [letter_markdown(x.html), ""]
        text = "\n".join(read)
        key = f"{programme}-brieven-{lot}"
        if _changed(key, text):
            create_markdown_artifact(text, key=key, description=f"Brieven {names.get(lot, lot)}: lees ze hier")
    text = "\n".join(lines)
    if _changed(f"{programme}-brieven", text):
        create_markdown_artifact(text, key=f"{programme}-brieven", description=f"Gunnings- en afwijzingsbrieven {programme}")
    get_run_logger().info("%d brieven in %s", count, folder)
    return count
