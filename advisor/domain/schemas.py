"""The JSON shapes users and integrations rely on (see the public contract)."""

from __future__ import annotations

import json
import math
from enum import StrEnum
from typing import Annotated, Any, Literal

from pydantic import (
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    StrictBool,
    StrictInt,
    ValidationError,
)

from advisor.errors import UserError

Lang = Literal["en", "ja"]
LANGS: tuple[Lang, ...] = ("en", "ja")

MAX_SEATS = 10_000_000
MAX_AZURE_USD = 1_000_000_000_000


class Motion(StrEnum):
    """The three purchasing motions."""

    BREADTH = "breadth"
    ENTERPRISE = "enterprise"
    SELF_SERVICE = "self_service"


class SpecialTerm(StrEnum):
    """Contract terms that need Microsoft's special approval, and so the enterprise motion."""

    DUAL_USE_RIGHTS = "dual_use_rights"
    LEAD_STATUS_SKUS = "lead_status_skus"
    MULTI_TENANT = "multi_tenant"
    MULTI_AFFILIATE = "multi_affiliate"
    CUSTOM_CONCESSIONS = "custom_concessions"


class Slot(StrEnum):
    """What the advisor may need to ask, in question order."""

    SPECIAL_TERMS = "special_terms"
    SELF_SERVICE = "self_service"
    SEATS = "seats"
    AZURE_ANNUAL_USD = "azure_annual_usd"


def _whole_number(value: object) -> object:
    if isinstance(value, bool):
        raise ValueError("not a number")
    if isinstance(value, float) and value.is_integer():
        return int(value)
    return value


def _amount(value: object) -> object:
    if value is None:
        return value
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise ValueError("not a number")
    if isinstance(value, float) and not math.isfinite(value):
        raise ValueError("not finite")
    return value


def _unique_terms(value: object) -> object:
    if isinstance(value, list):
        return list(dict.fromkeys(value)) if all(isinstance(v, str) for v in value) else value
    return value


class Profile(BaseModel):
    """What we know about a customer; `None` means not known yet."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    seats: Annotated[StrictInt | None, BeforeValidator(_whole_number)] = Field(
        default=None, ge=0, le=MAX_SEATS
    )
    azure_annual_usd: Annotated[float | None, BeforeValidator(_amount)] = Field(
        default=None, ge=0, le=MAX_AZURE_USD
    )
    special_terms: Annotated[list[SpecialTerm] | None, BeforeValidator(_unique_terms)] = None
    self_service: StrictBool | None = None
    preferred_motion: Motion | None = None


PROFILE_FIELDS_ALLOWED: dict[str, str] = {
    "seats": f"a whole number from 0 to {MAX_SEATS:,} (seat-based licences), or null",
    "azure_annual_usd": f"a number from 0 to {MAX_AZURE_USD:,} (yearly Azure USD), or null",
    "special_terms": "a list of "
    + ", ".join(t.value for t in SpecialTerm)
    + " ([] for none), or null",
    "self_service": "true, false or null",
    "preferred_motion": "one of " + ", ".join(m.value for m in Motion) + ", or null",
}


def parse_json(text: str, what: str) -> object:
    """Parse JSON input, or raise a UserError saying where it broke."""
    try:
        return json.loads(text)
    except json.JSONDecodeError as exc:
        raise UserError(
            f"{what}: not valid JSON ({exc.msg} at line {exc.lineno} column {exc.colno})"
        ) from None
    except RecursionError:
        raise UserError(f"{what}: JSON nested too deeply") from None
    except ValueError:
        # Python refuses to read integers of more than 4,300 digits.
        raise UserError(f"{what}: a number in the JSON is too long") from None


def parse_profile(data: object) -> Profile:
    """Validate a profile from JSON-like data, raising `UserError` naming the first bad field."""
    if not isinstance(data, dict):
        raise UserError("profile: must be a JSON object with the fields " + _field_list())
    try:
        return Profile.model_validate(data)
    except ValidationError as exc:
        raise _profile_error(exc) from None


def _field_list() -> str:
    return ", ".join(PROFILE_FIELDS_ALLOWED)


def _profile_error(exc: ValidationError) -> UserError:
    error = exc.errors()[0]
    field = str(error["loc"][0]) if error["loc"] else "profile"
    if error["type"] == "extra_forbidden":
        return UserError(f"{field}: unknown field; allowed fields are {_field_list()}", field=field)
    allowed = PROFILE_FIELDS_ALLOWED.get(field, "")
    got = _show(error.get("input"))
    return UserError(f"{field}: must be {allowed} (got {got})", field=field)


def _show(value: Any) -> str:
    text = repr(value) if not isinstance(value, str) else f'"{value}"'
    return text if len(text) <= 40 else text[:37] + "..."


class Citation(BaseModel):
    """A pointer into the knowledge base."""

    id: str
    title: str
    section: str
    source: str
    published: str
    lang: Lang


class Reason(BaseModel):
    """One reason for a result, with the knowledge sections that support it."""

    text: str
    citations: list[str]


class Alternative(BaseModel):
    """A motion that is also allowed, with its caveat."""

    motion: Motion
    note: str


class Classification(BaseModel):
    """The classifier's result for one profile."""

    motion: Motion | None
    vehicle: str | None
    missing: list[Slot]
    rule: str | None
    rule_id: int | None = None
    reasons: list[Reason]
    alternatives: list[Alternative]
    what_would_change: list[str]
    partner_roles: list[str]
    facts: list[str]
    profile: Profile
    lang: Lang


class Answer(BaseModel):
    """An answer to a guidance question."""

    answer: str
    citations: list[Citation]
    lang: Lang
    answered: bool = True
    as_of: str | None = None
    # why a question was not answered: price, vendor, topic, later, afterwards or contact
    refusal: str | None = None


class QuestionOption(BaseModel):
    """A quick reply offered with a question."""

    value: Any
    label: str


class Question(BaseModel):
    """A structured question the advisor asks the customer."""

    slot: str
    text: str
    help: str | None = None
    options: list[QuestionOption]


class ChatTurn(BaseModel):
    """One advisor reply in a conversation."""

    session_id: str
    reply: str
    lang: Lang
    question: Question | None
    recommendation: Classification | None
    citations: list[Citation]
    # the reply without what a recommendation card shows (why, alternatives, next step), for
    # channels that show the card under it; set on the turn a new recommendation is made
    brief: str | None = None
    # the turn's number in its conversation, from 1: what a rating of it names
    number: int | None = None
