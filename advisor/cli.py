"""The `advisor` command line.

Each command imports the layers it needs when it runs, so `advisor classify` answers without
loading LangChain, Chroma or the web stack.
"""

from __future__ import annotations

import json
import os
import sys
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any, NoReturn

import click

from advisor import prompts
from advisor.channels.status import http_status
from advisor.config import get_settings
from advisor.domain.policy import classify as run_classifier
from advisor.domain.policy import motion_label
from advisor.domain.schemas import Answer, Classification, Lang, parse_json, parse_profile
from advisor.errors import AdvisorError, NotFoundError, UserError
from advisor.evaluation import SUITES

LANG_CHOICE = click.Choice(["en", "ja"])


def fail(message: str, code: int = 2) -> NoReturn:
    """Print one error line on stderr and exit."""
    click.echo(f"Error: {message}", err=True)
    sys.exit(code)


def emit_json(data: Any) -> None:
    """Print one JSON document on stdout and flush it."""
    click.echo(json.dumps(data, ensure_ascii=False))
    sys.stdout.flush()


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(package_name="motion-advisor")
def cli() -> None:
    """Motion Advisor: which Microsoft purchasing motion fits a customer."""


@cli.command()
@click.option(
    "--file", "path", type=click.Path(dir_okay=False, path_type=Path), help="Profile JSON file."
)
@click.option("--explain", is_flag=True, help="Print a readable explanation instead of JSON.")
@click.option("--lang", type=LANG_CHOICE, default="en", show_default=True)
def classify(path: Path | None, explain: bool, lang: Lang) -> None:
    """Classify one customer profile (JSON on stdin, or --file)."""
    text = _read_text(path)
    result = run_classifier(parse_profile(parse_json(text, "profile")), lang)
    if explain:
        click.echo(render_classification(result))
    else:
        emit_json(result.model_dump(mode="json"))


def _read_text(path: Path | None) -> str:
    try:
        if path is None:
            # bytes, so input that is not UTF-8 is refused whatever the terminal's encoding
            stdin = getattr(sys.stdin, "buffer", None)
            return sys.stdin.read() if stdin is None else stdin.read().decode("utf-8")
        return path.read_bytes().decode("utf-8")
    except UnicodeDecodeError:
        where = "stdin" if path is None else str(path)
        raise UserError(f"profile: must be UTF-8 encoded JSON ({where} is not)") from None
    except FileNotFoundError:
        raise UserError(f"--file: no such file: {path}") from None
    except OSError as exc:
        raise UserError(f"--file: cannot read {path}: {exc.strerror or exc}") from None


def render_classification(result: Classification) -> str:
    """Render a classification as plain text for people."""
    lang = result.lang

    def label(key: str, **values: object) -> str:
        return prompts.text("cli", key, lang, **values)

    if result.motion is None:
        lines = [label("undecided", missing=", ".join(result.missing))]
        if result.rule:
            lines.append(result.rule)
        return "\n".join(lines)
    lines = [
        label("recommendation", motion=motion_label(result.motion, lang)),
        label("vehicle", vehicle=result.vehicle),
        str(result.rule),
    ]
    sections = [
        ("why", [f"{r.text} [{', '.join(r.citations)}]" for r in result.reasons]),
        ("facts", result.facts),
        ("alternatives", [f"{a.motion}: {a.note}" for a in result.alternatives]),
        ("changes", result.what_would_change),
        ("roles", result.partner_roles),
    ]
    for key, items in sections:
        if items:
            lines.append("")
            lines.append(label(key) + ":")
            lines.extend(f"  - {item}" for item in items)
    return "\n".join(lines)


@cli.command("teams-manifest")
@click.option("--bot-id", required=True, help="The bot's Microsoft App ID (a GUID).")
@click.option(
    "--out",
    type=click.Path(dir_okay=False, path_type=Path),
    default=Path("motion-advisor-teams.zip"),
    show_default=True,
    help="Where to write the app package.",
)
@click.option("--name", default="Motion Advisor", show_default=True, help="App name (1-30 chars).")
@click.option(
    "--website",
    default="https://example.com",
    show_default=True,
    help="Developer website; its /privacy and /terms pages are linked too.",
)
def teams_manifest(bot_id: str, out: Path, name: str, website: str) -> None:
    """Write the Teams app package (manifest.json and icons, zipped) for a bot."""
    from advisor.channels.teams import MANIFEST_VERSION, app_package

    package = app_package(bot_id, name, website)
    try:
        out.write_bytes(package)
    except OSError as exc:
        raise UserError(f"--out: cannot write {out}: {exc.strerror or exc}") from None
    click.echo(f"Wrote {out}: Teams app manifest {MANIFEST_VERSION} for bot {bot_id.strip()}")


def main() -> None:
    """Run the command line, turning advisor errors into one line and an exit status."""
    try:
        cli.main(prog_name="advisor", standalone_mode=False)
    except click.exceptions.Abort:
        fail("interrupted", 130)
    except click.UsageError as exc:
        # One line, as for every other bad input; --help has the rest.
        command = exc.ctx.command_path if exc.ctx is not None else "advisor"
        fail(f"{exc.format_message()} (see '{command} --help')", exc.exit_code)
    except click.ClickException as exc:
        fail(exc.format_message(), exc.exit_code)
    except UserError as exc:
        fail(exc.message, 2)
    except AdvisorError as exc:
        fail(exc.message, 1)
    except KeyboardInterrupt:
        fail("interrupted", 130)
    except BrokenPipeError:
        sys.exit(0)


@cli.command()
@click.option("--json", "as_json", is_flag=True, help="One JSON ChatTurn per input line.")
@click.option("--session", "session_id", help="Continue an earlier conversation.")
@click.option("--lang", type=LANG_CHOICE, help="Reply language (detected by default).")
def chat(as_json: bool, session_id: str | None, lang: Lang | None) -> None:
    """Talk to the advisor (interactive; line mode with --json or piped input)."""
    from advisor.chat import ChatService

    service = ChatService(get_settings())
    if session_id is not None:
        from advisor.store.sessions import check_session_id

        if not service.exists(check_session_id(session_id)):
            raise NotFoundError(f"session_id: no session {session_id}")
    if as_json or not sys.stdin.isatty():
        _chat_lines(service, session_id, lang)
    else:
        from advisor.channels.terminal import interactive_chat

        interactive_chat(service, session_id, lang)


def _chat_lines(service: Any, session_id: str | None, lang: Lang | None) -> None:
    if hasattr(sys.stdin, "reconfigure"):
        # A line that is not UTF-8 reaches the chat service, which refuses just that line.
        sys.stdin.reconfigure(errors="surrogateescape")
    for line in sys.stdin:
        message = line.rstrip("\r\n")
        try:
            turn = service.chat(message, session_id, lang)
        except AdvisorError as exc:
            click.echo(f"Error: {exc.message}", err=True)
            emit_json({"error": exc.message, "status": http_status(exc)})
            continue
        session_id = turn.session_id
        emit_json(turn.model_dump(mode="json"))


# `advisor serve`: the largest request line and headers taken, how long an idle connection is
# kept between requests, and how long open requests may finish after SIGTERM.
MAX_REQUEST_HEAD_BYTES = 16 * 1024
KEEP_ALIVE_S = 5
GRACEFUL_SHUTDOWN_S = 10


@cli.command()
@click.option("--host", default="127.0.0.1", show_default=True)
@click.option("--port", default=8000, show_default=True, type=click.IntRange(0, 65535))
@click.option(
    "--workers",
    type=click.IntRange(1, 64),
    help="Processes serving the port, each with its own models (default: ADVISOR_WORKERS, 1).",
)
def serve(host: str, port: int, workers: int | None) -> None:
    """Run the HTTP service (API, web chat, Teams endpoint)."""
    import uvicorn

    from advisor.store.sessions import prepare_data_dir

    settings = get_settings()
    from advisor.telemetry import log_config

    logging_config = log_config(settings.log_format)
    if logging_config is not None:  # from the first line on, not only once uvicorn starts
        import logging.config

        logging.config.dictConfig(logging_config)
    prepare_data_dir(settings.data_dir)
    _check_listen(host, port)
    from advisor.guidance.index import GuidanceIndex

    # opened here rather than in the app's start-up, so that a store that cannot be reached
    # is one line on stderr and exit status 1, not uvicorn's traceback
    index = GuidanceIndex.open(settings)
    # X-Forwarded-For is read by the rate limits, and only from ADVISOR_TRUSTED_PROXIES.
    # h11 refuses request heads over the size below (httptools has no limit); idle connections
    # close after the keep-alive timeout; on SIGTERM, requests still open after the graceful
    # timeout (a stream waiting on a model) are cancelled so the process ends.
    options: dict[str, Any] = {
        "host": host,
        "port": port,
        "log_level": "info",
        "proxy_headers": False,
        "h11_max_incomplete_event_size": MAX_REQUEST_HEAD_BYTES,
        "timeout_keep_alive": KEEP_ALIVE_S,
        "timeout_graceful_shutdown": GRACEFUL_SHUTDOWN_S,
        # h11, with deadlines for a request's head and body (a slowloris client is cut off)
        "http": "advisor.channels.connections:DeadlineProtocol",
    }
    if logging_config is not None:  # JSON lines with trace ids, instead of uvicorn's text
        options["log_config"] = logging_config
    workers = workers or settings.workers
    if workers > 1:
        # each worker opens the index (built above, so none of them builds it) and the store
        del index
        with shared_metrics():
            uvicorn.run(
                "advisor.channels.http:create_app",
                factory=True,
                workers=workers,
                **options,
            )
        return
    from advisor.channels.http import create_app
    from advisor.chat import ChatService

    service = ChatService(settings, index=index)
    app = create_app(settings, service=service, index=index)
    uvicorn.run(app, **options)


@contextmanager
def shared_metrics() -> Iterator[None]:
    """Let worker processes count into one set of /metrics counters, in a folder of files."""
    from advisor.metrics import SHARED_FOLDER

    with tempfile.TemporaryDirectory(prefix="advisor-metrics-") as folder:
        os.environ[SHARED_FOLDER] = folder
        try:
            yield
        finally:
            os.environ.pop(SHARED_FOLDER, None)


def _check_listen(host: str, port: int) -> None:
    """Refuse, in one line, a host that does not resolve or an address already in use."""
    import socket

    try:
        family, kind, proto, _, address = socket.getaddrinfo(
            host, port, type=socket.SOCK_STREAM, flags=socket.AI_PASSIVE
        )[0]
    except (socket.gaierror, UnicodeError) as exc:
        raise UserError(f"--host: cannot listen on {host!r} ({exc})") from None
    with socket.socket(family, kind, proto) as probe:
        # as uvicorn binds: an address in TIME_WAIT is free, one with a listener is not
        probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            probe.bind(address)
        except OSError as exc:
            raise UserError(
                f"--port: cannot listen on {host}:{port} ({exc.strerror or exc})"
            ) from None


@cli.command()
@click.option("--rebuild", is_flag=True, help="Rebuild even when the index is up to date.")
def index(rebuild: bool) -> None:
    """Build or refresh the knowledge index."""
    from advisor.guidance.index import GuidanceIndex

    stats = GuidanceIndex.open(get_settings(), rebuild=rebuild).stats
    assert stats is not None
    counts = ", ".join(f"{n} {lang}" for lang, n in stats.by_lang.items())
    what = f"{stats.sections} sections ({counts}) with {stats.embedder} embeddings"
    if stats.built:
        click.echo(f"Indexed {what} in {stats.seconds:.2f} s")
    else:
        click.echo(f"Index is up to date: {what} (checked in {stats.seconds:.2f} s)")


@cli.command()
@click.option("--json", "as_json", is_flag=True, help="Print one Answer as JSON.")
@click.option("--lang", type=LANG_CHOICE, help="Answer language (detected by default).")
@click.argument("words", nargs=-1)
def ask(as_json: bool, lang: Lang | None, words: tuple[str, ...]) -> None:
    """Answer a question about the purchasing guidance, citing its sections."""
    from advisor.guidance.answering import answer_question
    from advisor.guidance.index import GuidanceIndex
    from advisor.inputs import clean_text
    from advisor.models.factory import answer_model

    settings = get_settings()
    question = clean_text(" ".join(words), field="question", limit=settings.max_message_chars)
    answer = answer_question(
        question,
        index=GuidanceIndex.open(settings),
        settings=settings,
        lang=lang,
        chat_model=answer_model(settings),
    )
    if as_json:
        emit_json(answer.model_dump(mode="json"))
    else:
        click.echo(render_answer(answer))


def render_answer(answer: Answer) -> str:
    """Render an answer and its numbered sources as plain text for people."""
    lines = [answer.answer]
    if answer.citations:
        lines += ["", prompts.text("cli", "sources", answer.lang) + ":"]
        lines += [
            f"[{n}] {c.section} — {c.title} ({c.published})"
            for n, c in enumerate(answer.citations, start=1)
        ]
    return "\n".join(lines)


@cli.command("eval")
@click.option(
    "--suite",
    type=click.Choice([*SUITES, "all"]),
    default="all",
    show_default=True,
    help="Which suite to run.",
)
@click.option(
    "--model",
    "model_spec",
    default="offline",
    show_default=True,
    help="offline, or openai:<model> (OPENAI_BASE_URL / OPENAI_API_KEY).",
)
@click.option(
    "--cases",
    "cases_dir",
    type=click.Path(file_okay=False, path_type=Path),
    help="Folder of case files (default: the shipped evals/cases).",
)
@click.option(
    "--report",
    "report_dir",
    type=click.Path(file_okay=False, path_type=Path),
    help="Where to write result.json and report.html (default: ./reports/eval-<time>/).",
)
@click.option("--limit", type=click.IntRange(min=1), help="Run only the first N cases per suite.")
def eval_command(
    suite: str, model_spec: str, cases_dir: Path | None, report_dir: Path | None, limit: int | None
) -> None:
    """Run the evals suite: a summary on stdout, result.json and report.html on disk."""
    import os
    import tempfile
    import time

    from rich.console import Console

    from advisor.evaluation.report import progress_bar, summary_table, write_report
    from advisor.evaluation.runner import JUDGE_ENV, EvalPlan, check_model_spec, run_evals

    model = check_model_spec(model_spec, "--model")
    judge = os.environ.get(JUDGE_ENV) or None
    if judge is not None:
        judge = check_model_spec(judge, JUDGE_ENV)
    report_dir = report_dir or Path("reports") / time.strftime("eval-%Y%m%d-%H%M%S")
    suites = SUITES if suite == "all" else (suite,)
    with tempfile.TemporaryDirectory(prefix="advisor-eval-", ignore_cleanup_errors=True) as tmp:
        # evals never touch a user's sessions unless ADVISOR_DATA_DIR says where to work
        settings = get_settings().model_copy(update={"model": model})
        if not os.environ.get("ADVISOR_DATA_DIR"):
            settings = settings.model_copy(update={"data_dir": Path(tmp)})
        plan = EvalPlan(settings, suites, cases_dir=cases_dir, limit=limit, judge=judge)
        with progress_bar(Console(stderr=True)) as progress:
            result = run_evals(plan, progress)
    run = result.to_json()
    result_path, page_path = write_report(run, report_dir)
    out = Console(width=max(100, Console().width))
    out.print(summary_table(run))
    for note in run["notes"]:
        out.print(f"note: {note}", highlight=False, soft_wrap=True)
    out.print(f"Wrote {result_path} and {page_path}", highlight=False, soft_wrap=True)
    for gate in result.failed_gates:
        click.echo(f"Threshold {gate.line()}", err=True)
    if not result.passed:
        sys.exit(1)


@cli.group()
def sessions() -> None:
    """Manage the stored conversations."""


@sessions.command("purge")
@click.option(
    "--older-than-days",
    "days",
    type=click.FloatRange(min=0, min_open=True),
    help="Erase conversations idle this long (default: the retention set in the console, "
    "else ADVISOR_SESSION_RETENTION_DAYS).",
)
def sessions_purge(days: float | None) -> None:
    """Erase the conversations whose last turn is older than the retention period."""
    from advisor.store.configuration import ConfigurationStore
    from advisor.store.retention import purge_sessions, retention_cutoff
    from advisor.store.sessions import make_checkpointer

    settings = get_settings()
    if days is None:
        configuration = ConfigurationStore(settings)
        try:
            days = configuration.retention_days()
            where = (
                "the console's retention"
                if "session_retention_days" in configuration.view()["changed"]
                else "ADVISOR_SESSION_RETENTION_DAYS"
            )
        finally:
            configuration.close()
        if days <= 0:
            click.echo(
                f"Nothing purged: {where} is 0 (keep conversations); "
                "pass --older-than-days to purge anyway"
            )
            return
    from advisor.store.leads import LeadStore

    cutoff = retention_cutoff(days)
    purged = purge_sessions(make_checkpointer(settings), cutoff)
    noun = "conversation" if purged == 1 else "conversations"
    click.echo(f"Purged {purged} {noun} whose last turn was over {days:g} days ago")
    leads = LeadStore(settings)
    try:
        gone = leads.purge(cutoff)
    finally:
        leads.close()
    if gone:
        click.echo(f"Purged {gone} {'lead' if gone == 1 else 'leads'} left over {days:g} days ago")
