"""A simulated customer: answers whatever the advisor asks, in everyday words, from a profile.

Used by the tests and the evals to hold whole conversations against the policy.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from advisor.domain.policy import classify
from advisor.domain.schemas import ChatTurn, Lang, Profile, SpecialTerm

# Phrasings of each answer, picked by a conversation's `style` (0 is the plainest and the
# default), so a suite of conversations hears the same facts in many everyday wordings.
STYLES = 5

_TERMS: dict[Lang, dict[SpecialTerm, tuple[str, ...]]] = {
    "en": {
        SpecialTerm.DUAL_USE_RIGHTS: (
            "we need dual-use rights",
            "dual use rights are a must for us",
            "our licences need dual-use rights",
        ),
        SpecialTerm.LEAD_STATUS_SKUS: (
            "we need lead-status SKUs",
            "we rely on lead status SKUs",
            "we have to buy lead-status SKUs",
        ),
        SpecialTerm.MULTI_TENANT: (
            "we run several tenants",
            "we have three separate Microsoft 365 tenants",
            "we operate a multi-tenant setup",
        ),
        SpecialTerm.MULTI_AFFILIATE: (
            "we want one agreement for all our affiliates",
            "it has to cover our subsidiaries too",
            "we want one contract for the whole group of companies",
        ),
        SpecialTerm.CUSTOM_CONCESSIONS: (
            "we need custom contract terms beyond price",
            "our legal team will need to amend the standard contract",
            "we'll need some non-standard clauses",
        ),
    },
    "ja": {
        SpecialTerm.DUAL_USE_RIGHTS: (
            "デュアルユース権が必要です",
            "デュアルユース権は必須です",
            "ライセンスにデュアルユース権が要ります",
        ),
        SpecialTerm.LEAD_STATUS_SKUS: (
            "リードステータス SKU が必要です",
            "リードステータスの SKU を使います",
            "リードステータス SKU を購入する必要があります",
        ),
        SpecialTerm.MULTI_TENANT: (
            "複数のテナントを運用しています",
            "テナントが3つあります",
            "マルチテナント構成です",
        ),
        SpecialTerm.MULTI_AFFILIATE: (
            "グループ会社をまとめて一つの契約にしたいです",
            "子会社もまとめて一つの契約にしたいです",
            "関連会社を含めた契約が必要です",
        ),
        SpecialTerm.CUSTOM_CONCESSIONS: (
            "価格以外にも独自の契約条件が必要です",
            "法務が標準契約の修正を求めています",
            "特別な契約条項が必要です",
        ),
    },
}
_TERMS_JOIN: dict[Lang, tuple[tuple[str, str, str], ...]] = {
    # (before, between, after)
    "en": (("Yes: ", " and ", "."), ("Yes, ", "; ", "."), ("Well, ", ", and ", ".")),
    "ja": (("", "。", "。"), ("はい。", "。", "。"), ("そうですね。", "。また、", "。")),
}
_NO_TERMS: dict[Lang, tuple[str, ...]] = {
    "en": (
        "No, we only negotiate on price",
        "Nothing like that, the standard terms are fine",
        "None of those apply to us",
        "Just a good price, nothing special",
        "nope",
    ),
    "ja": (
        "特別な条件は不要で、価格交渉くらいです",
        "いいえ、特にありません",
        "標準の契約で問題ありません",
        "どれも該当しません",
        "値引きの相談くらいで、それ以外はありません",
    ),
}
_SELF: dict[Lang, dict[bool, tuple[str, ...]]] = {
    "en": {
        True: (
            "We know exactly what we need and will buy and manage it online ourselves",
            "We'll just buy it on the website and look after it ourselves",
            "We know what we want and we'll handle it in-house",
            "No help needed, we'll order online",
            "Self-service is fine, we know the products we want",
        ),
        False: (
            "We'd like a partner to help us",
            "We'd rather have someone handle it for us",
            "We need help choosing and setting things up",
            "A partner should look after it",
            "Honestly we'd want an expert to guide us",
        ),
    },
    "ja": {
        True: (
            "必要な製品は決まっているので、オンラインで購入して自分たちで管理します",
            "ウェブで自分たちで買って管理します",
            "自社で購入・管理できます",
            "サポートは不要です。オンラインで注文します",
            "買うものは決まっています。自分たちで運用します",
        ),
        False: (
            "パートナーに支援してほしいです",
            "選定から導入まで手伝ってほしいです",
            "パートナーに任せたいです",
            "専門家に相談しながら進めたいです",
            "運用もパートナーにお願いしたいです",
        ),
    },
}
_NO_SEATS: dict[Lang, tuple[str, ...]] = {
    "en": (
        "No seat licences, just Azure",
        "We don't need any licences, only Azure",
        "none, Azure only",
        "Zero seats, it's all Azure",
        "0",
    ),
    "ja": (
        "シートは不要です",
        "ライセンスは要りません。Azure だけです",
        "Azure のみです",
        "シートはゼロです",
        "0",
    ),
}
_NO_AZURE: dict[Lang, tuple[str, ...]] = {
    "en": (
        "We don't use Azure",
        "No Azure at all",
        "nothing on Azure",
        "We have no plans to use Azure",
        "0",
    ),
    "ja": (
        "Azure は使っていません",
        "Azure は使う予定がありません",
        "クラウドの利用はありません",
        "Azure はゼロです",
        "0",
    ),
}


def _pick(options: tuple[str, ...], style: int) -> str:
    return options[style % len(options)]


def _amount(usd: float) -> str:
    return f"{usd:,.0f}" if float(usd).is_integer() else f"{usd:,.2f}"


def _seats_text(seats: int, lang: Lang, style: int) -> str:
    if seats == 0:
        return _pick(_NO_SEATS[lang], style)
    variant = style % STYLES
    if lang == "ja":
        if variant == 3 and seats % 10_000 == 0:
            return f"{seats // 10_000}万席です"
        return (
            f"{seats:,}席ほど必要です",
            f"ユーザーは{seats}人です",
            f"約{seats}ライセンスです",
            f"{seats:,}名分のライセンスが要ります",
            f"{seats}",
        )[variant]
    if variant == 3 and seats >= 1000 and seats % 100 == 0:
        return f"around {seats / 1000:g}k seats"
    return (
        f"We need about {seats:,} seats",
        f"{seats} users",
        f"{seats:,} people will need licences",
        f"Roughly {seats:,} licences",
        f"{seats}",
    )[variant]


def _azure_text(usd: float, lang: Lang, style: int) -> str:
    if usd == 0:
        return _pick(_NO_AZURE[lang], style)
    variant = style % STYLES
    amount = _amount(usd)
    monthly = usd / 12 if float(usd).is_integer() and usd % 12 == 0 else None
    if lang == "ja":
        if variant == 2 and monthly is not None:
            return f"月に{monthly:,.0f}ドルほどです"
        if variant == 3 and float(usd).is_integer() and usd % 10_000 == 0:
            return f"年間{usd / 10_000:,.0f}万ドルです"
        return (
            f"Azure は年間 {amount} ドルくらいです",
            f"年間{amount}米ドル程度です",
            f"Azure の予算は年{amount}ドルです",
            f"Azure に年 {amount} 米ドルを使っています",
            amount,
        )[variant]
    if variant == 2 and monthly is not None:
        return f"roughly ${monthly:,.0f} a month on Azure"
    if variant == 3 and float(usd).is_integer() and usd >= 1_000_000 and usd % 100_000 == 0:
        return f"${usd / 1_000_000:g}M annually on Azure"
    return (
        f"Around ${amount} a year on Azure",
        f"Azure spend is about {amount} USD per year",
        f"We budget {amount} dollars a year for Azure",
        f"about {amount} US dollars a year for Azure",
        amount,
    )[variant]


def answer_slot(slot: str, profile: Profile, lang: Lang, style: int = 0) -> str:
    """Say a profile's value for one slot the way a customer would, in the given style."""
    if slot == "special_terms":
        terms = profile.special_terms or []
        if not terms:
            return _pick(_NO_TERMS[lang], style)
        before, between, after = _TERMS_JOIN[lang][style % len(_TERMS_JOIN[lang])]
        said = [_pick(_TERMS[lang][t], style) for t in terms]
        return before + between.join(said) + after
    if slot == "self_service":
        return _pick(_SELF[lang][bool(profile.self_service)], style)
    if slot == "seats":
        return _seats_text(profile.seats or 0, lang, style)
    if slot == "azure_annual_usd":
        return _azure_text(profile.azure_annual_usd or 0, lang, style)
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
    style: int = 0,
) -> Conversation:
    """Hold a conversation: open, then answer each question from the profile until decided.

    `interjections` maps a turn number to a message sent instead of the answer at that turn
    (a guidance question, a correction); the pending question is answered next turn.
    `style` picks the customer's wording (see `answer_slot`).
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
            message = answer_slot(turn.question.slot, profile, lang, style)
        else:
            break
    return conversation


def as_dict(conversation: Conversation) -> list[dict[str, Any]]:
    """Return the transcript as plain data, for reports."""
    return [
        {"customer": m, "advisor": t.reply, "question": t.question.slot if t.question else None}
        for m, t in zip(conversation.messages, conversation.turns, strict=False)
    ]
