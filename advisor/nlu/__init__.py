"""Reading customer messages: languages, numbers, answers, terms and preferences."""

from advisor.nlu.lang import detect_lang
from advisor.nlu.reader import Understanding, understand
from advisor.nlu.text import MAX_CHARS

__all__ = ["MAX_CHARS", "Understanding", "detect_lang", "understand"]
