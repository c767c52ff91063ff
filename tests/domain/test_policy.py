"""The classifier against every rule of the motion policy."""

from __future__ import annotations

from collections.abc import Mapping
from itertools import product
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from advisor import prompts
from advisor.domain.policy import classify
from advisor.domain.schemas import Motion, Profile, Slot, SpecialTerm, parse_profile

NEEDS_HELP: dict[str, Any] = {"special_terms": [], "self_service": False}


def motion_of(**fields: Any) -> str | None:
    result = classify(parse_profile(fields))
    return None if result.motion is None else result.motion.value


@pytest.mark.parametrize(
    ("seats", "expected"),
    [
        (0, "breadth"),
        (2_399, "breadth"),
        (2_400, "breadth"),
        (2_401, "enterprise"),
        (10**6, "enterprise"),
    ],
)
def test_seat_boundary(seats: int, expected: str) -> None:
    assert motion_of(**NEEDS_HELP, seats=seats, azure_annual_usd=0) == expected


@pytest.mark.parametrize(
    ("usd", "expected"),
    [
        (0, "breadth"),
        (999_999.99, "breadth"),
        (1_000_000, "breadth"),
        (1_000_000.0, "breadth"),
        (1_000_000.01, "enterprise"),
        (1_000_001, "enterprise"),
    ],
)
def test_azure_boundary(usd: float, expected: str) -> None:
    assert motion_of(**NEEDS_HELP, seats=10, azure_annual_usd=usd) == expected


@pytest.mark.parametrize("term", list(SpecialTerm))
@pytest.mark.parametrize("preferred", [None, "breadth", "self_service", "enterprise"])
def test_rule1_special_terms_always_enterprise(term: SpecialTerm, preferred: str | None) -> None:
    result = classify(
        parse_profile(
            {
                "special_terms": [term.value],
                "self_service": True,
                "seats": 5,
                "preferred_motion": preferred,
            }
        )
    )
    assert result.motion is Motion.ENTERPRISE
    assert result.rule_id == 1
    assert result.alternatives == []
    assert {c for r in result.reasons for c in r.citations} >= {
        "enterprise-terms",
        "enterprise-motion",
    }


def test_rule1_needs_nothing_else() -> None:
    result = classify(parse_profile({"special_terms": ["multi_affiliate"]}))
    assert (result.motion, result.missing) == (Motion.ENTERPRISE, [])
    assert result.vehicle == "EA or MCA via a Microsoft seller"


@pytest.mark.parametrize(
    "fields",
    [
        {"self_service": True},
        {"self_service": True, "seats": 50_000, "azure_annual_usd": 9e9},
        {"special_terms": [], "preferred_motion": "self_service"},
        {"preferred_motion": "self_service", "self_service": False, "seats": 10},
    ],
)
def test_rule2_self_service(fields: dict[str, Any]) -> None:
    result = classify(parse_profile(fields))
    assert result.motion is Motion.SELF_SERVICE
    assert result.rule_id == 2
    assert result.vehicle == "online (MCA)"
    assert result.missing == []


@pytest.mark.parametrize(
    ("fields", "missing"),
    [
        ({}, ["special_terms", "self_service", "seats", "azure_annual_usd"]),
        ({"seats": 100}, ["special_terms", "self_service", "azure_annual_usd"]),
        ({"seats": 3000}, ["special_terms", "self_service"]),
        ({"azure_annual_usd": 2e6}, ["special_terms", "self_service"]),
        ({"self_service": False}, ["special_terms", "seats", "azure_annual_usd"]),
        ({"special_terms": []}, ["self_service", "seats", "azure_annual_usd"]),
        ({"special_terms": [], "seats": 9000}, ["self_service"]),
        (NEEDS_HELP, ["seats", "azure_annual_usd"]),
        ({**NEEDS_HELP, "seats": 2400}, ["azure_annual_usd"]),
        ({**NEEDS_HELP, "azure_annual_usd": 5}, ["seats"]),
        ({**NEEDS_HELP, "preferred_motion": "breadth"}, ["seats", "azure_annual_usd"]),
        (
            {"preferred_motion": "breadth", "seats": 10, "azure_annual_usd": 10},
            ["special_terms", "self_service"],
        ),
    ],
)
def test_missing_slots_in_question_order(fields: dict[str, Any], missing: list[str]) -> None:
    result = classify(parse_profile(fields))
    assert result.motion is None
    assert [slot.value for slot in result.missing] == missing
    assert result.vehicle is None


@pytest.mark.parametrize(
    ("fields", "rule_id"),
    [({}, 3), ({"special_terms": []}, 4), (NEEDS_HELP, 6), ({**NEEDS_HELP, "seats": 1}, 6)],
)
def test_undecided_rule_ids(fields: dict[str, Any], rule_id: int) -> None:
    assert classify(parse_profile(fields)).rule_id == rule_id


def test_rule5_whichever_is_known_is_enough() -> None:
    assert motion_of(**NEEDS_HELP, seats=2401) == "enterprise"
    assert motion_of(**NEEDS_HELP, azure_annual_usd=1_000_000.01) == "enterprise"


def test_rule5_enterprise_offers_csp_with_its_caveat() -> None:
    result = classify(parse_profile({**NEEDS_HELP, "seats": 5000, "azure_annual_usd": 0}))
    assert result.motion is Motion.ENTERPRISE and result.rule_id == 5
    assert [a.motion for a in result.alternatives] == [Motion.BREADTH]
    assert "less attractive" in result.alternatives[0].note
    assert any("2,400" in change for change in result.what_would_change)


def test_rule5_preferred_breadth_wins_with_the_same_note() -> None:
    result = classify(parse_profile({**NEEDS_HELP, "seats": 5000, "preferred_motion": "breadth"}))
    assert result.motion is Motion.BREADTH and result.rule_id == 5
    assert result.vehicle == "CSP partner"
    assert any("less attractive" in r.text for r in result.reasons)
    assert [a.motion for a in result.alternatives] == [Motion.ENTERPRISE]


def test_rule7_breadth_explains_itself() -> None:
    result = classify(parse_profile({**NEEDS_HELP, "seats": 300, "azure_annual_usd": 50_000}))
    assert result.motion is Motion.BREADTH and result.rule_id == 7
    assert result.rule is not None and "300 seats" in result.rule
    assert result.facts == [
        "no special terms needed",
        "you want a partner or Microsoft to help",
        "300 seats",
        "USD 50,000 of Azure a year",
    ]
    assert result.partner_roles[0] == (
        "Owns the whole relationship with you, from contract to service delivery."
    )
    assert any("multi-affiliate" in change for change in result.what_would_change)


def test_preferred_enterprise_below_thresholds_stays_breadth_with_a_note() -> None:
    result = classify(
        parse_profile(
            {**NEEDS_HELP, "seats": 50, "azure_annual_usd": 0, "preferred_motion": "enterprise"}
        )
    )
    assert result.motion is Motion.BREADTH
    assert [a.motion for a in result.alternatives] == [Motion.ENTERPRISE]


def test_rule5_recommends_enterprise_to_the_customer_and_keeps_csp_open() -> None:
    result = classify(parse_profile({**NEEDS_HELP, "seats": 5000, "azure_annual_usd": 0}))
    assert result.rule == (
        "Rule 5: at 5,000 seats, you're above the size the breadth motion is designed for "
        "(up to 2,400 seats and USD 1,000,000 of Azure a year), so I recommend enterprise. "
        "You can still buy through a CSP partner if you prefer."
    )


def test_preferred_breadth_within_thresholds_is_not_told_growth_makes_it_enterprise() -> None:
    fields = {**NEEDS_HELP, "seats": 300, "azure_annual_usd": 0, "preferred_motion": "breadth"}
    result = classify(parse_profile(fields))
    assert result.motion is Motion.BREADTH and result.rule_id == 7
    assert not any("2,400 seats" in change for change in result.what_would_change)
    assert motion_of(**{**fields, "seats": 5000}) == "breadth"


def test_self_service_offers_csp_at_any_size() -> None:
    result = classify(parse_profile({"self_service": True, "seats": 5000}))
    assert [a.motion for a in result.alternatives] == [Motion.BREADTH]
    assert "CSP is open at any size" in result.alternatives[0].note


def test_japanese_result() -> None:
    result = classify(parse_profile({**NEEDS_HELP, "seats": 3000}), "ja")
    assert result.lang == "ja"
    assert result.vehicle == "EA、またはマイクロソフトの販売担当者経由の MCA"
    assert result.rule is not None and "3,000シート" in result.rule
    assert "エンタープライズ モーションをお勧めします" in result.rule and "寄り" not in result.rule


# Property tests: invariants of the decision table.
terms = st.none() | st.lists(st.sampled_from(list(SpecialTerm)), unique=True, max_size=5)
profiles = st.builds(
    Profile,
    seats=st.none() | st.integers(min_value=0, max_value=10_000_000),
    azure_annual_usd=st.none() | st.floats(min_value=0, max_value=1e10, allow_nan=False),
    special_terms=terms,
    self_service=st.none() | st.booleans(),
    preferred_motion=st.none() | st.sampled_from(list(Motion)),
)


@given(profiles, st.sampled_from(["en", "ja"]))
def test_result_is_a_motion_or_a_question(profile: Profile, lang: str) -> None:
    result = classify(profile, lang)  # type: ignore[arg-type]
    if result.motion is None:
        assert result.missing
        assert result.missing[0] in list(Slot)
    else:
        assert result.missing == []
        assert result.vehicle and result.rule and result.reasons and result.partner_roles


@given(profiles, st.sampled_from(["en", "ja"]))
def test_a_result_speaks_to_the_customer(profile: Profile, lang: str) -> None:
    result = classify(profile, lang)  # type: ignore[arg-type]
    texts = [result.rule or "", *result.facts, *result.what_would_change, *result.partner_roles]
    texts += [r.text for r in result.reasons] + [a.note for a in result.alternatives]
    for text in texts:
        if lang == "en":
            assert "the customer" not in text.lower() and "the buyer" not in text.lower(), text
        else:
            assert "自分たち" not in text and "席" not in text and "寄り" not in text, text


# What each "what would change" line claims, as a change to the profile and the motion it gives.
_CLAIMS: dict[str, tuple[dict[str, Any], set[Motion | None]]] = {
    "change.grow": ({"seats": 2_401}, {Motion.ENTERPRISE}),
    "change.shrink": ({"seats": 2_400, "azure_annual_usd": 1e6}, {Motion.BREADTH}),
    "change.drop_pref": ({"preferred_motion": None}, {Motion.ENTERPRISE}),
    "change.pref_breadth": ({"preferred_motion": Motion.BREADTH}, {Motion.BREADTH}),
    "change.go_self": ({"self_service": True}, {Motion.SELF_SERVICE}),
    "change.add_term": ({"special_terms": [SpecialTerm.MULTI_AFFILIATE]}, {Motion.ENTERPRISE}),
    "change.want_help": (
        {"self_service": False, "preferred_motion": None},
        {Motion.BREADTH, Motion.ENTERPRISE, None},
    ),
}


def test_what_would_change_holds_and_respects_a_preference() -> None:
    words = prompts.table("policy", "en")
    for seats, usd, special, self_service, preferred in product(
        [None, 0, 2_400, 2_401],
        [None, 0, 1e6, 1_000_000.01],
        [None, [], [SpecialTerm.MULTI_TENANT]],
        [None, True, False],
        [None, *Motion],
    ):
        profile = Profile(
            seats=seats,
            azure_annual_usd=usd,
            special_terms=special,
            self_service=self_service,
            preferred_motion=preferred,
        )
        _check_what_would_change(profile, words)


def _check_what_would_change(profile: Profile, words: Mapping[str, Any]) -> None:
    for line in classify(profile).what_would_change:
        for key, (update, motions) in _CLAIMS.items():
            if line == words[key]:
                if (
                    key == "change.want_help"
                    and profile.preferred_motion is not Motion.SELF_SERVICE
                ):
                    update = {"self_service": False}  # a preference for another motion stays
                changed = classify(profile.model_copy(update=update))
                assert changed.motion in motions, (key, profile)
    if profile.preferred_motion is Motion.BREADTH:
        assert words["change.grow"] not in classify(profile).what_would_change


@given(profiles, st.sampled_from(list(SpecialTerm)))
def test_adding_a_special_term_yields_enterprise(profile: Profile, term: SpecialTerm) -> None:
    with_term = profile.model_copy(update={"special_terms": [*(profile.special_terms or []), term]})
    assert classify(with_term).motion is Motion.ENTERPRISE


@given(profiles, st.integers(min_value=2_401, max_value=10_000_000))
def test_more_than_2400_seats_is_never_breadth_unless_preferred(
    profile: Profile, seats: int
) -> None:
    result = classify(profile.model_copy(update={"seats": seats}))
    if result.motion is Motion.BREADTH:
        assert profile.preferred_motion is Motion.BREADTH


@given(profiles)
def test_missing_never_lists_a_known_slot(profile: Profile) -> None:
    result = classify(profile)
    for slot in result.missing:
        assert getattr(profile, slot.value) is None
