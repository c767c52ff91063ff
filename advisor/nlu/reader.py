"""Turn one customer message, in English or Japanese, into facts for the profile slots.

Deterministic: regular expressions and tables, no model, no I/O. The whole message is
normalised once (NFKC, lower case, number words to digits) and every rule reads that one
string, so positions agree between rules and "the latest statement wins" is a position
comparison.
"""

from __future__ import annotations

from decimal import Decimal

from pydantic import BaseModel, ConfigDict

from advisor.domain.schemas import Motion, Slot, SpecialTerm
from advisor.nlu.answers import NO, NO_AZURE, NO_SEATS, UNSURE, YES
from advisor.nlu.injection import injection_spans
from advisor.nlu.preferences import find_preference, find_self_service
from advisor.nlu.quantities import AZURE_WORD, find_numbers
from advisor.nlu.questions import question_spans
from advisor.nlu.terms import find_special_terms
from advisor.nlu.text import blank, normalise


class Understanding(BaseModel):
    """Facts and signals understood from one customer message."""

    model_config = ConfigDict(frozen=True)

    seats: int | None = None
    seats_inferred: bool = False
    azure_annual_usd: float | None = None
    currency_unsupported: str | None = None
    special_terms: tuple[SpecialTerm, ...] | None = None
    self_service: bool | None = None
    preferred_motion: Motion | None = None
    asks_question: bool = False
    injection: bool = False

    def facts(self) -> dict[str, object]:
        """Return only the profile slots this message set, ready for the profile."""
        found: dict[str, object] = {}
        if self.seats is not None:
            found["seats"] = self.seats
        if self.azure_annual_usd is not None:
            found["azure_annual_usd"] = self.azure_annual_usd
        if self.special_terms is not None:
            found["special_terms"] = [term.value for term in self.special_terms]
        if self.self_service is not None:
            found["self_service"] = self.self_service
        if self.preferred_motion is not None:
            found["preferred_motion"] = self.preferred_motion.value
        return found


def understand(text: str, *, expecting: Slot | None = None) -> Understanding:
    """Turn one customer message into facts for the profile slots.

    Args:
        text: the customer's message, in English, Japanese or both.
        expecting: the slot the advisor just asked about, so a bare answer ("yes", "2500",
            "いいえ") fills it.
    """
    if not isinstance(text, str):
        return Understanding()
    s = normalise(text)
    injected = injection_spans(s)
    safe = blank(s, injected)
    asked = question_spans(safe)
    said = blank(safe, asked)  # only what the customer states, not asks or instructs
    azure_anywhere = bool(AZURE_WORD.search(said))
    numbers = find_numbers(s, asked, expecting, azure_anywhere)
    bare_no = expecting is not None and not UNSURE.search(said) and NO.match(said) is not None

    explicit = [(p, v) for p, v, inferred in numbers.seats if not inferred]
    explicit += [(m.start(), 0) for m in NO_SEATS.finditer(said)]
    seats: int | None = None
    seats_inferred = False
    if explicit:
        seats = max(explicit, key=lambda c: c[0])[1]
    elif numbers.seats:
        seats = numbers.seats[-1][1]
        seats_inferred = True
    elif expecting == Slot.SEATS and bare_no:
        seats = 0

    usd: list[tuple[int, Decimal, bool]] = [(p, v, True) for p, v in numbers.usd]
    usd += [(m.start(), Decimal(0), False) for m in NO_AZURE.finditer(said)]
    usd.sort(key=lambda c: c[0])
    azure: float | None = None
    currency: str | None = None
    latest_foreign = numbers.foreign[-1] if numbers.foreign else None
    amounts = [c for c in usd if c[2]]
    if latest_foreign and (not usd or latest_foreign[0] > usd[-1][0]):
        if amounts:
            azure = float(amounts[-1][1])
        else:
            currency = latest_foreign[1]
    elif usd:
        azure = float(usd[-1][1])
    elif expecting == Slot.AZURE_ANNUAL_USD and bare_no:
        azure = 0.0

    service = find_self_service(said)
    self_service = service[1] if service else None
    if self_service is None and expecting == Slot.SELF_SERVICE and not UNSURE.search(said):
        if YES.match(said):
            self_service = True
        elif NO.match(said):
            self_service = False
    preferred = None if injected else find_preference(said)
    if preferred == Motion.SELF_SERVICE:
        self_service = True

    return Understanding(
        seats=seats,
        seats_inferred=seats_inferred,
        azure_annual_usd=azure,
        currency_unsupported=currency,
        special_terms=find_special_terms(said, expecting),
        self_service=self_service,
        preferred_motion=preferred,
        asks_question=bool(asked),
        injection=bool(injected),
    )
