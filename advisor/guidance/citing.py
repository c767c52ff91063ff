"""How an extractive answer is written out: sentences with their markers, and the date under it."""

from __future__ import annotations

from advisor import prompts
from advisor.domain.schemas import Answer, Citation, Lang


def join_cited(sentences: list[tuple[str, int]], lang: Lang) -> str:
    """Join sentences, each followed by its marker; in Japanese the marker goes before 。."""
    if lang != "ja":
        return " ".join(f"{sentence} [{marker}]" for sentence, marker in sentences)
    out = []
    for sentence, marker in sentences:
        end = sentence[-1] if sentence[-1:] in ("。", "！", "？") else ""
        out.append(f"{sentence[: len(sentence) - len(end)]}[{marker}]{end or '。'}")
    return "".join(out)


def then(text: str, more: str, lang: Lang) -> str:
    """Return text followed by more, with a space between them in English, none in Japanese."""
    return f"{text}{'' if lang == 'ja' else ' '}{more}"


def dated_answer(text: str, citations: list[Citation], lang: Lang, as_of: str) -> Answer:
    """Return an answer with the guidance's date under it."""
    return Answer(
        answer=f"{text}\n\n{prompts.text('answers', 'date_line', lang, as_of=as_of)}",
        citations=citations,
        lang=lang,
        answered=True,
        as_of=as_of,
    )
