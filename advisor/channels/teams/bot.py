"""The Teams bot: one advisor session per conversation, and what it answers to each activity.

Every Teams conversation is one advisor session, named from the conversation id, so the same
ChatService serves Teams, the web chat and the command line.
"""

from __future__ import annotations

import hashlib
import hmac
import logging
from collections.abc import Callable
from typing import Any

from microsoft_agents.activity import Activity, ActivityTypes
from microsoft_agents.authentication.msal import MsalConnectionManager
from microsoft_agents.hosting.core import AgentApplication, MemoryStorage, TurnContext, TurnState
from starlette.concurrency import run_in_threadpool

from advisor.channels.teams.cards import LEAD_ACTION, RATE_ACTION, reply_activity
from advisor.domain.schemas import ChatTurn, Classification, Lang
from advisor.errors import AdvisorError, ConflictError, NotFoundError
from advisor.inputs import has_words
from advisor.prompts import phrase, text
from advisor.store.feedback import check_rating
from advisor.store.keys import session_key
from advisor.store.leads import check_contact

log = logging.getLogger(__name__)

SESSION_PREFIX = "teams-"


def session_id_for(channel_id: str, conversation_id: str, key: bytes) -> str:
    """Name the advisor session of one channel conversation (a valid, stable session id).

    Keyed with the server's secret: conversation ids are no secret, so without the key nobody
    can work out a conversation's session id and read or change it through the web API.
    """
    message = f"{channel_id}\n{conversation_id}".encode()
    return SESSION_PREFIX + hmac.new(key, message, hashlib.sha256).hexdigest()[:40]


def locale_lang(locale: str | None) -> Lang | None:
    """Map a Bot Framework locale such as "ja-JP" to a reply language, if we speak it."""
    if not locale:
        return None
    primary = locale.replace("_", "-").split("-")[0].lower()
    return "ja" if primary == "ja" else "en" if primary == "en" else None


def message_text(activity: Activity) -> str | None:
    """Return what the customer said: the text, or the answer a card button submitted."""
    said = (activity.text or "").strip()
    if said:
        return said
    value = activity.value
    if isinstance(value, dict):
        answer = value.get("answer")
        if isinstance(answer, str) and answer.strip():
            return answer.strip()
    return None


def picked_answer(activity: Activity) -> dict[str, Any] | None:
    """Return the option a card button submitted, as `{"slot", "value"}`, if it carried one."""
    value = activity.value
    if isinstance(value, dict) and "slot" in value and "value" in value:
        return {"slot": value["slot"], "value": value["value"]}
    return None


def activity_key(activity: Activity, said: str) -> str | None:
    """Return an idempotency key for a message activity, so a redelivery is answered once.

    The channel sends an activity again, with the same id and text, when it saw no answer in
    time; a different message is never taken for a redelivery, whatever its id.
    """
    if not activity.id:
        return None
    # surrogatepass: a message with a lone surrogate is refused later, as any channel's is
    digest = hashlib.sha256(f"{activity.id}\n{said}".encode(errors="surrogatepass")).hexdigest()
    return f"activity-{digest[:32]}"


def _is_group(activity: Activity) -> bool:
    conversation = activity.conversation
    kind = (conversation.conversation_type or "") if conversation else ""
    return kind in ("groupChat", "channel") or bool(conversation and conversation.is_group)


def _converse(
    service: Any,
    session_id: str,
    message: str,
    lang: Lang | None,
    answer: dict[str, Any] | None = None,
    key: str | None = None,
) -> tuple[ChatTurn, bool]:
    """Run one turn in a Teams session; say whether its recommendation is new."""
    previous: Any = None
    exists = service.exists(session_id)
    if exists:
        previous = service.session(session_id).get("recommendation")
    turn_lang = None if exists or has_words(message) else lang
    turn: ChatTurn = service.chat(
        message, session_id, turn_lang, answer=answer, create=True, idempotency_key=key
    )
    new = turn.recommendation is not None and (
        previous is None or turn.recommendation != Classification.model_validate(previous)
    )
    return turn, new


def _rate(service: Any, session_id: str, value: dict[str, Any], lang: Lang | None) -> str:
    """Store the rating a card's button sent; return what to tell the customer."""
    try:
        # an empty comment box sends "": no comment
        comment = value.get("comment")
        blank = isinstance(comment, str) and not comment.strip()
        turn, rating, comment = check_rating({**value, "comment": None if blank else comment})
        rated = service.rate(session_id, turn, rating, comment)
    except AdvisorError as exc:
        return exc.message
    return text("teams", "rate.thanks", lang or rated.lang)


def _leave_lead(service: Any, session_id: str, value: dict[str, Any], lang: Lang | None) -> str:
    """Store the lead a card's contact form sent; return what to tell the customer."""
    try:
        contact = check_contact(
            {
                "name": value.get("lead_name"),
                "email": value.get("lead_email"),
                "company": value.get("lead_company"),
                "consent": value.get("lead_consent") == "true",
            }
        )
        lead, _ = service.leave_lead(session_id, contact, lang)
    except (ConflictError, NotFoundError):  # no recommendation yet, or no conversation at all
        return text("teams", "lead.no_recommendation", lang or "en")
    except AdvisorError as exc:
        return exc.message
    return phrase("lead_thanks", lang or lead.lang, person=lead.name, email=lead.email)


def build_agent(
    get_service: Callable[[], Any], connections: MsalConnectionManager
) -> AgentApplication[TurnState]:
    """Build the Agents SDK application that routes Teams activities to the chat service."""
    agent: AgentApplication[TurnState] = AgentApplication[TurnState](
        storage=MemoryStorage(), connection_manager=connections
    )

    @agent.conversation_update("membersAdded")
    async def on_members_added(context: TurnContext, state: TurnState) -> None:
        activity = context.activity
        bot = activity.recipient.id if activity.recipient else None
        added = {m.id for m in activity.members_added or []}
        # Teams adds the bot itself on install; a one-to-one chat (or a local test client)
        # may add the customer. People joining a team or group chat get no message each.
        if bot in added or (added - {bot} and not _is_group(activity)):
            lang = locale_lang(activity.locale) or "en"
            welcome = text("teams", "welcome", lang)
            await context.send_activity(f"{phrase('greeting', lang)}\n\n{welcome}")

    @agent.activity(ActivityTypes.message)
    async def on_message(context: TurnContext, state: TurnState) -> None:
        activity = context.activity
        lang = locale_lang(activity.locale)
        assert activity.conversation is not None  # checked before the turn
        service = get_service()
        session_id = session_id_for(
            str(activity.channel_id or ""),
            activity.conversation.id,
            session_key(service.settings),
        )
        value = activity.value if isinstance(activity.value, dict) else {}
        # a card's rating buttons and contact form: answered at once, not a turn
        action = {RATE_ACTION: _rate, LEAD_ACTION: _leave_lead}.get(str(value.get("action")))
        if action is not None:
            answer = await run_in_threadpool(action, service, session_id, value, lang)
            await context.send_activity(answer)
            return
        said = message_text(activity)
        if said is None:
            await context.send_activity(text("teams", "no_text", lang or "en"))
            return
        try:
            turn, new = await run_in_threadpool(
                _converse,
                service,
                session_id,
                said,
                lang,
                picked_answer(activity),
                activity_key(activity, said),
            )
        except AdvisorError as exc:
            # What went wrong, in one sentence; the conversation so far is kept.
            await context.send_activity(exc.message)
            return
        await context.send_activity(
            reply_activity(
                turn,
                new_recommendation=new,
                group=_is_group(activity),
                links=await run_in_threadpool(service.configuration.links),
            )
        )

    @agent.error
    async def on_error(context: TurnContext, error: Exception) -> None:
        log.error("Teams turn failed: %s", type(error).__name__, exc_info=error)
        lang = locale_lang(context.activity.locale) or "en"
        await context.send_activity(text("teams", "failed", lang))

    return agent
