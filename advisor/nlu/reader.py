"""Turn one customer message, in English or Japanese, into facts for the profile slots.

Two readers, each doing what it does best, both deterministic and without I/O:
- rules read figures (seats, amounts, currencies, periods, corrections) and instructions to the
  assistant. The whole message is normalised once (NFKC, lower case, number words to digits)
  and every rule reads that one string, so positions agree between rules and "the latest
  statement wins" is a position comparison;
- a learned model (`learned.py`, trained on the labelled corpus) reads what the message means:
  its act (an answer, unsure, a refusal, a question, small talk, an instruction) and what it says
  about self-service, special terms and a preferred motion.
"""

from __future__ import annotations

import re
from decimal import Decimal
from typing import Literal, TypeVar

from pydantic import BaseModel, ConfigDict

from advisor.domain.schemas import Motion, Slot, SpecialTerm
from advisor.nlu.answers import FILLER, NO, NO_AZURE, NO_SEATS, UNSURE, YES
from advisor.nlu.corpus import Act
from advisor.nlu.injection import disowned_spans, injection_spans
from advisor.nlu.learned import Meaning, learned_reader
from advisor.nlu.preferences import find_preference, find_self_service
from advisor.nlu.quantities import AZURE_WORD, find_numbers
from advisor.nlu.questions import echoes_figure, echoes_topic, question_spans
from advisor.nlu.rates import CORRECTION, STRONG_CORRECTION, Rate, find_rate
from advisor.nlu.terms import read_special_terms
from advisor.nlu.text import blank, merge, normalise


class Understanding(BaseModel):
    """Facts and signals understood from one customer message."""

    model_config = ConfigDict(frozen=True, arbitrary_types_allowed=True)

    seats: int | None = None
    seats_inferred: bool = False
    azure_annual_usd: float | None = None
    currency_unsupported: str | None = None
    foreign_amount: float | None = None  # the yearly amount in that currency
    rate: Rate | None = None  # an exchange rate the customer gave
    converted_from: str | None = None  # e.g. "JPY 30,000,000", when converted at a given rate
    # the Azure amount was given per month (12), quarter (4), week (52) or day (365)
    azure_per_year: int | None = None
    # the figure asked for, read from what the rules could not place: a plain number ("2400ちょう
    # ど", "40 liscenses") or a no in words ("nada", 「契約しない方針です」); recorded only when
    # the model reads the reply as an answer
    unplaced: tuple[Slot, int] | None = None
    taken_back: tuple[SpecialTerm, ...] = ()  # terms the message says are not needed after all
    special_terms: tuple[SpecialTerm, ...] | None = None
    self_service: bool | None = None
    preferred_motion: Motion | None = None
    asks_question: bool = False
    injection: bool = False
    act: Act = "smalltalk"
    confidence: float = 1.0  # how sure the reader is of the act, 0 to 1

    @property
    def exchange_rate(self) -> float | None:
        """Units of the rate's currency per US dollar, if the customer gave a rate."""
        return self.rate.per_usd if self.rate else None

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


Reader = Literal["combined", "rules"]
# between two head counts that add up: "65 lawyers plus 20 support staff", 「正社員50人と派遣10人」
_PLUS = re.compile(
    r"\d[\d,.]*\s*[^\d]{0,30}?\s(?:plus|\+|and also|as well as)\s[^\d]{0,20}"
    r"|\d[\d,.]*[^\d]{0,12}?(?:と|に加えて|プラス|\+)[^\d]{0,12}"
    # a second group of people listed after the first: 「社員300名、アルバイト50名」
    r"|\d[\d,.]*[^\d]{0,12}?[、,]\s*(?:アルバイト|パート|派遣|契約社員|業務委託|非常勤|嘱託)"
    r"[^\d]{0,8}"
)
# a count of one plan's seats: "1800 E3", "200 frontline F3", 「E3を650」 is read by the rules
_PRODUCT_COUNT = re.compile(
    r"(?<![\d,.])(\d{1,3}(?:,\d{3})+|\d+)\s*(?:x\s*)?(?:(?:frontline|office|kiosk|m365|o365"
    r"|microsoft 365|office 365)\s+)?(?:e[1357]|f[13]|a[135]|business (?:basic|standard|premium)"
    r"|bp|m365|o365)(?![a-z0-9])"
)
# a no in words: "nada", "no plans for it", 「使う予定ありません」, 「契約しない方針」
_NEGATIVE = re.compile(
    r"\b(?:no|not|none|nothing|nada|zero|zilch|never|nil|n/a|don't|doesn't|won't|isn't)\b"
    r"|ない|なし|無し|ゼロ|ません|不要|要らない|いらない|対象外|しない",
)
SURE = 0.6  # the least confidence at which the model's reading of a slot is recorded
SURE_OF_TERM = 0.7
SURE_ASKED = 0.5
# the model overrides the rules' reading of terms ("two tenants, merged last year: none") and of
# self-service ("a partner for the setup, then we manage it ourselves") above these
OVERRIDE = 0.9  # a reading the model is this sure of stands beside a question ("…, is that ok?")
OVERRIDE_TERMS = 0.8
OVERRIDE_FOUND_TERMS = 0.95  # against a term the rules found said plainly
OVERRIDE_SERVICE = 0.7
SURE_CSP = 0.7  # a wish to buy through CSP beside a wish for help needs to be plain
SURE_UNASKED = 0.85
SURE_UNSURE = 0.7  # below this, a reply the rules see as a question is one, not unsure
SURE_PLAIN = 0.9  # no special terms read from a message that only gives a figure
SURE_LOOSE = 0.8  # a number the rules cannot place is a count only in a plain answer
UNCLEAR = 0.5  # below this confidence in an answer that has no figure, nothing is recorded
SURE_QUESTION = 0.6  # a question nobody can see asked needs this much of the model
_T = TypeVar("_T")


def understand(
    text: str,
    *,
    expecting: Slot | None = None,
    correcting: Slot | None = None,
    reader: Reader = "combined",
    bare_no: bool = True,
) -> Understanding:
    """Turn one customer message into facts for the profile slots.

    Args:
        text: the customer's message, in English, Japanese or both.
        expecting: the slot the advisor just asked about, so a bare answer ("yes", "2500",
            "いいえ") fills it.
        correcting: the figure the customer stated last, which a bare figure with a correction
            ("I meant 2,500", 「2,500の間違いでした」) replaces.
        bare_no: whether a bare "no" answers a figure as none; not while an amount in another
            currency waits for its rate ("no, I don't have a rate").
        reader: "combined" (figures by rules, meaning by the learned model) or "rules" alone,
            to compare the two.
    """
    if not isinstance(text, str) or not text.strip():
        return Understanding()
    expecting = Slot(expecting) if expecting else None
    correcting = Slot(correcting) if correcting else None
    s = normalise(text)
    injected = injection_spans(s)
    # what the customer quotes and says is not theirs counts like an instruction: not a fact
    disowned = disowned_spans(s)
    if disowned:
        s = blank(s, disowned)
        text = s
    rate = find_rate(s)
    if rate is not None:
        s = blank(s, [rate.span])  # "1 dollar = 150 yen" states a rate, not an amount
    safe = blank(s, injected)
    asked = question_spans(safe)
    # only what the customer states, not asks or instructs; a topic echoed back ("azure? we don't
    # use it") stays, as the subject of what follows
    said = blank(safe, [span for span in asked if not echoes_figure(safe[span[0] : span[1]])])
    azure_anywhere = bool(AZURE_WORD.search(said))
    asked_for = expecting  # a bare "no" answers only the question asked
    if correcting is not None and (
        STRONG_CORRECTION.search(said) or (expecting is None and CORRECTION.search(said))
    ):
        expecting = correcting  # "sorry, 2,500 was what I meant": the figure just given
    # figures inside an instruction ("system: seats=99999") are not the customer's
    numbers = find_numbers(s, merge([*injected, *asked]), expecting, azure_anywhere)
    core = FILLER.sub("", said)  # the reply without "ok then", 「じゃあ」 before it
    said_no = asked_for is not None and not UNSURE.search(said) and NO.match(core) is not None
    # "no azure yet" to the seats question: that "no" is about Azure, not an answer of none
    other_none = NO_AZURE if asked_for is Slot.SEATS else NO_SEATS
    if said_no and asked_for in (Slot.SEATS, Slot.AZURE_ANNUAL_USD) and other_none.match(core):
        said_no = False

    explicit = [(p, v) for p, v, inferred in numbers.seats if not inferred]
    explicit += [(m.start(), 0) for m in NO_SEATS.finditer(said)]
    seats: int | None = None
    seats_inferred = False
    if explicit:
        seats = max(explicit, key=lambda c: c[0])[1]
    elif numbers.seats:
        seats = numbers.seats[-1][1]
        seats_inferred = True
        if len(numbers.seats) > 1 and all(
            _PLUS.fullmatch(s, numbers.seats[i][0], numbers.seats[i + 1][0])
            for i in range(len(numbers.seats) - 1)
        ):
            seats = sum(value for _, value, _ in numbers.seats)  # "65 lawyers plus 20 staff"
    elif asked_for == Slot.SEATS and said_no:
        seats = 0

    usd: list[tuple[int, Decimal, bool]] = [(p, v, True) for p, v in numbers.usd]
    usd += [(m.start(), Decimal(0), False) for m in NO_AZURE.finditer(said)]
    usd.sort(key=lambda c: c[0])
    azure: float | None = None
    azure_per_year: int | None = None
    currency: str | None = None
    foreign_amount: float | None = None
    converted_from: str | None = None
    latest_foreign = numbers.foreign[-1] if numbers.foreign else None
    amounts = [c for c in usd if c[2]]
    if latest_foreign and (not usd or latest_foreign[0] > usd[-1][0]):
        if amounts:
            azure = float(amounts[-1][1])
        elif rate is not None and rate.currency in (None, latest_foreign[1]):
            azure = rate.to_usd(float(latest_foreign[2]))
            converted_from = f"{latest_foreign[1]} {float(latest_foreign[2]):,.0f}"
        else:
            currency = latest_foreign[1]
            foreign_amount = float(latest_foreign[2])
    elif usd:
        azure = float(usd[-1][1])
        azure_per_year = numbers.periods.get(usd[-1][0]) if usd[-1][2] else None
    elif asked_for == Slot.AZURE_ANNUAL_USD and said_no and bare_no:
        azure = 0.0

    # "we don't really use Azure yet": a no about Azure (or seats) and nothing else says none
    # to nothing else, while "nope, no Azure yet" also answers the question asked
    about = [m.span() for pattern in (NO_AZURE, NO_SEATS) for m in pattern.finditer(said)]
    rest = FILLER.sub("", blank(said, about)).strip()
    other_only = bool(about) and NO.match(rest) is None and _little(rest)
    # a message that gives a figure and denies nothing ("we're around 900 staff") hardly says
    # that no special terms are needed, whichever question it answers
    stated_figure = seats is not None or azure is not None or currency is not None
    figure_only = stated_figure and not NEGATION.search(said)
    terms, taken = read_special_terms(said, expecting, counted=bool(seats))
    service = find_self_service(said)
    self_service = service[1] if service else None
    if self_service is None and asked_for == Slot.SELF_SERVICE and not UNSURE.search(said):
        if YES.match(core):
            self_service = True
        elif NO.match(core) and not other_only and terms != ():
            # "we don't need any of that" after a term was explained denies the terms: its no
            # is not also an answer to the self-service question
            self_service = False
    preferred = None if injected else find_preference(said)

    unplaced: tuple[Slot, int] | None = None
    if asked_for is Slot.SEATS and seats is None and not numbers.usd and not numbers.foreign:
        products = [int(m.group(1).replace(",", "")) for m in _PRODUCT_COUNT.finditer(said)]
        if len(numbers.loose) == 1:
            unplaced = (Slot.SEATS, numbers.loose[0][1])
        elif len(numbers.loose) > 1 and len(products) == len(numbers.loose):
            unplaced = (Slot.SEATS, sum(products))  # "1800 E3 plus 200 E5": each plan's seats
    no_figure = seats is None and azure is None and currency is None
    if unplaced is None and asked_for in (Slot.SEATS, Slot.AZURE_ANNUAL_USD) and no_figure:
        unplaced = (asked_for, 0) if _NEGATIVE.search(said) else None
    rules = Understanding(
        unplaced=unplaced,
        seats=seats,
        seats_inferred=seats_inferred,
        azure_annual_usd=azure,
        azure_per_year=azure_per_year,
        currency_unsupported=currency,
        foreign_amount=foreign_amount,
        rate=rate,
        converted_from=converted_from,
        special_terms=terms,
        taken_back=taken,
        self_service=self_service,
        preferred_motion=preferred,
        asks_question=any(not echoes_topic(safe[a:b]) for a, b in asked),
        injection=bool(injected),
    )
    rules = rules.model_copy(update={"act": _rules_act(rules, said)})
    if reader == "rules":
        if preferred == Motion.SELF_SERVICE:
            rules = rules.model_copy(update={"self_service": True})
        return rules
    if asked_for is Slot.SELF_SERVICE and _NO_PREFERENCE.fullmatch(core.strip(" .!?。！？")):
        # 「特になし」, "no preference": no way of buying chosen, so the advisor assumes they
        # want help and says so, rather than noting a wish they did not state
        return Understanding(act="unsure", confidence=1.0)
    meaning = learned_reader().read(text, expecting)
    return combine(rules, meaning, expecting, other_only=other_only, figure_only=figure_only)


NEGATION = re.compile(
    r"\b(?:no|not|none|nothing|never|nope|nah|without|neither|nor)\b|n't\b|n/a"
    r"|ない|なし|無し|不要|いらな|要らな|ません|ゼロ|皆無",
    re.IGNORECASE,
)
_NO_PREFERENCE = re.compile(
    r"(?:(?:no|not any) (?:particular |real |strong )?preferences?|nothing (?:in )?particular"
    r"|none|nothing|n/?a|no idea|not really|(?:i |we )?don'?t (?:really )?mind|(?:it )?doesn'?t"
    r" matter|whatever|either(?: way| is fine| one)?)"
    r"|(?:特に)?(?:なし|ない(?:です)?|ありません|こだわり(?:は)?(?:なし|ない(?:です)?|ありません))"
    r"|(?:希望|要望)(?:は)?(?:特に)?(?:なし|ない(?:です)?|ありません)|特には?",
    re.IGNORECASE,
)


def _rules_act(reading: Understanding, said: str) -> Act:
    if reading.injection:
        return "instruction"
    if reading.facts():
        return "answer"
    if UNSURE.search(said):
        return "unsure"
    return "question" if reading.asks_question else "smalltalk"


def combine(
    rules: Understanding,
    meaning: Meaning,
    asked_about: Slot | None = None,
    *,
    other_only: bool = False,
    figure_only: bool = False,
) -> Understanding:
    """Put the rules' figures and the learned meaning together into one reading.

    Nothing is recorded from a refusal, small talk or an instruction; an unsure reply keeps only
    the figures it estimates. An instruction the rules spot stays an instruction, whatever the
    model reads. With `other_only` (the message's only no is about Azure or seats), the model's
    reading of a no to special terms or to self-service is not taken. With `figure_only` (a
    figure, and no word that denies anything), no special terms are read unless the model is
    very sure.
    """
    act: Act = "instruction" if rules.injection else meaning.act
    confidence = 1.0 if rules.injection else meaning.act_confidence
    if rules.unplaced is not None and act == "answer" and confidence >= SURE_LOOSE:
        slot, value = rules.unplaced
        figure = float(value) if slot is Slot.AZURE_ANNUAL_USD else value
        rules = rules.model_copy(update={slot.value: figure})
    if confidence < UNCLEAR and act == "answer" and not rules.facts():
        # too unsure to record anything: the advisor asks again, differently. A reply the model
        # takes for an answer it cannot place ("infinity") is no refusal to answer.
        other = meaning.other_act
        act = "unsure" if rules.act == "unsure" or other == "refuse" else other
    if act == "question" and not rules.asks_question and confidence < SURE_QUESTION:
        # "Hello, we're looking at Microsoft 365": nothing asked that the rules can see, and a
        # model in two minds; a greeting, answered with the first question, not a search
        act = "smalltalk"
    stated = rules.facts()
    if act == "question" and not rules.asks_question and stated:
        act = "answer"  # 「Azure？まだです」: the topic echoed back, then the answer to it
    figures = rules.seats is not None or rules.azure_annual_usd is not None
    counted = bool(rules.seats or rules.azure_annual_usd)  # a figure stated, not a bare "no"
    if act in ("smalltalk", "refuse") and stated and (act == "smalltalk" or counted):
        act = "answer"  # "ok thanks. 1,800 seats", "oops i meant 60 not 600": an answer
    plain_wish = meaning.preferred_motion is not None and meaning.preference_confidence >= OVERRIDE
    if (
        act == "answer"
        and rules.act == "question"
        and not stated
        and confidence < 0.9
        and not plain_wish
    ):
        act = (
            "question"  # 「デュアルユース権とはどのようなものでしょうか」 asks; it does not answer
        )
    if act == "unsure" and figures:
        act = "answer"  # "hmm, I'd guess 700": an estimate is an answer
    if act == "unsure" and rules.act == "question" and confidence < SURE_UNSURE:
        # "can we still stay with our partner?": a question the model half takes for not
        # knowing the answer is asked, and answered, rather than the question explained again
        act = "question"
    if act == "instruction" and figures and not rules.injection and confidence < 0.7:
        act = "answer"  # "900,000 USD per annum" read as an order by a model in two minds
    if act == "instruction" and stated and rules.converted_from and not rules.injection:
        act = "answer"  # "EUR 700,000 a year; use 1 EUR = 1.10 USD": an amount, converted
    if act == "instruction" and rules.injection and stated:
        # what the customer states beside an instruction still counts; the rules have blanked
        # the instruction itself, and the agent records only facts they confirm
        return rules.model_copy(update={"act": act, "confidence": confidence})
    if act in ("refuse", "smalltalk", "instruction"):
        return Understanding(
            asks_question=rules.asks_question,
            injection=rules.injection,
            act=act,
            confidence=confidence,
            # a rate to convert at is no fact, but it converts an amount given earlier
            rate=rules.rate,
        )
    update: dict[str, object] = {"act": act, "confidence": confidence}
    if act == "unsure":
        update |= {"special_terms": None, "self_service": None, "preferred_motion": None}
    elif act == "question":
        pass  # the rules read only what the message states outside its questions
    else:
        # Terms and self-service: the rules' reading where they find one (they know which of
        # two statements came last), else the model's; a preference: the model's, else the
        # rules'.
        # A reading the model is unsure of is left out rather than recorded.
        # a special term decides enterprise on its own, so the model must be surer of one
        needed = SURE_OF_TERM if meaning.special_terms else SURE
        if asked_about is Slot.SPECIAL_TERMS and not meaning.special_terms:
            needed = SURE_ASKED
        if meaning.special_terms and asked_about is not Slot.SPECIAL_TERMS:
            needed = SURE_UNASKED  # a term nobody asked about needs to be plain
        terms = meaning.special_terms if meaning.terms_confidence >= needed else None
        # the slot just asked about is read more readily than one nobody asked about
        sure = SURE_ASKED if asked_about is Slot.SELF_SERVICE else SURE
        service = meaning.self_service if meaning.self_service_confidence >= sure else None
        prefers = meaning.preferred_motion if meaning.preference_confidence >= SURE else None
        if prefers in (Motion.BREADTH, Motion.ENTERPRISE) and asked_about is not Slot.SELF_SERVICE:
            service = None  # a way of buying named is not a wish for help: that is asked apart
        # the model overrides the rules only when it is very sure of another reading
        if terms == () and meaning.terms_confidence >= (
            OVERRIDE_FOUND_TERMS if rules.special_terms else OVERRIDE_TERMS
        ):
            rules_terms: tuple[SpecialTerm, ...] | None = None
        else:
            rules_terms = rules.special_terms
        if service is not None and meaning.self_service_confidence >= OVERRIDE_SERVICE:
            rules_service: bool | None = None
        else:
            rules_service = rules.self_service
        if figure_only and terms == () and meaning.terms_confidence < SURE_PLAIN:
            terms = None
        if other_only:  # "we don't use Azure" says nothing of terms or of help
            terms = None if terms == () else terms
            service = None if service is False else service
        final_service = _first(rules_service, service)
        final_preference = _first(prefers, _rules_preference(rules))
        plain_csp = prefers is Motion.BREADTH and meaning.preference_confidence >= SURE_CSP
        if final_preference is Motion.BREADTH and final_service is False and not plain_csp:
            # 「パートナー経由での支援を希望」 asks for a partner's help, which partners give in
            # every motion; only a plain wish to buy through CSP is a preference beside it
            final_preference = None
        update |= {
            # terms both read: all of them ("one agreement for our subsidiaries, and some
            # bespoke payment terms" where the rules know only the first)
            "special_terms": _all_terms(rules_terms, terms),
            "self_service": final_service,
            "preferred_motion": final_preference,
        }
        # wanting to buy online is a preference; whether they will also manage it themselves
        # is left unsaid, and the policy decides self-service on the preference alone
    combined = rules.model_copy(update=update)
    if combined.act == "answer" and not combined.facts() and not combined.currency_unsupported:
        # an answer with nothing in it: what the rules make of it, else the model's next guess,
        # but no refusal: a reply the model takes for an answer it cannot place ("infinity")
        # does not decline to answer
        other = "unsure" if meaning.other_act == "refuse" else meaning.other_act
        act = rules.act if rules.act in ("unsure", "question") else other
        combined = combined.model_copy(update={"act": act})
    return combined


def _little(text: str) -> bool:
    """Tell whether what is left of a message is a few words at most ("we ... yet", 「まだ」)."""
    words = re.findall(r"[a-z']+", text)
    japanese = re.findall(r"[\u3040-\u30ff\u4e00-\u9fff]", text)
    return len(words) <= 3 and len(japanese) <= 6


def _rules_preference(rules: Understanding) -> Motion | None:
    """Return the rules' preference, unless it is help from a partner read as wanting CSP."""
    if rules.preferred_motion == Motion.BREADTH and rules.self_service is False:
        return None  # "we want help from a partner": help, which partners give in every motion
    return rules.preferred_motion


def _all_terms(
    rules: tuple[SpecialTerm, ...] | None, model: tuple[SpecialTerm, ...] | None
) -> tuple[SpecialTerm, ...] | None:
    """Return the terms the rules and the model read, together when both read some."""
    if rules and model:
        return tuple(term for term in SpecialTerm if term in rules or term in model)
    return _first(rules, model)


def _first(*values: _T | None) -> _T | None:
    return next((value for value in values if value is not None), None)
