"""The Teams channel over a real loopback server, anonymous (local development) mode.

Activities are posted with `deliveryMode: "expectReplies"`, so the Agents SDK returns the
bot's replies in the response body; one test also lets the bot post to a fake local connector.
"""

from __future__ import annotations

import hashlib
import os
import re
from collections.abc import Iterator
from typing import Any

import httpx
import pytest
from fastapi import FastAPI, Request

from advisor.channels.http import create_app
from advisor.channels.teams import session_id_for
from advisor.config import Settings
from advisor.domain.policy import classify
from advisor.domain.questions import question
from advisor.domain.schemas import Lang, Profile
from advisor.guidance.knowledge import load_knowledge
from advisor.prompts import phrase
from advisor.store.configuration import NEXT_STEP_LINKS
from advisor.store.keys import session_key
from tests.servers import serve_app

TEAMS_SERVICE_URL = "https://smba.trafficmanager.net/amer/"
ADAPTIVE = "application/vnd.microsoft.card.adaptive"

pytestmark = pytest.mark.slow  # every test talks to the app over a loopback server


@pytest.fixture(scope="module")
def teams(
    tmp_path_factory: pytest.TempPathFactory, guidance_index: Any
) -> Iterator[tuple[str, FastAPI]]:
    with pytest.MonkeyPatch.context() as mp:
        for name in list(os.environ):
            if name.startswith(("CONNECTIONS__", "CONNECTIONSMAP__")):
                mp.delenv(name)
        app = create_app(Settings(data_dir=tmp_path_factory.mktemp("teams")), index=guidance_index)
    with serve_app(app) as url:
        yield url, app


@pytest.fixture
def http(teams: tuple[str, FastAPI]) -> Iterator[httpx.Client]:
    with httpx.Client(base_url=teams[0], timeout=60) as client:
        yield client


def activity(conversation: str, text: str | None = None, **fields: Any) -> dict[str, Any]:
    """Build a Teams message activity that asks for the replies in the response."""
    body: dict[str, Any] = {
        "type": "message",
        "id": "m1",
        "channelId": "msteams",
        "serviceUrl": TEAMS_SERVICE_URL,
        "deliveryMode": "expectReplies",
        "from": {"id": "29:user", "name": "Customer"},
        "recipient": {"id": "28:bot", "name": "Motion Advisor"},
        "conversation": {"id": conversation, "conversationType": "personal"},
        "locale": "en-US",
    }
    if text is not None:
        body["text"] = text
    body.update(fields)
    return body


def send(http: httpx.Client, body: dict[str, Any]) -> list[dict[str, Any]]:
    """Post an activity; return the bot's message replies."""
    response = http.post("/api/messages", json=body)
    assert response.status_code == 200, response.text
    return [a for a in response.json()["activities"] if a["type"] == "message"]


def only(replies: list[dict[str, Any]]) -> dict[str, Any]:
    assert len(replies) == 1, replies
    return replies[0]


def card(reply: dict[str, Any]) -> dict[str, Any]:
    cards = [a["content"] for a in reply.get("attachments", []) if a["contentType"] == ADAPTIVE]
    assert len(cards) == 1, reply
    return cards[0]


def card_texts(content: dict[str, Any]) -> list[str]:
    return [block["text"] for block in content["body"] if block["type"] == "TextBlock"]


def suggested(reply: dict[str, Any]) -> list[str]:
    actions = reply["suggestedActions"]["actions"]
    assert all(a["type"] == "imBack" and a["value"] == a["title"] for a in actions)
    return [a["value"] for a in actions]


def expected_card(profile: Profile, lang: Lang) -> list[str]:
    """The recommendation card's lines, built from the classifier and the knowledge base."""
    result = classify(profile, lang)
    kb = load_knowledge()
    assert result.motion is not None
    en = lang == "en"
    name = phrase(f"motion.{result.motion.value}", lang)
    lines = [f"Recommendation: the {name} motion" if en else f"おすすめ: {name} モーション"]
    lines += [str(result.vehicle), "Why" if en else "理由"]
    cited: list[str] = []
    for reason in result.reasons:
        lines.append(reason.text)
        citations = [kb.section(i, lang).citation() for i in reason.citations]
        if citations:
            sources = "; ".join(f"{c.section} ({c.published})" for c in citations)
            lines.append(("Sources: " if en else "出典: ") + sources)
        cited += reason.citations
    if result.alternatives:
        lines.append("Also possible" if en else "ほかの選択肢")
        lines.append(
            "\n".join(
                f"- {phrase(f'motion.{a.motion.value}', lang)}: {a.note}"
                for a in result.alternatives
            )
        )
    lines.append("What would change this" if en else "おすすめが変わる条件")
    lines.append("\n".join(f"- {item}" for item in result.what_would_change))
    lines.append("What partners do here" if en else "パートナーの役割")
    lines.append("\n".join(f"- {item}" for item in result.partner_roles))
    lines.append("Next step" if en else "次のステップ")
    lines.append(re.sub(r"^[^:：]+[:：]\s*", "", phrase(f"next.{result.motion.value}", lang)))
    lines.append("Sources" if en else "出典")
    unique = [kb.section(i, lang).citation() for i in dict.fromkeys(cited)]
    lines.append("\n".join(f"- {c.section}, {c.title} ({c.published})" for c in unique))
    lines.append("Was this helpful?" if en else "お役に立ちましたか？")
    return lines


CONVERSATIONS = [
    (
        "en",
        "en-US",
        "Hello, we're looking at Microsoft 365",
        ["300", "$50k"],
        "Hello!",
    ),
    (
        "ja",
        "ja-JP",
        "こんにちは。Microsoft 365 を検討しています",
        ["300", "年間5万ドル"],
        "こんにちは",
    ),
]


@pytest.mark.parametrize(("lang", "locale", "opening", "typed", "hello"), CONVERSATIONS)
def test_whole_conversation_ends_in_a_recommendation_card(
    http: httpx.Client,
    teams: tuple[str, FastAPI],
    lang: Lang,
    locale: str,
    opening: str,
    typed: list[str],
    hello: str,
) -> None:
    conversation = f"a:whole-{lang}"
    welcome = send(
        http,
        activity(
            conversation,
            type="conversationUpdate",
            membersAdded=[{"id": "28:bot"}, {"id": "29:user"}],
            locale=locale,
        ),
    )
    assert only(welcome)["text"].startswith(phrase("greeting", lang))

    def say(text: str) -> dict[str, Any]:
        return only(send(http, activity(conversation, text, locale=locale)))

    reply = say(opening)
    terms = question("special_terms", lang)
    assert reply["text"].endswith(terms.text)
    assert suggested(reply) == [o.label for o in terms.options]
    assert "attachments" not in reply

    reply = say(suggested(reply)[0])  # the customer taps "No, none of these"
    help_ = question("self_service", lang)
    assert reply["text"].endswith(help_.text)
    assert suggested(reply) == [o.label for o in help_.options]

    reply = say(suggested(reply)[1])  # ... and "We'd like a partner or Microsoft to help"
    assert reply["text"].endswith(question("seats", lang).text)
    assert suggested(reply) == [o.label for o in question("seats", lang).options]

    reply = say(typed[0])
    assert reply["text"].endswith(question("azure_annual_usd", lang).text)
    assert "suggestedActions" in reply

    reply = say(typed[1])
    profile = Profile(special_terms=[], self_service=False, seats=300, azure_annual_usd=50_000)
    assert (
        phrase(
            "recommend",
            lang,
            motion=phrase("motion.breadth", lang),
            vehicle=classify(profile, lang).vehicle,
        )
        in reply["text"]
    )
    assert "suggestedActions" not in reply
    # the card says why and what to do next; the text above it does not say it again
    why = phrase("why", lang, rule="")
    assert why.strip() not in reply["text"]
    content = card(reply)
    assert content["type"] == "AdaptiveCard" and content["version"] == "1.5"
    assert content["lang"] == lang
    assert card_texts(content) == expected_card(profile, lang)
    assert all(reply.get("locale") == locale for reply in [reply])

    # the customer can rate the recommendation from the card
    (rating,) = [b for b in content["body"] if b["type"] == "ActionSet"]
    assert [a["title"] for a in rating["actions"]] == (
        ["Yes", "No"] if lang == "en" else ["はい", "いいえ"]
    )
    # "No" opens a box for an optional comment, sent with the rating
    no = rating["actions"][1]
    assert no["type"] == "Action.ShowCard"
    (box,) = no["card"]["body"]
    assert box["type"] == "Input.Text" and box["id"] == "comment"
    (send_no,) = no["card"]["actions"]
    value = {**send_no["data"], "comment": "wanted the partner's name"}
    rated = only(send(http, activity(conversation, value=value, locale=locale)))
    assert rated["text"] in ("Thank you for the feedback.", "ご意見ありがとうございます。")
    service = teams[1].state.service
    session = session_id_for("msteams", conversation, session_key(service.settings))
    (stored,) = service.feedback.of_session(session)
    assert (stored.rating, stored.comment) == ("down", "wanted the partner's name")

    # the web card's actions: the next step's page, and asking to be contacted
    link, contact = content["actions"]
    assert link["type"] == "Action.OpenUrl" and link["url"].startswith("https://")
    assert link["title"] == ("Find a CSP partner" if lang == "en" else "CSP パートナーを探す")
    assert contact["type"] == "Action.ShowCard"
    form = contact["card"]
    assert [i["id"] for i in form["body"] if i["type"].startswith("Input.")] == [
        "lead_name",
        "lead_email",
        "lead_company",
        "lead_consent",
    ]
    assert all(i.get("isRequired") for i in form["body"] if i["type"].startswith("Input."))
    (submit,) = form["actions"]

    def fill(**fields: str) -> dict[str, Any]:
        value = {**submit["data"], **fields}
        return only(send(http, activity(conversation, value=value, locale=locale)))

    bad = fill(lead_name="Kim", lead_email="kim@", lead_company="Contoso", lead_consent="true")
    assert "email" in bad["text"]
    thanks = fill(
        lead_name="Kim Lee",
        lead_email="kim@contoso.com",
        lead_company="Contoso",
        lead_consent="true",
    )
    assert thanks["text"] == phrase("lead_thanks", lang, person="Kim Lee", email="kim@contoso.com")


def test_a_contact_form_sent_before_a_recommendation_is_told_when_it_can_be(
    http: httpx.Client, teams: tuple[str, FastAPI]
) -> None:
    conversation = "a:early-lead"
    send(http, activity(conversation, "hello"))
    value = {
        "action": "lead",
        "lead_name": "Early Kim",
        "lead_email": "kim@contoso.com",
        "lead_company": "Contoso",
        "lead_consent": "true",
    }
    reply = only(send(http, activity(conversation, value=value)))
    assert "Once I have recommended a motion" in reply["text"]
    assert not [lead for lead in teams[1].state.service.leads.latest() if lead.name == "Early Kim"]


def test_recommendation_card_is_sent_again_only_when_it_changes(
    http: httpx.Client, teams: tuple[str, FastAPI]
) -> None:
    conversation = "a:changes"
    reply = only(
        send(
            http,
            activity(
                conversation,
                "We need about 300 seats, no special terms, we'd like a partner to help us "
                "and we don't use Azure",
            ),
        )
    )
    assert card_texts(card(reply))[0] == "Recommendation: the breadth motion"

    reply = only(send(http, activity(conversation, "What does a CSP partner do?")))
    markers = set(re.findall(r"\[(\d+)\]", reply["text"].split("\n\nSources:")[0]))
    assert markers, reply["text"]  # the answer cites the guidance
    for marker in markers:
        assert f"- [{marker}] " in reply["text"]
    # under the answer, not a recommendation card but a question: was it helpful?
    (rating_card,) = [a["content"] for a in reply["attachments"]]
    assert card_texts(rating_card) == ["Was this helpful?"]
    (row,) = [b for b in rating_card["body"] if b["type"] == "ActionSet"]
    yes, no = row["actions"]
    assert (yes["title"], no["title"]) == ("Yes", "No")
    value = {**no["card"]["actions"][0]["data"], "comment": "  "}  # an empty box: no comment
    thanks = only(send(http, activity(conversation, value=value)))
    assert thanks["text"] == "Thank you for the feedback."
    service = teams[1].state.service
    session = session_id_for("msteams", conversation, session_key(service.settings))
    (answer_rating,) = [r for r in service.feedback.of_session(session) if r.rating == "down"]
    assert answer_rating.comment is None
    assert answer_rating.turn == yes["data"]["turn"]

    reply = only(send(http, activity(conversation, "actually we have 3,000 seats")))
    content = card(reply)
    profile = Profile(special_terms=[], self_service=False, seats=3000, azure_annual_usd=0)
    assert card_texts(content) == expected_card(profile, "en")


def test_each_teams_conversation_is_its_own_session(
    http: httpx.Client, teams: tuple[str, FastAPI]
) -> None:
    send(http, activity("a:first", "We need about 40 seats"))
    reply = only(send(http, activity("a:second", "Hello")))
    assert "40" not in reply["text"]
    service = teams[1].state.service
    key = session_key(service.settings)
    first = session_id_for("msteams", "a:first", key)
    assert re.fullmatch(r"teams-[0-9a-f]{40}", first)
    assert service.session(first)["profile"]["seats"] == 40
    second = session_id_for("msteams", "a:second", key)
    assert service.session(second)["profile"].get("seats") is None
    # without the server's key, a conversation id does not lead to its session
    unkeyed = "teams-" + hashlib.sha256(b"msteams\na:first").hexdigest()[:40]
    assert not service.exists(unkeyed)
    assert session_id_for("msteams", "a:first", b"another key") != first
    key_file = service.settings.data_dir / "session.key"
    assert key_file.stat().st_mode & 0o077 == 0  # readable by the server's user alone
    # and even with it, the web API does not reach a channel's conversations
    for route in (f"/v1/sessions/{first}",):
        assert http.get(route).status_code == 404
        assert http.delete(route).status_code == 404
    changed = http.post("/v1/chat", json={"message": "we have 9,000 seats", "session_id": first})
    assert changed.status_code == 404
    assert service.session(first)["profile"]["seats"] == 40


def test_a_redelivered_activity_is_answered_once(
    http: httpx.Client, teams: tuple[str, FastAPI]
) -> None:
    said = activity("a:redelivered", "We need about 40 seats", id="1700000000001")
    first = only(send(http, said))
    again = only(send(http, said))  # the channel saw no answer in time and sent it again
    assert again["text"] == first["text"]
    service = teams[1].state.service
    session = session_id_for("msteams", "a:redelivered", session_key(service.settings))
    assert service.session(session)["turn_count"] == 1
    # another message that happens to carry the same id is still a message of its own
    send(http, activity("a:redelivered", "no special terms", id="1700000000001"))
    assert service.session(session)["turn_count"] == 2


@pytest.mark.parametrize(
    ("locale", "text", "lang"),
    [
        ("ja-JP", "300", "ja"),
        ("en-US", "300", "en"),
        ("en-US", "社員40名です", "ja"),
        ("ja-JP", "We're 40 staff", "en"),
    ],
)
def test_language_comes_from_the_text_else_the_locale(
    http: httpx.Client, locale: str, text: str, lang: Lang
) -> None:
    reply = only(send(http, activity(f"a:lang-{locale}-{text}", text, locale=locale)))
    assert reply["text"].endswith(question("special_terms", lang).text)


def test_group_chats_get_the_question_as_a_card_and_its_buttons_answer(http: httpx.Client) -> None:
    group = {"id": "19:group@thread.v2", "conversationType": "groupChat", "isGroup": True}
    reply = only(
        send(http, {**activity("", "Hello, we're looking at Microsoft 365"), "conversation": group})
    )
    assert "suggestedActions" not in reply
    content = card(reply)
    terms = question("special_terms", "en")
    assert card_texts(content)[0] == terms.text
    # one button a row, each in an action set of its own: none hidden, no label cut short
    assert "actions" not in content
    rows = [block for block in content["body"] if block["type"] == "ActionSet"]
    assert all(len(row["actions"]) == 1 for row in rows)
    buttons = [row["actions"][0] for row in rows]
    assert [b["title"] for b in buttons] == [o.label for o in terms.options]
    assert all(b["type"] == "Action.Submit" for b in buttons)

    # Pressing a button sends its data as the activity's value, with no text: the picked
    # option itself, taken as given.
    assert [b["data"]["value"] for b in buttons] == [o.value for o in terms.options]
    assert {b["data"]["slot"] for b in buttons} == {"special_terms"}
    submit = {**activity(""), "conversation": group, "value": buttons[0]["data"]}
    reply = only(send(http, submit))
    assert reply["text"].startswith(phrase("noted", "en", facts=phrase("fact.no_terms", "en")))
    assert card_texts(card(reply))[0] == question("self_service", "en").text

    # The value decides, not the label: a button whose label reads otherwise still records it.
    self_card = [b["actions"][0] for b in card(reply)["body"] if b["type"] == "ActionSet"]
    picked = {**self_card[1]["data"], "answer": "whatever the label says"}
    reply = only(send(http, {**activity(""), "conversation": group, "value": picked}))
    assert reply["text"].startswith(phrase("noted", "en", facts=phrase("fact.help", "en")))


def test_a_message_without_text_gets_a_hint(http: httpx.Client) -> None:
    reply = only(
        send(
            http,
            activity(
                "a:no-text",
                attachments=[
                    {"contentType": "image/png", "contentUrl": "https://example.com/a.png"}
                ],
            ),
        )
    )
    assert reply["text"] == "I can only read text messages; please type your answer."


def test_a_message_over_the_limit_is_answered_with_the_reason(http: httpx.Client) -> None:
    reply = only(send(http, activity("a:long", "seats " * 1000)))
    assert reply["text"] == "message: must be at most 4,000 characters (got 5,999)"


@pytest.mark.parametrize(
    ("members", "conversation_type", "welcomed"),
    [
        (["28:bot"], "personal", True),  # Teams: the app was installed for one person
        (["28:bot"], "channel", True),  # Teams: the app was added to a team
        (["29:user"], "personal", True),  # a local test client opening a chat
        (["29:someone-new"], "groupChat", False),  # a person joining a group chat
    ],
)
def test_members_added_gets_one_welcome(
    http: httpx.Client, members: list[str], conversation_type: str, welcomed: bool
) -> None:
    conversation = {"id": f"a:welcome-{conversation_type}-{members[0]}"}
    body = {
        **activity("", type="conversationUpdate", membersAdded=[{"id": m} for m in members]),
        "conversation": {**conversation, "conversationType": conversation_type},
    }
    replies = send(http, body)
    assert [r["text"] for r in replies] == (
        [f"{phrase('greeting', 'en')}\n\n{WELCOME_EN}"] if welcomed else []
    )


WELCOME_EN = (
    "Tell me about your organisation, for example how many people need Microsoft 365 or what "
    "you spend on Azure, and I'll ask for anything else I need."
)


VALID = activity("a:bad")
ANONYMOUS_ONLY_LOCAL = (
    "serviceUrl: without a client id the bot replies only to local service URLs; "
    "configure CONNECTIONS__SERVICE_CONNECTION__SETTINGS__CLIENTID"
)


@pytest.mark.parametrize(
    ("body", "status", "error"),
    [
        (b"{not json", 422, "request body: must be a Bot Framework activity in UTF-8 JSON"),
        (b"\xff\xfe", 422, "request body: must be a Bot Framework activity in UTF-8 JSON"),
        (b"[]", 422, "request body: must be a JSON object (a Bot Framework activity)"),
        (
            {k: v for k, v in VALID.items() if k != "type"},
            422,
            'type: is required and must be a string such as "message"',
        ),
        ({**VALID, "type": 5}, 422, 'type: is required and must be a string such as "message"'),
        ({**VALID, "conversation": None}, 422, "conversation.id: is required and must be a string"),
        (
            {**VALID, "conversation": {"id": 7}},
            422,
            "conversation.id: is required and must be a string",
        ),
        (
            {**VALID, "conversation": {"id": "../../admin/delete?x="}},
            422,
            "conversation.id: may not contain /, \\, ?, #, % or ..",
        ),
        (
            {k: v for k, v in VALID.items() if k != "serviceUrl"},
            422,
            "serviceUrl: is required and must be an http(s) URL",
        ),
        (
            {**VALID, "serviceUrl": "ftp://x"},
            422,
            "serviceUrl: is required and must be an http(s) URL",
        ),
        (
            {**VALID, "from": "nobody"},
            422,
            "from: input should be a valid dictionary or instance of ChannelAccount",
        ),
        (
            {**VALID, "type": "invoke", "name": "task/fetch"},
            422,
            "type: invoke activities (task/fetch) are not supported",
        ),
        (
            {**VALID, "deliveryMode": "normal"},
            403,
            ANONYMOUS_ONLY_LOCAL,
        ),
        ({**VALID, "text": "x" * 70_000}, 413, "request body: must be at most 65,536 bytes"),
    ],
)
def test_bad_activities_get_a_clear_4xx(
    http: httpx.Client, body: bytes | dict[str, Any], status: int, error: str
) -> None:
    if isinstance(body, bytes):
        response = http.post(
            "/api/messages", content=body, headers={"content-type": "application/json"}
        )
    else:
        response = http.post("/api/messages", json=body)
    assert (response.status_code, response.json()) == (status, {"error": error})


def test_get_is_not_allowed(http: httpx.Client) -> None:
    response = http.get("/api/messages")
    assert response.status_code == 405
    assert "error" in response.json()


def test_replies_are_posted_to_the_channel_service(http: httpx.Client) -> None:
    """Without expectReplies the bot answers 202 and posts its reply to the service URL."""
    posted: list[tuple[str, dict[str, Any]]] = []
    connector = FastAPI()

    @connector.post("/v3/conversations/{conversation_id}/activities")
    async def receive(conversation_id: str, request: Request) -> dict[str, str]:
        posted.append((conversation_id, await request.json()))
        return {"id": f"reply-{len(posted)}"}

    @connector.post("/v3/conversations/{conversation_id}/activities/{activity_id}")
    async def reply_to(conversation_id: str, activity_id: str, request: Request) -> dict[str, str]:
        posted.append((conversation_id, await request.json()))
        return {"id": f"reply-{len(posted)}"}

    with serve_app(connector) as service_url:
        body = activity("a:posted", "Hello", deliveryMode="normal", serviceUrl=f"{service_url}/")
        response = http.post("/api/messages", json=body)
        assert response.status_code == 202
    messages = [(c, a) for c, a in posted if a["type"] == "message"]
    assert len(messages) == 1
    conversation, reply = messages[0]
    assert conversation == "a:posted"
    assert reply["text"].endswith(question("special_terms", "en").text)


def test_anonymous_mode_takes_activities_from_this_machine_only(
    teams: tuple[str, FastAPI],
) -> None:
    from starlette.testclient import TestClient

    app = teams[1]
    elsewhere = TestClient(app, client=("203.0.113.7", 50000))
    response = elsewhere.post("/api/messages", json=activity("a:remote", "We need 40 seats"))
    assert response.status_code == 403
    assert "accepts local requests only" in response.json()["error"]
    here = TestClient(app, client=("127.0.0.1", 50000))
    response = here.post("/api/messages", json=activity("a:local", "We need 40 seats"))
    assert response.status_code == 200


def test_the_card_links_to_the_next_step_an_admin_configured(
    http: httpx.Client, teams: tuple[str, FastAPI]
) -> None:
    service = teams[1].state.service
    partners = "https://partners.contoso.example/find"
    service.configuration.change({"next_step_links.breadth": partners}, "admin-sub")
    try:
        said = "About 300 seats, no special terms, a partner should help us, and no Azure"
        reply = only(send(http, activity("a:configured-link", said)))
        link = card(reply)["actions"][0]
        assert (link["type"], link["url"]) == ("Action.OpenUrl", partners)
    finally:
        service.configuration.change({"next_step_links.breadth": NEXT_STEP_LINKS["breadth"]}, "a")
