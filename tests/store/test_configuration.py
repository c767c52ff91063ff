"""What admins configure: checked values, the deployment's defaults under them, shared by workers."""

from __future__ import annotations

from pathlib import Path

import pytest

from advisor.config import Settings
from advisor.errors import UserError
from advisor.store.configuration import (
    FRESH_FOR_S,
    NEXT_STEP_LINKS,
    ConfigurationStore,
    check_changes,
)

PARTNERS = "https://partners.contoso.example/find?market=jp"


def test_unset_values_are_the_deployments(tmp_path: Path) -> None:
    store = ConfigurationStore(Settings(data_dir=tmp_path, session_retention_days=45))
    assert store.links() == NEXT_STEP_LINKS
    assert store.retention_days() == 45
    assert store.view()["changed"] == {}


def test_a_change_is_kept_and_a_default_value_resets_it(tmp_path: Path) -> None:
    store = ConfigurationStore(Settings(data_dir=tmp_path))
    store.change(check_changes({"next_step_links": {"breadth": PARTNERS}}), by="admin-1")
    assert store.links() == {**NEXT_STEP_LINKS, "breadth": PARTNERS}
    changed = store.view()["changed"]
    assert list(changed) == ["next_step_links.breadth"]
    assert changed["next_step_links.breadth"]["by"] == "admin-1"
    # another store on the same database (another worker) sees it
    assert ConfigurationStore(Settings(data_dir=tmp_path)).links()["breadth"] == PARTNERS
    store.change(check_changes({"next_step_links": {"breadth": NEXT_STEP_LINKS["breadth"]}}), "a")
    assert store.links() == NEXT_STEP_LINKS and store.view()["changed"] == {}


def test_other_workers_see_a_change_within_a_few_seconds(tmp_path: Path) -> None:
    now = [100.0]
    reader = ConfigurationStore(Settings(data_dir=tmp_path), clock=lambda: now[0])
    assert reader.retention_days() == 30
    ConfigurationStore(Settings(data_dir=tmp_path)).change({"session_retention_days": 7.0}, "a")
    assert reader.retention_days() == 30  # what it read a moment ago
    now[0] += FRESH_FOR_S
    assert reader.retention_days() == 7


@pytest.mark.parametrize(
    ("body", "error"),
    [
        ({"next_step_links": {"breadth": "http://partners.example"}}, "next_step_links.breadth"),
        ({"next_step_links": {"breadth": "javascript:alert(1)"}}, "next_step_links.breadth"),
        ({"next_step_links": {"breadth": "https://"}}, "next_step_links.breadth"),
        ({"next_step_links": {"breadth": "https://a.example/" + "x" * 2000}}, "next_step_links"),
        ({"next_step_links": {"breadth": "https://a.example/a b"}}, "next_step_links.breadth"),
        ({"next_step_links": {"breadth": 7}}, "next_step_links.breadth"),
        ({"next_step_links": {"retail": "https://a.example"}}, "next_step_links"),
        ({"next_step_links": {}}, "next_step_links"),
        ({"next_step_links": ["https://a.example"]}, "next_step_links"),
        ({"session_retention_days": -1}, "session_retention_days"),
        ({"session_retention_days": 4000}, "session_retention_days"),
        ({"session_retention_days": True}, "session_retention_days"),
        ({"session_retention_days": "30"}, "session_retention_days"),
        ({"session_retention_days": float("nan")}, "session_retention_days"),
        ({"theme": "dark"}, "theme"),
    ],
)
def test_bad_values_are_refused_with_the_field_named(body: dict[str, object], error: str) -> None:
    with pytest.raises(UserError) as raised:
        check_changes(body)
    assert raised.value.message.startswith(error)


def test_good_values_are_taken_as_given() -> None:
    assert check_changes(
        {
            "next_step_links": {"enterprise": " https://sellers.example/ja "},
            "session_retention_days": 0,
        }
    ) == {"next_step_links.enterprise": "https://sellers.example/ja", "session_retention_days": 0.0}
