"""What a customer does after the advice: ask to be contacted, rate a turn, follow a link."""

from __future__ import annotations

from typing import Any

from fastapi import FastAPI, Request
from fastapi.responses import JSONResponse, Response
from starlette.concurrency import run_in_threadpool

from advisor.channels.bodies import json_object, public_session, read_body
from advisor.channels.openapi import (
    EventRequest,
    FeedbackRequest,
    LeadAccepted,
    LeadRequest,
    SessionId,
    errors,
    json_body,
)
from advisor.config import Settings
from advisor.errors import NotFoundError, UserError
from advisor.inputs import check_lang
from advisor.prompts import phrase
from advisor.store.feedback import EVENT_KINDS, check_rating
from advisor.store.leads import check_contact


def mount_follow_up(app: FastAPI, settings: Settings) -> None:
    """Add the lead, feedback and event routes under /v1/sessions/{id}/ to `app`."""

    def session_errors(conflict: str) -> dict[int | str, dict[str, Any]]:
        return errors(404, 409, 413, 415, 422, 429, 503, said={409: conflict})

    lead_errors = session_errors(
        "The conversation has no recommendation yet to be contacted about."
    )

    @app.post(
        "/v1/sessions/{session_id}/lead",
        status_code=201,
        tags=["advisor"],
        responses={
            **lead_errors,
            200: {"model": LeadAccepted, "description": "The conversation's lead, stored before."},
            201: {"model": LeadAccepted, "description": "Stored, and queued for the webhook."},
        },
        openapi_extra=json_body(
            LeadRequest,
            contact_me={
                "name": "Kim Lee",
                "email": "kim@contoso.com",
                "company": "Contoso",
                "consent": True,
            },
        ),
    )
    async def lead_route(session_id: SessionId, request: Request) -> JSONResponse:
        """Ask to be contacted about the conversation's recommendation.

        Takes the customer's consent, name, work email and company. One lead a conversation:
        sending it again returns the first.
        """
        public_session(session_id)
        fields = {"name", "email", "company", "consent", "lang"}
        body = json_object(await read_body(request), fields, fields - {"lang"})
        contact = check_contact(body)
        requested = check_lang(body.get("lang"))
        lead, created = await run_in_threadpool(
            app.state.service.leave_lead, session_id, contact, requested
        )
        if app.state.delivery is not None:
            app.state.delivery.wake()
        status = "stored"  # kept for the console: no webhook is configured
        if settings.lead_webhook_url:
            status = "delivered" if lead.delivered_at else "queued"
        return JSONResponse(
            {
                "lead_id": lead.id,
                "session_id": session_id,
                "motion": lead.motion,
                "status": status,
                "message": phrase(
                    "lead_thanks", requested or lead.lang, person=lead.name, email=lead.email
                ),
            },
            201 if created else 200,
        )

    feedback_errors = session_errors("That turn has no recommendation or guidance answer to rate.")

    @app.post(
        "/v1/sessions/{session_id}/feedback",
        status_code=201,
        tags=["advisor"],
        responses={
            **feedback_errors,
            201: {"description": "The rating, stored (it replaces an earlier one of that turn)."},
        },
        openapi_extra=json_body(
            FeedbackRequest, thumbs_down={"turn": 4, "rating": "down", "comment": "Too slow"}
        ),
    )
    async def feedback_route(session_id: SessionId, request: Request) -> JSONResponse:
        """Rate a turn's recommendation or guidance answer, up or down, with an optional comment.

        `turn` is the turn's `number`, as its ChatTurn gave it.
        """
        public_session(session_id)
        fields = {"turn", "rating", "comment"}
        body = json_object(await read_body(request), fields, {"turn", "rating"})
        turn, rating, comment = check_rating(body)
        rated = await run_in_threadpool(
            lambda: app.state.service.rate(session_id, turn, rating, comment)
        )
        return JSONResponse(rated.view(), 201)

    @app.post(
        "/v1/sessions/{session_id}/events",
        status_code=204,
        tags=["advisor"],
        responses=errors(404, 413, 415, 422, 429, 503),
        openapi_extra=json_body(EventRequest, next_step={"kind": "next_step"}),
    )
    async def event_route(session_id: SessionId, request: Request) -> Response:
        """Note what a customer did besides talking: followed the card's next-step link."""
        public_session(session_id)
        body = json_object(await read_body(request), {"kind"}, {"kind"})
        if body["kind"] not in EVENT_KINDS:
            raise UserError(f"kind: must be one of {', '.join(EVENT_KINDS)}", field="kind")
        service = app.state.service
        if not await run_in_threadpool(service.exists, session_id):
            raise NotFoundError(f"session_id: no session {session_id}", field="session_id")
        await run_in_threadpool(service.feedback.event, session_id, body["kind"])
        return Response(status_code=204)
