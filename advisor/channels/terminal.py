"""The interactive terminal chat."""

from __future__ import annotations

from typing import Any

from rich.console import Console
from rich.markdown import Markdown
from rich.panel import Panel
from rich.prompt import Prompt

from advisor.domain.schemas import ChatTurn, Lang
from advisor.errors import AdvisorError

_WELCOME: dict[Lang, str] = {
    "en": "Tell me about your organisation, or ask about the purchasing guidance. "
    "Pick a numbered option or type freely; Ctrl-D or 'quit' ends the chat.",
    "ja": "組織について教えていただくか、購買ガイダンスについてご質問ください。"
    "番号で選ぶか自由に入力してください。Ctrl-D または quit で終了します。",
}


def interactive_chat(service: Any, session_id: str | None, lang: Lang | None) -> None:
    """Chat in the terminal, showing questions with numbered quick replies."""
    console = Console()
    console.print(Panel(_WELCOME[lang or "en"], title="Motion Advisor", border_style="cyan"))
    last: ChatTurn | None = None
    while True:
        try:
            text = Prompt.ask("[bold green]you[/]", console=console)
        except (EOFError, KeyboardInterrupt):
            console.print()
            return
        if text.strip().lower() in {"quit", "exit", "終了"}:
            return
        if last is not None and last.question is not None and text.strip().isdigit():
            choice = int(text.strip())
            if 1 <= choice <= len(last.question.options):
                text = last.question.options[choice - 1].label
        try:
            with console.status("thinking…"):
                last = service.chat(text, session_id, lang)
        except AdvisorError as exc:
            console.print(f"[red]{exc.message}[/]")
            continue
        assert last is not None
        session_id = last.session_id
        _show(console, last)


def _show(console: Console, turn: ChatTurn) -> None:
    console.print(Panel(Markdown(turn.reply), title="advisor", border_style="blue"))
    if turn.question is not None and turn.question.options:
        for n, option in enumerate(turn.question.options, start=1):
            console.print(f"  [cyan]{n}[/] {option.label}")
    if turn.citations:
        sources = ", ".join(f"{c.section}" for c in turn.citations)
        console.print(f"[dim]sources: {sources} (as of {turn.citations[0].published})[/]")
