"""The structured questions, one per slot, as the classifier's `missing` list asks them."""

from __future__ import annotations

from advisor import prompts
from advisor.domain.schemas import Lang, Question, QuestionOption, Slot


def question(slot: Slot | str, lang: Lang, *, again: bool = False) -> Question:
    """Return the structured question for a slot.

    `again`: the question was asked in the reply before, so it is put in fewer words.
    """
    spec = prompts.table("questions", lang)[str(slot)]
    return Question(
        slot=str(slot),
        text=spec["again"] if again else spec["text"],
        help=spec.get("help"),
        options=[QuestionOption(value=o["value"], label=o["label"]) for o in spec["options"]],
    )


def inferred_seats_note(n: int, lang: Lang) -> str:
    """Return the sentence confirming a head count taken as seats."""
    return prompts.text("questions", "seats_inferred_note", lang, n=f"{n:,}")
