"""Pydantic's validation errors in Dutch: a person editing a programme file reads Dutch."""

from __future__ import annotations

from typing import Any

_BY_TYPE = {
    "missing": "ontbreekt (verplicht veld)",
    "extra_forbidden": "onbekend veld",
    "string_type": "verwacht tekst",
    "int_type": "verwacht een geheel getal",
    "int_parsing": "verwacht een geheel getal",
    "int_from_float": "verwacht een geheel getal, geen breuk",
    "bool_type": "verwacht ja of nee (true of false)",
    "bool_parsing": "verwacht ja of nee (true of false)",
    "list_type": "verwacht een lijst",
    "tuple_type": "verwacht een lijst",
    "dict_type": "verwacht een mapping (sleutel: waarde)",
    "model_type": "verwacht een mapping (sleutel: waarde)",
    "model_attributes_type": "verwacht een mapping (sleutel: waarde)",
    "date_type": "verwacht een datum (JJJJ-MM-DD)",
    "date_from_datetime_parsing": "verwacht een datum (JJJJ-MM-DD)",
    "string_pattern_mismatch": "ongeldige sleutel: alleen kleine letters, cijfers en streepjes (bijv. 'oost-gelre')",
    "finite_number": "verwacht een eindig getal",
    "float_type": "verwacht een getal",
    "float_parsing": "verwacht een getal",
}


def _number(value: Any) -> Any:
    """1.0 as 1: a bound on a field of fractions reads as the file's author wrote it."""
    return int(value) if isinstance(value, float) and value.is_integer() else value


def dutch_message(err: dict[str, Any]) -> str:
    """One Dutch line for one pydantic error."""
    kind = err.get("type", "")
    ctx = err.get("ctx") or {}
    if kind == "value_error":
        return str(ctx.get("error", err.get("msg", ""))).removeprefix("Value error, ")
    if kind in _BY_TYPE:
        return _BY_TYPE[kind]
    if kind == "literal_error" or kind == "enum":
        return f"ongeldige waarde '{err.get('input')}'; kies uit: {ctx.get('expected', '')}".replace(" or ", " of ")
    if kind == "too_short":
        return f"te kort: ten minste {ctx.get('min_length')} {'element' if ctx.get('min_length') == 1 else 'elementen'}"
    if kind == "too_long":
        return f"te lang: ten hoogste {ctx.get('max_length')} elementen"
    if kind == "string_too_short":
        return "mag niet leeg zijn"
    if kind == "string_too_long":
        return f"te lang: ten hoogste {ctx.get('max_length')} tekens"
    if kind == "greater_than_equal":
        return f"moet ten minste {_number(ctx.get('ge'))} zijn"
    if kind == "less_than_equal":
        return f"mag ten hoogste {_number(ctx.get('le'))} zijn"
    if kind == "greater_than":
        return f"moet groter zijn dan {_number(ctx.get('gt'))}"
    if kind == "less_than":
        return f"moet kleiner zijn dan {_number(ctx.get('lt'))}"
    if kind.startswith("union_tag") or kind == "union_type":
        return "ongeldige waarde"
    return f"ongeldige waarde ({kind})"
