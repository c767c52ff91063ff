"""What the HTTP service documents: request and answer models, error answers and the stream.

The generated OpenAPI document is completed here so that it says what the server really sends:
every error status, the stream's media type and events, and request bodies whose `$ref`s resolve.
"""

from __future__ import annotations

from typing import Annotated, Any, Literal

from fastapi import Header, Path, Query
from pydantic import BaseModel, ConfigDict, Field
from pydantic.json_schema import SkipJsonSchema

from advisor.config import Settings
from advisor.domain.schemas import (
    ChatTurn,
    Classification,
    Lang,
    Profile,
    Question,
    Slot,
)

_SESSION_ID = r"^[A-Za-z0-9][A-Za-z0-9_.:-]{0,127}$"  # as the store checks it
# Documented, not validated here: the store's own check words the error.
SessionId = Annotated[str, Path(json_schema_extra={"pattern": _SESSION_ID})]
IdempotencyKey = Annotated[
    str | None,
    Header(
        alias="Idempotency-Key",
        description="Sent again with the same message, returns the turn it first got instead "
        "of answering twice. 1 to 128 letters, digits, '_', '-', '.' or ':'; at least 16 "
        "(a random UUID) when it opens a conversation.",
        # documented, not validated here: the service's own check words the error
        json_schema_extra={"pattern": "^[A-Za-z0-9_.:-]{16,128}$"},
    ),
]
TranscriptTurns = Annotated[
    int, Query(ge=1, le=500, description="How many of the latest turns the transcript shows.")
]


def _no_default(schema: dict[str, Any]) -> None:
    schema.pop("default", None)


class ErrorBody(BaseModel):
    """Every error answer: what is wrong and, when it is about one field, which."""

    model_config = ConfigDict(extra="forbid")

    error: str = Field(description="One sentence: what is wrong and what is allowed.")
    field: str | SkipJsonSchema[None] = Field(
        None, description="The request field it is about.", json_schema_extra=_no_default
    )


class QuickReply(BaseModel):
    """A quick reply the customer picked: the slot it answers and the option's value."""

    model_config = ConfigDict(extra="forbid")

    slot: Slot
    value: Any = Field(description="The option's value, as the question offered it.")


class AskRequest(BaseModel):
    """A question about the purchasing guidance."""

    model_config = ConfigDict(extra="forbid")

    question: str = Field(min_length=1)
    lang: Lang | None = None


class ChatRequest(BaseModel):
    """One customer message; without `session_id` it starts a new conversation.

    Text made only of spaces, control or invisible characters counts as empty. `answer` is a
    picked quick reply, taken as given, with `message` its label.
    """

    model_config = ConfigDict(extra="forbid")

    message: str = Field(min_length=1)
    session_id: str | None = Field(None, pattern=_SESSION_ID)
    lang: Lang | None = None
    answer: QuickReply | None = None


class TranscriptEntry(BaseModel):
    """One message of a conversation; an advisor's message carries its whole turn."""

    role: Literal["customer", "advisor"]
    text: str
    at: str
    turn: ChatTurn | SkipJsonSchema[None] = Field(None, json_schema_extra=_no_default)


class SessionView(BaseModel):
    """A conversation's transcript and the profile gathered so far."""

    session_id: str
    created_at: str | None
    lang: Lang | None
    profile: Profile
    recommendation: Classification | None
    question: Question | None
    transcript: list[TranscriptEntry]
    turn_count: int
    earlier_turns: int


class LeadRequest(BaseModel):
    """A customer who has a recommendation asks to be contacted about it, and agrees to be."""

    model_config = ConfigDict(extra="forbid")

    name: str = Field(min_length=1, max_length=200)
    email: str = Field(min_length=3, max_length=254, examples=["kim@contoso.com"])
    company: str = Field(min_length=1, max_length=200)
    consent: Literal[True] = Field(description="The customer agrees to be contacted.")
    lang: Lang | None = None


class EventRequest(BaseModel):
    """Something a customer did besides talking."""

    model_config = ConfigDict(extra="forbid")

    kind: Literal["next_step"] = Field(description="The card's next-step link was followed.")


class FeedbackRequest(BaseModel):
    """A customer's rating of one turn's recommendation or guidance answer."""

    model_config = ConfigDict(extra="forbid")

    turn: int = Field(ge=1, description="The rated turn's `number`, from its ChatTurn.")
    rating: Literal["up", "down"]
    comment: str | None = Field(None, min_length=1, max_length=1000)


class LeadAccepted(BaseModel):
    """A stored lead: sent to the configured webhook as soon as it takes it."""

    lead_id: str
    session_id: str
    motion: str
    status: Literal["queued", "delivered", "stored"]
    message: str


_SAID = {
    401: "No valid Bot Framework token.",
    403: "Not allowed from this address, or to this serviceUrl.",
    404: "No session with that id.",
    409: "The conversation has had as many messages as one may have; start a new one.",
    413: "The request body is over the size limit.",
    415: "The request body is not sent as `application/json`.",
    422: "The request is not valid: `error` says which field and what is allowed.",
    429: "Too many requests from this client; try again after `Retry-After` seconds.",
    502: "The Teams channel could not process the activity.",
    503: "The language model, the guidance index or the conversation store is failing or "
    "busy; try again in a moment.",
}
_RETRY_AFTER = {"Retry-After": {"description": "seconds", "schema": {"type": "integer"}}}
_REF = "#/components/schemas/"


def errors(*statuses: int, said: dict[int, str] | None = None) -> dict[int | str, dict[str, Any]]:
    """Document the error answers of a route, each an ErrorBody (`said`: the route's own words)."""
    words = {**_SAID, **(said or {})}
    return {
        status: {"model": ErrorBody, "description": words[status]}
        | ({"headers": _RETRY_AFTER} if status == 429 else {})
        for status in statuses
    }


def json_body(model: type[BaseModel], **examples: Any) -> dict[str, Any]:
    """Document a request body by its model's schema, which finish_openapi adds."""
    named = {name.replace("_", " "): {"value": value} for name, value in examples.items()}
    schema = {"$ref": _REF + model.__name__}
    return {
        "requestBody": {
            "required": True,
            "content": {"application/json": {"schema": schema, "examples": named}},
        }
    }


def _hoist(node: Any, found: dict[str, Any]) -> Any:
    """Return a schema without embedded `$defs`, collecting them in `found`.

    Its `$ref`s to them point to the components instead, where the caller puts them.
    """
    if isinstance(node, list):
        return [_hoist(item, found) for item in node]
    if not isinstance(node, dict):
        return node
    for name, schema in (node.get("$defs") or {}).items():
        found.setdefault(name, _hoist(schema, found))
    result: dict[str, Any] = {}
    for key, value in node.items():
        if key == "$ref" and isinstance(value, str) and value.startswith("#/$defs/"):
            value = _REF + value.removeprefix("#/$defs/")
        if key != "$defs":
            result[key] = _hoist(value, found)
    return result


def finish_openapi(document: dict[str, Any], settings: Settings) -> dict[str, Any]:
    """Complete a generated OpenAPI document so that it says what the server sends.

    Adds the request bodies' schemas and the configured message limit, moves every embedded
    `$defs` into the components so that each `$ref` resolves, and documents the Teams route.
    A model already in the components (described for responses) keeps its entry there.
    """
    found: dict[str, Any] = {}
    document = _hoist(document, found)
    models = (Profile, AskRequest, ChatRequest, LeadRequest, FeedbackRequest, EventRequest)
    for model in (*models, ErrorBody):
        schema = model.model_json_schema(ref_template=_REF + "{model}")
        found.setdefault(model.__name__, _hoist(schema, found))
    components = document.setdefault("components", {}).setdefault("schemas", {})
    for name, schema in found.items():
        components.setdefault(name, schema)
    limit = settings.max_message_chars
    components["AskRequest"]["properties"]["question"]["maxLength"] = limit
    components["ChatRequest"]["properties"]["message"]["maxLength"] = limit
    teams = document["paths"].get("/api/messages", {}).get("post")
    if teams is not None:
        obj = {"application/json": {"schema": {"type": "object"}}}
        teams["requestBody"] = {"required": True, "description": "An activity", "content": obj}
        error = {"application/json": {"schema": {"$ref": _REF + "ErrorBody"}}}
        teams["responses"] = {
            "200": {"description": "The replies to an expectReplies activity", "content": obj},
            "202": {"description": "Taken; replies go to the activity's serviceUrl."},
        } | {
            str(s): {"description": _SAID[s], "content": error}
            for s in (401, 403, 413, 422, 429, 502)
        }
    return document


def _fields(**schemas: Any) -> dict[str, Any]:
    """Describe a JSON object with these fields, all required."""
    return {"type": "object", "required": list(schemas), "properties": schemas}


def _event(name: str, data: dict[str, Any]) -> dict[str, Any]:
    """Describe one kind of server-sent event, whose data is a JSON document."""
    json_data = {"type": "string", "contentMediaType": "application/json", "contentSchema": data}
    return _fields(event={"const": name}, data=json_data)


_STRING, _INTEGER = {"type": "string"}, {"type": "integer"}
SSE_RESPONSES: dict[int | str, dict[str, Any]] = {
    200: {
        "description": "Server-sent events: `delta` events as the reply is written, then one "
        "`turn` event carrying the ChatTurn, or an `error` event if the turn fails once started.",
        "content": {
            "text/event-stream": {
                "itemSchema": {
                    "oneOf": [
                        _event("delta", _fields(text=_STRING)),
                        _event("turn", {"$ref": _REF + "ChatTurn"}),
                        _event("error", _fields(error=_STRING, status=_INTEGER)),
                    ]
                },
                "example": 'event: delta\ndata: {"text": "Noted"}\n\n'
                'event: turn\ndata: {"session_id": "...", "reply": "Noted", ...}\n\n',
            }
        },
    }
}
