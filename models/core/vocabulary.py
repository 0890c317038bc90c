"""The words of the domain: decision kinds, outcomes, who decides, funding types, with Dutch labels."""

from __future__ import annotations

from enum import StrEnum


class Outcome(StrEnum):
    GO = "go"
    NO_GO = "no-go"
    APPROVED = "approved"
    REJECTED = "rejected"
    DEFERRED = "deferred"
    APPROVED_WITH_RESERVATION = "approved-with-reservation"


POSITIVE = frozenset({Outcome.GO, Outcome.APPROVED, Outcome.APPROVED_WITH_RESERVATION})
NEGATIVE = frozenset({Outcome.NO_GO, Outcome.REJECTED})
PENDING = frozenset({Outcome.DEFERRED})

OUTCOME_LABELS = {
    Outcome.GO: "go",
    Outcome.NO_GO: "no-go",
    Outcome.APPROVED: "akkoord",
    Outcome.REJECTED: "afgewezen",
    Outcome.DEFERRED: "aangehouden",
    Outcome.APPROVED_WITH_RESERVATION: "akkoord met voorbehoud",
}


class Kind(StrEnum):
    """What sort of decision a decision point asks for; it fixes the outcomes that fit."""

    GO_NO_GO = "go-no-go"
    APPROVAL = "approval"
    AWARD = "award"
    REPLAN = "replan"
    MILESTONE = "milestone"
    OPTION = "option"  # whether to take a contract's option to extend (approved: extend; rejected: let it end)


OUTCOMES_BY_KIND: dict[Kind, tuple[Outcome, ...]] = {
    Kind.GO_NO_GO: (Outcome.GO, Outcome.NO_GO, Outcome.DEFERRED),
    Kind.APPROVAL: (
        Outcome.APPROVED,
        Outcome.APPROVED_WITH_RESERVATION,
        Outcome.REJECTED,
        Outcome.DEFERRED,
    ),
    Kind.AWARD: (Outcome.APPROVED, Outcome.REJECTED, Outcome.DEFERRED),
    Kind.REPLAN: (Outcome.APPROVED, Outcome.REJECTED, Outcome.DEFERRED),
    Kind.MILESTONE: (Outcome.APPROVED, Outcome.DEFERRED),
    Kind.OPTION: (Outcome.APPROVED, Outcome.REJECTED, Outcome.DEFERRED),
}

KIND_LABELS = {
    Kind.GO_NO_GO: "go/no-go",
    Kind.APPROVAL: "vaststelling",
    Kind.AWARD: "gunning",
    Kind.REPLAN: "herplanning",
    Kind.MILESTONE: "mijlpaal",
    Kind.OPTION: "optie tot verlenging",
}


# "wacht op <...> van ...", "<...> is genomen door ..."
KIND_DECISION_NOUNS = {
    Kind.GO_NO_GO: "het go/no-go-besluit",
    Kind.APPROVAL: "de vaststelling",
    Kind.AWARD: "het gunningsbesluit",
    Kind.REPLAN: "het herplanningsbesluit",
    Kind.MILESTONE: "de bevestiging van de mijlpaal",
    Kind.OPTION: "het besluit over de verlenging",
}


class DecidedBy(StrEnum):
    """Who must decide a decision point."""

    COLLEGES = "colleges"  # every participating college of the point's scope
    PENVOERDER = "penvoerder"  # the college of the programme's lead municipality
    BESTUURDERS = "bestuurders"  # the responsible aldermen together
    PROJECT_TEAM = "projectteam"  # the procurement lead and team: they confirm milestones


# Who does a step's work, where that is not who confirms it (shown to a reader; the file's `owner`).
OWNER_LABELS = {
    "projectteam": "het projectteam",
    "beoordelingsteam": "het beoordelingsteam (deskundigen van de gemeenten, geleid door een inkoopspecialist)",
    "penvoerder": "het college van de penvoerder",
    "colleges": "de colleges",
    "regie": "Regie zelf (de termijn loopt vanzelf af)",
}


class FundingType(StrEnum):
    EFFORT = "effort"  # inspanningsgericht: tarief x eenheden (p x q)
    TASK = "task"  # taakgericht: lumpsum
    POPULATION = "population"  # populatiebekostiging
    PRIVATE_AWARD = "private-award"  # onderhands gunnen



class Status(StrEnum):
    """Where a decision point stands on a given day."""

    OPEN = "open"
    SATISFIED = "satisfied"
    RESERVED = "reserved"  # every body decided, but a reservation is still open
    REJECTED = "rejected"
    DEFERRED = "deferred"
    OVERDUE = "overdue"
    BLOCKED = "blocked"  # an earlier point it depends on is rejected or deferred
    STOPPED = "stopped"  # every lot it concerns has stopped; nothing is owed
    LAPSED = "lapsed"  # a contract option nobody decides any more (the next programme starts first)


# Implementation is a period: it starts at the award and its exit opens only after its last day, even when
# its steps (letters, standstill, signing, the award notice) are done sooner.
PERIOD_PHASES = frozenset({4})

STATUS_LABELS = {
    Status.OPEN: "open",
    Status.SATISFIED: "besloten",
    Status.RESERVED: "besloten met open voorbehoud",
    Status.REJECTED: "afgewezen",
    Status.DEFERRED: "aangehouden",
    Status.OVERDUE: "te laat",
    Status.BLOCKED: "geblokkeerd door een eerder besluit",
    Status.STOPPED: "vervallen (percelen gestopt)",
    Status.LAPSED: "vervallen",
}

BESTUURDERS = "bestuurders"
PROJECT_TEAM = "projectteam"

# What a person reads: a decision of colleges or bestuurders, or a milestone of the project team.
WORD_DECISION = "Besluit"
WORD_MILESTONE = "Mijlpaal"


def point_word(kind: str) -> str:
    return WORD_MILESTONE if kind == Kind.MILESTONE.value else WORD_DECISION
