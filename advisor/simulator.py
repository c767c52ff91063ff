"""A simulated customer: answers whatever the advisor asks, in everyday words, from a profile.

Used by the tests and the evals to hold whole conversations against the policy.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from advisor.policy import classify
from advisor.schemas import ChatTurn, Lang, Profile, SpecialTerm

_TERMS: dict[Lang, dict[SpecialTerm, str]] = {
    "en": {
        SpecialTerm.DUAL_USE_RIGHTS: "we need dual-use rights",
        SpecialTerm.LEAD_STATUS_SKUS: "we need lead-status SKUs",
        SpecialTerm.MULTI_TENANT: "we run several tenants",
        SpecialTerm.MULTI_AFFILIATE: "we want one agreement for all our affiliates",
        SpecialTerm.CUSTOM_CONCESSIONS: "we need custom contract terms beyond price",
    },
    "ja": {
        SpecialTerm.DUAL_USE_RIGHTS: "デュアルユース権が必要です",
        SpecialTerm.LEAD_STATUS_SKUS: "リードステータス SKU が必要です",
        SpecialTerm.MULTI_TENANT: "複数のテナントを運用しています",
        SpecialTerm.MULTI_AFFILIATE: "グループ会社をまとめて一つの契約にしたいです",
        SpecialTerm.CUSTOM_CONCESSIONS: "価格以外にも独自の契約条件が必要です",
    },
}


def answer_slot(slot: str, profile: Profile, lang: Lang) -> str:
    """Say a profile's value for one slot the way a customer would."""
    ja = lang == "ja"
    if slot == "special_terms":
        terms = profile.special_terms or []
        if not terms:
            return (
                "特別な条件は不要で、価格交渉くらいです" if ja else "No, we only negotiate on price"
            )
        return (
            ("。".join(_TERMS[lang][t] for t in terms) + "。")
            if ja
            else ("Yes: " + " and ".join(_TERMS[lang][t] for t in terms) + ".")
        )
    if slot == "self_service":
        if profile.self_service:
            return (
                "必要な製品は決まっているので、オンラインで購入して自分たちで管理します"
                if ja
                else "We know exactly what we need and will buy and manage it online ourselves"
            )
        return "パートナーに支援してほしいです" if ja else "We'd like a partner to help us"
    if slot == "seats":
        seats = profile.seats or 0
        if seats == 0:
            return "シートは不要です" if ja else "No seat licences, just Azure"
        return f"{seats:,}席ほど必要です" if ja else f"We need about {seats:,} seats"
    if slot == "azure_annual_usd":
        usd = profile.azure_annual_usd or 0
        if usd == 0:
            return "Azure は使っていません" if ja else "We don't use Azure"
        amount = f"{usd:,.0f}" if float(usd).is_integer() else f"{usd:,.2f}"
        return (
            f"Azure は年間 {amount} ドルくらいです" if ja else f"Around ${amount} a year on Azure"
        )
    raise ValueError(f"unknown slot {slot}")


def policy_questions(profile: Profile, known: Profile | None = None) -> list[str]:
    """List the questions the policy needs, in order, starting from what is already known."""
    current = (known or Profile()).model_dump()
    asked: list[str] = []
    while True:
        result = classify(Profile(**current))
        if result.motion is not None or not result.missing:
            return asked
        slot = result.missing[0].value
        asked.append(slot)
        current[slot] = getattr(profile, slot)


@dataclass
class Conversation:
    """A whole simulated conversation and what it asked."""

    turns: list[ChatTurn] = field(default_factory=list)
    messages: list[str] = field(default_factory=list)
    asked: list[str] = field(default_factory=list)

    @property
    def final(self) -> ChatTurn:
        """Return the last turn."""
        return self.turns[-1]


def converse(
    send: Callable[[str, str | None], ChatTurn],
    opening: str,
    profile: Profile,
    lang: Lang,
    *,
    max_turns: int = 10,
    interjections: dict[int, str] | None = None,
) -> Conversation:
    """Hold a conversation: open, then answer each question from the profile until decided.

    `interjections` maps a turn number to a message sent instead of the answer at that turn
    (a guidance question, a correction); the pending question is answered next turn.
    """
    conversation = Conversation()
    session: str | None = None
    message = opening
    for number in range(max_turns):
        conversation.messages.append(message)
        turn = send(message, session)
        session = turn.session_id
        conversation.turns.append(turn)
        if turn.question is not None:
            conversation.asked.append(turn.question.slot)
        if (
            turn.recommendation is not None
            and turn.question is None
            and number + 1 not in (interjections or {})
        ):
            break
        if interjections and number + 1 in interjections:
            message = interjections[number + 1]
        elif turn.question is not None:
            message = answer_slot(turn.question.slot, profile, lang)
        else:
            break
    return conversation


def as_dict(conversation: Conversation) -> list[dict[str, Any]]:
    """Return the transcript as plain data, for reports."""
    return [
        {"customer": m, "advisor": t.reply, "question": t.question.slot if t.question else None}
        for m, t in zip(conversation.messages, conversation.turns, strict=False)
    ]
