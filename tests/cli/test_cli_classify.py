"""`advisor classify`: exact output for good profiles and one clear line for bad ones."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tests.cli_helpers import run_cli


@pytest.fixture
def cli(capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch):  # type: ignore[no-untyped-def]
    return lambda args, stdin="": run_cli(args, stdin, capsys, monkeypatch)


PROFILE = {"seats": 300, "azure_annual_usd": 50000, "special_terms": [], "self_service": False}


def test_valid_profile_prints_the_classification(cli) -> None:  # type: ignore[no-untyped-def]
    run = cli(["classify"], json.dumps(PROFILE))
    assert (run.code, run.err) == (0, "")
    assert run.out.endswith("\n") and run.out.count("\n") == 1
    result = json.loads(run.out)
    assert result["motion"] == "breadth"
    assert result["vehicle"] == "CSP partner"
    assert result["missing"] == []
    assert result["rule"] == (
        "Rule 7: 300 seats and USD 50,000 of Azure a year are both within the breadth thresholds "
        "and no special terms are needed, so the answer is breadth through a CSP partner."
    )
    assert result["profile"] == {**PROFILE, "preferred_motion": None}
    assert set(result) >= {
        "motion",
        "vehicle",
        "missing",
        "rule",
        "reasons",
        "alternatives",
        "what_would_change",
        "partner_roles",
        "profile",
    }
    assert result["reasons"] and all(reason["citations"] for reason in result["reasons"])


def test_undecided_profile_lists_missing_slots(cli) -> None:  # type: ignore[no-untyped-def]
    run = cli(["classify"], "{}")
    assert run.code == 0
    assert json.loads(run.out)["missing"] == [
        "special_terms",
        "self_service",
        "seats",
        "azure_annual_usd",
    ]


def test_file_option_and_japanese(cli, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    path = tmp_path / "profile.json"
    path.write_text(json.dumps({"special_terms": ["multi_affiliate"]}), encoding="utf-8")
    run = cli(["classify", "--file", str(path), "--lang", "ja"])
    result = json.loads(run.out)
    assert (result["motion"], result["lang"]) == ("enterprise", "ja")
    assert "マルチアフィリエイト" in result["rule"]


def test_explain_is_readable(cli) -> None:  # type: ignore[no-untyped-def]
    run = cli(["classify", "--explain"], json.dumps({**PROFILE, "seats": 5000}))
    assert run.code == 0
    lines = run.out.splitlines()
    assert lines[0] == "Recommendation: enterprise (EA or MCA with a Microsoft seller)"
    assert lines[1] == "Buy through: EA or MCA via a Microsoft seller"
    assert "Alternatives:" in lines
    assert (
        "  - breadth: CSP is still allowed above 2,400 seats or USD 1,000,000 a year, but the partner's economics on the extra seats or spend are less attractive."
        in lines
    )


SEATS = "seats: must be a whole number from 0 to 10,000,000 (seat-based licences), or null"


@pytest.mark.parametrize(
    ("stdin", "error"),
    [
        ('{"seats": -1}', f"{SEATS} (got -1)"),
        ('{"seats": 12.5}', f"{SEATS} (got 12.5)"),
        ('{"seats": "300"}', f'{SEATS} (got "300")'),
        ('{"seats": true}', f"{SEATS} (got True)"),
        ('{"seats": 10000001}', f"{SEATS} (got 10000001)"),
        (
            '{"azure_annual_usd": "1m"}',
            'azure_annual_usd: must be a number from 0 to 1,000,000,000,000 (yearly Azure USD), or null (got "1m")',
        ),
        (
            '{"special_terms": ["cheap"]}',
            'special_terms: must be a list of dual_use_rights, lead_status_skus, multi_tenant, multi_affiliate, custom_concessions ([] for none), or null (got "cheap")',
        ),
        (
            '{"special_terms": "multi_tenant"}',
            'special_terms: must be a list of dual_use_rights, lead_status_skus, multi_tenant, multi_affiliate, custom_concessions ([] for none), or null (got "multi_tenant")',
        ),
        (
            '{"preferred_motion": "csp"}',
            'preferred_motion: must be one of breadth, enterprise, self_service, or null (got "csp")',
        ),
        ('{"self_service": "yes"}', 'self_service: must be true, false or null (got "yes")'),
        (
            '{"employees": 40}',
            "employees: unknown field; allowed fields are seats, azure_annual_usd, special_terms, self_service, preferred_motion",
        ),
        (
            "[1, 2]",
            "profile: must be a JSON object with the fields seats, azure_annual_usd, special_terms, self_service, preferred_motion",
        ),
        ('{"seats": ', "profile: not valid JSON (Expecting value at line 1 column 11)"),
        ("", "profile: not valid JSON (Expecting value at line 1 column 1)"),
    ],
)
def test_bad_profiles_exit_2_with_one_line(cli, stdin: str, error: str) -> None:  # type: ignore[no-untyped-def]
    run = cli(["classify"], stdin)
    assert (run.code, run.out) == (2, "")
    assert run.err == f"Error: {error}\n"


def test_missing_file(cli, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    run = cli(["classify", "--file", str(tmp_path / "nope.json")])
    assert (run.code, run.out) == (2, "")
    assert run.err == f"Error: --file: no such file: {tmp_path / 'nope.json'}\n"
