"""Mutated programme files through `regie load`: each ends in a clear Dutch error naming the file, and
nothing is written. REGIE_PROPERTY_EXAMPLES sets the number per database (CI: 150, so 300 in all)."""

from __future__ import annotations

import os
import re

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import func, select

from cli.main import main
from models.access.session import register_session
from models.facts.entities import Programme
from models.rules.programme_file import BUILTIN_DIR

EXAMPLES = max(int(os.environ.get("REGIE_PROPERTY_EXAMPLES", "250")) * 3 // 5, 20)
TEXT = (BUILTIN_DIR / "inkoop-2026.yaml").read_text(encoding="utf-8").replace("key: inkoop-2026", "key: mutant", 1)

# Each mutation breaks what a field may hold; the occurrence it hits is drawn.
MUTATIONS = [
    (r"(date|start|end): \d{4}-\d{2}-\d{2}", ["0001-01-01", "9999-12-31", "2024-02-30", "5 november", "[]", "{a: 1}",
                                             "20241105", "2024-13-01"]),
    (r"(spend_2023_eur|clients_2023): \d+", ["-1", "100000000000000000000", "1e20", "veel", "[1]", "null x"]),
    (r"phase: \d", ["7", "-1", "drie", "[2]", "2.5"]),
    (r"decided_by: [a-z]+", ["college", "iedereen", "[colleges]", "123"]),
    (r"kind: [a-z-]+", ["misschien", "GO-NO-GO", "{}", "[]"]),
    (r"before: \[[0-9, ]+\]", ["[1000000]", "[-1]", "[a]", "[" + ",".join(str(i) for i in range(40)) + "]"]),
    (r"agenda_cutoff_working_days: \d+", ["1000000", "-3", "tien"]),
    (r"weekdays: \[[a-z, ]+\]", ["[]", "[dinsdag]", "[sunday]", "tuesday"]),
    (r"participants: \[[a-z-]+\]", ["[]", "[lochem]", "[Aalten]", "aalten"]),
    (r"scope: (all|\[[a-z0-9-, ]+\])", ["[perceel-99]", "alles", "[]  # ", "{}"]),
    (r"key: [a-z0-9-]+", ["Oost Gelre", "a" * 70, "'x y'", "[k]"]),
]


def _mutate(text: str, pattern: str, replacement: str, index: int) -> str | None:
    hits = list(re.finditer(pattern, text))
    if not hits:
        return None
    hit = hits[index % len(hits)]
    field = hit.group(0).split(":", 1)[0]
    return text[:hit.start()] + f"{field}: {replacement}" + text[hit.end():]


STRUCTURAL = [
    lambda t: "[" * 5000 + t,  # nesting
    lambda t: t.replace("municipalities:\n", "municipalities:\n  ? [a, b]\n  : x\n", 1),  # a list as a key
    lambda t: t.replace("phases:", "phases: [", 1),  # unbalanced
    lambda t: t.replace("name: Inkoop", "name: Inkoop\nname: twee", 1),  # a key twice
    lambda t: "\n".join(line for line in t.splitlines() if not line.strip().startswith("decided_by")),
    lambda t: t.encode("utf-16").decode("latin-1"),  # not UTF-8 once written back
]


@settings(max_examples=EXAMPLES, deadline=None, derandomize=True,
          suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
@given(kind=st.integers(min_value=0, max_value=len(MUTATIONS) + len(STRUCTURAL) - 1), index=st.integers(0, 200),
       pick=st.integers(0, 50))
def test_a_mutated_programme_file_is_refused_clearly_and_writes_nothing(env_db, tmp_path, capsys, kind, index, pick):
    if kind < len(MUTATIONS):
        pattern, bad = MUTATIONS[kind]
        mutated = _mutate(TEXT, pattern, bad[pick % len(bad)], index)
    else:
        mutated = STRUCTURAL[kind - len(MUTATIONS)](TEXT)
    if mutated is None:
        return
    path = tmp_path / "mutant.yaml"
    path.write_text(mutated, encoding="utf-8", errors="surrogatepass")
    code = main(["load", "--strict", str(path)])
    err = capsys.readouterr().err
    assert code == 2, (kind, index, pick)
    assert "Traceback" not in err and err.startswith("regie: fout") and str(path) in err
    with register_session() as session:
        assert session.scalar(select(func.count()).select_from(Programme).where(Programme.key == "mutant")) == 0
