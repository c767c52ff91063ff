"""Whole conversations with the offline advisor: the policy's motion, in the policy's questions."""

from __future__ import annotations

from typing import Any

import pytest

from advisor.chat import ChatService
from advisor.config import Settings
from advisor.domain.policy import classify
from advisor.domain.schemas import ChatTurn, Lang, Profile
from advisor.errors import NotFoundError, UserError
from advisor.evaluation.simulator import converse, policy_questions
from advisor.guidance.index import GuidanceIndex


@pytest.fixture
def service(offline_service: ChatService) -> ChatService:
    """The session's offline service: each test starts conversations of its own in it."""
    return offline_service


def _send(service: ChatService, lang: Lang | None = None) -> Any:
    def send(message: str, session: str | None) -> ChatTurn:
        return service.chat(message, session, lang)

    return send


CASES: list[tuple[str, dict[str, Any], dict[str, Any], str, str]] = [
    # (opening en, opening facts, full profile, opening ja, id)
    (
        "Hello, we're looking at Microsoft 365",
        {},
        {"special_terms": [], "self_service": False, "seats": 300, "azure_annual_usd": 50_000},
        "こんにちは。Microsoft 365 を検討しています",
        "breadth-all-questions",
    ),
    (
        "We need about 2,400 seats",
        {"seats": 2400},
        {"special_terms": [], "self_service": False, "seats": 2400, "azure_annual_usd": 1_000_000},
        "2,400席ほど必要です",
        "breadth-at-both-thresholds",
    ),
    (
        "We need about 2,401 seats",
        {"seats": 2401},
        {"special_terms": [], "self_service": False, "seats": 2401, "azure_annual_usd": 0},
        "2,401席ほど必要です",
        "enterprise-seats-2401",
    ),
    (
        "We need about 2,399 seats",
        {"seats": 2399},
        {"special_terms": [], "self_service": False, "seats": 2399, "azure_annual_usd": 999_999.99},
        "2,399席ほど必要です",
        "breadth-seats-2399",
    ),
    (
        "Hi there",
        {},
        {
            "special_terms": [],
            "self_service": False,
            "seats": 100,
            "azure_annual_usd": 1_000_000.01,
        },
        "はじめまして",
        "enterprise-azure-over",
    ),
    (
        "Hi there",
        {},
        {"special_terms": ["multi_affiliate"], "self_service": False, "seats": 100},
        "はじめまして",
        "enterprise-multi-affiliate",
    ),
    (
        "Hi there",
        {},
        {"special_terms": ["multi_tenant", "dual_use_rights"]},
        "はじめまして",
        "enterprise-two-terms",
    ),
    ("Hi there", {}, {"special_terms": [], "self_service": True}, "はじめまして", "self-service"),
    (
        "We need about 50,000 seats",
        {"seats": 50000},
        {"special_terms": [], "self_service": True, "seats": 50000},
        "50,000席ほど必要です",
        "self-service-large",
    ),
    (
        "We're 40 staff",
        {"seats": 40},
        {"special_terms": [], "self_service": False, "seats": 40, "azure_annual_usd": 0},
        "社員40名です",
        "breadth-head-count",
    ),
]


@pytest.mark.parametrize("lang", ["en", "ja"])
@pytest.mark.parametrize(
    ("opening_en", "known", "facts", "opening_ja", "case_id"), CASES, ids=[c[-1] for c in CASES]
)
def test_whole_conversation(
    service: ChatService,
    lang: Lang,
    opening_en: str,
    known: dict[str, Any],
    facts: dict[str, Any],
    opening_ja: str,
    case_id: str,
) -> None:
    profile = Profile(**facts)
    conversation = converse(
        _send(service), opening_en if lang == "en" else opening_ja, profile, lang
    )
    final = conversation.final
    expected = classify(profile).motion
    assert final.recommendation is not None, conversation.asked
    assert final.recommendation.motion == expected
    assert final.question is None
    assert conversation.asked == policy_questions(profile, Profile(**known))
    assert len(set(conversation.asked)) == len(conversation.asked)
    assert all(turn.lang == lang for turn in conversation.turns)
    assert final.citations, "a recommendation cites its sources"


def test_first_message_facts_fill_their_slots(service: ChatService) -> None:
    turn = service.chat("We're 300 people and want a partner to look after Microsoft 365 and Azure")
    assert turn.question is not None and turn.question.slot == "special_terms"
    assert "300" in turn.reply
    assert service.session(turn.session_id)["profile"]["seats"] == 300


def test_japanese_self_service_opening_decides_at_once_after_terms(service: ChatService) -> None:
    turn = service.chat("必要な製品は決まっています。オンラインで購入して自分たちで管理したい")
    assert turn.lang == "ja"
    assert turn.recommendation is not None and turn.recommendation.motion == "self_service"
    assert "セルフサービス" in turn.reply


def test_correction_updates_the_recommendation(service: ChatService) -> None:
    turn = service.chat("We have 300 seats, no special terms, a partner should help, and no Azure")
    assert turn.recommendation is not None and turn.recommendation.motion == "breadth"
    turn = service.chat("actually we have 3,000 seats", turn.session_id)
    assert turn.recommendation is not None and turn.recommendation.motion == "enterprise"
    assert "enterprise" in turn.reply
    assert service.session(turn.session_id)["profile"]["seats"] == 3000


def test_guidance_question_mid_interview_then_resumes(service: ChatService) -> None:
    turn = service.chat("Hello")
    asked = turn.question.slot if turn.question else None
    turn = service.chat("What is CSP?", turn.session_id)
    assert turn.citations, "the answer cites the guidance"
    assert turn.question is not None and turn.question.slot == asked
    assert "2022-05-23" in turn.reply


def test_yen_amount_is_not_converted(service: ChatService) -> None:
    turn = service.chat("We have 100 seats, no special terms and want a partner's help")
    turn = service.chat("Azureは年間500万円くらいです", turn.session_id)
    assert turn.question is not None and turn.question.slot == "azure_annual_usd"
    assert service.session(turn.session_id)["profile"]["azure_annual_usd"] is None
    assert "米ドル" in turn.reply


@pytest.mark.parametrize(
    ("message", "said"),
    [
        (
            "we spend about 2k a month on azure",
            "I've counted USD 2,000 a month as USD 24,000 a year",
        ),
        ("Azureは月2000ドルくらいです", "1か月あたり2,000ドルを、年間24,000ドルとして計算しました"),
    ],
)
def test_a_monthly_azure_figure_is_multiplied_by_12_and_says_so(
    service: ChatService, message: str, said: str
) -> None:
    turn = service.chat("We have 100 seats, no special terms and want a partner's help")
    turn = service.chat(message, turn.session_id)
    assert service.session(turn.session_id)["profile"]["azure_annual_usd"] == 24000
    assert said in turn.reply
    # a yearly figure needs no such note
    again = service.chat("sorry, it's $30k a year", turn.session_id)
    assert "counted" not in again.reply and "計算しました" not in again.reply


@pytest.mark.parametrize(
    ("message", "month"),
    [
        ("300 staff here, Azure is about 60k a month. Can we keep buying through CSP?", "60,000"),
        ("従業員300人です。Azureは月に6万ドルくらい。CSPで買い続けても大丈夫？", "60,000"),
    ],
)
def test_a_monthly_figure_is_said_once_beside_the_answer(
    service: ChatService, message: str, month: str
) -> None:
    turn = service.chat(message)
    # the chat says how it counted the month, and the answer sets the year against the line
    assert turn.reply.count(month) == 1, turn.reply
    assert "720,000" in turn.reply and turn.citations


@pytest.mark.parametrize(
    ("message", "says"),
    [
        ("we're 150 people. what's the price of E3?", "The guidance gives no prices"),
        (
            "we're a 150 person charity. has CSP actually become the main breadth motion yet?",
            "says nothing of what happened after it",
        ),
        ("うちは18人です。E3の値段はいくら？", "ガイダンスには価格"),
    ],
)
def test_a_question_refused_for_a_reason_is_answered_beside_the_facts_recorded(
    service: ChatService, message: str, says: str
) -> None:
    turn = service.chat(message)
    # the head count is noted, the refusal says why, and the interview goes on
    assert service.session(turn.session_id)["profile"]["seats"] in (150, 18)
    assert says in turn.reply, turn.reply
    assert turn.question is not None


def test_recommendation_is_kept_on_later_turns(service: ChatService) -> None:
    turn = service.chat("We'll buy online ourselves, we know exactly what we want")
    assert turn.recommendation is not None
    later = service.chat("What is an MCA?", turn.session_id)
    assert (
        later.recommendation is not None
        and later.recommendation.motion == turn.recommendation.motion
    )


def test_sessions_survive_a_new_service(tmp_path: Any, guidance_index: GuidanceIndex) -> None:
    settings = Settings(data_dir=tmp_path)
    first = ChatService(settings, index=guidance_index).chat("We need 500 seats")
    again = ChatService(settings, index=guidance_index).chat("no special terms", first.session_id)
    assert again.question is not None and again.question.slot == "self_service"


@pytest.mark.parametrize(
    ("message", "error"),
    [
        ("", "message: must not be empty"),
        ("   \n", "message: must not be empty"),
        ("x" * 4001, "message: must be at most 4,000 characters (got 4,001)"),
        (42, "message: must be a string"),
    ],
)
def test_bad_messages_are_refused_and_change_nothing(
    service: ChatService, message: Any, error: str
) -> None:
    turn = service.chat("We need 500 seats")
    before = service.session(turn.session_id)
    with pytest.raises(UserError) as exc:
        service.chat(message, turn.session_id)
    assert exc.value.message == error
    assert service.session(turn.session_id) == before


def test_unknown_session(service: ChatService) -> None:
    with pytest.raises(NotFoundError, match="session_id: no session nope"):
        service.chat("hello", "nope")
    with pytest.raises(UserError, match="session_id: must be"):
        service.chat("hello", "../../etc/passwd")


def test_an_unknown_session_raises_before_a_stream_starts(service: ChatService) -> None:
    with pytest.raises(NotFoundError, match="session_id: no session nope"):
        service.stream("hello", "nope")


def test_a_turn_reads_its_session_from_the_store_once(
    tmp_path: Any, guidance_index: GuidanceIndex
) -> None:
    service = ChatService(Settings(data_dir=tmp_path), index=guidance_index)
    reads: list[str] = []
    get_tuple = service.checkpointer.get_tuple

    def counted(config: Any) -> Any:
        reads.append(config["configurable"]["thread_id"])
        return get_tuple(config)

    service.checkpointer.get_tuple = counted  # type: ignore[method-assign]
    first = service.chat("We need 500 seats")
    # a new session has nothing to read; LangGraph looks for a checkpoint as the run starts
    assert reads == [first.session_id]
    reads.clear()
    service.chat("no special terms", first.session_id)
    # LangGraph loads it to run the turn, and the turn checks it as it starts: one read
    assert reads == [first.session_id]


@pytest.mark.parametrize("message", ["社員80名です", "We're 300 people", "こんにちは (hello)"])
def test_streamed_deltas_join_to_the_reply(service: ChatService, message: str) -> None:
    events = list(service.stream(message))
    deltas = "".join(value for kind, value in events if kind == "delta")
    turn = events[-1][1]
    assert deltas == turn.reply


@pytest.mark.parametrize(
    ("message", "expected"),
    [
        ("We have 10^15 seats", "That seat count is outside what I can work with"),
        ("Our Azure spend is -$50,000 a year", "That Azure figure is outside what I can work with"),
        ("シートは10^9席です", "そのシート数は扱える範囲外です"),
    ],
)
def test_absurd_numbers_get_a_calm_explanation(
    service: ChatService, message: str, expected: str
) -> None:
    turn = service.chat(message)
    assert expected in turn.reply
    profile = service.session(turn.session_id)["profile"]
    assert profile.get("seats") is None and profile.get("azure_annual_usd") is None


def test_a_failing_store_is_named_not_blamed_on_the_model(
    tmp_path: Any, guidance_index: GuidanceIndex
) -> None:
    import sqlite3

    from advisor.errors import ServiceError

    service = ChatService(Settings(data_dir=tmp_path), index=guidance_index)
    first = service.chat("We need 40 seats")

    def broken(*args: Any, **kwargs: Any) -> Any:
        raise sqlite3.OperationalError("disk I/O error")

    service.checkpointer.put = broken  # type: ignore[method-assign]
    with pytest.raises(ServiceError, match="the conversation store is not answering"):
        service.chat("no special terms", first.session_id)


def test_a_new_recommendation_comes_with_a_brief_reply_for_channels_with_cards(
    offline_service: Any,
) -> None:
    first = offline_service.chat("We have 300 seats, no special terms and no Azure")
    assert first.brief is None  # a question, no card
    turn = offline_service.chat("a partner should help us", first.session_id)
    assert turn.recommendation is not None and turn.brief is not None
    assert "Why:" in turn.reply and "Why:" not in turn.brief
    assert turn.brief.startswith("Noted: you'd like help from a partner or Microsoft.")
    assert "My recommendation: the breadth motion" in turn.brief
    again = offline_service.chat("thanks", first.session_id)
    assert again.brief is None  # the card is not shown again


def test_none_of_a_figure_is_noted_in_words_not_as_a_zero(offline_service: Any) -> None:
    first = offline_service.chat("We have 300 seats and no Azure")
    assert first.reply.startswith("Noted: 300 seats, no Azure.")
    ja = offline_service.chat("Azureだけでシートは不要です")
    assert ja.reply.startswith("記録いたしました: シートの購入なし (Azure のみ)")


def test_a_question_resumes_only_after_something_was_answered(offline_service: Any) -> None:
    # the opener's question finds nothing worth showing: the reply notes the facts and asks,
    # with no "To carry on:" after an answer that is not there
    turn = offline_service.chat("hi, we're a 600-person retailer, how should we buy M365?")
    assert turn.reply.startswith("Noted: 600 seats.")
    assert "To carry on:" not in turn.reply
    assert turn.reply.endswith(turn.question.text)


def test_which_motion_fits_is_answered_by_the_interview_not_an_overview(
    offline_service: Any,
) -> None:
    # the guidance's overview of every motion would only stand before the next question: the
    # conversation notes the size and asks what decides it
    turn = offline_service.chat("we've got like 900 people, who should we buy from")
    assert turn.reply.startswith("Noted: 900 seats.")
    assert "deciding factor" not in turn.reply and "To carry on:" not in turn.reply
    assert turn.reply.endswith(turn.question.text)
