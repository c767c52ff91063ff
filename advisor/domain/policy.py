"""The motion classifier: the decision table of the motion policy, as a pure function.

The classifier, not a language model, decides the motion, so the same profile gets the same
advice in every channel and every run. Rules are tried in order and the first match wins.
"""

from __future__ import annotations

from typing import Any

from advisor import prompts
from advisor.domain.schemas import (
    Alternative,
    Classification,
    Lang,
    Motion,
    Profile,
    Reason,
    Slot,
    SpecialTerm,
)

SEAT_THRESHOLD = 2_400
AZURE_THRESHOLD_USD = 1_000_000


_PARTNER_ROLES: dict[Motion, tuple[str, ...]] = {
    Motion.BREADTH: ("role.breadth.1", "role.breadth.2", "role.breadth.3"),
    Motion.ENTERPRISE: ("role.enterprise.1", "role.enterprise.2", "role.enterprise.3"),
    Motion.SELF_SERVICE: ("role.self_service.1",),
}


class _Words:
    """The phrases of one language, with the profile's values filled in."""

    def __init__(self, lang: Lang) -> None:
        self.lang = lang
        self.table = prompts.table("policy", lang)

    def __call__(self, key: str, **values: str) -> str:
        return str(self.table[key]).format(**values)

    def terms(self, terms: list[SpecialTerm]) -> str:
        names = [str(self.table[f"term.{t.value}"]) for t in terms]
        joiner = ", " if self.lang == "en" else "、"
        return joiner.join(names)

    def seats(self, n: int) -> str:
        return self("no_seats") if n == 0 else self("seats", n=f"{n:,}")

    def azure(self, usd: float) -> str:
        if usd == 0:
            return self("no_azure")
        amount = f"{usd:,.0f}" if float(usd).is_integer() else f"{usd:,.2f}"
        return self("azure", n=amount)

    def motion(self, motion: Motion) -> str:
        return self(f"motion.{motion.value}")


def classify(profile: Profile, lang: Lang = "en") -> Classification:
    """Decide the purchasing motion for a profile, or say what is still missing."""
    w = _Words(lang)
    terms = profile.special_terms
    prefers = profile.preferred_motion
    facts = _facts(profile, w)

    if terms:
        reasons = [
            Reason(text=w("reason.terms", terms=w.terms(terms)), citations=["enterprise-terms"]),
            Reason(text=w("reason.enterprise_vehicle"), citations=["enterprise-motion"]),
        ]
        if prefers is not None and prefers is not Motion.ENTERPRISE:
            reasons.append(
                Reason(
                    text=w("reason.pref_overridden", motion=w.motion(prefers)),
                    citations=["enterprise-terms"],
                )
            )
        return _decided(
            Motion.ENTERPRISE,
            1,
            w("rule1", terms=w.terms(terms)),
            reasons,
            [],
            [w("change.terms_removed", terms=w.terms(terms))],
            facts,
            profile,
            w,
        )

    if profile.self_service is True or prefers is Motion.SELF_SERVICE:
        by_choice = profile.self_service is True
        reasons = [
            Reason(
                text=w("reason.self_service" if by_choice else "reason.self_service_pref"),
                citations=["self-service-motion"],
            ),
            Reason(text=w("reason.mca"), citations=["mca-for-all"]),
        ]
        alternatives = [Alternative(motion=Motion.BREADTH, note=w("note.breadth_from_self"))]
        return _decided(
            Motion.SELF_SERVICE,
            2,
            w("rule2.self" if by_choice else "rule2.pref"),
            reasons,
            alternatives,
            [w("change.add_term"), w("change.want_help")],
            facts,
            profile,
            w,
        )

    missing = _missing(profile)
    if terms is None:
        return _undecided(3, w("rule3"), missing, facts, profile, w)
    if profile.self_service is None:
        return _undecided(4, w("rule4"), missing, facts, profile, w)

    over = _over_thresholds(profile, w)
    if over:
        reasons = [
            Reason(text=w("reason.over", over=over), citations=["partner-economics-thresholds"])
        ]
        if prefers is Motion.BREADTH:
            reasons += [
                Reason(
                    text=w("reason.pref_breadth"),
                    citations=["customer-needs-first", "partner-economics-thresholds"],
                ),
                Reason(text=w("note.csp_over"), citations=["partner-economics-thresholds"]),
            ]
            return _decided(
                Motion.BREADTH,
                5,
                w("rule5.pref", over=over),
                reasons,
                [Alternative(motion=Motion.ENTERPRISE, note=w("note.enterprise_from_breadth"))],
                [w("change.drop_pref"), w("change.go_self")],
                facts,
                profile,
                w,
            )
        reasons += [
            Reason(text=w("reason.largest"), citations=["enterprise-motion"]),
            Reason(text=w("reason.help"), citations=["enterprise-motion"]),
        ]
        return _decided(
            Motion.ENTERPRISE,
            5,
            w("rule5", over=over),
            reasons,
            [Alternative(motion=Motion.BREADTH, note=w("note.csp_over"))],
            [w("change.shrink"), w("change.pref_breadth"), w("change.go_self")],
            facts,
            profile,
            w,
        )

    if profile.seats is None or profile.azure_annual_usd is None:
        return _undecided(6, w("rule6"), missing, facts, profile, w)

    seats, azure = w.seats(profile.seats), w.azure(profile.azure_annual_usd)
    alternatives = []
    if prefers is Motion.ENTERPRISE:
        alternatives.append(Alternative(motion=Motion.ENTERPRISE, note=w("note.enterprise_pref")))
    # Growing past a threshold keeps a customer who prefers CSP in breadth (rule 5), so don't
    # tell them it would make this enterprise.
    changes = [] if prefers is Motion.BREADTH else [w("change.grow")]
    changes += [w("change.add_term"), w("change.go_self")]
    return _decided(
        Motion.BREADTH,
        7,
        w("rule7", seats=seats, azure=azure),
        [
            Reason(
                text=w("reason.within", seats=seats, azure=azure),
                citations=["partner-economics-thresholds"],
            ),
            Reason(text=w("reason.breadth"), citations=["breadth-motion"]),
            Reason(text=w("reason.mca"), citations=["mca-for-all"]),
        ],
        alternatives,
        changes,
        facts,
        profile,
        w,
    )


def questions_needed(opening: dict[str, Any], profile: Profile) -> list[Slot]:
    """Return the questions the policy asks: the fewest a conversation can take.

    The customer's first message stated `opening`, and each answer gives `profile`'s value.
    """
    known = Profile.model_validate(opening)
    asked: list[Slot] = []
    for _ in range(len(Slot) + 1):
        result = classify(known)
        if result.motion is not None or not result.missing:
            return asked
        slot = result.missing[0]
        value = getattr(profile, slot.value)
        if value is None:
            return asked  # the customer never said: the policy could not go further
        asked.append(slot)
        known = known.model_copy(update={slot.value: value})
    return asked


def _missing(profile: Profile) -> list[Slot]:
    """List the slots still needed, the next question first (rules 3, 4, then 6)."""
    missing: list[Slot] = []
    if profile.special_terms is None:
        missing.append(Slot.SPECIAL_TERMS)
    if profile.self_service is None:
        missing.append(Slot.SELF_SERVICE)
    if not _is_over(profile):
        if profile.seats is None:
            missing.append(Slot.SEATS)
        if profile.azure_annual_usd is None:
            missing.append(Slot.AZURE_ANNUAL_USD)
    return missing


def _is_over(profile: Profile) -> bool:
    return (profile.seats is not None and profile.seats > SEAT_THRESHOLD) or (
        profile.azure_annual_usd is not None and profile.azure_annual_usd > AZURE_THRESHOLD_USD
    )


def _over_thresholds(profile: Profile, w: _Words) -> str:
    parts = []
    if profile.seats is not None and profile.seats > SEAT_THRESHOLD:
        parts.append(w.seats(profile.seats))
    if profile.azure_annual_usd is not None and profile.azure_annual_usd > AZURE_THRESHOLD_USD:
        parts.append(w.azure(profile.azure_annual_usd))
    return w("and").join(parts)


def _facts(profile: Profile, w: _Words) -> list[str]:
    facts = []
    if profile.special_terms is not None:
        facts.append(
            w("fact.terms", terms=w.terms(profile.special_terms))
            if profile.special_terms
            else w("fact.no_terms")
        )
    if profile.self_service is not None:
        facts.append(w("fact.self") if profile.self_service else w("fact.help"))
    if profile.seats is not None:
        facts.append(w.seats(profile.seats))
    if profile.azure_annual_usd is not None:
        facts.append(w.azure(profile.azure_annual_usd))
    if profile.preferred_motion is not None:
        facts.append(w("fact.pref", motion=w.motion(profile.preferred_motion)))
    return facts


def _decided(
    motion: Motion,
    rule_id: int,
    rule: str,
    reasons: list[Reason],
    alternatives: list[Alternative],
    what_would_change: list[str],
    facts: list[str],
    profile: Profile,
    w: _Words,
) -> Classification:
    return Classification(
        motion=motion,
        vehicle=w(f"vehicle.{motion.value}"),
        missing=[],
        rule=rule,
        rule_id=rule_id,
        reasons=reasons,
        alternatives=alternatives,
        what_would_change=what_would_change,
        partner_roles=[w(key) for key in _PARTNER_ROLES[motion]],
        facts=facts,
        profile=profile,
        lang=w.lang,
    )


def _undecided(
    rule_id: int, rule: str, missing: list[Slot], facts: list[str], profile: Profile, w: _Words
) -> Classification:
    return Classification(
        motion=None,
        vehicle=None,
        missing=missing,
        rule=rule,
        rule_id=rule_id,
        reasons=[],
        alternatives=[],
        what_would_change=[],
        partner_roles=[],
        facts=facts,
        profile=profile,
        lang=w.lang,
    )


def describe_terms(terms: list[SpecialTerm], lang: Lang = "en") -> str:
    """Return the special terms as words a customer reads."""
    return _Words(lang).terms(terms)


def motion_label(motion: Motion, lang: Lang = "en") -> str:
    """Return a motion's human name with its buying vehicle."""
    return _Words(lang).motion(motion)
