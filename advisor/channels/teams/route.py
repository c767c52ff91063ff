"""The Teams route: `POST /api/messages`, its checks and rate limit, in front of the bot.

The route runs on the Microsoft 365 Agents SDK (an `AgentApplication` behind the SDK's FastAPI
`CloudAdapter`).
"""

from __future__ import annotations

import ipaddress
import json
import logging
import os
import re
from urllib.parse import urlsplit

from fastapi import FastAPI, Request
from fastapi.responses import JSONResponse, Response
from microsoft_agents.activity import Activity, ActivityTypes, DeliveryModes
from microsoft_agents.hosting.core import OutboundHostValidator
from microsoft_agents.hosting.fastapi import CloudAdapter

from advisor.channels.ratelimit import TokenBucket, retry_after, too_many
from advisor.channels.status import http_status
from advisor.channels.teams.auth import TeamsAuth
from advisor.channels.teams.bot import build_agent
from advisor.config import Settings
from advisor.errors import UserError

log = logging.getLogger(__name__)


def _error(status: int, message: str) -> JSONResponse:
    return JSONResponse({"error": message}, status_code=status)


_UNSAFE_ID = re.compile(r"[/\\?#%]|\.\.")


def _is_loopback(url: str) -> bool:
    return _is_loopback_host(urlsplit(url).hostname or "")


def _is_loopback_host(host: str) -> bool:
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
    if _UNSAFE_ID.search(conversation["id"]):
        # the id goes into the reply's URL path: "../../admin" must not climb out of it
        raise UserError(
            "conversation.id: may not contain /, \\, ?, #, % or ..",
            field="conversation.id",
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
        if auth.anonymous and not _is_loopback_host(request.client.host if request.client else ""):
            # anonymous mode is for local development: nobody else may post activities to it
            return _error(
                403,
                "without a client id the Teams endpoint accepts local requests only; configure "
                "CONNECTIONS__SERVICE_CONNECTION__SETTINGS__CLIENTID",
            )
        if not auth.anonymous:
            identity = await auth.identify(request.headers.get("authorization"))
            if isinstance(identity, JSONResponse):
                return identity
            request.state.claims_identity = identity
        try:
            activity = parse_activity(await request.body())
        except UserError as exc:
            return _error(http_status(exc), exc.message)
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
