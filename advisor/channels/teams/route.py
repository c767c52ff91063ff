"""The Microsoft Teams channel: Bot Framework activities in, the advisor's turns out.

`POST /api/messages` runs on the Microsoft 365 Agents SDK (an `AgentApplication` behind the
SDK's FastAPI `CloudAdapter`). Every Teams conversation is one advisor session, named from the
conversation id, so the same ChatService serves Teams, the web chat and the command line.

Authentication follows the SDK's standard environment settings
(`CONNECTIONS__SERVICE_CONNECTION__SETTINGS__CLIENTID` and friends): once a client id is set,
every request must carry a Bot Framework token for it; only without one (local development)
are anonymous requests accepted.
"""

from __future__ import annotations

import hashlib
import io
import ipaddress
import json
import logging
import os
import re
import struct
import uuid
import zipfile
import zlib
from collections.abc import Callable, Mapping
from typing import Any
from urllib.parse import urlsplit

from fastapi import FastAPI, Request
from fastapi.responses import JSONResponse, Response
from microsoft_agents.activity import (
    Activity,
    ActivityTypes,
    Attachment,
    CardAction,
    DeliveryModes,
    SuggestedActions,
    load_configuration_from_env,
)
from microsoft_agents.authentication.msal import MsalConnectionManager
from microsoft_agents.hosting.core import (
    AgentApplication,
    AgentAuthConfiguration,
    ClaimsIdentity,
    JwtTokenValidator,
    MemoryStorage,
    OutboundHostValidator,
    TurnContext,
    TurnState,
)
from microsoft_agents.hosting.core.authorization import AuthTypes
from microsoft_agents.hosting.fastapi import CloudAdapter
from starlette.concurrency import run_in_threadpool

from advisor import __version__
from advisor.channels.ratelimit import TokenBucket, retry_after, too_many
from advisor.config import Settings
from advisor.domain.schemas import ChatTurn, Citation, Classification, Lang, Question
from advisor.errors import AdvisorError, ConfigError, UserError
from advisor.prompts import phrase

log = logging.getLogger(__name__)

SESSION_PREFIX = "teams-"
MANIFEST_VERSION = "1.30"
MANIFEST_SCHEMA = f"https://developer.microsoft.com/json-schemas/teams/v{MANIFEST_VERSION}/MicrosoftTeams.schema.json"
CARD_VERSION = "1.5"
ACCENT = (0x0F, 0x6C, 0xBD)
_GUID = re.compile(r"[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}")
_HAS_WORDS = re.compile(r"[A-Za-z\u3040-\u30ff\u4e00-\u9fff]")
_LABEL_PREFIX = re.compile(r"^[^:：]{1,20}[:：]\s*")  # "Next step: " / "次のステップ: "
_MARKER = re.compile(r"\[(\d{1,2})\]")
# The SDK's standard settings; anything else in the environment is not its business.
_SDK_PREFIXES = ("CONNECTIONS__", "CONNECTIONSMAP__", "AGENTAPPLICATION__", "LOGGING__")

_LABELS: dict[Lang, dict[str, str]] = {
    "en": {
        "title": "Recommendation: the {motion} motion",
        "why": "Why",
        "sources": "Sources",
        "alternatives": "Also possible",
        "change": "What would change this",
        "partners": "What partners do here",
        "next": "Next step",
        "welcome": "Tell me about your organisation, for example how many people need Microsoft "
        "365 or what you spend on Azure, and I'll ask for anything else I need.",
        "no_text": "I can only read text messages; please type your answer.",
        "failed": "Sorry, something went wrong on my side; please send that again.",
    },
    "ja": {
        "title": "推奨: {motion} モーション",
        "why": "理由",
        "sources": "出典",
        "alternatives": "ほかの選択肢",
        "change": "推奨が変わる条件",
        "partners": "パートナーの役割",
        "next": "次のステップ",
        "welcome": "組織について教えてください。たとえば Microsoft 365 を使う人数や Azure の利用額"
        "などです。足りない情報はこちらからお尋ねします。",
        "no_text": "テキストのメッセージのみ読み取れます。回答を入力してください。",
        "failed": "申し訳ありません。こちらで問題が発生しました。もう一度送信してください。",
    },
}


# --- conversations --------------------------------------------------------------------------


def session_id_for(channel_id: str, conversation_id: str) -> str:
    """Name the advisor session of one channel conversation (a valid, stable session id)."""
    digest = hashlib.sha256(f"{channel_id}\n{conversation_id}".encode()).hexdigest()
    return SESSION_PREFIX + digest[:40]


def locale_lang(locale: str | None) -> Lang | None:
    """Map a Bot Framework locale such as "ja-JP" to a reply language, if we speak it."""
    if not locale:
        return None
    primary = locale.replace("_", "-").split("-")[0].lower()
    return "ja" if primary == "ja" else "en" if primary == "en" else None


def message_text(activity: Activity) -> str | None:
    """Return what the customer said: the text, or the answer a card button submitted."""
    text = (activity.text or "").strip()
    if text:
        return text
    value = activity.value
    if isinstance(value, dict):
        answer = value.get("answer")
        if isinstance(answer, str) and answer.strip():
            return answer.strip()
    return None


# --- cards ----------------------------------------------------------------------------------


def _text(text: str, **style: Any) -> dict[str, Any]:
    return {"type": "TextBlock", "text": text, "wrap": True, **style}


def _heading(text: str) -> dict[str, Any]:
    return _text(text, weight="Bolder", spacing="Medium")


def _bullets(items: list[str]) -> dict[str, Any]:
    return _text("\n".join(f"- {item}" for item in items), spacing="Small")


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


def recommendation_card(
    recommendation: Classification, citations: list[Citation], lang: Lang
) -> dict[str, Any]:
    """Render a recommendation as an Adaptive Card: motion, vehicle, reasons and their sources."""
    labels = _LABELS[lang]
    by_id = {c.id: c for c in citations}
    motion = recommendation.motion
    name = phrase(f"motion.{motion.value}", lang) if motion else "?"
    body: list[dict[str, Any]] = [
        _text(labels["title"].format(motion=name), size="Large", weight="Bolder"),
    ]
    if recommendation.vehicle:
        body.append(_text(recommendation.vehicle, isSubtle=True, spacing="None"))
    if recommendation.reasons:
        body.append(_heading(labels["why"]))
        for reason in recommendation.reasons:
            body.append(_text(reason.text, spacing="Small"))
            cited = [_cite(by_id[i]) for i in reason.citations if i in by_id]
            if cited:
                line = f"{labels['sources']}: " + "; ".join(cited)
                body.append(_text(line, size="Small", isSubtle=True, spacing="None"))
    if recommendation.alternatives:
        body.append(_heading(labels["alternatives"]))
        body.append(
            _bullets(
                [
                    f"{phrase(f'motion.{a.motion.value}', lang)}: {a.note}"
                    for a in recommendation.alternatives
                ]
            )
        )
    if recommendation.what_would_change:
        body.append(_heading(labels["change"]))
        body.append(_bullets(recommendation.what_would_change))
    if recommendation.partner_roles:
        body.append(_heading(labels["partners"]))
        body.append(_bullets(recommendation.partner_roles))
    if motion is not None:
        body.append(_heading(labels["next"]))
        step = _LABEL_PREFIX.sub("", phrase(f"next.{motion.value}", lang), count=1)
        body.append(_text(step, spacing="Small"))
    used = list(dict.fromkeys(i for r in recommendation.reasons for i in r.citations if i in by_id))
    if used:
        body.append(_heading(labels["sources"]))
        sources = [f"{by_id[i].section}, {by_id[i].title} ({by_id[i].published})" for i in used]
        body.append(_text("\n".join(f"- {s}" for s in sources), size="Small", isSubtle=True))
    return _card(body, lang)


def question_card(question: Question, lang: Lang) -> dict[str, Any]:
    """Render a question as an Adaptive Card whose buttons submit the option labels."""
    body = [_text(question.text, weight="Bolder")]
    if question.help:
        body.append(_text(question.help, isSubtle=True, size="Small"))
    actions = [
        {
            "type": "Action.Submit",
            "title": o.label,
            "data": {"answer": o.label, "slot": question.slot},
        }
        for o in question.options
    ]
    return _card(body, lang, actions)


def _adaptive(card: dict[str, Any]) -> Attachment:
    return Attachment(content_type="application/vnd.microsoft.card.adaptive", content=card)


def reply_activity(turn: ChatTurn, *, new_recommendation: bool, group: bool) -> Activity:
    """Turn an advisor turn into one Teams message: text, quick replies, cards."""
    text = turn.reply
    cited = {int(n) for n in _MARKER.findall(text)}
    if cited:
        # Guidance answers number their sources [1], [2]: list them under the answer.
        sources = [
            f"- [{n}] {c.section}, {c.title} ({c.published})"
            for n, c in enumerate(turn.citations, start=1)
            if n in cited
        ]
        if sources:
            text += f"\n\n{_LABELS[turn.lang]['sources']}:\n\n" + "\n".join(sources)
    reply = Activity(type=ActivityTypes.message, text=text, text_format="markdown")
    attachments: list[Attachment] = []
    if turn.recommendation is not None and new_recommendation:
        attachments.append(
            _adaptive(recommendation_card(turn.recommendation, turn.citations, turn.lang))
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


# --- the agent ------------------------------------------------------------------------------


def _is_group(activity: Activity) -> bool:
    conversation = activity.conversation
    kind = (conversation.conversation_type or "") if conversation else ""
    return kind in ("groupChat", "channel") or bool(conversation and conversation.is_group)


def _converse(service: Any, session_id: str, text: str, lang: Lang | None) -> tuple[ChatTurn, bool]:
    """Run one turn in a Teams session; say whether its recommendation is new."""
    previous: Any = None
    exists = service.exists(session_id)
    if exists:
        previous = service.session(session_id).get("recommendation")
    turn_lang = None if exists or _HAS_WORDS.search(text) else lang
    turn: ChatTurn = service.chat(text, session_id, turn_lang, create=True)
    new = turn.recommendation is not None and (
        previous is None or turn.recommendation != Classification.model_validate(previous)
    )
    return turn, new


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
            await context.send_activity(f"{phrase('greeting', lang)}\n\n{_LABELS[lang]['welcome']}")

    @agent.activity(ActivityTypes.message)
    async def on_message(context: TurnContext, state: TurnState) -> None:
        activity = context.activity
        lang = locale_lang(activity.locale)
        text = message_text(activity)
        if text is None:
            await context.send_activity(_LABELS[lang or "en"]["no_text"])
            return
        assert activity.conversation is not None  # checked before the turn
        session_id = session_id_for(str(activity.channel_id or ""), activity.conversation.id)
        try:
            turn, new = await run_in_threadpool(_converse, get_service(), session_id, text, lang)
        except AdvisorError as exc:
            # What went wrong, in one sentence; the conversation so far is kept.
            await context.send_activity(exc.message)
            return
        await context.send_activity(
            reply_activity(turn, new_recommendation=new, group=_is_group(activity))
        )

    @agent.error
    async def on_error(context: TurnContext, error: Exception) -> None:
        log.error("Teams turn failed: %s", type(error).__name__, exc_info=error)
        lang = locale_lang(context.activity.locale) or "en"
        await context.send_activity(_LABELS[lang]["failed"])

    return agent


# --- authentication -------------------------------------------------------------------------


class TeamsAuth:
    """The SDK connections from the environment, and whether requests must carry a token."""

    def __init__(self, environ: Mapping[str, str]) -> None:
        try:
            config = load_configuration_from_env(
                {k: v for k, v in environ.items() if k.startswith(_SDK_PREFIXES)}
            )
        except (TypeError, ValueError) as exc:
            raise ConfigError(
                f"Teams channel settings (CONNECTIONS__...) are malformed: {exc}"
            ) from None
        raw: dict[str, Any] = config.get("CONNECTIONS") or {}
        settings = {
            name: dict(entry.get("SETTINGS") or {}) if isinstance(entry, dict) else {}
            for name, entry in raw.items()
        }
        self.client_id: str | None = next(
            (str(s["CLIENTID"]) for s in settings.values() if s.get("CLIENTID")), None
        )
        self.anonymous = self.client_id is None
        if self.anonymous:
            settings = {"SERVICE_CONNECTION": {}}
        elif "SERVICE_CONNECTION" not in settings or not settings["SERVICE_CONNECTION"].get(
            "CLIENTID"
        ):
            raise ConfigError(
                "Teams channel: set CONNECTIONS__SERVICE_CONNECTION__SETTINGS__CLIENTID "
                "(the bot's app id) alongside the other connections"
            )
        try:
            configurations = {
                # A configured client id always means tokens are required, and (unless
                # VALIDATE_ISSUER says otherwise) only from the issuers the SDK trusts.
                name: AgentAuthConfiguration(
                    **{"VALIDATE_ISSUER": not self.anonymous, **values},
                    anonymous_allowed=self.anonymous,
                )
                for name, values in settings.items()
            }
            self.connections = MsalConnectionManager(
                connections_configurations=configurations,
                connections_map=config.get("CONNECTIONSMAP") or [],
            )
        except (TypeError, ValueError) as exc:
            raise ConfigError(f"Teams channel settings cannot work: {exc}") from None
        for name, configuration in configurations.items():
            needs_secret = configuration.AUTH_TYPE == AuthTypes.client_secret
            if configuration.CLIENT_ID and needs_secret and not configuration.CLIENT_SECRET:
                # Otherwise every reply would fail later, when the bot asks for its own token.
                raise ConfigError(
                    f"Teams channel: set CONNECTIONS__{name}__SETTINGS__CLIENTSECRET, or an "
                    "AUTHTYPE such as UserManagedIdentity that needs no secret"
                )
        self.configuration = self.connections.get_default_connection_configuration()

    async def identify(self, authorization: str | None) -> ClaimsIdentity | JSONResponse:
        """Validate the request's bearer token, or say why it is refused (401)."""
        if not authorization:
            return _error(401, "authorization: a Bot Framework bearer token is required")
        scheme, _, token = authorization.partition(" ")
        if scheme.lower() != "bearer" or not token.strip():
            return _error(401, "authorization: must be 'Bearer <token>'")
        try:
            identity: ClaimsIdentity = await JwtTokenValidator(self.configuration).validate_token(
                token.strip()
            )
        except Exception as exc:  # any failure to validate is a refusal, never a 500
            log.warning("Teams request refused: %s", type(exc).__name__)
            return _error(401, "authorization: the token is not valid for this bot")
        return identity


# --- the route ------------------------------------------------------------------------------


def _error(status: int, message: str) -> JSONResponse:
    return JSONResponse({"error": message}, status_code=status)


def _is_loopback(url: str) -> bool:
    host = urlsplit(url).hostname or ""
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def parse_activity(raw: bytes) -> Activity:
    """Validate a request body as a Bot Framework activity, raising UserError saying why not."""
    try:
        body = json.loads(raw.decode("utf-8"))
    except (UnicodeDecodeError, RecursionError, ValueError):  # ValueError: not JSON
        raise UserError("request body: must be a Bot Framework activity in UTF-8 JSON") from None
    if not isinstance(body, dict):
        raise UserError("request body: must be a JSON object (a Bot Framework activity)")
    if not isinstance(body.get("type"), str) or not body["type"]:
        raise UserError('type: is required and must be a string such as "message"', field="type")
    conversation = body.get("conversation")
    if (
        not isinstance(conversation, dict)
        or not isinstance(conversation.get("id"), str)
        or not conversation["id"]
    ):
        raise UserError(
            "conversation.id: is required and must be a string", field="conversation.id"
        )
    service_url = body.get("serviceUrl")
    if not isinstance(service_url, str) or not service_url.startswith(("https://", "http://")):
        raise UserError("serviceUrl: is required and must be an http(s) URL", field="serviceUrl")
    try:
        activity = Activity.model_validate(body)
    except Exception as exc:
        where, what = "activity", "is not a valid Bot Framework activity"
        errors = getattr(exc, "errors", None)
        if callable(errors) and errors():
            first = errors()[0]
            where = ".".join(str(p) for p in first.get("loc", ())) or where
            message = str(first.get("msg", what))
            what = message[:1].lower() + message[1:]
        raise UserError(f"{where}: {what}", field=where) from None
    return activity


def teams_user(activity: Activity) -> str:
    """Name who sent an activity, for rate limits: their Entra object id, else their channel id."""
    sender = activity.from_property
    if sender is not None and (sender.aad_object_id or sender.id):
        return f"user:{sender.aad_object_id or sender.id}"
    conversation = activity.conversation.id if activity.conversation else ""
    return f"conversation:{conversation}"


def mount_teams(app: FastAPI, settings: Settings) -> None:
    """Add `POST /api/messages`, the Teams / Microsoft 365 channel, to the app."""
    auth = TeamsAuth(os.environ)
    # With a client id, accept service URLs of Microsoft's channels only; anonymous local
    # development posts replies to loopback URLs (checked per request below).
    adapter = CloudAdapter(
        connection_manager=auth.connections,
        host_validator=OutboundHostValidator(enabled=not auth.anonymous),
    )
    agent = build_agent(lambda: app.state.service, auth.connections)
    per_user = TokenBucket(settings.teams_rate_limit_per_minute, settings.teams_rate_limit_burst)
    # parse_activity reports an invalid activity to the sender; the SDK's own log of the
    # same error would repeat the customer's input with a traceback.
    logging.getLogger("microsoft_agents.activity.activity").setLevel(logging.CRITICAL)
    if auth.anonymous:
        log.warning("Teams channel is anonymous: no client id is set (local development only)")
        # Each anonymous turn builds a token client it never uses and warns that it has no app id.
        logging.getLogger(
            "microsoft_agents.hosting.core.connector.client.user_token_client"
        ).setLevel(logging.ERROR)

    async def messages(request: Request) -> Response:
        """Take one Bot Framework activity from Teams or another Microsoft 365 channel."""
        if not auth.anonymous:
            identity = await auth.identify(request.headers.get("authorization"))
            if isinstance(identity, JSONResponse):
                return identity
            request.state.claims_identity = identity
        try:
            activity = parse_activity(await request.body())
        except UserError as exc:
            return _error(exc.status_code, exc.message)
        wait = per_user.take(teams_user(activity))
        if wait > 0:
            message = too_many("from one Teams user", per_user.per_minute, wait)
            return JSONResponse({"error": message}, 429, headers={"Retry-After": retry_after(wait)})
        if activity.type == ActivityTypes.invoke:
            # No card-action or task-module handlers here: say so instead of the SDK's 501.
            name = activity.name or "unnamed"
            return _error(422, f"type: invoke activities ({name}) are not supported")
        inline = activity.delivery_mode == DeliveryModes.expect_replies
        if auth.anonymous and not inline and not _is_loopback(activity.service_url or ""):
            return _error(
                403,
                "serviceUrl: without a client id the bot replies only to local service "
                "URLs; configure CONNECTIONS__SERVICE_CONNECTION__SETTINGS__CLIENTID",
            )
        try:
            response = await adapter.process(request, agent)
        except Exception as exc:
            log.error("Teams activity failed: %s", type(exc).__name__, exc_info=exc)
            return _error(
                502, "the Teams channel could not process the activity; see the server log"
            )
        return response if response is not None else Response(status_code=202)

    app.add_api_route(
        "/api/messages",
        messages,
        methods=["POST"],
        tags=["teams"],
        summary="Bot Framework activity endpoint (Teams / Microsoft 365)",
    )


# --- the app package ------------------------------------------------------------------------


def check_bot_id(bot_id: str) -> str:
    """Return a bot id if it is a GUID (the bot's Microsoft App ID), else raise UserError."""
    if not _GUID.fullmatch(bot_id.strip()):
        raise UserError(
            f"--bot-id: must be the bot's Microsoft App ID, a GUID such as "
            f"00000000-0000-0000-0000-000000000000 (got {bot_id!r})",
            field="bot_id",
        )
    return bot_id.strip().lower()


def manifest(
    bot_id: str, name: str = "Motion Advisor", website: str = "https://example.com"
) -> dict[str, Any]:
    """Build the Teams app manifest for a bot."""
    if not 1 <= len(name) <= 30:
        raise UserError(f"--name: must be 1 to 30 characters (got {len(name)})", field="name")
    site = website.rstrip("/")
    if not site.startswith("https://"):
        raise UserError("--website: must be an https:// URL", field="website")
    version = re.match(r"\d+\.\d+\.\d+", __version__)
    return {
        "$schema": MANIFEST_SCHEMA,
        "manifestVersion": MANIFEST_VERSION,
        "version": version.group(0) if version else "1.0.0",
        # Stable per bot, so a rebuilt package upgrades the installed app instead of adding one.
        "id": str(uuid.uuid5(uuid.NAMESPACE_URL, f"motion-advisor:teams:{bot_id}")),
        "developer": {
            "name": name,
            "websiteUrl": site,
            "privacyUrl": f"{site}/privacy",
            "termsOfUseUrl": f"{site}/terms",
        },
        "name": {"short": name, "full": f"{name}: how to buy Microsoft cloud services"[:100]},
        "description": {
            "short": "Which way to buy Microsoft cloud: CSP partner, Microsoft seller or online",
            "full": "Motion Advisor asks a few questions about your organisation and recommends "
            "a purchasing motion: breadth through a Cloud Solution Provider (CSP) partner, "
            "enterprise through an Enterprise Agreement or MCA with a Microsoft seller, or "
            "self-service online. Every recommendation cites the published guidance it rests "
            "on. In English and Japanese.",
        },
        "icons": {"color": "color.png", "outline": "outline.png"},
        "accentColor": "#{:02X}{:02X}{:02X}".format(*ACCENT),
        "bots": [
            {
                "botId": bot_id,
                "scopes": ["personal", "team", "groupChat"],
                "supportsFiles": False,
                "isNotificationOnly": False,
                "commandLists": [
                    {
                        "scopes": ["personal", "team", "groupChat"],
                        "commands": [
                            {
                                "title": "Start",
                                "description": "Find how your organisation should buy "
                                "Microsoft cloud services",
                            },
                        ],
                    }
                ],
            }
        ],
        "validDomains": [],
    }


def png(width: int, height: int, pixel: Callable[[int, int], tuple[int, int, int, int]]) -> bytes:
    """Encode an RGBA image, one pixel function call per pixel, as a PNG."""

    def chunk(kind: bytes, data: bytes) -> bytes:
        return (
            struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))
        )

    rows = b"".join(
        b"\x00" + b"".join(bytes(pixel(x, y)) for x in range(width)) for y in range(height)
    )
    header = struct.pack(">IIBBBBB", width, height, 8, 6, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", header)
        + chunk(b"IDAT", zlib.compress(rows, 9))
        + chunk(b"IEND", b"")
    )


def _signpost(u: float, v: float) -> bool:
    """Tell whether a point of the unit square lies on the icon: one path forking three ways."""

    def near(ax: float, ay: float, bx: float, by: float, width: float) -> bool:
        dx, dy = bx - ax, by - ay
        t = max(0.0, min(1.0, ((u - ax) * dx + (v - ay) * dy) / (dx * dx + dy * dy)))
        return (u - ax - t * dx) ** 2 + (v - ay - t * dy) ** 2 <= width * width

    fork = (0.5, 0.55)
    ends = [(0.2, 0.22), (0.5, 0.18), (0.8, 0.22)]
    if near(0.5, 0.88, *fork, 0.06):
        return True
    for x, y in ends:
        if near(*fork, x, y, 0.05) or (u - x) ** 2 + (v - y) ** 2 <= 0.1**2:
            return True
    return False


def color_icon(size: int = 192) -> bytes:
    """Draw the full-colour icon: the white fork on the accent colour."""
    white, accent = (255, 255, 255, 255), (*ACCENT, 255)
    return png(
        size, size, lambda x, y: white if _signpost((x + 0.5) / size, (y + 0.5) / size) else accent
    )


def outline_icon(size: int = 32) -> bytes:
    """Draw the outline icon: the white fork on a transparent background."""
    white, clear = (255, 255, 255, 255), (0, 0, 0, 0)
    return png(
        size, size, lambda x, y: white if _signpost((x + 0.5) / size, (y + 0.5) / size) else clear
    )


def app_package(
    bot_id: str, name: str = "Motion Advisor", website: str = "https://example.com"
) -> bytes:
    """Build the Teams app package: manifest.json and the two icons, zipped."""
    document = manifest(check_bot_id(bot_id), name, website)
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("manifest.json", json.dumps(document, indent=2, ensure_ascii=False))
        archive.writestr("color.png", color_icon())
        archive.writestr("outline.png", outline_icon())
    return buffer.getvalue()
