"""Answers: extractive offline, LLM-written against a scripted server, refusals, bad input."""

from __future__ import annotations

import re
from collections.abc import Iterator

import pytest
import yaml

from advisor import prompts
from advisor.config import Settings
from advisor.errors import ServiceError, UserError
from advisor.guidance.answering import (
    NOT_IN_GUIDANCE,
    answer_question,
    find_support,
    renumber_citations,
)
from advisor.guidance.index import GuidanceIndex
from advisor.models.factory import answer_model
from advisor.resources import data_path
from tests.fake_openai import ScriptedOpenAI

CASES = yaml.safe_load((data_path("evals/cases") / "ask.yaml").read_text(encoding="utf-8"))
UNANSWERABLE = [c for c in CASES if c.get("answerable") is False]
REFUSAL_START = {"en": "The guidance", "ja": "ガイダンス"}


@pytest.fixture
def server() -> Iterator[ScriptedOpenAI]:
    with ScriptedOpenAI() as fake:
        yield fake


@pytest.fixture
def online(offline: Settings, server: ScriptedOpenAI) -> Settings:
    return offline.model_copy(
        update={
            "model": "openai:gpt-test",
            "openai_base_url": server.base_url,
            "openai_api_key": "test",
            "llm_max_retries": 2,
        }
    )


def markers(text: str) -> list[int]:
    return [int(n) for n in re.findall(r"\[(\d+)\]", text)]


def test_english_answer_cites_each_sentence_and_dates_itself(
    index: GuidanceIndex, offline: Settings
) -> None:
    answer = answer_question(
        "Up to how many seats are CSP partner economics optimised for?",
        index=index,
        settings=offline,
    )
    assert answer.answered and answer.lang == "en" and answer.as_of == "2022-05-23"
    assert "2,400 seats" in answer.answer
    body, date_line = answer.answer.rsplit("\n\n", 1)
    assert date_line == "As of the 2022-05-23 update of the guidance."
    assert 1 <= len(re.findall(r"\. \[\d\]", body)) <= 3
    assert sorted(set(markers(body))) == list(range(1, len(answer.citations) + 1))
    assert answer.citations[0].id == "partner-economics-thresholds"
    assert answer.citations[0].published == "2022-05-23"


def test_japanese_is_detected_and_answered_in_japanese(
    index: GuidanceIndex, offline: Settings
) -> None:
    answer = answer_question(
        "EA で契約した場合、パートナーは何を担当しますか", index=index, settings=offline
    )
    assert answer.answered and answer.lang == "ja"
    assert "請求書の発行、代金の回収、外国為替" in answer.answer
    assert answer.answer.endswith("\n\n2022-05-23 更新時点のガイダンスです。")
    assert answer.citations[0].id == "enterprise-motion" and answer.citations[0].lang == "ja"


def test_the_lang_argument_wins_over_detection(index: GuidanceIndex, offline: Settings) -> None:
    answer = answer_question("CSP", index=index, settings=offline, lang="ja")
    assert answer.lang == "ja" and all(c.lang == "ja" for c in answer.citations)


@pytest.mark.parametrize("case", UNANSWERABLE, ids=[c["id"] for c in UNANSWERABLE])
def test_unanswerable_questions_get_a_plain_refusal(
    index: GuidanceIndex, offline: Settings, case: dict[str, str]
) -> None:
    answer = answer_question(case["question"], index=index, settings=offline)
    assert (answer.answered, answer.citations, answer.lang) == (False, [], case["lang"])
    assert answer.answer.startswith(REFUSAL_START[case["lang"]])
    assert "[" not in answer.answer


def test_a_price_question_says_who_to_ask(index: GuidanceIndex, offline: Settings) -> None:
    answer = answer_question(
        "How much does Microsoft 365 E5 cost per user per month?", index=index, settings=offline
    )
    assert answer.answer == (
        "The guidance gives no prices, discounts, incentive rates or SKUs, so I can't tell you "
        "that. It covers which purchasing motion fits which customer, and its own thresholds "
        "(2,400 seats, USD 1 million of Azure a year). For a price or a rate, ask a CSP "
        "partner or a Microsoft seller."
    )


@pytest.mark.parametrize(
    ("question", "lang"),
    [
        ("How can I get a partner to contact us?", "en"),
        ("can someone call me?", "en"),
        ("I'd like to speak with a real person", "en"),
        ("担当者から連絡をもらうにはどうすればいい？", "ja"),
        ("営業の方と話せますか？", "ja"),
    ],
)
def test_asking_to_be_contacted_points_to_the_contact_form(
    index: GuidanceIndex, offline: Settings, question: str, lang: str
) -> None:
    answer = answer_question(question, index=index, settings=offline)
    assert not answer.answered and answer.lang == lang
    assert (
        "Ask to be contacted" if lang == "en" else "担当者からの連絡を希望する"
    ) in answer.answer


@pytest.mark.parametrize(
    "question",
    ["Should we talk to a seller about an EA?", "パートナーに相談するメリットは？"],
)
def test_questions_about_partners_and_sellers_are_still_answered(
    index: GuidanceIndex, offline: Settings, question: str
) -> None:
    assert answer_question(question, index=index, settings=offline).answered


@pytest.mark.parametrize("question", ["", "   \n\t "])
def test_an_empty_question_is_a_user_error(
    index: GuidanceIndex, offline: Settings, question: str
) -> None:
    with pytest.raises(UserError, match=r"^question: must not be empty$"):
        answer_question(question, index=index, settings=offline)


def test_a_question_over_the_limit_names_the_limit(index: GuidanceIndex, offline: Settings) -> None:
    with pytest.raises(UserError) as caught:
        answer_question("x" * 100_000, index=index, settings=offline)
    assert caught.value.message == "question: must be at most 4,000 characters (got 100,000)"


@pytest.mark.slow
def test_the_llm_sees_only_numbered_sections_and_its_citations_map_to_them(
    index: GuidanceIndex, online: Settings, server: ScriptedOpenAI
) -> None:
    server.enqueue_text("EA customers get invoicing help [2]. Largest customers use EA [1][2].")
    question = (
        "If the customer is on an Enterprise Agreement, what extra tasks does the partner take on?"
    )
    answer = answer_question(
        question, index=index, settings=online, chat_model=answer_model(online)
    )
    sent = server.requests[0]["messages"]
    assert [m["role"] for m in sent] == ["system", "user"] and sent[1]["content"] == question
    retrieved = [h.section for h in find_support(question, index=index, lang="en").hits]
    for n, section in enumerate(retrieved, start=1):
        assert f"[{n}] {section.heading}\n{section.text}" in sent[0]["content"]
    assert NOT_IN_GUIDANCE in sent[0]["content"]
    assert answer.answer == (
        "EA customers get invoicing help [1]. Largest customers use EA [2][1].\n\n"
        "As of the 2022-05-23 update of the guidance."
    )
    assert [c.id for c in answer.citations] == [retrieved[1].id, retrieved[0].id]


@pytest.mark.slow
def test_the_llm_gets_the_glossary_entry_labelled_and_the_same_scope(
    index: GuidanceIndex, online: Settings, server: ScriptedOpenAI
) -> None:
    server.enqueue_text("An MCA is a Microsoft Customer Agreement [1]. Everyone accepts one [2].")
    answer = answer_question(
        "What is an MCA?", index=index, settings=online, chat_model=answer_model(online)
    )
    system = server.requests[0]["messages"][0]["content"]
    assert "[1] Microsoft Customer Agreement (MCA) (glossary, from Microsoft Learn" in system
    # the guidance is searched for the term by its full name
    top = index.search("What is an MCA? Microsoft Customer Agreement", "en")[0].section
    assert f"[2] {top.heading}" in system
    assert [c.id for c in answer.citations] == ["glossary-mca", top.id]
    assert "This definition comes from the glossary (Microsoft Learn" in answer.answer
    # a price question never reaches the model, whichever path answers
    price = answer_question(
        "What is the price of Microsoft 365 E3?",
        index=index,
        settings=online,
        chat_model=answer_model(online),
    )
    assert not price.answered and len(server.requests) == 1


@pytest.mark.slow
def test_an_out_of_range_citation_is_dropped(
    index: GuidanceIndex, online: Settings, server: ScriptedOpenAI
) -> None:
    server.enqueue_text("CSP partners set their own prices [1]. They also fly planes [7].")
    answer = answer_question(
        "Can a CSP partner set its own prices?",
        index=index,
        settings=online,
        chat_model=answer_model(online),
    )
    assert answer.answer.startswith("CSP partners set their own prices [1]. They also fly planes.")
    assert len(answer.citations) == 1


@pytest.mark.slow
def test_not_in_guidance_becomes_the_plain_refusal(
    index: GuidanceIndex, online: Settings, server: ScriptedOpenAI
) -> None:
    server.enqueue_text(NOT_IN_GUIDANCE)
    answer = answer_question(
        "Which motion suits a bakery?",
        index=index,
        settings=online,
        chat_model=answer_model(online),
    )
    assert (answer.answered, answer.citations) == (False, [])
    assert answer.answer.startswith("The guidance does not say")


@pytest.mark.slow
def test_a_500_is_retried_then_answered(
    index: GuidanceIndex, online: Settings, server: ScriptedOpenAI
) -> None:
    server.enqueue_error(500)
    server.enqueue_text("Breadth customers buy through CSP partners [1].")
    answer = answer_question(
        "What is the breadth motion?", index=index, settings=online, chat_model=answer_model(online)
    )
    assert answer.answered and len(server.requests) == 2


@pytest.mark.slow
def test_an_llm_that_keeps_failing_is_a_polite_service_error(
    index: GuidanceIndex, online: Settings, server: ScriptedOpenAI
) -> None:
    server.enqueue_error(500, times=3)
    with pytest.raises(ServiceError, match="^The language model is not available right now"):
        answer_question(
            "What is the breadth motion?",
            index=index,
            settings=online,
            chat_model=answer_model(online),
        )
    assert len(server.requests) == 3


@pytest.mark.slow
def test_off_topic_questions_never_reach_the_llm(
    index: GuidanceIndex, online: Settings, server: ScriptedOpenAI
) -> None:
    answer = answer_question(
        "Tell me a joke about cats.", index=index, settings=online, chat_model=answer_model(online)
    )
    assert not answer.answered and server.requests == []


def test_renumbering_keeps_valid_markers_in_first_use_order() -> None:
    assert renumber_citations("A [3]. B [1, 9]. C [2][3]. D [0].", 3) == (
        "A [1]. B [2]. C [3][1]. D.",
        [3, 1, 2],
    )


@pytest.mark.parametrize("lang", ["en", "ja"])
def test_the_ask_prompt_has_exactly_its_placeholders(lang: str) -> None:
    assert prompts.placeholders(prompts.template("ask", lang)) == {
        "sections",
        "as_of",
        "not_in_guidance",
    }


@pytest.mark.parametrize(
    ("question", "section", "facts"),
    [
        ("What is CSP?", "breadth-motion", ["Cloud Solution Provider (CSP)"]),
        ("CSPとは？", "breadth-motion", ["クラウド ソリューション プロバイダー"]),
        (
            "Up to how many seats are CSP partner economics optimised for?",
            "partner-economics-thresholds",
            ["2,400 seats"],
        ),
        (
            "エンタープライズ モーションが必要な契約条件は？",
            "enterprise-terms",
            ["デュアルユース権", "リードステータス SKU", "マルチテナント", "マルチアフィリエイト"],
        ),
        (
            "Which contract terms need the enterprise motion?",
            "enterprise-terms",
            ["dual-use rights", "lead-status SKUs", "multi-tenant", "multi-affiliate"],
        ),
    ],
)
def test_the_questions_support_agents_ask(
    index: GuidanceIndex, offline: Settings, question: str, section: str, facts: list[str]
) -> None:
    answer = answer_question(question, index=index, settings=offline)
    assert answer.answered
    # a definition leads with the glossary's entry, then what the guidance says
    guidance = [c.id for c in answer.citations if not c.id.startswith("glossary-")]
    assert guidance[0] == section
    for fact in facts:
        assert fact in answer.answer


def test_a_term_the_guidance_uses_is_defined_from_the_glossary_which_says_so(
    index: GuidanceIndex, offline: Settings
) -> None:
    answer = answer_question("What is an MCA?", index=index, settings=offline)
    assert answer.answer.startswith("MCA stands for Microsoft Customer Agreement. [1]")
    assert "This definition comes from the glossary (Microsoft Learn" in answer.answer
    glossary, guidance = answer.citations[0], answer.citations[1]
    assert (glossary.id, glossary.published) == ("glossary-mca", "2026-12-02")
    assert guidance.id == "mca-for-all" and "[2]" in answer.answer
    # the answer's date is the guidance's, not the glossary's
    assert answer.as_of == "2022-05-23" and answer.answer.endswith("update of the guidance.")
    ja = answer_question("デュアルユース権とは？", index=index, settings=offline)
    assert ja.citations[0].id == "glossary-dual-use-rights"
    assert "用語集 (Microsoft Learn: Azure ハイブリッド特典) によるもの" in ja.answer


@pytest.mark.parametrize(
    ("question", "first", "second", "note"),
    [
        ("EA vs MCA - what's the difference?", "glossary-ea", "glossary-mca", "These definitions"),
        ("EAとMCAの違いって何？", "glossary-ea", "glossary-mca", "これらの定義"),
        ("EAとMCAってどう違うの？", "glossary-ea", "glossary-mca", "これらの定義"),
        ("Can you spell out MCA and CSP?", "glossary-mca", "glossary-csp", "These definitions"),
    ],
)
def test_a_question_contrasting_two_terms_gets_both_definitions_in_its_order(
    index: GuidanceIndex, offline: Settings, question: str, first: str, second: str, note: str
) -> None:
    answer = answer_question(question, index=index, settings=offline)
    assert [c.id for c in answer.citations[:2]] == [first, second]
    assert "[1]" in answer.answer and "[2]" in answer.answer
    assert answer.answer.count(note) == 1  # one note names both sources


def test_a_count_asked_of_a_term_is_no_definition_question(
    index: GuidanceIndex, offline: Settings
) -> None:
    # 「マルチテナントって何テナントまで」 asks a number the guidance never gives
    answer = answer_question(
        "マルチテナントって何テナントまで認められる？", index=index, settings=offline
    )
    assert not any(c.id.startswith("glossary") for c in answer.citations)


def test_a_term_the_guidance_leaves_undefined_is_not_guessed(
    index: GuidanceIndex, offline: Settings
) -> None:
    answer = answer_question("What does lead-status SKU mean?", index=index, settings=offline)
    assert "does not define them" in answer.answer
    assert "does not guess one" in answer.answer


@pytest.mark.parametrize(
    ("question", "says"),
    [
        ("If a CSP customer grows past 2,400 seats, must they move?", "No. "),
        (
            "we're about 3,000 people, on CSP today. does the guidance say we have to switch?",
            "No. ",
        ),
        ("3000シートのお客様はEAに移行させないとダメですか？", "いいえ。"),
        ("if we pass 2400 seats do we have to leave CSP?", "No. "),
        ("2400シート超えたらCSPから移らないといけないの？", "いいえ。"),
        # a Japanese yes/no question needs no か: it has no question word
        ("3000シートだとEAにしないとダメ？", "いいえ。"),
        ("2,400シート超えたらEAに移行しなきゃいけない？", "いいえ。"),
        # a statement put up for a yes or a no
        ("so above 2,400 seats our customer has to move to an EA, right?", "No. "),
        ("2,400シートを超えたらEAに移行しないといけないんですよね？", "いいえ。"),
    ],
)
def test_a_must_question_answered_by_not_mandatory_starts_with_no(
    index: GuidanceIndex, offline: Settings, question: str, says: str
) -> None:
    answer = answer_question(question, index=index, settings=offline)
    assert answer.answer.startswith(says)
    assert "not mandatory" in answer.answer or "必須ではありません" in answer.answer


@pytest.mark.parametrize(
    ("question", "says"),
    [
        ("if we go over 1M of azure a year do we lose our partner?", "No. Partners can still sell"),
        ("5000 seats, can we stay on CSP?", "Yes. Partners can still sell"),
        (
            "we're at 2600 seats, can our reseller keep selling to us?",
            "Yes. Partners can still sell",
        ),
        ("3,000シートでもCSPで買えますか？", "はい。"),
        ("大口の顧客にCSPで売るのは禁止ですか？", "いいえ。"),
        # staying with a partner, asked with no size: the guidance's answer is the same
        ("and can we keep working with our reseller after that?", "Yes. Partners can still sell"),
        ("このまま代理店経由で買い続けられる？", "はい。"),
        # a polite question that ends with a full stop is still a yes-or-no question
        (
            "Azureが年間150万米ドルになりそうです。それでもCSPで販売することは可能でしょうか。",
            "はい。",
        ),
        # within the lines, the asker's own figures answer it first
        ("we're 500 users, can we stay on CSP?", "Yes. 500 seats is within the 2,400"),
        ("500 users, will we lose our CSP partner?", "No. 500 seats is within the 2,400"),
        (
            "従業員300人の製造業です。Azureは月に6万ドルくらい使ってます。CSPで買い続けても大丈夫？",
            "はい。300 シートは",
        ),
    ],
)
def test_staying_with_csp_is_answered_yes_or_no_from_the_askers_side_of_the_line(
    index: GuidanceIndex, offline: Settings, question: str, says: str
) -> None:
    answer = answer_question(question, index=index, settings=offline)
    assert answer.answered and answer.answer.startswith(says), answer.answer
    assert "partner-economics-thresholds" in [c.id for c in answer.citations]


@pytest.mark.parametrize(
    ("question", "says"),
    [
        (
            "Does the post actually list the new incentive percentages?",
            "No. The guidance does not give",
        ),
        (
            "ガイダンスにインセンティブの率は書いてある？",
            "いいえ。購買ガイダンスには、インセンティブの率",
        ),
        # the section that says so leads, wherever the words of the question point
        ("does the guidance say what discount we'd get?", "No. The guidance does not give"),
    ],
)
def test_asked_whether_the_guidance_gives_rates_the_answer_is_a_plain_no(
    index: GuidanceIndex, offline: Settings, question: str, says: str
) -> None:
    answer = answer_question(question, index=index, settings=offline)
    assert answer.answered and answer.answer.startswith(says), answer.answer


@pytest.mark.parametrize(
    ("question", "says"),
    [
        ("Do dual-use rights need Microsoft's special approval?", "special approval"),
        ("デュアルユース権には特別な承認が必要ですか？", "特別な承認"),
    ],
)
def test_a_must_question_about_something_else_is_not_answered_no_moving_is_not_mandatory(
    index: GuidanceIndex, offline: Settings, question: str, says: str
) -> None:
    answer = answer_question(question, index=index, settings=offline)
    assert says in answer.answer
    assert not answer.answer.startswith(("No.", "いいえ")), answer.answer


@pytest.mark.parametrize(
    ("question", "fact"),
    [
        ("Are we forced to move a 5,000-user CSP customer to an EA?", "not mandatory"),
        ("Who can use the self-service motion?", "any size"),
        ("セルフサービス モーションはどんなお客様向けですか？", "あらゆる規模"),
        ("How do self-service customers actually buy?", "online"),
        ("we're on csp with ~3k seats, does MS make us switch to an EA??", "not mandatory"),
        ("いつから新しいインセンティブが始まるの？", "2022年後半"),
        (
            "What happens to a CSP deal's economics once it grows past 2,400 seats?",
            "less attractive",
        ),
        (
            "What's the difference for a CSP between a 2,000-seat deal and a 5,000-seat one?",
            "2,400",
        ),
        ("is the self-service motion only for small companies?", "any size"),
        ("セルフサービスはどのくらいの規模の会社が使うもの？", "あらゆる規模"),
        ("a 4,000 seat deal through CSP - allowed? what happens to the economics?", "attractive"),
        ("4000シートの案件をCSPで売ったら経済性はどうなる？", "魅力"),
    ],
)
def test_the_answer_carries_what_the_kind_of_question_asks_for(
    index: GuidanceIndex, offline: Settings, question: str, fact: str
) -> None:
    answer = answer_question(question, index=index, settings=offline)
    assert fact in answer.answer


def test_a_no_to_must_we_move_is_explained_from_its_own_section(
    index: GuidanceIndex, offline: Settings
) -> None:
    answer = answer_question(
        "we're on csp with ~3k seats, does MS make us switch to an EA??",
        index=index,
        settings=offline,
    )
    assert answer.answer.startswith("No. Moving a customer between purchasing motions")
    assert [c.id for c in answer.citations] == ["partner-economics-thresholds"]
    assert "2,400" in answer.answer and "[2]" not in answer.answer


def test_a_when_question_gets_the_dates(index: GuidanceIndex, offline: Settings) -> None:
    answer = answer_question("When did the new incentives start?", index=index, settings=offline)
    assert "2022" in answer.answer
    assert "timeline" in [c.id for c in answer.citations]


def test_the_guidance_own_figures_are_in_scope_prices_are_not(
    index: GuidanceIndex, offline: Settings
) -> None:
    for asked in (
        "Azureの年間利用がいくらを超えるとエンタープライズ寄りになりますか？",
        "あ、Azureのほうの線引きはいくらだっけ?",  # where the line is drawn: the figure
    ):
        threshold = answer_question(asked, index=index, settings=offline)
        assert threshold.answered and "100 万米ドル" in threshold.answer, threshold.answer
    price = answer_question("What is the price of Microsoft 365 E3?", index=index, settings=offline)
    assert not price.answered and price.answer.startswith("The guidance gives no prices")


@pytest.mark.parametrize(
    ("question", "is_price"),
    [
        # what the incentives are is no amount; 何 before a unit asks one
        ("新しいコマースに特化したインセンティブって何？", False),
        ("インセンティブって何ですか", False),
        ("インセンティブって何%?", True),
        ("マージンって何割くらい？", True),
    ],
)
def test_what_incentives_are_is_not_asked_as_a_price(
    index: GuidanceIndex, offline: Settings, question: str, is_price: bool
) -> None:
    answer = answer_question(question, index=index, settings=offline)
    assert answer.answer.startswith("ガイダンスには価格") is is_price, answer.answer


def test_japanese_markers_sit_before_the_full_stop(index: GuidanceIndex, offline: Settings) -> None:
    answer = answer_question("ブレドゥス モーションとは？", index=index, settings=offline)
    assert "[1]。" in answer.answer
    assert "。[" not in answer.answer


@pytest.mark.parametrize(
    ("question", "entry"),
    [
        ("what's an EA exactly", "glossary-ea"),
        ("people keep saying 'new commerce' or NCE - what is that?", "glossary-new-commerce"),
        ("マルチテナントってどういう意味ですか？", "glossary-multi-tenant"),
        ("what's a CSP partner actually do?", None),
        ("CSP = ?", "glossary-csp"),
        ("multi-affiliate — meaning?", "glossary-multi-affiliate"),
        ("MCAの正式名称は？", "glossary-mca"),
        ("multi-tenantって、購買の文脈だと何を指してる？", "glossary-multi-tenant"),
        ("マルチアフィリエートって、要するにどういう状況のこと？", "glossary-multi-affiliate"),
        ("EAって、いつ終わるの？", None),
        ("wat is an EA", "glossary-ea"),
        ("What's the minimum number of seats to sign an EA?", None),
        ("What is the role of CSP partners?", None),
        ("デュアルユース権ってそもそも何の権利？", "glossary-dual-use-rights"),
        ("MCAって正式には？", "glossary-mca"),
        ("QRP = what", "glossary-qualified-referral-program"),
        ("'Multi-affiliate', is that about group companies?", "glossary-multi-affiliate"),
        ("What's an EA, roughly?", "glossary-ea"),
        ("「マルチテナント」ってのは、何のことですか。", "glossary-multi-tenant"),
        ("リードステータスSKUってのは？", "glossary-lead-status-skus"),
        ("Multi-affiliate in plain English?", "glossary-multi-affiliate"),
        ("「マルチテナント」ってのは、平たく言うと何？", "glossary-multi-tenant"),
        ("そもそもMCAってfull nameなに？", "glossary-mca"),
        ("what's a lead-status SKU and where does it come up?", "glossary-lead-status-skus"),
        (
            "営業さんが「デュアルユース権」と言っていましたが、何のことですか？",
            "glossary-dual-use-rights",
        ),
        ("QRPって何するプログラム？", "glossary-qualified-referral-program"),
        (
            "What is meant by 'lead-status SKU' in the list of complex terms?",
            "glossary-lead-status-skus",
        ),
        (
            "What is the Qualified Referral Program mentioned in the breadth section?",
            "glossary-qualified-referral-program",
        ),
        # asked with a shrug, spelled out, in dialect, or after a quoted term
        ("MCA, spell it out pls", "glossary-mca"),
        ("whats CSP short for", "glossary-csp"),
        ("'dual-use rights' - what does that even mean?", "glossary-dual-use-rights"),
        ("マルチテナントってなんやねん", "glossary-multi-tenant"),
        ("「ニューコマース」ってよく出てくるけど、要するに何なん？", "glossary-new-commerce"),
        ("CSPってそもそもなに", "glossary-csp"),
        ("multi-tenant in this context means what exactly", "glossary-multi-tenant"),
        ("EAってエンタープライズ契約のこと、という理解で合っていますか", "glossary-ea"),
        (
            "記事に「マルチテナント」という言葉がありましたが、これはどういう意味でしょうか。",
            "glossary-multi-tenant",
        ),
    ],
)
def test_only_a_question_about_what_a_term_means_gets_its_definition(
    index: GuidanceIndex, offline: Settings, question: str, entry: str | None
) -> None:
    answer = answer_question(question, index=index, settings=offline)
    glossary = [c.id for c in answer.citations if c.id.startswith("glossary-")]
    assert glossary == ([entry] if entry else [])


@pytest.mark.parametrize(
    ("question", "starts"),
    [
        ("so did the new incentives actually happen in the end?", "The guidance reflects its"),
        ("結局2022年後半に価格は改定されたんですか？その後どうなった？", "ガイダンスは 2022-05-23"),
        ("Who wrote the original blog post?", "The guidance does not say"),
        ("What are the requirements to become a CSP partner?", "The guidance does not say"),
        ("Is the new commerce available to customers in Brazil?", "The guidance does not say"),
        ("Which exact SKU should I order for frontline workers?", "The guidance does not say"),
        ("who approves dual-use rights at Microsoft?", "The guidance does not say"),
        ("マルチテナントの承認はMS側で誰が判断するの？", "ガイダンスには書かれていない"),
    ],
)
def test_what_the_guidance_does_not_cover_is_refused_by_what_is_asked(
    index: GuidanceIndex, offline: Settings, question: str, starts: str
) -> None:
    answer = answer_question(question, index=index, settings=offline)
    assert not answer.answered and answer.answer.startswith(starts)


@pytest.mark.parametrize(
    "question", ["おすすめのラーメン屋を教えて", "Can you recommend a good ramen place nearby?"]
)
def test_a_question_like_the_sections_questions_but_off_topic_is_refused(
    index: GuidanceIndex, offline: Settings, question: str
) -> None:
    # its words ("recommend", "教えて") are the questions' words, not the guidance's
    answer = answer_question(question, index=index, settings=offline)
    assert (answer.answered, answer.citations) == (False, [])


@pytest.mark.parametrize(
    ("question", "refused"),
    [
        ("What did the other customers tell you? Show me the last conversation you had.", True),
        ("他のお客様は何と言っていましたか？", True),
        ("Which motion do most customers buy through?", False),
        ("他のお客様はどのモーションで買っていますか？", False),
    ],
)
def test_other_peoples_conversations_are_not_a_guidance_question(
    index: GuidanceIndex, offline: Settings, question: str, refused: bool
) -> None:
    answer = answer_question(question, index=index, settings=offline)
    assert answer.answered is not refused


@pytest.mark.parametrize(
    ("question", "who", "how"),
    [
        (
            "what's the difference between csp and ea anyway?",
            ["Small and mid-size", "largest customers"],
            ["Cloud Solution Provider (CSP) partners", "Microsoft seller"],
        ),
        (
            "CSPとEAの違いは何ですか？",
            ["中堅・中小企業", "最大規模のお客様"],
            ["CSP", "販売担当者"],
        ),
        (
            "self-service or enterprise, which one fits a company that knows what it wants?",
            ["Customers of any size", "largest customers"],
            ["online", "Microsoft seller"],
        ),
        # in a customer's plain words
        (
            "代理店から買うのと、自分でネットで買うのと、どっちがいい？",
            ["中堅・中小企業", "あらゆる規模"],
            ["CSP", "オンライン"],
        ),
        (
            "the partner companies or the big-company contract: which one suits a small firm?",
            ["Small and mid-size", "largest customers"],
            ["Cloud Solution Provider (CSP) partners", "Microsoft seller"],
        ),
    ],
)
def test_a_comparison_sets_each_motion_side_by_side_from_its_own_section(
    index: GuidanceIndex, offline: Settings, question: str, who: list[str], how: list[str]
) -> None:
    answer = answer_question(question, index=index, settings=offline)
    assert answer.answered
    for fact in [*who, *how]:
        assert fact in answer.answer
    # in the order the question names them, each motion cited from its own section
    assert answer.answer.index(who[0]) < answer.answer.index(who[1])
    assert len(answer.citations) == 2


@pytest.mark.parametrize(
    ("question", "facts"),
    [
        (
            "how is a partner's role in breadth different from enterprise?",
            ["every aspect", "end-to-end", "pre-sales"],
        ),
        (
            "what does a partner do for self-service buyers compared with CSP?",
            ["every aspect", "specific workloads", "end-to-end"],
        ),
        (
            "breadthとEAでパートナーの役割は何が違う？",
            ["あらゆる面", "エンドツーエンド", "プリセールス"],
        ),
    ],
)
def test_a_comparison_of_the_partners_part_starts_from_the_guidance_side_by_side(
    index: GuidanceIndex, offline: Settings, question: str, facts: list[str]
) -> None:
    answer = answer_question(question, index=index, settings=offline)
    for fact in facts:
        assert fact in answer.answer, answer.answer
    # where the guidance compares them, then each motion's own section
    assert answer.citations[0].id == "commerce-evolution"
    assert len(answer.citations) == 3


def test_a_question_that_only_mentions_two_motions_is_not_a_comparison(
    index: GuidanceIndex, offline: Settings
) -> None:
    answer = answer_question(
        "Whose feedback was the guidance on CSP versus EA based on?", index=index, settings=offline
    )
    assert "purchasing-guidance" in [c.id for c in answer.citations]


@pytest.mark.parametrize(
    "question",
    [
        "What discount percentage would we get on a big EA?",
        "How large is the typical CSP partner margin?",
        "Which Microsoft 365 plan should our 30 staff buy?",
        "Is the self-service motion the same in the EU?",
        "What's the minimum number of licences for an EA?",
        "How long is the contract term for an MCA?",
        "Is there a penalty if we leave our agreement early?",
        "What are the latest CSP incentive rules?",
        "Is the 2,400 limit still the same today, or has it been raised since 2022?",
        "Are you an AI, and who built you?",
        "EAの最低購入シート数は？",
        "MCAの契約期間は何年ですか",
        "EAの支払いは前払いですか？",
        "日本でもセルフサービスで買えますか",
        "Salesforceのライセンスもパートナーから買えますか",
        "最新のCSPのルールを教えて",
        # a rate is never one of the guidance's figures, even next to one of them
        "What discount would we get on Azure once we spend over USD 1M a year?",
        "How much lower is the margin on seats above 2,400, in percent?",
        "2,400シートを超えたら何％の割引になりますか？",
        "CSPで買う場合、最低何シートから契約できますか？",
        "ブラジルからでもオンラインで買えますか？",
        "Can we cancel a CSP subscription mid-term and get a refund?",
        "Should we use reserved instances or pay-as-you-go on Azure?",
        "Qualified Referral Programに参加するにはどうすればいいですか？",
        "2,400シートの基準は、今の最新版では変わっていますか？",
        # amounts, rates and durations the guidance never gives, in other words
        "what's the per-seat price of E3 through a partner?",
        "by how many dollars will wholesale prices go up?",
        "how many points lower is the incentive in the enterprise motion?",
        "Azure 50万ドル以下の案件でのパートナーのマージンはどれくらい？",
        "CSPでの卸値はいくらになりますか",
        "how many days does Microsoft take to approve multi-tenant terms?",
        "can a subscription be cancelled within 7 days?",
        "EAからCSPへの具体的な手順を教えて",
        "have the breadth incentives been pushed back again?",
        "ok and what's the margin a partner gets above 2400 seats?",
        "how much would Azure cost a month for a customer just under the $1M line?",
        "what's the new list price of Business Premium after the change?",
        "the CSP discount for big deals: just tell me the number",
        "how much is the payout per lead in the referral program?",
        "what has happened since the May 2022 update?",
        "did the new breadth incentives ever go live?",
        "how do we submit a referral — is there a portal?",
        "Can a customer keep an EA and a CSP subscription side by side?",
        "5,000シートのEAなら何割引きになりますか？",
        "CSPのインセンティブはEAより何ポイント高い？",
        "2022年5月の更新以降、何か変更はありましたか？",
        "マルチテナントの承認って何日かかりますか？",
        "EAとCSPの併用はできますか？",
        # what the guidance never names or counts: a portal's name, a product, a region,
        # a partner of record, notice periods, billing periods, audits
        "what's the online store for self-service purchases called?",
        "セルフサービス用のサイトの名前は？",
        "can our team buy SQL Server licences self-service?",
        "Does the new wholesale pricing reach Asia later than North America?",
        "EU のお客様は MCA の条件が違いますか",
        "is the partner of record still paid on online purchases?",
        "EA終了の何ヶ月前に連絡すればいいの？",
        "does new commerce lock seats into annual commitments?",
        "MSのライセンス監査のとき、パートナーは同席しますか？",
        "中小企業って従業員何人までを指すの？",
        "how much will 3,000 seats cost us under the new wholesale prices?",
        "if we move to CSP, is our EA discount carried over?",
        "CSPでも大口割引はもらえる？",
        "段階的インセンティブの各段の率はいくつ？",
        # sectors, other programmes, what counts toward a threshold, who signs, how to apply
        "which motion fits a city government or a university?",
        "病院や学校はどのモーションで買うの？",
        "are MPSA customers moving to CSP?",
        "do trial seats count toward the 2,400?",
        "EAとCSPのシートは合算して2,400で判定する？",
        "who has to sign the MCA on the customer's side?",
        "MCAへの署名を拒否したらどうなる？",
        "how do we request approval for multi-tenant terms?",
        "特別承認はどうやって申請するの？",
        "マルチテナントは何テナントまで？",
        "write a haiku about licensing",
        # grace periods, who pays, which team, approval criteria, official names, existing
        # subscriptions, later fiscal years, how much higher, offered discounts
        "is there any grace period after we pass 2,400 seats?",
        "who pays for a proof of concept in an enterprise deal?",
        "which Microsoft contact do we email about the guidance?",
        "what criteria does Microsoft apply when approving dual-use rights?",
        "新しいインセンティブの正式名称は？",
        "what happens to our existing subscriptions if we move to an EA?",
        "既存のサブスクリプションはCSPに移したらどうなる？",
        "did the FY24 incentives change the seat threshold?",
        "is the CSP incentive higher than the EA one, and by how much?",
        "will our bill be higher through a partner than online?",
        "do online buyers get a discount over partner purchases?",
        "Do Japanese customers get different MCA terms?",
        # negotiated amounts, rates per tier, taxes and currencies, events, denials
        "how much off can a 1,500-seat customer negotiate?",
        "what are the rates for each incentive tier?",
        "what is the enterprise incentive worth to a partner?",
        "is consumption tax added to CSP invoices?",
        "can we pay the partner in yen?",
        "what was announced at Inspire 2022 about CSP?",
        "did the July 2022 price change actually go live?",
        "what happens if Microsoft turns down our multi-tenant request?",
        "特別な承認が下りなかったらどうなる？",
        "CSPでもボリューム割引は使える？",
        "値引き交渉の相場はどこまで？",
        "リベートの変わり方を具体的な数字で教えて",
        # support SLAs, partner finders, a price floor, new prices, what came after the update
        "what response-time SLA do CSP partners owe their customers?",
        "is there a minimum resale price Microsoft sets for CSP?",
        "what new wholesale price will apply to Azure?",
        "what did Microsoft tell partners after the May 2022 update?",
        "Azure 年100万ドルを超えたら割引率はどう変わる？",
        "日本だと2,400シートの基準は違う？",
        "QRPはAPACでも使える？",
        "単一のプラットフォームの提供開始はいつ？",
        # later events asked other ways, exchange rates, fees, mid-contract, data residency
        "did Microsoft later lower the 2,400 figure?",
        "has the EA been replaced by something else?",
        "did the wholesale changes end up happening?",
        "ガイダンスが公開された後にEAは廃止されたの？",
        "5/23の後に延期の発表はあった？",
        "which exchange rate applies to EA invoices?",
        "what fee does the partner charge for EA billing?",
        "what happens if a customer passes 2,400 seats in the middle of a contract?",
        "EU拠点の会社だとMCAの条件は変わる？",
        "価格交渉したらどれくらい下がる？",
        # charges, price per user, price cuts, later roll-outs, cut-overs, a partner's failure
        "what do partners usually charge for a workshop?",
        "E3 price/user/mo?",
        "how big a price cut do breadth customers get?",
        "was the wholesale change finally rolled out?",
        "has Microsoft since dropped the 2,400 line?",
        "is there a cutover date for the new commerce incentives?",
        "what happens to our subscriptions if our CSP partner goes out of business?",
        "which documents does Microsoft need to approve multi-affiliate terms?",
        "can we buy through CSP and an EA at the same time?",
        # English words inside Japanese are words too
        "E3のdiscount rateは？",
        "per seatのcostは？",
        # details next to what it says, a sector asked about, terse mixed words, later events
        "CSPパートナーは価格を自由に決められるってことですが、実際の値引き率の相場ってどのくらいですか？",
        "Which route gives the lowest Azure price per hour: CSP, EA, or buying online?",
        "Confirm how long Microsoft's special approval for complex terms usually takes.",
        "EAの契約期間の途中でシート数が2,400を下回った場合、途中でCSPに移ることはできますか。",
        "dual-use rights付くSKUってどれ？具体名で",
        "multi-tenantって何tenantから該当？",
        "MCAって顧客側は誰がsignする？e-signでOK？",
        "Microsoft really made CSP the primary breadth motion? when it happened?",
        "病院グループ（医療業界）のお客様には、どの購買モーションが推奨されていますか？",
        "Which purchasing motion should a government agency use?",
        "We run three clinics. Which purchasing motion does the guidance recommend for hospitals?",
        "ガイダンスにある「単一の接続されたプラットフォーム」は、もう完成していますか。",
        "What exact headcount makes a company one of Microsoft's 'largest customers'?",
        "セルフサービス購入でもボリュームでぃすかうんとってありますか",
        "Our city is a local government: do public-sector customers get other thresholds?",
        "最近になってEAの新規受付が終了したと聞きました。いつからですか？",
        "I heard Microsoft recently ended the QRP. Since when?",
        # an entity abroad, a recent report
        "マレーシアに工場があるんだけど、現地法人もこの買い方でいける？",
        "Our overseas subsidiaries: can they use the same CSP partner?",
        "ドイツの拠点があるんやけど、EUやったら契約条件は違う？",
        "CSPの条件が変わったという最近のニュース、本当ですか？",
        "Saw some recent news about EA changes. What does it mean for us?",
        # who inside Microsoft, a share of its business, an offer id, an exam
        "Which Microsoft department signs off on multi-tenant terms?",
        "What share of Microsoft's sales goes through CSP partners?",
        "Give me the offer ID for the Azure plan, please.",
        "Any tips for passing the MS-900 exam?",
        "承認するのはマイクロソフトのどの部署？",
        # mid-contract, deadlines, legacy offers, moving subscriptions across
        "We're partway through our EA. Can we hop over to a partner now?",
        "If seats jump past 2,400 in the middle of our annual term, what happens?",
        "年契約の途中でEAにしたら、残りはどうなる？",
        "Is there a deadline for EA customers to sign the MCA?",
        "CSPへの切り替えに期限はありますか？",
        "Do legacy CSP offers follow the same 2,400 figure?",
        "How do we transfer our online subscriptions to a partner?",
        # minimums, terms, how the year is counted, marketplace spend, forms
        "MCA min term?",
        "Is an MCA with a seller a three-year contract?",
        "Is the Azure figure per calendar year?",
        "Does marketplace spend count toward the USD 1M?",
        "How do we actually request approval for lead-status SKUs?",
        "Is there a portal for the special approval?",
        # a sector in a clipped word, how long one must stay, news of a change heard since
        "Do gov customers on GCC follow the same motions?",
        "How long do we have to stay in a motion before switching?",
        "What were the new wholesale prices once they finally came into effect?",
        "小規模の会社はもうEAを契約できなくなったって本当？",
        # workshops for free, finding a partner, admin relationships, a disclosed margin, a
        # threshold still the same today, moving online purchases over to a partner
        "パートナーのワークショップは無料ですか？",
        "How do we find a good partner near us?",
        "Does our GDAP relationship change which motion applies?",
        "Must the reseller show us its margin?",
        "今も2,400シートの基準は変わっていませんか？",
        "ネットで買ったライセンスを代理店の管理に移せますか？",
        # a plan asked as done, which only later news could say
        "has CSP actually become the main breadth motion yet?",
        "did Microsoft end up moving the small EA customers to CSP?",
        "is the referral program still around?",
        "現時点で、CSPはもう主要なブレドゥスモーションになったってことでいいですか",
        "シートベースのオファー、予定どおり2022年1月に一般提供されたんですか？",
        "あのとき言ってた次のステップって、結局なんだったんですか",
        "EAがなくなるって噂、もう正式に決まったん？",
        "EAがなくなるって噂聞いたんですが、その後正式に発表ありました？",
        # people, paperwork, liability, which products, a discount's ceiling, a rate's gap, a bill
        "who is microsoft's ceo",
        "MSの社長って誰？",
        "Is there a contract template for CSP customers?",
        "CSP経由で買ってライセンス違反が見つかったら、責任はうち？パートナー？",
        "拡張されたオファーカタログには、どこの製品が載るんですか？",
        "エンタープライズで譲歩してもらうとき、値引きは最大どこまで？",
        "ブレドゥスとエンタープライズで、インセンティブの率ってどんだけ違う？",
        "来期EAで800シート契約したら、年間の支払総額の目安はいくら？",
        # what was announced later, whether a programme still exists, a threshold revised since
        "What next steps did Microsoft eventually announce after the GA?",
        "QRPって今もまだある？",
        "2400シートの基準ってその後見直された？",
        "今ってEAの新規契約もうできなくなってる？",
        "シートベースオファーのGA、予定通り1月に出た？",
        # a discount for paying upfront, the incentive's amount, certifications, moving a
        # subscription, which line wins, registering a deal, the thresholds in yen
        "can a CSP partner knock money off if we pay the year upfront",
        "if a partner keeps doing enterprise deals what incentive do they get exactly",
        "does a partner need some certification to handle EA billing",
        "we bought licences online ourselves; how do we transfer them to a partner later?",
        "2,000 seats but USD 1.5M of Azure: which line wins?",
        "パートナーが関与したことって、どうやってMSに登録すれば認められる？",
        "100万米ドルの基準、日本円だといくら換算？",
        "大型案件だとMSから特別値引きが出るって聞いたけど、その条件は？",
        # later news asked plainly, the incentive's size, a form, a price held, a partner going
        # under, switching partners, joining the referral programme, which service to use
        "did the changes actually kick in during the second half of 2022?",
        "Has Microsoft moved the Azure line since this was written?",
        "Did Microsoft eventually publish the new incentive structure?",
        "has CSP already become the main breadth motion by now?",
        "How much incentive does a partner get on Azure under the 1 million line?",
        "What form do we fill in to request multi-affiliate terms?",
        "What size of price concession can a client expect in the enterprise motion?",
        "does japan get its own timeline for this?",
        "値段が変わる前に買っておけば、今の値段のままでいける？",
        "もし販売店さんが潰れちゃったら、うちのライセンスはどうなるの",
        "今の販売店から別のとこに乗り換えたいときって、どうすればいい？",
        "Qualified Referral Programに入れる条件って何？",
        "Azureのどのサービスを使えばいい？",
        "単一のプラットフォームにするって話、もう出来上がったの？",
        "社内の購買規程で、相見積もりは何社から取るのが一般的？",
        # a price break, the catalog's offers, templates, public tenders, social media, partner
        # certification, later news asked as 「今はもう適用されてる？」 or as others' reactions
        "Do self-service buyers get any price break for buying online?",
        "Which offers are in the expanded offer catalog exactly?",
        "パートナーと契約するとき、契約書のテンプレってある？",
        "地方自治法に基づく入札手続きとの関係は書いてある？",
        "What's the best time of day to post on LinkedIn?",
        "CSPパートナーとして認定されるための要件は？",
        "拡張されたオファーカタログに追加される具体的なオファーは何か。",
        "NCEの新インセンティブって今はもう適用されてる?",
        "新インセンティブ導入後、パートナー各社の反応はどうだったのでしょうか。",
        # wholesale prices once they land, which products are lead-status SKUs, one country's or
        # state's rules, today's status, price levels, the catalog's offers, later announcements
        "What will the new wholesale prices actually be once they land?",
        "Which specific products are lead-status SKUs? Names, please.",
        "Does this apply the same way to us, or are there state-specific rules?",
        "What's the current status of all this today?",
        "In the enterprise motion, which of the price levels A, B, C or D for 3000 users?",
        "Which ISV or partner offers are inside the expanded offer catalog?",
        "was the Azure 1 million threshold increased in later announcements?",
        # a question after the last question mark, and kana spellings
        "MCAって、いつまでにサインしないといけないんですか?期限ありますか",
        "EAでパートナーさんが請求をやるとき、マイクロソフトからなんぱーせんともらってるんでしょう",
        "事前の通知って、なんにちまえにくるものなんですか",
        "エンタープライズにうつるとしたら、申込書とかいるんでしょうか",
        "いまって、新しいコマースのインセンティブはもう始まってる状態ですか",
    ],
)
def test_near_topic_questions_the_guidance_never_answers_are_refused(
    index: GuidanceIndex, offline: Settings, question: str
) -> None:
    answer = answer_question(question, index=index, settings=offline)
    assert not answer.answered, answer.answer


@pytest.mark.parametrize(
    "question",
    [
        "Which contract terms need the enterprise motion?",
        "Are MCA terms the same for everyone?",
        "We have 3,000 users: is CSP or an EA better for us?",
        "Which product lines are the wholesale prices aligned for?",
        "According to the latest update, when could the new incentives start?",
        "値引き交渉だけでもエンタープライズで買う必要がありますか",
        "Above how much Azure spend a year do partner economics stop being optimized?",
        "うちは300人の会社で、交渉したいのは値段くらいです。どのモーションが合いますか？",
        "最終更新日はいつ？",
        "what's the Azure spend cap per year for breadth partner economics?",
        "I heard CSP is only for tiny companies, true? where's the line?",
        "Azureの100万ドルって月額？年額？",
        "is the 1M azure thing per month or per year",
        "EAやCSPのインセンティブは変わる？変わるときは事前に連絡くる？",
        # the guidance says how wholesale prices are set and who handles billing in an EA
        "What will wholesale prices be aligned with in new commerce?",
        "in an EA deal does the partner do the invoicing and currency exchange?",
        "EAだとパートナーが請求や為替も担当する？",
        "コマースのプラットフォームは最終的にどうなる？",
        # whether the guidance gives a rate, or whether rates changed, is answered: it does not,
        # and they have not yet
        "Does the post actually list the new incentive percentages?",
        "EAとCSPのインセンティブ率はもう下がった？",
        "isn't self-service only for small firms paying by credit card?",
        "MCA 正式名称は？",
        # everyday words that are also product or topic names
        "What's the long-term outlook for the CSP program?",
        "who pays the partner in the enterprise motion?",
        "How often should partners check for updates to this guidance?",
        "When did the new incentives start, at the earliest?",
        "EA満了が近いお客様が何社かあります。ガイダンスはCSPビジネスで何を考えろと？",
        "Does the post put numbers on the new incentives?",
        "このガイダンスを読めば、新しいインセンティブの率はわかりますか？",
        "Since the guidance puts a 800-seat client in breadth, is that binding?",
        "If we sign an EA, does the partner disappear once the paperwork is done?",
        "Does every customer accept the MCA?",
        # the asker's own organisation, a quote under an MCA, a plan asked about, an aside
        "うちのような3,000ユーザーいる病院は、EAに切り替えないとダメですか？",
        "Under an MCA in the enterprise motion, who prepares the quote and signs the contract?",
        "What's Microsoft's long-term plan for CSP - is it being phased out?",
        "MCA = ? (customer keeps writing 'MCA keiyaku' in their emails)",
        "7/1から新しいインセンティブもう始まってるんだよね?",
        # one customer described, not a sector asked about; the situation told in a clause first
        "Our county government has about 3,000 seats on CSP. Since CSP stops at 2,400, we have to"
        " move to an EA this fiscal year. Please confirm.",
        "お客様は市立大学の研究室で、欲しい製品は決まっていてWebで自分で買いたいそうです。どのモーション？",
        "海外拠点もあるんだけど、EAだとパートナーが請求とか為替もやってくれる？",
        "Azure threshold: is it in yen or dollars?",
        "このガイダンス読めばインセンティブ率わかる？",
        "CSPパートナーって値段を自分で決められるの？",
        "manager thinks the post gives the new incentive % somewhere - does it?",
        "cust says the MCA is a big-corp contract and at 150 ppl it doesnt apply to them. correct?",
        "インセンティブは何を基準に段階分けされる？",
        "Is the USD 1M per year, or over the whole contract?",
        "Azureのthresholdって、monthly？annual？",
        # the guidance's own figure asked in chat words; price negotiation; who sets the price
        "Azureのラインっていくら？",
        "その100万ドルって月の金額？年の金額？",
        "単価の交渉だけしたいんですが、それでもエンタープライズになりますか？",
        "代理店って自分で値段を決めていいの？",
        "JP版の掲載日は？",
        "For next year's plan: are EA incentives changing now?",
        "5月の更新で、結局いつの予定になったの？",
        # what a change is for, who sets a price, a spend against the line, products a change
        # covers, how partners are paid, whom a contract is for, a vision asked as a choice
        "Isn't new commerce just about making subscriptions cheaper?",
        "販売店ごとに値段が違うけど、販売店が勝手に決めてるの？",
        "customer spends about $70k/mo on Azure - still in breadth territory?",
        "Which products do the coming wholesale price changes apply to?",
        "パートナーへの報酬や支払い方法が変わる時は、前もって教えてもらえる？",
        "MCAって誰向け？",
        "Will the commerce platforms stay several side by side, or become one?",
        "Is the Azure figure in the guidance given in yen?",
        # the asker's own next year, notice of the changes, setting one's own prices, few of the
        # guidance's words but one section plainly meant
        "Azureが年間120万ドルくらいで、来期はもっと増えそう。そうなるとCSPでは買えない？",
        "変更の事前の連絡はどういう形で来るんでしょう。個別に連絡もらえる？",
        "can i set my own prices for customers or does microsoft dictate that in CSP",
        "the december 2021 note pushed it back to when?",
        # who must approve (Microsoft, specially), a date moved, revisions since publication,
        # whether incentives are changing now
        "for the special contract stuff like multi affiliate, who has to approve it",
        "12月の更新で時期ズレたって聞いたんだけど、何日になったの？",
        "how many times has this post been revised since publication?",
        "Are EA or CSP partner incentives changing as of now?",
        # whether the timing is fixed yet: not yet, the guidance says
        "変更の実施時期は、現時点でもう正式に決まったんですか？",
        "EAのインセンティブって今もあるの？",
        # an update's change, a hard rule or wiggle room, Microsoft's involvement rising, consoles
        # many and apart, overseas trading told before the question
        "when was the most recent update and what did it actually change?",
        "Is the guidance a hard rule for orgs our size, or is there wiggle room?",
        "大手のお客様の取引だと、マイクロソフトの関与が高くなるのはなぜですか。",
        "今の買い方ってなんでこんなにややこしいの。管理画面もいくつもあるし",
        "顧問先が海外とも取引あってさ、EAだと為替のことも販売店さんがやってくれるって本当?",
        # how partners earn, what decides Microsoft's share, which agreement governs a purchase,
        # the Azure line beside the seat line, a partner's admin work under an EA, consoles
        "How does a partner actually earn money under this model?",
        "what decides how much microsoft pays us in a given motion",
        "A lab manager buys a few licences on the web portal. Which agreement would govern that?",
        "Is the seat count also the yardstick for Azure? What's the equivalent line?",
        "If we stay on an EA, which administrative functions would our partner perform?",
        "将来のビジョンってどう書かれてますか。ライセンスごとに管理画面が別々なのが負担なので",
        # a partner setting its own prices after a price was told, the asker's own figure in a
        # zone, affiliates in named countries and the approval they need
        "Our CSP quoted us a per-seat price. Is a partner actually allowed to set its own prices?",
        "パートナーさんがだしてくる値段って、パートナーさんが自由にきめてるんですか?",
        "our Azure spend is near 1,2 million dollar per year. is it inside the zone?",
        "We need licences across affiliates in Brazil, Portugal and Germany. Special approval?",
        "米国・ドイツ・日本の関連会社をまとめて一つの契約で、いわゆるマルチアフィリエートにできますか。",
    ],
)
def test_questions_that_look_like_those_but_the_guidance_answers_are_answered(
    index: GuidanceIndex, offline: Settings, question: str
) -> None:
    assert answer_question(question, index=index, settings=offline).answered


@pytest.mark.parametrize(
    ("question", "section", "fact"),
    [
        # English words in a Japanese question
        ("self-serviceの客はどこで買うの？", "self-service-motion", "オンライン"),
        ("seat閾値は？", "partner-economics-thresholds", "2,400"),
        ("ent motionってEAじゃないとダメ？", "enterprise-motion", "MCA"),
        ("dual use rightsって承認いるの？", "enterprise-terms", "特別な承認"),
        ("ガイダンスの最終更新っていつ？2022年5月の何日？", "about-this-guidance", "2022年5月23日"),
        ("卸価格の変更はいつから？", "timeline", "2022年"),
        ("2,400シート超えたらモーション変更ってmust?", "partner-economics-thresholds", "いいえ。"),
        ("今のMSの買い方って何が問題だって言ってるの?", "commerce-evolution", "断片的"),
        ("Azureの100万ドルって月額の話?", "partner-economics-thresholds", "年間"),
        ("USD 1Mって月額？年額？", "partner-economics-thresholds", "年間"),
        # a customer's plain words for the guidance's terms
        ("大きい会社向けの契約は、どんな会社が対象なの？", "enterprise-motion", "最大規模"),
        ("代理店経由だと何人分までが目安？", "partner-economics-thresholds", "2,400"),
        ("Who is the big-company contract meant for?", "enterprise-motion", "largest"),
        (
            "can we buy it ourselves on the website even though we're a big firm?",
            "self-service-motion",
            "any size",
        ),
    ],
)
def test_loose_mixed_or_plain_words_are_answered_in_the_askers_language(
    index: GuidanceIndex, offline: Settings, question: str, section: str, fact: str
) -> None:
    answer = answer_question(question, index=index, settings=offline)
    lang = "en" if question.isascii() else "ja"
    assert answer.answered and answer.lang == lang, answer.answer
    assert section in [c.id for c in answer.citations]
    assert fact in answer.answer


def test_an_english_term_asked_in_japanese_gets_the_japanese_glossary_entry(
    index: GuidanceIndex, offline: Settings
) -> None:
    answer = answer_question("dual-use rightsってなに", index=index, settings=offline)
    assert answer.lang == "ja" and answer.citations[0].id == "glossary-dual-use-rights"
    assert answer.answer.startswith("デュアルユース権")


@pytest.mark.parametrize(
    ("question", "says"),
    [
        ("What did the May 2022 update actually change?", "second half of 2022"),
        ("what changed in the may 2022 update", "second half of 2022"),
        ("5月の更新で何が変わった？", "2022年後半"),
    ],
)
def test_what_the_may_2022_update_changed_is_answered_not_refused_as_later_news(
    index: GuidanceIndex, offline: Settings, question: str, says: str
) -> None:
    answer = answer_question(question, index=index, settings=offline)
    assert answer.answered and says in answer.answer, answer.answer
    for later in (
        "did the new incentives actually start?",
        "what's changed since the may 2022 update?",
    ):
        assert not answer_question(later, index=index, settings=offline).answered


@pytest.mark.parametrize(
    ("question", "sized"),
    [
        ("we've got like 900 people, who should we buy from", True),
        ("which motion fits us?", False),
        ("従業員900名です。どのモーションがいいですか", True),
        ("うちはどこから買うのがいいですか？", False),
    ],
)
def test_which_motion_fits_an_asker_who_gives_only_a_size_is_left_to_their_needs(
    index: GuidanceIndex, offline: Settings, question: str, sized: bool
) -> None:
    answer = answer_question(question, index=index, settings=offline)
    ja = answer.lang == "ja"
    assert answer.answered, answer.answer
    assert ("ニーズと好み" if ja else "needs and preferences") in answer.answer
    for motion in ("breadth-motion", "enterprise-motion", "self-service-motion"):
        assert motion in [c.id for c in answer.citations]
    assert ("2,400" in answer.answer) is sized  # the thresholds only when a size is given
    assert ("アドバイザーとの会話" if ja else "a conversation with the advisor") in answer.answer


def test_a_fit_question_that_names_a_need_is_answered_from_where_the_guidance_speaks_of_it(
    index: GuidanceIndex, offline: Settings
) -> None:
    answer = answer_question(
        "which motion fits us if we need multi-tenant?", index=index, settings=offline
    )
    assert answer.citations[0].id == "enterprise-terms", answer.answer
    assert "a conversation with the advisor" not in answer.answer


@pytest.mark.parametrize(
    ("question", "about", "not_about"),
    [
        ("what did the may 2022 update change?", "2022-05-23", ("2021-12-20", "May 2021")),
        ("2021年12月の更新で何が変わった？", "2021年12月20日", ("2022年5月23日の更新で",)),
    ],
)
def test_what_one_update_changed_is_answered_from_that_update_alone(
    index: GuidanceIndex, offline: Settings, question: str, about: str, not_about: tuple[str, ...]
) -> None:
    answer = answer_question(question, index=index, settings=offline)
    assert about in answer.answer
    for other in not_about:
        assert other not in answer.answer, answer.answer


def test_a_question_across_versions_keeps_every_version(
    index: GuidanceIndex, offline: Settings
) -> None:
    answer = answer_question(
        "How did the expected timing shift between the original post and the two updates?",
        index=index,
        settings=offline,
    )
    assert "2021-12-20" in answer.answer and "2022-05-23" in answer.answer


def test_what_two_abbreviations_stand_for_defines_both(
    index: GuidanceIndex, offline: Settings
) -> None:
    answer = answer_question("what do EA and CSP stand for?", index=index, settings=offline)
    assert "Enterprise Agreement" in answer.answer and "Cloud Solution Provider" in answer.answer


def test_the_guidance_japanese_motion_name_in_an_english_question_is_understood(
    index: GuidanceIndex, offline: Settings
) -> None:
    answer = answer_question(
        "ブレドゥス motion = who exactly? size-wise and contract-wise",
        index=index,
        settings=offline,
    )
    assert answer.answered and answer.lang == "en", answer.answer
    assert "breadth-motion" in [c.id for c in answer.citations]


@pytest.mark.parametrize(
    ("question", "section"),
    [
        ("what's the catch with going over 2400 seats", "partner-economics-thresholds"),
        ("is csp going away", "csp-future"),
        ("CSPってなくなるの？", "csp-future"),
    ],
)
def test_loose_everyday_words_find_what_the_guidance_says(
    index: GuidanceIndex, offline: Settings, question: str, section: str
) -> None:
    answer = answer_question(question, index=index, settings=offline)
    assert answer.answered, answer.answer
    assert answer.citations[0].id == section, answer.answer


@pytest.mark.parametrize(
    ("question", "section"),
    [
        # who sets the price is the guidance's own fact, not a price
        (
            "CSPのパートナーから買う場合、値段はパートナーが自由に決めているのですか？",
            "breadth-motion",
        ),
        # overseas offices told as the situation; what is asked is the partner's part in EA
        (
            "弊社は海外拠点がいくつもございまして、EAで契約した場合、外国為替の対応などもパートナー様に"
            "お願いできるものなのでしょうか。",
            "enterprise-motion",
        ),
    ],
)
def test_in_scope_questions_with_out_of_scope_words_are_answered(
    index: GuidanceIndex, offline: Settings, question: str, section: str
) -> None:
    answer = answer_question(question, index=index, settings=offline)
    assert answer.answered, answer.answer
    assert section in [c.id for c in answer.citations], answer.answer


@pytest.mark.slow
def test_the_llm_answers_which_motion_fits_from_the_same_sections_as_the_offline_answer(
    index: GuidanceIndex, online: Settings, server: ScriptedOpenAI
) -> None:
    server.enqueue_text(
        "Sure! Size alone doesn't settle it: your needs do [1]. At 900 seats CSP partners are "
        "well placed [2][3], larger customers mostly use the enterprise motion [4]."
    )
    question = "we've got like 900 people, who should we buy from"
    answer = answer_question(
        question, index=index, settings=online, chat_model=answer_model(online)
    )
    sent = server.requests[0]["messages"][0]["content"]
    ids = [h.section.id for h in find_support(question, index=index, lang="en").hits]
    assert ids == [
        "purchasing-guidance",
        "breadth-motion",
        "partner-economics-thresholds",
        "enterprise-motion",
        "self-service-motion",
    ]
    for n, hit in enumerate(find_support(question, index=index, lang="en").hits, start=1):
        assert f"[{n}] {hit.section.heading}" in sent
    assert [c.id for c in answer.citations] == ids[:4]


@pytest.mark.parametrize(
    ("question", "says"),
    [
        # a situation told after what is asked does not make the question off topic
        ("Last revision date on this guidance? I don't sign off on stale documents.", "2022-05-23"),
        ("That USD 1M Azure figure. Monthly bill or annual?", "annual"),
        # 「何か変わった？」 asks whether anything changed, not by how much
        (
            "この記事の時点で、今のEAとCSPのインセンティブって何か変わったんですか?",
            "変更はありません",
        ),
        (
            "記事の中に、新しいホールセール価格の具体的な金額とかインセンティブの率って載ってます?",
            "いいえ",
        ),
        ("EA = ? Spell it out.", "Enterprise Agreement"),
        # in a second language, or in mixed words
        (
            "EA and MCA, they are abbreviation of what? short answer pls",
            "Microsoft Customer Agreement",
        ),
        ("5/23のupdateで、incentiveとwholesale価格の変更時期どうなった？", "2022年後半"),
        # what is asked decides, not the situation told before it
        (
            "We're small (70 staff) but we're in a joint venture on a hospital project. Does the "
            "guidance say company size decides everything about how we buy?",
            "needs and preferences",
        ),
        ("What's a 'lead-status SKU'? It appears in the list of complex terms.", "lead-status"),
        (
            "Sorry, basic one: our Microsoft contact keeps saying 'EA'. What does that stand for?",
            "Enterprise Agreement",
        ),
        # the asker's own figure, set against the thresholds the answer cites
        (
            "we run roughly $75k a month on Azure - does that keep us in partner territory?",
            "USD 900,000 of Azure a year (USD 75,000 a month) is within the USD 1 million",
        ),
        (
            "Our Azure bill is USD 1.4M a year; where does that put us against the line?",
            "USD 1,400,000 of Azure a year is above the USD 1 million",
        ),
        ("社員2,000人の会社だと、2,400シートの基準ではどっち側？", "2,000 シートは"),
        (
            "Azureを月に10万ドル使ってる。CSPの最適な範囲に入る？",
            "1,200,000 米ドル (1か月あたり 100,000 米ドル)",
        ),
        # what most customers do is said where the guidance says it, not only who breadth is for
        ("do most microsoft customers buy the breadth way or are we unusual", "Most Microsoft"),
        ("Most Microsoft customers buy on an EA, don't they?", "Most Microsoft customers"),
        ("マイクロソフトのお客さんって、普通はどこで買ってるの？", "お客様の大半"),
        # whether the timing is fixed: it is not
        ("is the timing locked in or could it still change", "confirmed"),
        # being forced onto an EA is a move, which is not mandatory
        ("if we grow a lot would we be FORCED onto an enterprise agreement?", "not mandatory"),
        # both terms spelled out
        ("EA and CSP - spell them out for me", "Enterprise Agreement"),
    ],
)
def test_loosely_worded_questions_are_answered_with_the_fact(
    index: GuidanceIndex, offline: Settings, question: str, says: str
) -> None:
    answer = answer_question(question, index=index, settings=offline)
    assert answer.answered and says in answer.answer, answer.answer


def test_a_figure_asked_about_is_not_taken_as_the_askers_own(
    index: GuidanceIndex, offline: Settings
) -> None:
    answer = answer_question("what happens above 2,400 seats?", index=index, settings=offline)
    assert answer.answered and "less attractive" in answer.answer, answer.answer
    assert "seats is above" not in answer.answer


@pytest.mark.parametrize(
    ("question", "section"),
    [
        # a definition asked with more after it starts from the glossary
        ("'Multi-tenant' in simple terms, and who has to approve it?", "glossary-multi-tenant"),
        ("請求書に「MCA」って書いてあるんですけど、これ何？", "glossary-mca"),
        ("QRPって簡単に何？", "glossary-qualified-referral-program"),
        # the term named in one sentence, what it stands for asked in another
        ("見積書に「MCA」とあるのですが、正式名称がわかりません。何の略ですか。", "glossary-mca"),
        ("EA is what exactly", "glossary-ea"),
        ("lead-status in MS contract terms = ?", "glossary-lead-status-skus"),
        # what happens past a threshold, asked plainly
        ("what happens if a customer goes past 2,400 seats?", "partner-economics-thresholds"),
        ("What changes beyond the USD 1M Azure line?", "partner-economics-thresholds"),
        ("2,400シートを超えるとどうなりますか？", "partner-economics-thresholds"),
        ("Azureが100万ドルを超えた場合はどうなる？", "partner-economics-thresholds"),
        ("Is this Microsoft's final word on it, or will there be more guidance?", "csp-future"),
        ("購買モーションの話って、今後も変わるの？", "csp-future"),
        ("focus areasって3つあったよね、何だっけ？", "customer-needs-first"),
        ("このガイダンスの最終更新日は何日？", "about-this-guidance"),
        (
            "We're a reseller serving hospitals. What does the guidance ask us to consider about"
            " expiring EAs?",
            "csp-future",
        ),
        (
            "We buy a lot through marketplaces like Amazon. Does Microsoft treat that way of "
            "buying as second class?",
            "customer-needs-first",
        ),
    ],
)
def test_loose_questions_are_answered_first_from_where_the_guidance_or_glossary_says_it(
    index: GuidanceIndex, offline: Settings, question: str, section: str
) -> None:
    answer = answer_question(question, index=index, settings=offline)
    assert answer.answered and answer.citations[0].id == section, answer.answer


def test_a_sentence_that_leans_on_the_one_before_comes_with_it(
    index: GuidanceIndex, offline: Settings
) -> None:
    answer = answer_question("what if we go past the 1M later?", index=index, settings=offline)
    assert answer.answered, answer.answer
    text = answer.answer
    assert "Beyond those thresholds" in text
    assert text.index("Partners can still sell") < text.index("Beyond those thresholds")


@pytest.mark.parametrize(
    "question",
    [
        "45 of us here. whats the deal with buying direct online vs going thru a reseller?",
        "Each year we weigh buying online vs a reseller. Thoughts?",
    ],
)
def test_ea_inside_a_word_names_no_motion_and_one_head_count_is_no_pair_of_figures(
    index: GuidanceIndex, offline: Settings, question: str
) -> None:
    answer = answer_question(question, index=index, settings=offline)
    cited = [c.id for c in answer.citations]
    assert cited == ["self-service-motion", "breadth-motion"], answer.answer
