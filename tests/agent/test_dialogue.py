"""Replies that do not answer the question: clarified, assumed, declined, never looped."""

from __future__ import annotations

from collections.abc import Sequence

import pytest

from advisor.chat import ChatService
from advisor.domain.schemas import ChatTurn


def talk(service: ChatService, messages: Sequence[str]) -> list[ChatTurn]:
    turns: list[ChatTurn] = []
    session: str | None = None
    for message in messages:
        turn = service.chat(message, session)
        session = turn.session_id
        turns.append(turn)
    return turns


def profile(service: ChatService, turns: list[ChatTurn]) -> dict[str, object]:
    return dict(service.session(turns[-1].session_id)["profile"])


def test_short_loose_answers_are_read_as_answers_to_the_question_asked(
    offline_service: ChatService,
) -> None:
    turns = talk(
        offline_service,
        ["hi, can you help us figure out how to buy M365?", "nah nothing fancy", "partner pls"],
    )
    # the opener asks for help: a greeting and the first question, no guidance quoted at them
    assert turns[0].reply.startswith("Hello!")
    assert "2,400" not in turns[0].reply
    assert turns[0].question is not None and turns[0].question.slot == "special_terms"
    assert turns[2].question is not None and turns[2].question.slot == "seats"
    assert profile(offline_service, turns) == {
        "special_terms": [],
        "self_service": False,
        "seats": None,
        "azure_annual_usd": None,
        "preferred_motion": None,
    }


def test_help_from_a_partner_is_not_a_preference_for_csp(offline_service: ChatService) -> None:
    turns = talk(offline_service, ["3,000 seats, we want help from a partner, no special terms"])
    assert turns[-1].recommendation is not None
    assert turns[-1].recommendation.motion == "enterprise"
    assert profile(offline_service, turns)["preferred_motion"] is None


def test_a_wish_for_csp_with_is_that_ok_changes_the_result_without_stray_guidance(
    offline_service: ChatService,
) -> None:
    turns = talk(
        offline_service,
        [
            "4,000 seats, no special terms, we'd like a partner to help, no Azure",
            "hmm, we love our CSP and want to stay with them, is that ok?",
        ],
    )
    assert turns[0].recommendation is not None and turns[0].recommendation.motion == "enterprise"
    assert turns[1].recommendation is not None and turns[1].recommendation.motion == "breadth"
    assert "self-service" not in turns[1].reply.lower()


@pytest.mark.parametrize("lang", ["en", "ja"])
def test_a_customer_who_never_answers_never_reads_the_same_reply_twice(
    offline_service: ChatService, lang: str
) -> None:
    filler = "hmm" if lang == "en" else "うーん"
    turns = talk(offline_service, ["hello" if lang == "en" else "こんにちは"] + [filler] * 7)
    replies = [t.reply for t in turns]
    assert all(a != b for a, b in zip(replies, replies[1:], strict=False)), replies
    # nothing was recorded from the fillers, and the conversation moved on rather than looping
    assert [t.question.slot if t.question else None for t in turns][-1] != "special_terms"


def test_unsure_about_terms_gets_one_explanation_then_goes_on_as_none(
    offline_service: ChatService,
) -> None:
    turns = talk(offline_service, ["we have 300 seats", "not sure", "still no idea"])
    explained, assumed = turns[1], turns[2]
    assert explained.question is not None and explained.question.slot == "special_terms"
    assert "dual-use rights" in explained.reply and explained.reply != turns[0].reply
    assert "as if you need none" in assumed.reply and "enterprise" in assumed.reply
    assert assumed.question is not None and assumed.question.slot == "self_service"
    assert profile(offline_service, turns)["special_terms"] == []


def test_unsure_about_self_service_is_taken_as_wanting_help_and_said(
    offline_service: ChatService,
) -> None:
    turns = talk(offline_service, ["こんにちは", "特にないです", "うーん、まだわかりません"])
    assert "支援をご希望という前提" in turns[-1].reply
    assert turns[-1].question is not None and turns[-1].question.slot == "seats"
    assert profile(offline_service, turns)["self_service"] is False


@pytest.mark.parametrize(
    ("messages", "said"),
    [
        (["no special terms", "no preference"], "I'll assume you'd like a partner or Microsoft"),
        (["特別な条件はなし", "特になし"], "支援をご希望という前提"),
    ],
)
def test_no_preference_about_self_service_is_assumed_as_help_and_said(
    offline_service: ChatService, messages: list[str], said: str
) -> None:
    turns = talk(offline_service, messages)
    assert said in turns[-1].reply
    assert "Noted" not in turns[-1].reply and "記録" not in turns[-1].reply
    assert turns[-1].question is not None and turns[-1].question.slot == "seats"
    assert profile(offline_service, turns)["self_service"] is False


def test_a_refused_figure_gets_the_conditional_answer(offline_service: ChatService) -> None:
    turns = talk(
        offline_service,
        [
            "no special terms and we want a partner to help",
            "not telling you that",
            "no azure",
            "ok",
            "thanks",
        ],
    )
    declined, last, after = turns[1], turns[2], turns[3:]
    assert "without your seat count" in declined.reply
    assert declined.question is not None and declined.question.slot == "azure_annual_usd"
    assert last.question is None and last.recommendation is None
    # the conditional answer, with what is known: Azure is none, so seats decide
    assert "it comes down to your seat count" in last.reply
    assert "up to 2,400 seats" in last.reply and "CSP partner stays possible" in last.reply
    # small talk afterwards neither repeats it nor records anything
    assert all("comes down to" not in t.reply for t in after)
    assert after[0].reply != after[1].reply
    assert profile(offline_service, turns)["seats"] is None
    # Azure above USD 1M decides it even with seats unknown
    turns = talk(
        offline_service,
        ["no special terms and we want a partner to help", "confidential", "about $2M a year"],
    )
    assert turns[-1].recommendation is not None
    assert turns[-1].recommendation.motion == "enterprise"


def test_a_japanese_correction_replaces_the_figure_before_the_result(
    offline_service: ChatService,
) -> None:
    turns = talk(
        offline_service,
        [
            "特別な契約条件はなし、パートナーに支援してほしいです",
            "250名です",
            "すみません、2,500の間違いでした",
        ],
    )
    assert profile(offline_service, turns)["seats"] == 2500
    assert turns[-1].recommendation is not None
    assert turns[-1].recommendation.motion == "enterprise"


def test_a_correction_after_the_result_gives_the_new_result_in_the_same_turn(
    offline_service: ChatService,
) -> None:
    turns = talk(
        offline_service,
        ["300 seats, no special terms, a partner should help, no Azure", "actually 3,000"],
    )
    assert turns[0].recommendation is not None and turns[0].recommendation.motion == "breadth"
    assert turns[1].recommendation is not None
    assert turns[1].recommendation.motion == "enterprise"
    assert "changes from breadth to enterprise" in turns[1].reply


def test_an_amount_in_yen_is_converted_at_the_rate_the_customer_gives(
    offline_service: ChatService,
) -> None:
    turns = talk(offline_service, ["Azureは年間3,000万円くらい", "1ドル150円で換算してください"])
    assert "米ドル" in turns[0].reply
    assert profile(offline_service, turns)["azure_annual_usd"] == 200_000
    assert "150" in turns[1].reply and "換算しました" in turns[1].reply
    turns = talk(
        offline_service, ["about 30 million yen a year on Azure, at 150 yen to the dollar"]
    )
    assert profile(offline_service, turns)["azure_annual_usd"] == 200_000
    assert "JPY 30,000,000" in turns[0].reply


def test_thanks_after_the_result_is_answered_and_records_nothing(
    offline_service: ChatService,
) -> None:
    turns = talk(
        offline_service,
        ["300 seats, no special terms, a partner should help, no Azure", "thx!", "thanks again"],
    )
    assert "Happy to help" in turns[1].reply
    assert turns[2].reply != turns[1].reply
    assert turns[2].recommendation is not None and turns[2].recommendation.motion == "breadth"


def test_no_rate_is_not_no_azure_and_the_advisor_stops_asking_for_one(
    offline_service: ChatService,
) -> None:
    turns = talk(
        offline_service,
        [
            "500 seats, no special terms, a partner will manage it",
            "Roughly 50 million yen a year.",
            "can't you just convert it?",
            "No, I really don't have a rate to give you.",
            "no rate, sorry",
        ],
    )
    assert profile(offline_service, turns)["azure_annual_usd"] is None  # never "no Azure"
    assert turns[2].question is not None and "rate" in turns[2].reply
    # "I really don't have a rate": the advisor goes on without the figure, conditionally
    assert turns[3].question is None and turns[3].recommendation is None
    assert "comes down to your Azure spend" in turns[3].reply
    assert turns[4].reply != turns[3].reply


def test_a_period_correction_goes_to_the_figure_it_names(offline_service: ChatService) -> None:
    turns = talk(
        offline_service,
        [
            "900 users, no special terms, and we'd like a partner to run it.",
            "About $90,000.",
            "Sorry, I should have said: that $90,000 is per month.",
        ],
    )
    assert profile(offline_service, turns)["seats"] == 900
    assert profile(offline_service, turns)["azure_annual_usd"] == 1_080_000
    assert turns[-1].recommendation is not None
    assert turns[-1].recommendation.motion == "enterprise"


def test_asking_what_a_term_means_does_not_record_it(offline_service: ChatService) -> None:
    turns = talk(
        offline_service,
        ["こんにちは", "恐れ入りますが、デュアルユース権とはどのようなものでしょうか。"],
    )
    assert profile(offline_service, turns).get("special_terms") is None
    assert turns[-1].question is not None and turns[-1].question.slot == "special_terms"


@pytest.mark.parametrize(
    ("lang", "messages", "thanks"),
    [
        ("en", ["hello", "nope nothing like that", "thanks!"], "You're welcome!"),
        ("ja", ["こんにちは", "特にないかな", "ありがとうございます！"], "どういたしまして。"),
    ],
)
def test_thanks_mid_question_is_answered_in_kind_and_assumes_nothing(
    offline_service: ChatService, lang: str, messages: list[str], thanks: str
) -> None:
    turns = talk(offline_service, messages)
    asked = turns[1].question
    assert asked is not None and asked.slot == "self_service"
    # not "let me ask it another way": the customer said thanks, not something unclear; the
    # same question again, in fewer words
    again_asked = turns[2].question
    assert again_asked is not None and again_asked.slot == asked.slot
    assert again_asked.options == asked.options and len(again_asked.text) < len(asked.text)
    assert turns[2].reply == f"{thanks}\n\n{again_asked.text}"
    assert profile(offline_service, turns)["self_service"] is None
    # small talk again is taken as not following the question: help is assumed, and said
    again = talk(offline_service, [*messages, "lol" if lang == "en" else "笑"])[-1]
    assert again.question is not None and again.question.slot == "seats"


def test_no_azure_in_reply_to_the_seats_question_is_not_zero_seats(
    offline_service: ChatService,
) -> None:
    turns = talk(
        offline_service,
        ["hello", "nope nothing like that", "we'd want someone to help us set it up tbh"]
        + ["hmm no azure at the moment, maybe later", "we're about 5000 folks"],
    )
    assert profile(offline_service, turns)["azure_annual_usd"] == 0
    assert turns[3].question is not None and turns[3].question.slot == "seats"
    assert turns[-1].recommendation is not None
    assert turns[-1].recommendation.motion == "enterprise"
    assert profile(offline_service, turns)["seats"] == 5000


@pytest.mark.parametrize(
    "messages",
    [
        ["hi, how should we buy microsoft 365?", "about 1800 people", "what counts as special?"],
        ["M365の買い方を相談したい", "社員は1800人くらい", "特別な条件って例えば？"],
    ],
)
def test_a_question_asked_again_is_put_in_fewer_words_not_repeated(
    offline_service: ChatService, messages: list[str]
) -> None:
    turns = talk(offline_service, messages)
    asked = [t.question for t in turns]
    assert all(q is not None and q.slot == "special_terms" for q in asked)
    first, second = asked[0], asked[1]
    assert first is not None and second is not None and second.text != first.text
    assert turns[1].reply.endswith(second.text) and first.text not in turns[1].reply
    assert all(turns[i].reply != turns[i + 1].reply for i in range(len(turns) - 1))


@pytest.mark.parametrize(
    ("messages", "said"),
    [
        (
            ["40 seats, no special terms, we'll buy online ourselves, no azure"],
            "My recommendation: the self-service motion (online, MCA).",
        ),
        (
            ["40シート、特別な条件なし、自分たちでオンライン購入します、Azureなし"],
            "(購入方法: オンライン、MCA)。",
        ),
    ],
)
def test_the_way_to_buy_reads_without_brackets_inside_brackets(
    offline_service: ChatService, messages: list[str], said: str
) -> None:
    reply = talk(offline_service, messages)[-1].reply
    assert said in reply, reply


def test_a_question_after_a_correction_is_answered_not_taken_for_not_knowing(
    offline_service: ChatService,
) -> None:
    turns = talk(
        offline_service,
        [
            "250 users, nothing fancy contract wise, our IT partner handles it, azure 5k/month",
            "oh wait sorry it's 2,500 users not 250",
            "and can we still stay with our partner then?",
        ],
    )
    assert turns[1].recommendation is not None and turns[1].recommendation.motion == "enterprise"
    assert "Cloud Solution Provider (CSP) program beyond 2,400 seats" in turns[2].reply
    assert "put it more simply" not in turns[2].reply


@pytest.mark.parametrize(
    ("messages", "said"),
    [
        (
            [
                "500 seats, no special terms, a partner helps us",
                "azure about 40000 euros a year",
                "use 1.1 dollars per euro",
            ],
            "I converted EUR 40,000 a year at your rate (1 EUR = 1.1 USD).",
        ),
        (
            [
                "500シート、特別な条件なし、パートナーに支援してほしい",
                "Azureは月に50万円くらい",
                "1ドル150円でお願いします",
            ],
            "年間 JPY 6,000,000 を、ご指定のレート (1 USD = 150 JPY) で換算しました。",
        ),
    ],
)
def test_an_amount_converted_at_a_later_rate_is_named_with_its_year(
    offline_service: ChatService, messages: list[str], said: str
) -> None:
    reply = talk(offline_service, messages)[-1].reply
    assert said in reply, reply
