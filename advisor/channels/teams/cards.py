"""Adaptive Cards and reply activities: how an advisor turn looks in a Teams chat."""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

from microsoft_agents.activity import (
    Activity,
    ActivityTypes,
    Attachment,
    CardAction,
    SuggestedActions,
)

from advisor.domain.schemas import ChatTurn, Citation, Classification, Lang, Question
from advisor.prompts import phrase, text
from advisor.store.configuration import NEXT_STEP_LINKS
from advisor.store.feedback import COMMENT_CHARS

CARD_VERSION = "1.5"
_LABEL_PREFIX = re.compile(r"^[^:：]{1,20}[:：]\s*")  # "Next step: " / "次のステップ: "
_MARKER = re.compile(r"\[(\d{1,2})\]")


def _block(content: str, **style: Any) -> dict[str, Any]:
    return {"type": "TextBlock", "text": content, "wrap": True, **style}


def _heading(content: str) -> dict[str, Any]:
    return _block(content, weight="Bolder", spacing="Medium")


def _bullets(items: list[str]) -> dict[str, Any]:
    return _block("\n".join(f"- {item}" for item in items), spacing="Small")


def _card(
    body: list[dict[str, Any]], lang: Lang, actions: list[dict[str, Any]] | None = None
) -> dict[str, Any]:
    card: dict[str, Any] = {
        "type": "AdaptiveCard",
        "$schema": "http://adaptivecards.io/schemas/adaptive-card.json",
        "version": CARD_VERSION,
        "lang": lang,
        "body": body,
        "msteams": {"width": "Full"},
    }
    if actions:
        card["actions"] = actions
    return card


def _cite(citation: Citation) -> str:
    return f"{citation.section} ({citation.published})"


# what a card's contact form submits, besides its fields; and a rating button
LEAD_ACTION = "lead"
RATE_ACTION = "rate"


def contact_form(lang: Lang) -> dict[str, Any]:
    """The card that asks to be contacted: name, work email, company and consent.

    Teams checks the fields before it submits (required, an email's form); the bot checks
    them again, as the API does.
    """
    field = {"type": "Input.Text", "isRequired": True, "maxLength": 200}
    body = [
        _block(text("teams", "lead.intro", lang), wrap=True, size="Small"),
        {
            **field,
            "id": "lead_name",
            "label": text("teams", "lead.name", lang),
            "errorMessage": text("teams", "lead.required", lang),
        },
        {
            **field,
            "id": "lead_email",
            "style": "Email",
            "maxLength": 254,
            "regex": r"^[^@\s]+@[^@\s]+\.[^@\s]+$",
            "label": text("teams", "lead.email", lang),
            "errorMessage": text("teams", "lead.bad_email", lang),
        },
        {
            **field,
            "id": "lead_company",
            "label": text("teams", "lead.company", lang),
            "errorMessage": text("teams", "lead.required", lang),
        },
        {
            "type": "Input.Toggle",
            "id": "lead_consent",
            "title": text("teams", "lead.consent", lang),
            "valueOn": "true",
            "valueOff": "false",
            "isRequired": True,
            "errorMessage": text("teams", "lead.need_consent", lang),
        },
    ]
    submit = {
        "type": "Action.Submit",
        "title": text("teams", "lead.send", lang),
        "data": {"action": LEAD_ACTION},
    }
    return {"type": "AdaptiveCard", "body": body, "actions": [submit]}


def rating_row(number: int, lang: Lang) -> dict[str, Any]:
    """Rate turn `number`: "Yes" sends at once; "No" opens a box for an optional comment."""
    data = {"action": RATE_ACTION, "turn": number}
    comment = {
        "type": "AdaptiveCard",
        "body": [
            {
                "type": "Input.Text",
                "id": "comment",
                "label": text("teams", "rate.why", lang),
                "isMultiline": True,
                "maxLength": COMMENT_CHARS,
            }
        ],
        "actions": [
            {
                "type": "Action.Submit",
                "title": text("teams", "rate.send", lang),
                "data": {**data, "rating": "down"},
            }
        ],
    }
    return {
        "type": "ActionSet",
        "spacing": "Small",
        "actions": [
            {
                "type": "Action.Submit",
                "title": text("teams", "rate.up", lang),
                "data": {**data, "rating": "up"},
            },
            {"type": "Action.ShowCard", "title": text("teams", "rate.down", lang), "card": comment},
        ],
    }


def rating_card(number: int, lang: Lang) -> dict[str, Any]:
    """A small card under a guidance answer: was it helpful?"""
    body = [_block(text("teams", "rate.ask", lang), isSubtle=True), rating_row(number, lang)]
    return _card(body, lang)


def recommendation_card(
    recommendation: Classification,
    citations: list[Citation],
    lang: Lang,
    number: int | None = None,
    links: Mapping[str, str] = NEXT_STEP_LINKS,
) -> dict[str, Any]:
    """Render a recommendation as an Adaptive Card: motion, vehicle, reasons and their sources.

    Its actions are the web card's: the next step's page (from `links`, by motion), and asking
    to be contacted.
    """
    by_id = {c.id: c for c in citations}
    motion = recommendation.motion
    name = phrase(f"motion.{motion.value}", lang) if motion else "?"
    body: list[dict[str, Any]] = [
        _block(text("teams", "title", lang, motion=name), size="Large", weight="Bolder"),
    ]
    if recommendation.vehicle:
        body.append(_block(recommendation.vehicle, isSubtle=True, spacing="None"))
    if recommendation.reasons:
        body.append(_heading(text("teams", "why", lang)))
        for reason in recommendation.reasons:
            body.append(_block(reason.text, spacing="Small"))
            cited = [_cite(by_id[i]) for i in reason.citations if i in by_id]
            if cited:
                line = f"{text('teams', 'sources', lang)}: " + "; ".join(cited)
                body.append(_block(line, size="Small", isSubtle=True, spacing="None"))
    if recommendation.alternatives:
        body.append(_heading(text("teams", "alternatives", lang)))
        body.append(
            _bullets(
                [
                    f"{phrase(f'motion.{a.motion.value}', lang)}: {a.note}"
                    for a in recommendation.alternatives
                ]
            )
        )
    if recommendation.what_would_change:
        body.append(_heading(text("teams", "change", lang)))
        body.append(_bullets(recommendation.what_would_change))
    if recommendation.partner_roles:
        body.append(_heading(text("teams", "partners", lang)))
        body.append(_bullets(recommendation.partner_roles))
    if motion is not None:
        body.append(_heading(text("teams", "next", lang)))
        step = _LABEL_PREFIX.sub("", phrase(f"next.{motion.value}", lang), count=1)
        body.append(_block(step, spacing="Small"))
    used = list(dict.fromkeys(i for r in recommendation.reasons for i in r.citations if i in by_id))
    if used:
        body.append(_heading(text("teams", "sources", lang)))
        sources = [f"{by_id[i].section}, {by_id[i].title} ({by_id[i].published})" for i in used]
        body.append(_block("\n".join(f"- {s}" for s in sources), size="Small", isSubtle=True))
    if number is not None:
        body.append(_block(text("teams", "rate.ask", lang), spacing="Medium", isSubtle=True))
        body.append(rating_row(number, lang))
    actions: list[dict[str, Any]] = []
    if motion is not None:
        actions.append(
            {
                "type": "Action.OpenUrl",
                "title": text("teams", f"cta.{motion.value}", lang),
                "url": links[motion.value],
            }
        )
        actions.append(
            {
                "type": "Action.ShowCard",
                "title": text("teams", "lead.open", lang),
                "card": contact_form(lang),
            }
        )
    return _card(body, lang, actions)


def question_card(question: Question, lang: Lang) -> dict[str, Any]:
    """Render a question as an Adaptive Card whose buttons submit the picked option.

    A button submits its label and its value with the slot, so the answer is taken as given.
    Each button is an action set of its own, one per row: Teams lays a card's actions out in
    one row, shows only the first few and cuts long labels short, and the special-terms
    question has six options with labels of up to 36 characters.
    """
    body = [_block(question.text, weight="Bolder")]
    if question.help:
        body.append(_block(question.help, isSubtle=True, size="Small"))
    for option in question.options:
        action = {
            "type": "Action.Submit",
            "title": option.label,
            "data": {"answer": option.label, "slot": question.slot, "value": option.value},
        }
        body.append({"type": "ActionSet", "actions": [action], "spacing": "Small"})
    return _card(body, lang)


def _adaptive(card: dict[str, Any]) -> Attachment:
    return Attachment(content_type="application/vnd.microsoft.card.adaptive", content=card)


def reply_activity(
    turn: ChatTurn,
    *,
    new_recommendation: bool,
    group: bool,
    links: Mapping[str, str] = NEXT_STEP_LINKS,
) -> Activity:
    """Turn an advisor turn into one Teams message: text, quick replies, cards."""
    # the card shows why, the alternatives and the next step: the text need not say them too
    shows_card = turn.recommendation is not None and new_recommendation
    message = turn.brief if shows_card and turn.brief else turn.reply
    cited = {int(n) for n in _MARKER.findall(message)}
    if cited:
        # Guidance answers number their sources [1], [2]: list them under the answer.
        sources = [
            f"- [{n}] {c.section}, {c.title} ({c.published})"
            for n, c in enumerate(turn.citations, start=1)
            if n in cited
        ]
        if sources:
            message += f"\n\n{text('teams', 'sources', turn.lang)}:\n\n" + "\n".join(sources)
    reply = Activity(type=ActivityTypes.message, text=message, text_format="markdown")
    attachments: list[Attachment] = []
    if cited and turn.citations and not shows_card and turn.number:
        attachments.append(_adaptive(rating_card(turn.number, turn.lang)))  # a guidance answer
    if turn.recommendation is not None and new_recommendation:
        attachments.append(
            _adaptive(
                recommendation_card(
                    turn.recommendation, turn.citations, turn.lang, turn.number, links
                )
            )
        )
    if turn.question is not None and turn.question.options:
        if group:
            # Teams shows suggested actions only in one-to-one chats.
            attachments.append(_adaptive(question_card(turn.question, turn.lang)))
        else:
            reply.suggested_actions = SuggestedActions(
                actions=[
                    CardAction(type="imBack", title=o.label, value=o.label)
                    for o in turn.question.options
                ]
            )
    if attachments:
        reply.attachments = attachments
    return reply
