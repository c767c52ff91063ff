"""Reading a request: its JSON body, its fields, and which session ids the web routes take."""

from __future__ import annotations

from typing import Any

from starlette.requests import Request

from advisor.channels.teams import SESSION_PREFIX
from advisor.domain.schemas import parse_json
from advisor.errors import NotFoundError, UserError


class MediaTypeError(UserError):
    """A request body not declared as JSON by its Content-Type."""


def public_session(session_id: str) -> str:
    """Return a session id the web routes may use; a channel's own sessions (Teams) are not."""
    if session_id.startswith(SESSION_PREFIX):
        raise NotFoundError(f"session_id: no session {session_id}", field="session_id")
    return session_id


async def read_body(request: Request) -> object:
    """Parse a JSON request body, or raise a UserError saying why it is not JSON.

    A body not declared as `application/json` is refused before it is read: browsers send
    cross-site `text/plain` and form posts without a CORS preflight, and those do no work here.
    """
    media_type = request.headers.get("content-type", "").partition(";")[0]
    if media_type.strip().lower() != "application/json":
        raise MediaTypeError("request body: must be JSON sent as Content-Type: application/json")
    raw = await request.body()
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError:
        raise UserError("request body: must be UTF-8 encoded JSON") from None
    return parse_json(text, "request body")


def json_object(body: object, allowed: set[str], required: set[str]) -> dict[str, Any]:
    """Return a body that is a JSON object with only `allowed` fields and every `required` one."""
    if not isinstance(body, dict):
        raise UserError("request body: must be a JSON object")
    for key in body:
        if key not in allowed:
            raise UserError(
                f"{key}: unknown field; allowed fields are {', '.join(sorted(allowed))}", field=key
            )
    for key in sorted(required - set(body)):
        raise UserError(f"{key}: is required", field=key)
    return body
