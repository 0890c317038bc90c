"""What every command shares in how it answers: its exit codes and its JSON. Below both the dispatcher
(`cli/main.py`) and the commands, so neither imports the other back."""

from __future__ import annotations

import json
import sys

EXIT_BAD_INPUT = 2
EXIT_GATE_SHUT = 3
EXIT_NOT_ALL = 4  # a sweep that could not handle every programme (the others were handled)
EXIT_BUSY = 5  # the register stayed locked by another writer, or its database did not answer: try again


def emit_json(data) -> None:
    json.dump(data, sys.stdout, ensure_ascii=False, indent=2)
    sys.stdout.write("\n")
