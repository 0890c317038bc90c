"""`regie`: the programme office's command line. Read-only commands import models/ only, so they start fast."""

from __future__ import annotations

import argparse
import sys

from cli.output import EXIT_BAD_INPUT, EXIT_BUSY


_DUTCH = {  # argparse's own words, as a Dutch user reads them
    "usage: ": "gebruik: ",
    "positional arguments": "argumenten",
    "options": "opties",
    "show this help message and exit": "toon deze hulp en stop",
    "the following arguments are required: %s": "deze argumenten ontbreken: %s",
    "unrecognized arguments: %s": "onbekende argumenten: %s",
    "invalid choice: %(value)r (choose from %(choices)s)": "ongeldige keuze: %(value)r (kies uit %(choices)s)",
    "expected one argument": "verwacht één waarde",
    "expected at least one argument": "verwacht ten minste één waarde",
    "expected at most one argument": "verwacht ten hoogste één waarde",
    "expected %s argument": "verwacht %s waarde",
    "expected %s arguments": "verwacht %s waarden",
    "invalid %(type)s value: %(value)r": "ongeldige waarde: %(value)r",
    "argument %(argument_name)s: %(message)s": "argument %(argument_name)s: %(message)s",
    "one of the arguments %s is required": "een van deze argumenten is nodig: %s",
    "not allowed with argument %s": "niet samen met argument %s",
    "ambiguous option: %(option)s could match %(matches)s": "dubbelzinnige optie: %(option)s kan zijn: %(matches)s",
    "ignored explicit argument %r": "genegeerde waarde %r",
}
argparse._ = lambda text: _DUTCH.get(text, text)  # argparse looks its words up at the moment it uses them


# What a user reads for each argument in the usage lines and the errors: Dutch, never the code's names.
_METAVARS = {
    "action": None, "programme": "programma", "point": "besluitpunt", "step": "stap", "phase": "fase",
    "file": "bestand", "files": "bestand", "as_of": "DATUM", "decided_on": "DATUM", "on": "DATUM",
    "contract_start": "DATUM", "to_date": "DATUM", "to_phase": "FASE", "body": "COLLEGE", "choice": "KEUZE",
    "host": "ADRES", "lifted_by": "BESLUITPUNT", "lifts": "BESLUITNUMMER", "supersedes": "BESLUITNUMMER",
    "login": "LOGIN", "lot": "PERCEEL", "mode": "WIJZE", "name": "NAAM", "order": "VOLGORDE", "out": "MAP",
    "outcome": "UITKOMST", "port": "POORT", "programmes": "PROGRAMMA'S", "reason": "REDEN", "recorded_by": "NAAM",
    "reference": "KENMERK", "reservation": "VOORBEHOUD", "role": "ROL", "scenario": "SCENARIO",
    "seconds_per_day": "SECONDEN", "stage": "FASE_VAN_DE_AANBESTEDING", "template": "PROGRAMMA",
    "without": "COLLEGE", "runs": "N", "seed": "S", "model": "BESTAND",
}


class _Parser(argparse.ArgumentParser):
    def error(self, message: str) -> None:  # one line, exit 2, like every other bad input
        self.exit(EXIT_BAD_INPUT, f"regie: fout: {message}\n")

    def add_argument(self, *args, **kwargs):
        action = super().add_argument(*args, **kwargs)
        if action.metavar is None or action.metavar in ("PHASE",):
            dutch = _METAVARS.get(action.dest)
            if dutch is not None and not action.choices:
                action.metavar = dutch
            elif action.metavar == "PHASE":
                action.metavar = "fase" if not action.option_strings else "FASE"
        return action


def _date_arg(text: str):
    from models.core import clock

    try:
        return clock.parse_date(text, field="datum")
    except clock.DateError as exc:
        raise argparse.ArgumentTypeError(str(exc)) from None


def _id_arg(text: str) -> int:
    """A decision number: a whole number the register can hold."""
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"'{text[:40]}' is geen besluitnummer") from None
    if not 1 <= value <= 2_147_483_647:
        raise argparse.ArgumentTypeError(f"{text[:40]} is geen bestaand besluitnummer")
    return value


def _count_arg(text: str) -> int:
    """A whole number of at least 0 (runs, a seed)."""
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"'{text[:40]}' is geen geheel getal") from None
    if not 0 <= value <= 2**31:
        raise argparse.ArgumentTypeError(f"{text[:40]} ligt niet tussen 0 en {2**31}")
    return value


BY_HELP = ("alleen op een register zonder personen: uw naam; anders neemt het register de naam van wie is "
           "aangemeld (en weigert een andere)")


def build_parser() -> argparse.ArgumentParser:
    parser = _Parser(prog="regie", description="Regie: de regie over de inkoopprogramma's van het Sociaal Domein Achterhoek.")
    sub = parser.add_subparsers(dest="command", required=True, parser_class=_Parser)

    p = sub.add_parser("programmes", help="de programma's in het register")
    p.add_argument("--json", action="store_true")

    p = sub.add_parser("status", help="fasen en besluitpunten van een programma")
    p.add_argument("programme")
    p.add_argument("--as-of", type=_date_arg, help="stand op deze datum (JJJJ-MM-DD), standaard vandaag")
    p.add_argument("--json", action="store_true")

    p = sub.add_parser("risico", help="de kans dat de contracten op tijd starten, gesimuleerd uit het register")
    p.add_argument("programme")
    p.add_argument("--as-of", type=_date_arg, help="het register zoals het op deze datum stond (JJJJ-MM-DD)")
    p.add_argument("--runs", type=_count_arg, default=10_000, help="aantal gesimuleerde toekomsten (standaard 10000)")
    p.add_argument("--seed", type=_count_arg, default=1, help="startgetal van het toeval: dezelfde seed, hetzelfde antwoord")
    p.add_argument("--model", help="een ander model van binnenkomende besluiten (standaard "
                                   "programmes/rules/decision-arrival.yaml)")
    p.add_argument("--since", type=_date_arg, help="ook het verloop: de kans op elke zevende dag vanaf deze datum "
                                                   "tot --as-of, het register zoals het toen stond")
    p.add_argument("--calibrate", action="store_true",
                   help="pas het model aan de genomen besluiten in het register aan en toon het (schrijft niets)")
    p.add_argument("--json", action="store_true")

    p = sub.add_parser("decide", help="een besluit vastleggen")
    p.add_argument("programme")
    p.add_argument("point")
    p.add_argument("--body", required=True, help="bijv. aalten, doetinchem, bestuurders")
    p.add_argument("--outcome", required=True, help="go, no-go, approved, rejected, deferred, approved-with-reservation")
    p.add_argument("--on", required=True, dest="decided_on", help="besluitdatum JJJJ-MM-DD")
    p.add_argument("--by", dest="recorded_by", help=BY_HELP)
    p.add_argument("--reference", help="bijv. het besluitnummer van het college")
    p.add_argument("--reservation", help="tekst van het voorbehoud")
    p.add_argument("--lifts", type=_id_arg, help="nummer van het besluit waarvan dit besluit het voorbehoud opheft")
    p.add_argument("--supersedes", type=_id_arg, help="nummer van het besluit dat dit besluit vervangt")
    p.add_argument("--extra-meeting", action="store_true",
                   help="het besluit viel in een extra vergadering (niet op een gewone vergaderdag)")
    p.add_argument("--lifted-by", help="bij akkoord met voorbehoud: het latere besluitpunt dat het voorbehoud opheft")
    p.add_argument("--json", action="store_true")

    p = sub.add_parser("decisions", help="het besluitenregister met zijn geschiedenis")
    p.add_argument("programme")
    p.add_argument("--point")
    p.add_argument("--json", action="store_true")

    p = sub.add_parser("gate", help="staat de uitgang van een fase open? (exit 0 open, 3 dicht)")
    p.add_argument("programme")
    p.add_argument("phase", type=int, choices=range(6), metavar="PHASE")
    p.add_argument("--as-of", type=_date_arg)
    p.add_argument("--json", action="store_true")

    p = sub.add_parser("advance", help="een fase handmatig vrijgeven (procurement lead)")
    p.add_argument("programme")
    p.add_argument("--to", required=True, type=int, choices=range(6), metavar="PHASE", dest="to_phase")
    p.add_argument("--reason", required=True)
    p.add_argument("--by", dest="recorded_by", help=BY_HELP)
    p.add_argument("--json", action="store_true")

    p = sub.add_parser("remind", help="herinneringen en escalaties van vandaag (of --as-of) versturen")
    p.add_argument("--as-of", type=_date_arg)
    p.add_argument("--programme", action="append", dest="programmes", help="alleen dit programma (herhaalbaar)")
    p.add_argument("--dry-run", action="store_true", help="alleen laten zien wat naar wie zou gaan")
    p.add_argument("--json", action="store_true")

    p = sub.add_parser("recipients", help="wie welke berichten krijgt")
    p.add_argument("programme")
    p.add_argument("--json", action="store_true")

    p = sub.add_parser("check", help="toets de geplande en de vastgelegde data aan de termijnregels (met bron)")
    p.add_argument("programme")
    p.add_argument("--as-of", type=_date_arg, help="het register zoals het op deze datum stond")
    p.add_argument("--json", action="store_true")

    p = sub.add_parser("plan", help="plan terug vanaf een contractstart: uiterste data, speling, kritiek pad")
    p.add_argument("--template", required=True, help="een geladen programma, bijv. inkoop-2026")
    p.add_argument("--contract-start", required=True, type=_date_arg)
    p.add_argument("--as-of", type=_date_arg, help="vandaag voor deze planning (uiterste data ervoor zijn onhaalbaar)")
    p.add_argument("--json", action="store_true")

    for name, helptext in (("replan", "verschuif een datum; wat ervan afhangt schuift mee (vastgelegd)"),
                           ("whatif", "laat zien wat er schuift en welke regels knellen, zonder iets vast te leggen")):
        p = sub.add_parser(name, help=helptext)
        p.add_argument("programme")
        p.add_argument("point")
        p.add_argument("--to", required=True, type=_date_arg, dest="to_date")
        p.add_argument("--mode", choices=("minimal", "shift"), default="minimal",
                       help="minimal: alleen wat moet; shift: de hele keten evenveel maanden (of dagen)")
        if name == "whatif":
            p.add_argument("--as-of", type=_date_arg, help="vandaag voor deze vraag (JJJJ-MM-DD)")
        if name == "replan":
            p.add_argument("--reason", required=True)
            p.add_argument("--by", dest="recorded_by", help=BY_HELP)
        p.add_argument("--json", action="store_true")

    p = sub.add_parser("calendar", help="iCalendar-bestand van het programma, of zonder programma van alle "
                                        "programma's (naar stdout)")
    p.add_argument("programme", nargs="?")

    p = sub.add_parser("overzicht", help="alle programma's: fase, wat te laat is, wat binnen 7 en 30 dagen moet "
                                         "en van wie, de volgende poort, de contracten")
    p.add_argument("--as-of", type=_date_arg, help="stand op deze datum (JJJJ-MM-DD), standaard vandaag")
    p.add_argument("--json", action="store_true")

    p = sub.add_parser("timeline", help="tijdlijn als SVG")
    p.add_argument("programme")
    p.add_argument("--out", required=True, help="bestand, bijv. tijdlijn.svg")

    p = sub.add_parser("verify", help="controleer de hashketen van het register (besluiten, overgangen, herplanningen)")
    p.add_argument("--json", action="store_true")

    p = sub.add_parser("people", help="personen en hun rol: wie mag wat vastleggen (zie README, Identiteit)")
    p.add_argument("action", choices=("list", "whoami", "add", "remove"))
    p.add_argument("--login", help="de gebruikersnaam: van het besturingssysteem (SQLite) of de databaserol; "
                                   "bij add zonder --login: uzelf")
    p.add_argument("--name", help="de naam zoals die in het register komt")
    p.add_argument("--role", choices=("secretaris", "projectteam", "programmabureau", "beheerder"))
    p.add_argument("--body", help="bij een secretaris: het college, bijv. aalten")
    p.add_argument("--totp", action="store_true", help="een eenmalige-codegeheim voor formulieren in de Prefect-UI")
    p.add_argument("--db-role", action="store_true",
                   help="PostgreSQL: maak ook de databaserol (met wachtwoord) en geef haar de rechten van de rol")
    p.add_argument("--json", action="store_true")

    p = sub.add_parser("demo", help="speel een programma dag voor dag af tegen een eigen lokale stack (UI, inbox, berichten)")
    p.add_argument("--scenario", default="inkoop-2026",
                   help="ingebouwd (inkoop-2026, inkoop-2026-uitstel) of een pad naar een scenariobestand")
    p.add_argument("--seconds-per-day", type=float, default=2.0, help="seconden per programmadag (standaard 2)")
    p.add_argument("--port", type=int, default=4300)
    p.add_argument("--stop", action="store_true", help="de stack aan het eind stoppen (anders blijft de UI open)")

    p = sub.add_parser("replay", help="speel een scenario dag voor dag af in dit proces en toets zijn verwachtingen "
                                      "(exit 0: alles klopt, 1: een verwachting niet)")
    p.add_argument("--scenario", required=True,
                   help="ingebouwd (inkoop-2026, inkoop-2026-uitstel, inkoop-2022-dyslexie) of een pad naar een scenariobestand")

    p = sub.add_parser("up", help="start de lokale Prefect-server met UI en alle deployments")
    p.add_argument("--host", default="127.0.0.1")
    p.add_argument("--port", type=int, default=4200)

    p = sub.add_parser("offers", help="inschrijvingen en hun beoordeling: importeren (CSV) en de rangorde per perceel")
    osub = p.add_subparsers(dest="action", required=True, parser_class=_Parser)
    q = osub.add_parser("import", help="een CSV-bestand met inschrijvingen en scores importeren (zie README)")
    q.add_argument("programme")
    q.add_argument("file")
    q.add_argument("--stage", default="award", help="award (inschrijvingen, standaard) of selection (verzoeken tot deelneming)")
    q.add_argument("--by", dest="recorded_by", help=BY_HELP)
    q.add_argument("--json", action="store_true")
    q = osub.add_parser("ranking", help="de rangorde per perceel, de beste X, percelen met te weinig inschrijvingen")
    q.add_argument("programme")
    q.add_argument("--lot")
    q.add_argument("--stage", default="award")
    q.add_argument("--json", action="store_true")

    p = sub.add_parser("tender", help="de aanbesteding per perceel: stand, of een stap vastleggen")
    tsub = p.add_subparsers(dest="action", required=True, parser_class=_Parser)
    q = tsub.add_parser("status", help="per perceel: gegund, opschortende termijn, kort geding, getekend, aankondiging")
    q.add_argument("programme")
    q.add_argument("--as-of", type=_date_arg)
    q.add_argument("--json", action="store_true")
    q = tsub.add_parser("record", help="een stap vastleggen: award, letters-sent, objection, ruling, signed, "
                                       "award-notice, lot-decision, lottery, participation")
    q.add_argument("programme")
    q.add_argument("step")
    q.add_argument("--lot", required=True, help="perceel, meerdere met komma's, of all")
    q.add_argument("--on", required=True, dest="on", type=_date_arg, help="datum JJJJ-MM-DD")
    q.add_argument("--reference", help="kenmerk: besluit, zaaknummer, publicatie")
    q.add_argument("--outcome", help="bij ruling: dismissed (gunning blijft) of upheld (opnieuw beoordelen)")
    q.add_argument("--choice", help="bij lot-decision: re-tender, private-award of leave-open")
    q.add_argument("--without", help="bij participation: het college (of de colleges, met komma's) zonder wie het "
                                     "perceel verder gaat")
    q.add_argument("--reason", help="bij participation: waarom")
    q.add_argument("--order", help="bij lottery: de gelijk geëindigde aanbieders in de volgorde van de loting, "
                                   "gescheiden door ';'")
    q.add_argument("--by", dest="recorded_by", help=BY_HELP)
    q.add_argument("--json", action="store_true")

    p = sub.add_parser("letters", help="gunnings- en afwijzingsbrieven van een perceel (HTML en PDF)")
    p.add_argument("programme")
    p.add_argument("--lot", required=True)
    p.add_argument("--out", required=True, help="map voor de brieven")
    p.add_argument("--on", type=_date_arg, help="verzenddatum als die nog niet is vastgelegd (standaard vandaag)")
    p.add_argument("--json", action="store_true")

    p = sub.add_parser("contracts", help="contracten na de start: looptijden, opties, wat eraan komt")
    p.add_argument("programme")
    p.add_argument("--as-of", type=_date_arg)
    p.add_argument("--json", action="store_true")

    p = sub.add_parser("load", help="programmabestanden (opnieuw) laden; zonder bestanden de ingebouwde")
    p.add_argument("files", nargs="*")
    p.add_argument("--strict", action="store_true",
                   help="ook de inhoudelijke toetsen (penvoerder, vergaderdagen, fasevensters, deelnemers, uitgaven)")
    p.add_argument("--json", action="store_true")
    return parser


def main(argv: list[str] | None = None) -> int:
    import os

    os.umask(0o077)  # everything Regie writes (register, logs, Prefect's database) is its owner's alone
    try:
        args = build_parser().parse_args(argv)
    except SystemExit as exc:  # argparse: --help (0) or bad arguments (2)
        return int(exc.code or 0)
    from models.core.errors import InputError

    args.regie = main  # a command that types `regie` itself (the demo) is handed the entry point
    try:
        return _run(args)
    except BrokenPipeError:  # `regie ... | head`
        sys.stderr.close()
        return 0
    except InputError as exc:
        message = str(exc)
        if "\n" in message:  # a programme file with several faults: one per line
            print(f"regie: fout in programmabestand:\n{message}", file=sys.stderr)
        else:
            print(f"regie: fout: {message}", file=sys.stderr)
        return EXIT_BAD_INPUT
    except Exception as exc:
        if "sqlalchemy" not in sys.modules:
            raise
        from sqlalchemy.exc import DBAPIError, OperationalError

        if not isinstance(exc, DBAPIError):
            raise
        if getattr(exc.orig, "sqlstate", None) != "42501":  # not a refusal of the database's own rights
            if isinstance(exc, OperationalError):
                return _unreachable(exc)
            raise
        cause = str(exc.orig).splitlines()[0]
        print(f"regie: fout: geweigerd door de database (uw rol mag dit niet): {cause[:300]}; er is niets vastgelegd",
              file=sys.stderr)
        return EXIT_BAD_INPUT


def _run(args) -> int:
    """The command. `regie status` first tries the quick read-only path (the SQLite register read without
    SQLAlchemy, the same document from the same reader); every other command, and status where that path
    does not apply, runs in full."""
    if args.command == "status":
        from cli.status_text import quick_status

        code = quick_status(args)
        if code is not None:
            return code
    if args.command == "risico" and not args.calibrate:
        from cli.risk_text import quick_risk

        code = quick_risk(args)
        if code is not None:
            return code
    from cli import commands

    return getattr(commands, f"cmd_{args.command}")(args)


def _unreachable(exc) -> int:
    """A register held by another writer too long, or a database that does not answer."""
    cause = str(exc.orig).splitlines()[0] if exc.orig is not None else type(exc).__name__
    if "locked" in cause or getattr(exc.orig, "sqlstate", None) == "55P03":  # SQLite busy; PostgreSQL lock_timeout
        from models.facts.db import busy_timeout

        print(f"regie: fout: het register is bezet door een ander proces (langer dan {busy_timeout():g} seconden); "
              "probeer het opnieuw: een besluit dat al vastlag wordt herkend, niet dubbel vastgelegd",
              file=sys.stderr)
    else:
        print(f"regie: fout: de database van het register is niet bereikbaar ({cause[:200]}); "
              "probeer het opnieuw als hij weer antwoordt", file=sys.stderr)
    return EXIT_BUSY


if __name__ == "__main__":
    sys.exit(main())
