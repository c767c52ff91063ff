"""The classifier against every rule of the motion policy."""

from __future__ import annotations

from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

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
        "wants a partner or Microsoft to help",
        "300 seats",
        "USD 50,000 of Azure a year",
    ]
    assert result.partner_roles[0].startswith("Owns the whole customer relationship")
    assert any("multi-affiliate" in change for change in result.what_would_change)


def test_preferred_enterprise_below_thresholds_stays_breadth_with_a_note() -> None:
    result = classify(
        parse_profile(
            {**NEEDS_HELP, "seats": 50, "azure_annual_usd": 0, "preferred_motion": "enterprise"}
        )
    )
    assert result.motion is Motion.BREADTH
    assert [a.motion for a in result.alternatives] == [Motion.ENTERPRISE]


def test_japanese_result() -> None:
    result = classify(parse_profile({**NEEDS_HELP, "seats": 3000}), "ja")
    assert result.lang == "ja"
    assert result.vehicle == "EA、またはマイクロソフトの販売担当者経由の MCA"
    assert result.rule is not None and "3,000 シート" in result.rule


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
