"""Programme files: both built-ins validate, and every kind of bad file names file, field and fault."""

from __future__ import annotations

import datetime as dt
import re

import pytest

from models.rules.programme_file import (
    BUILTIN_DIR,
    ProgrammeFileError,
    builtin_files,
    parse_programme_text,
    read_programme_file,
)

TEXT_2026 = (BUILTIN_DIR / "inkoop-2026.yaml").read_text(encoding="utf-8")


def test_builtin_programmes_validate_with_the_documents_facts():
    programmes = {read_programme_file(p)[0].key: read_programme_file(p)[0] for p in builtin_files()}
    assert set(programmes) == {"inkoop-2022", "inkoop-2026"}
    p26 = programmes["inkoop-2026"]
    dates = {dp.key: dp.date for dp in p26.decision_points}
    assert dates["go-no-go"] == dt.date(2024, 11, 5)
    assert dates["publication"] == dt.date(2024, 11, 7)
    assert dates["award"] == dt.date(2025, 3, 24)
    assert dates["contract-start"] == dt.date(2026, 1, 1)
    assert [dp.key for dp in p26.decision_points] == [
        "market-consultation-2", "tariffs", "go-no-go", "publication", "lumpsum-dialogue", "qa-1-questions", "qa-1", "qa-2-questions", "qa-rounds",
        "submission", "assessment", "award", "award-letters", "standstill", "contracts-signed", "award-notice",
        "contract-start", "contract-option-1", "contract-option-2", "interim-evaluation",
    ]
    assert {dp.key for dp in p26.decision_points if dp.track == "contract"} == {
        "contract-option-1", "contract-option-2", "interim-evaluation"}  # made from the `contracts` section
    assert p26.tender.award_per_lot == 3 and sum(c.weight for c in p26.tender.criteria) == 100
    assert (p26.contracts.initial_years, p26.contracts.options_years) == (3, [2, 2]) and p26.follows == "inkoop-2022"
    ambulant = next(s for s in p26.segments if s.key == "ambulante-jeugdhulp")
    assert ambulant.spend_2023_by_municipality["doetinchem"] == 11096235
    assert "oude-ijsselstreek" not in ambulant.spend_2023_by_municipality  # "Buiten scope"
    assert sum(ambulant.spend_2023_by_municipality.values()) == 41191957  # the presentation rounds it to 41.1 mln
    youth = sorted(lot.number for lot in p26.lots if lot.key.startswith("jeugd-") and lot.number)
    assert youth == list(range(1, 18))
    assert sorted(lot.number for lot in p26.lots if lot.key.startswith("wmo-") and lot.number) == list(range(1, 8))
    assert sorted(lot.number for lot in p26.lots if lot.key.startswith("wonen-")) == [1, 2, 3]
    # where the presentation gives only a month, the file says which day and why
    for dp in p26.decision_points:
        if dp.key in {"market-consultation-2", "tariffs", "qa-rounds", "submission"}:
            assert dp.date_note and "Presentatie" in dp.date_note
    p22 = programmes["inkoop-2022"]
    assert {dp.key for dp in p22.decision_points} == {
        "replan-2022", "principles", "dyslexia-start", "inkoop-2021", "segments-funding", "financial",
        "tender-documents", "publication", "award-dyslexia", "contract-start-dyslexia", "award", "contract-start",
        "requests", "selection", "invitation", "submission", "assessment", "award-letters", "standstill",
        "contracts-signed", "award-notice", "contract-option-1", "contract-option-2", "interim-evaluation",
    }
    assert p22.tender.selection.invite_per_lot == 8 and p22.tender.selection.legal_minimum == 5
    assert not [lot for lot in p22.lots if "huishouden" in lot.key]  # its own track, not a lot of this tender
    local = {lot.key: lot.participants for lot in p26.lots if lot.number and lot.number <= 7 and lot.key[:4] in ("jeug", "wmo-")}
    assert local["jeugd-1"] == ["aalten"] and local["wmo-7"] == ["winterswijk"] and len(local) == 14
    assert [lot.name for lot in p22.lots if lot.number] == ["Jeugdhulp", "Wmo", "Beschermd Wonen (later 'Wonen')"]
    hbh = next(s for s in p22.segments if s.key == "hulp-bij-het-huishouden")
    assert hbh.participants == ["aalten", "berkelland", "bronckhorst", "oost-gelre", "winterswijk"]


def _mutate(old: str, new: str, count: int = 1) -> str:
    assert old in TEXT_2026, old
    return TEXT_2026.replace(old, new, count)


BAD_FILES = [
    # (name, text, where, what)
    ("missing field", _mutate("    decided_by: colleges\n", "", 1), "decision_points[1] (tariffs).decided_by", "ontbreekt"),
    ("milestone by a college", _mutate("    decided_by: projectteam\n", "    decided_by: penvoerder\n", 1),
     "decision_points[0] (market-consultation-2).decided_by", "mijlpaal wordt bevestigd door het projectteam"),
    ("no scope in a programme with lots", _mutate("    decided_by: colleges\n    scope: all\n", "    decided_by: colleges\n", 1),
     "decision_points[1] (tariffs).scope", "scope: all"),
    ("lift planned by an earlier point", _mutate("    date: 2024-10-08\n", "    date: 2024-10-08\n    reservation_lifted_by: market-consultation-2\n"),
     "decision_points[1] (tariffs).reservation_lifted_by", "ligt niet na dit besluitpunt"),
    ("duplicate yaml key", _mutate("key: inkoop-2026\n", "key: inkoop-2026\nkey: inkoop-2027\n"), "", "twee keer"),
    ("duplicate point key", _mutate("  - key: publication\n", "  - key: go-no-go\n"),
     "decision_points[3].key", "'go-no-go' komt dubbel voor"),
    ("duplicate lot number", _mutate("{number: 2, key: jeugd-2", "{number: 1, key: jeugd-2"),
     "lots[1] (jeugd-2).number", "perceelnummer 1 komt dubbel voor"),
    ("unknown municipality in lot",
     _mutate("participants: [aalten]}", "participants: [lochem]}"),
     "lots[0] (jeugd-1).participants[0]", "onbekende gemeente 'lochem'"),
    ("participant twice in a lot",
     _mutate("participants: [aalten]}", "participants: [aalten, aalten]}"),
     "lots[0] (jeugd-1).participants[1]", "gemeente 'aalten' staat er twee keer in"),
    ("not a date", _mutate("date: 2024-11-05", "date: 5 november 2024"),
     "decision_points[2] (go-no-go).date", "'5 november 2024' is geen geldige datum"),
    ("impossible date", _mutate("date: 2024-11-05", "date: 2024-02-30"),
     "decision_points[2] (go-no-go).date", "geen geldige datum"),
    ("unknown outcome kind", _mutate("kind: go-no-go", "kind: maybe"), "decision_points[2] (go-no-go).kind", "ongeldige waarde 'maybe'; kies uit"),
    ("unknown scope", _mutate("    decided_by: colleges\n    scope: all\n", "    decided_by: colleges\n    scope: [perceel-99]\n"),
     "decision_points[1] (tariffs).scope[0]", "onbekend perceel of segment 'perceel-99'"),
    ("unknown field", _mutate("procedure:", "procedur:"), "procedur", "onbekend veld"),
    ("unknown penvoerder", _mutate("penvoerder: doetinchem", "penvoerder: zutphen"), "penvoerder", "onbekende gemeente 'zutphen'"),
    ("unknown segment", _mutate("segments: [crisis], funding: effort,\n     spend_2023_eur: 870000",
                                "segments: [spoed], funding: effort,\n     spend_2023_eur: 870000"),
     "lots[15] (jeugd-15).segments[0]", "onbekend segment 'spoed'"),
    ("phase ends before start", _mutate("    start: 2024-07-01\n    end: 2024-09-30", "    start: 2024-07-01\n    end: 2024-06-30"),
     "phases[1].end", "ligt voor het begin"),
    ("not yaml", "key: [unclosed\n", "", "geen geldige YAML"),
]


@pytest.mark.parametrize("name, text, where, what", BAD_FILES, ids=[b[0] for b in BAD_FILES])
def test_bad_programme_file_names_file_field_and_fault(name, text, where, what):
    with pytest.raises(ProgrammeFileError) as info:
        parse_programme_text(text, "programmes/kapot.yaml")
    message = str(info.value)
    assert message.startswith("programmes/kapot.yaml: ")
    if where:
        assert any(w == where and what in m for w, m in info.value.problems), info.value.problems
    else:
        assert what in message


def test_unreadable_file(tmp_path):
    with pytest.raises(ProgrammeFileError, match=re.escape(str(tmp_path / "nope.yaml"))):
        read_programme_file(tmp_path / "nope.yaml")
