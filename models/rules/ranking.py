"""The ranking of a lot's offers by the programme's criteria and weights, its tie-break, and the proposal for
the award decision: no database."""

from __future__ import annotations

from dataclasses import dataclass, replace

from models.rules.offers_file import TenderRules


@dataclass(frozen=True)
class Ranked:
    provider: str
    valid: bool
    reason: str | None
    scores: dict  # criterion -> raw score
    weighted: dict  # criterion -> weighted points (of the criterion's weight)
    total: float  # 0-100
    rank: int | None  # 1 = best; None when not valid
    chosen: bool  # among the top X
    tied_with: tuple[str, ...] = ()  # still level after the tie-break


@dataclass(frozen=True)
class LotRanking:
    lot: str
    name: str
    places: int
    ranked: tuple[Ranked, ...]
    valid: int
    too_few: bool
    open_tie: str | None  # a tie at the edge of the top X that the tie-break does not settle
    note: str
    tied: tuple[str, ...] = ()  # the providers of that tie
    lottery: dict | None = None  # the lottery that settled it: {"on", "reference", "order"}

    @property
    def chosen(self) -> list[Ranked]:
        return [r for r in self.ranked if r.chosen]


def rank_lot(lot: str, name: str, offers: list, rules: TenderRules, stage: str) -> LotRanking:
    criteria, tie_break = rules.for_stage(stage)
    places = rules.places(stage, lot)

    def weighted(scores: dict) -> dict:
        return {c.key: round(scores.get(c.key, 0) / c.max_score * c.weight, 6) for c in criteria}

    items = []
    for o in offers:
        w = weighted(o.scores or {}) if o.requirements_met else {}
        items.append((o, w, round(sum(w.values()), 6)))
    valid = [i for i in items if i[0].requirements_met]

    def key(item):
        o, w, total = item
        return (-total, *(-w.get(k, 0) for k in tie_break))

    valid.sort(key=lambda i: (key(i), i[0].provider.casefold()))
    ranked: list[Ranked] = []
    rank = 0
    groups: dict[tuple, list[str]] = {}
    for o, w, total in valid:
        groups.setdefault(key((o, w, total)), []).append(o.provider)
    previous = None
    for position, (o, w, total) in enumerate(valid, start=1):
        k = key((o, w, total))
        if k != previous:
            rank = position
        previous = k
        ranked.append(Ranked(o.provider, True, None, dict(o.scores or {}), w, total, rank, rank <= places,
                             tuple(p for p in groups[k] if p != o.provider)))
    open_tie, tied = None, ()
    # a tie at the edge: some of a level group fall inside the top X and some outside
    for k, members in groups.items():
        inside = [r for r in ranked if r.provider in members and r.rank is not None]
        if len(members) > 1 and inside and inside[0].rank <= places < inside[0].rank + len(members) - 1:
            open_tie = (f"{', '.join(members)} staan gelijk op plaats {inside[0].rank} na de tie-break "
                        f"({', '.join(tie_break) or 'geen'}): {rules.tie_break_note}")
            ranked = [replace_chosen(r, False) if r.provider in members else r for r in ranked]
            tied = tuple(members)
    for o, _, _ in items:
        if not o.requirements_met:
            ranked.append(Ranked(o.provider, False, o.reason, dict(o.scores or {}), {}, 0.0, None, False))
    minimum = rules.min_valid_offers if stage == "award" else 1
    too_few = len(valid) < minimum
    if too_few:  # nobody is awarded until the lot's own decision says what happens
        ranked = [replace_chosen(r, False) for r in ranked]
    if stage == "selection":
        if not valid:
            note = "geen geschikte gegadigden: een besluit over dit perceel is nodig"
            too_few = True
        elif len(valid) < rules.legal_minimum:
            note = (f"{len(valid)} geschikte gegadigden, minder dan het minimum van {rules.legal_minimum} "
                    f"({rules.legal_source}); alle geschikte worden uitgenodigd")
        elif len(valid) <= places:
            note = f"alle {len(valid)} geschikte gegadigden worden uitgenodigd"
        else:
            note = f"de beste {places} van {len(valid)} geschikte gegadigden worden uitgenodigd"
    elif too_few:
        note = (f"{len(valid)} geldige inschrijving(en), minder dan {minimum}: een besluit is nodig (opnieuw "
                "aanbesteden, onderhands gunnen of het perceel openlaten)")
    else:
        note = f"de beste {places} van {len(valid)} geldige inschrijvingen worden gegund"
    if open_tie:
        note += f"; {open_tie}"
    return LotRanking(lot, name, places, tuple(ranked), len(valid), too_few, open_tie, note, tied)


def settle_by_lottery(ranking: LotRanking, order: list[str], on: str, reference: str | None) -> LotRanking:
    """The tie at the edge of the top X settled by a recorded lottery: the places left go to the tied providers
    in the order drawn. The scores and ranks stay what they were; only who is chosen changes."""
    if not ranking.open_tie or sorted(order) != sorted(ranking.tied):
        return ranking
    taken = sum(1 for r in ranking.ranked if r.chosen)
    drawn = set(order[:max(0, ranking.places - taken)])
    ranked = tuple(replace_chosen(r, True) if r.provider in drawn else r for r in ranking.ranked)
    from models.core.clock import dutch_date, parse_date

    said = f"loting op {dutch_date(parse_date(on))}{f' ({reference})' if reference else ''}: {', '.join(order)}"
    note = ranking.note.replace(f"; {ranking.open_tie}", "") + f"; gelijke stand beslist door {said}"
    return replace(ranking, ranked=ranked, open_tie=None, note=note,
                   lottery={"on": on, "reference": reference, "order": list(order), "said": said})


def replace_chosen(r: Ranked, chosen: bool) -> Ranked:
    return replace(r, chosen=chosen)


def award_proposal(ranks: list[LotRanking]) -> list[str]:
    """The proposal for the award decision, one line per lot, in Dutch."""
    lines = []
    for r in ranks:
        if r.too_few:
            lines.append(f"{r.name} ({r.lot}): niet gunnen; {r.note}")
        elif r.open_tie:
            lines.append(f"{r.name} ({r.lot}): eerst loting; {r.open_tie}")
        else:
            winners = ", ".join(f"{w.provider} ({fmt(w.total)})" for w in r.chosen)
            lines.append(f"{r.name} ({r.lot}): gunnen aan {winners}")
    return lines


def fmt(value: float) -> str:
    return f"{value:.2f}".replace(".", ",")
