"""The chat service: one entry point for every channel (CLI, HTTP, Teams) over one agent."""

from __future__ import annotations

import contextvars
import logging
import queue
import sqlite3
import threading
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any, cast

from langchain_core.callbacks import BaseCallbackHandler
from langchain_core.language_models import BaseChatModel
from langchain_core.messages import AIMessageChunk, HumanMessage
from langchain_core.runnables import RunnableConfig
from langgraph.checkpoint.base import BaseCheckpointSaver
from langgraph.errors import GraphRecursionError
from opentelemetry.sdk.trace import TracerProvider
from opentelemetry.trace import Span

from advisor import telemetry
from advisor.agent.context import TurnContext
from advisor.agent.graph import ANSWERING, AdvisorAgent, build_agent, run_turn
from advisor.agent.guards import StreamGate
from advisor.agent.state import session_view, turn_count
from advisor.config import Settings
from advisor.domain.policy import classify
from advisor.domain.schemas import ChatTurn, Lang, Profile
from advisor.errors import (
    AdvisorError,
    ConflictError,
    ConversationFullError,
    NotFoundError,
    ServiceError,
    UserError,
)
from advisor.guidance.index import GuidanceIndex
from advisor.inputs import check_answer, check_lang, clean_text, has_words
from advisor.metrics import Metrics
from advisor.models.factory import make_chat_model
from advisor.nlu import detect_lang
from advisor.store.configuration import ConfigurationStore
from advisor.store.feedback import FeedbackStore, Rating, rated_kind
from advisor.store.keys import keyed_session_id
from advisor.store.leads import Contact, Lead, LeadStore
from advisor.store.sessions import (
    check_idempotency_key,
    check_session_id,
    make_checkpointer,
    make_session_lock,
)
from advisor.telemetry import TurnTracer

log = logging.getLogger(__name__)


def _is_store_error(exc: BaseException) -> bool:
    """Tell whether a failure came from the conversation store rather than the model."""
    return isinstance(exc, sqlite3.Error) or type(exc).__module__.startswith("psycopg")


class ChatService:
    """Conversations with the advisor, kept in the conversation store."""

    def __init__(
        self,
        settings: Settings,
        *,
        model: BaseChatModel | None = None,
        checkpointer: BaseCheckpointSaver[Any] | None = None,
        index: Any = None,
        callbacks: list[BaseCallbackHandler] | None = None,
        metrics: Metrics | None = None,
        tracer_provider: TracerProvider | None = None,
    ) -> None:
        self.settings = settings
        # what GET /metrics counts: conversations, turns, recommendations, guidance, errors
        self.metrics = metrics if metrics is not None else Metrics()
        # added to every turn's run config, e.g. to count LLM calls and tokens in the evals
        self.callbacks = list(callbacks or [])
        self.checkpointer = (
            checkpointer if checkpointer is not None else make_checkpointer(settings)
        )
        self.model = model if model is not None else make_chat_model(settings)
        self.index = index
        rephrase = settings.llm_rephrase and not getattr(self.model, "reads_turn", False)
        # the turn's one step, run by the graph when streamed and directly otherwise
        self.agent = AdvisorAgent(self.model, rephraser=self.model if rephrase else None)
        self.graph = build_agent(self.agent, self.checkpointer)
        # one turn at a time per session, in this process and in any other sharing the store
        self.session_lock = make_session_lock(settings)
        # customers who asked to be contacted, and their ratings, beside their conversations
        self.leads = LeadStore(settings)
        self.feedback = FeedbackStore(settings)
        # what admins change from the console: next-step links, how long conversations are kept
        self.configuration = ConfigurationStore(settings)
        # OpenTelemetry spans of each turn, when an OTLP endpoint (or a provider) is given
        provider = tracer_provider or telemetry.tracer_provider(settings)
        self.tracing = (
            TurnTracer(provider, message_text=settings.log_message_text) if provider else None
        )

    def _config(self, session_id: str) -> RunnableConfig:
        return {
            "configurable": {"thread_id": session_id},
            "recursion_limit": 4 * self.settings.agent_max_steps + 10,
        }

    def exists(self, session_id: str) -> bool:
        """Tell whether a session has been stored."""
        return bool(self.graph.get_state(self._config(session_id)).values)

    def _prepare(
        self,
        message: object,
        session_id: str | None,
        lang: object,
        create: bool = False,
        key: str | None = None,
    ) -> tuple[str, str, Lang | None, bool, bool]:
        """Check a turn's input, reading nothing from the store.

        Returns the text, the session id (a new one if none was given), the language asked
        for, whether the session must already be stored, and whether the id was made here
        (so no stored session can have it yet). A new conversation opened with an idempotency
        key gets the session id the key names, so a retry finds it.
        """
        text = clean_text(message, field="message", limit=self.settings.max_message_chars)
        requested = check_lang(lang)
        if session_id is None and key is not None:
            return text, keyed_session_id(self.settings, key), requested, False, False
        if session_id is None:
            return text, uuid.uuid4().hex, requested, False, True
        check_session_id(session_id)
        return text, session_id, requested, not create, False

    def _read_session(self, session_id: str, must_exist: bool) -> dict[str, Any]:
        """Read a session's state, raising NotFoundError for an unknown one that must exist."""
        values = self.graph.get_state(self._config(session_id)).values
        if must_exist and not values:
            raise NotFoundError(f"session_id: no session {session_id}", field="session_id")
        return values

    def _lang_after(self, values: dict[str, Any], text: str, requested: Lang | None) -> Lang:
        """Return a turn's language, given the session's state before it."""
        turns = values.get("turns") or []
        previous = turns[-1]["turn"]["lang"] if turns else None
        return self._turn_lang(text, requested, previous)

    def _turn_lang(self, text: str, requested: Lang | None, previous: Lang | None) -> Lang:
        if requested is not None:
            return requested
        if has_words(text):
            return detect_lang(text, default=previous or "en")
        return previous or ("ja" if self.settings.lang == "ja" else "en")

    def _context(
        self, session_id: str, lang: Lang, answer: dict[str, Any] | None, key: str | None
    ) -> TurnContext:
        return TurnContext(
            settings=self.settings,
            session_id=session_id,
            lang=lang,
            index=self._get_index(),
            answer=answer,
            idempotency_key=key,
        )

    def _get_index(self) -> Any:
        if self.index is None:
            self.index = GuidanceIndex.open(self.settings)
        return self.index

    def chat(
        self,
        message: object,
        session_id: str | None = None,
        lang: object = None,
        *,
        answer: object = None,
        create: bool = False,
        idempotency_key: object = None,
    ) -> ChatTurn:
        """Take one customer message and return the advisor's turn.

        `answer` is a quick reply the customer picked, `{"slot": ..., "value": ...}`, with
        `message` its label: it is recorded as given, with no model call. With `create`, an
        unknown `session_id` starts a new session under that id (channels such as Teams name the
        conversation themselves) instead of raising NotFoundError. A message sent again with
        the same `idempotency_key` gets the turn it got the first time, and no new turn.
        """
        picked = check_answer(answer)
        key = check_idempotency_key(idempotency_key, opens_session=session_id is None)
        text, session_id, requested, must_exist, fresh = self._prepare(
            message, session_id, lang, create, key
        )
        # The session is read once, under its lock, where the turn needs it anyway: nothing
        # is streamed, so an unknown session may raise there.
        turn: ChatTurn | None = None
        events = self._run(
            text,
            session_id,
            None,
            picked,
            deltas=False,
            fresh=fresh,
            requested=requested,
            must_exist=must_exist,
            key=key,
        )
        for kind, value in events:
            if kind == "turn":
                turn = value
        assert turn is not None
        return turn

    def stream(
        self,
        message: object,
        session_id: str | None = None,
        lang: object = None,
        *,
        answer: object = None,
        deltas: bool = True,
        create: bool = False,
        idempotency_key: object = None,
    ) -> Iterator[tuple[str, Any]]:
        """Run one turn, yielding ("delta", text) as the reply is written, then ("turn", ChatTurn).

        A model's answer to a guidance question streams as it is written, a sentence at a time;
        a reply composed from the classifier comes as one delta. The message is validated before
        this returns, so bad input raises here, not mid-stream.
        """
        picked = check_answer(answer)
        key = check_idempotency_key(idempotency_key, opens_session=session_id is None)
        text, session_id, requested, must_exist, fresh = self._prepare(
            message, session_id, lang, create, key
        )
        turn_lang = None
        if not fresh:  # an unknown session must raise now, before anything streams
            turn_lang = self._lang_after(
                self._read_session(session_id, must_exist), text, requested
            )
        events = self._run(
            text,
            session_id,
            turn_lang,
            picked,
            deltas=deltas,
            fresh=fresh,
            requested=requested,
            key=key,
        )
        return _detached(events) if deltas else events

    def _run(
        self,
        text: str,
        session_id: str,
        turn_lang: Lang | None,
        answer: dict[str, Any] | None,
        *,
        deltas: bool,
        fresh: bool,
        requested: Lang | None,
        must_exist: bool = False,
        key: str | None = None,
    ) -> Iterator[tuple[str, Any]]:
        """Run a turn under the session's lock.

        The session is read once, by the agent as the turn starts (`_opened`), which checks it
        there: an unknown session that must exist, a full conversation, a retried message.
        `fresh`: the session id was just made, so there is no stored state to check.
        """
        config = self._config(session_id)
        run_config: RunnableConfig = (
            {**config, "callbacks": self.callbacks} if self.callbacks else config
        )
        message = HumanMessage(text)
        provisional = turn_lang or self._turn_lang(text, requested, None)
        context = self._context(session_id, provisional, answer, key)
        context.message = message
        if not fresh:
            context.opened = lambda state: self._opened(
                state, context, text, requested, must_exist=must_exist
            )
        with self.session_lock(session_id), self._traced(session_id, text) as span:
            if span is not None and self.tracing is not None:
                extra = [*(run_config.get("callbacks") or []), self.tracing.handler()]  # type: ignore[misc]
                run_config = {**run_config, "callbacks": extra}
            streamed = False
            try:
                if deltas:
                    parts = self.graph.stream(
                        {},
                        run_config,
                        context=context,
                        stream_mode="messages",
                        durability=self.settings.store_durability,
                    )
                    gate = StreamGate()
                    for chunk, meta in cast(Iterator[tuple[Any, dict[str, Any]]], parts):
                        # only the model's answer to a guidance question is streamed
                        if (
                            meta.get(ANSWERING)
                            and isinstance(chunk, AIMessageChunk)
                            and chunk.text
                            and not chunk.tool_call_chunks
                        ):
                            released = gate.feed(chunk.text)
                            if released:
                                streamed = True
                                yield "delta", released
                else:
                    run_turn(self.graph, self.agent, run_config, context)
            except _Repeat as repeat:  # a retry: the turn it repeats is the answer, run again
                self._undo(session_id)
                if deltas:
                    yield "delta", repeat.turn.reply
                yield "turn", repeat.turn
                return
            except AdvisorError:
                self._undo(session_id)
                raise
            except GraphRecursionError:
                self._undo(session_id)
                raise ServiceError("the advisor took too many steps on that message") from None
            except Exception as exc:
                log.warning("turn failed in session %s: %s", session_id, type(exc).__name__)
                if _is_store_error(exc):
                    raise ServiceError(
                        "the conversation store is not answering; please try again in a moment"
                    ) from exc
                self._undo(session_id)
                raise ServiceError(
                    "the language model did not answer; please try again in a moment "
                    "(your conversation so far is kept)"
                ) from exc
            self._prune(session_id)
            if span is not None and context.turn is not None:
                _describe(span, context.turn)
        turn = context.turn
        if turn is None:
            turn = ChatTurn.model_validate(self.graph.get_state(config).values["turns"][-1]["turn"])
        self.metrics.turn(turn, new_conversation=context.new_session, guidance=context.guidance)
        if deltas and not streamed:
            yield "delta", turn.reply
        yield "turn", turn

    @contextmanager
    def _traced(self, session_id: str, text: str) -> Iterator[Span | None]:
        """Hold the turn's span, when tracing is on."""
        if self.tracing is None:
            yield None
            return
        with self.tracing.turn(session_id, text) as span:
            yield span

    def _opened(
        self,
        state: Any,
        context: TurnContext,
        text: str,
        requested: Lang | None,
        *,
        must_exist: bool,
    ) -> None:
        """Check the session as the turn finds it, and set the turn's language from it."""
        stored = "created_at" in state
        if must_exist and not stored:
            raise NotFoundError(f"session_id: no session {context.session_id}", field="session_id")
        context.new_session = not stored
        context.lang = self._lang_after(state, text, requested)
        done = _answered(state, context.idempotency_key, text)
        if done is not None:
            raise _Repeat(done)
        if turn_count(state) >= self.settings.session_max_turns:
            raise _full(self.settings.session_max_turns, context.lang)

    def _undo(self, session_id: str) -> None:
        """Clear away what a failed turn left in the store.

        A turn is one graph step that writes the conversation whole as it ends, so a failed one
        changed nothing; all it can leave is a checkpoint of the state it found (with durability
        "sync" or "async"), or an empty one for a conversation it was to open.
        """
        if self.graph.get_state(self._config(session_id)).values:
            self._prune(session_id)
        else:
            self.checkpointer.delete_thread(session_id)

    def _prune(self, session_id: str) -> None:
        """Drop the session's older checkpoints: the latest one holds the whole conversation."""
        try:
            self.checkpointer.prune([session_id])
        except NotImplementedError:
            pass  # a store that cannot prune keeps its history
        except Exception as exc:
            # the turn is stored; its older copies go with the next turn's pruning
            log.warning("session %s: older checkpoints not pruned (%s)", session_id, exc)

    def session(self, session_id: str, *, limit: int | None = None) -> dict[str, Any]:
        """Return a session's transcript and the profile gathered so far.

        The transcript holds the latest `limit` turns the store keeps (all of them by default);
        `turn_count` counts every turn and `earlier_turns` those not in the transcript.
        """
        check_session_id(session_id)
        values = self.graph.get_state(self._config(session_id)).values
        if not values:
            raise NotFoundError(f"session_id: no session {session_id}", field="session_id")
        return session_view(session_id, values, limit=limit)

    def rate(self, session_id: str, number: int, rating: str, comment: str | None) -> Rating:
        """Store a customer's rating of one turn's recommendation or guidance answer."""
        check_session_id(session_id)
        values = self.graph.get_state(self._config(session_id)).values
        if not values:
            raise NotFoundError(f"session_id: no session {session_id}", field="session_id")
        turns = values.get("turns") or []
        first = turn_count(values) - len(turns) + 1  # the number of the oldest turn kept
        if not first <= number <= turn_count(values):
            raise NotFoundError(
                f"turn: this conversation has no turn {number} to rate", field="turn"
            )
        turn = turns[number - first]["turn"]
        kind = rated_kind(turn)
        if kind is None:
            raise ConflictError(
                f"turn: turn {number} has no recommendation or guidance answer to rate",
                field="turn",
            )
        return self.feedback.rate(session_id, number, kind, rating, comment, turn["lang"])

    def leave_lead(
        self, session_id: str, contact: Contact, lang: Lang | None = None
    ) -> tuple[Lead, bool]:
        """Store the lead of a conversation that has a recommendation; say whether it is new.

        The lead keeps the classification of the conversation's profile, in `lang` (by default
        the conversation's). A conversation with no recommendation yet raises ConflictError.
        """
        view = self.session(session_id, limit=0)
        lang = lang or view["lang"] or "en"
        found = classify(Profile.model_validate(view["profile"]), lang)
        if found.motion is None:
            raise ConflictError(
                "session_id: this conversation has no recommendation yet; a customer can ask "
                "to be contacted once the advisor has recommended a motion",
                field="session_id",
            )
        return self.leads.add(session_id, contact, lang, found.model_dump(mode="json"))

    def delete(self, session_id: str) -> None:
        """Erase a conversation, with its lead and its ratings."""
        check_session_id(session_id)
        self.checkpointer.delete_thread(session_id)
        self.leads.erase_session(session_id)
        self.feedback.erase_session(session_id)


def _answered(state: dict[str, Any], key: str | None, text: str) -> ChatTurn | None:
    """Return the turn a message with this idempotency key already got, if it got one."""
    if key is None:
        return None
    for record in reversed(state.get("turns") or []):
        if record.get("key") == key:
            if record["customer"] != text:
                raise UserError(
                    "Idempotency-Key: was already used for another message in this "
                    "conversation; send a new key with each new message",
                    field="idempotency_key",
                )
            return ChatTurn.model_validate(record["turn"])
    return None


def _full(limit: int, lang: Lang) -> ConversationFullError:
    if lang == "ja":
        message = (
            f"この会話はメッセージの上限（{limit:,}件）に達しました。新しい会話を始めてください。"
        )
    else:
        message = (
            f"this conversation has reached its limit of {limit:,} messages; "
            "please start a new conversation"
        )
    return ConversationFullError(message, field="session_id")


def _describe(span: Span, turn: ChatTurn) -> None:
    """Label a turn's span with what came of it: its language, question and motion."""
    span.set_attribute("advisor.lang", turn.lang)
    if turn.question is not None:
        span.set_attribute("advisor.question", turn.question.slot)
    if turn.recommendation is not None and turn.recommendation.motion is not None:
        span.set_attribute("advisor.motion", turn.recommendation.motion.value)


class _Repeat(Exception):  # noqa: N818 - not an error: the turn a retried message already got
    def __init__(self, turn: ChatTurn) -> None:
        super().__init__("a retried message")
        self.turn = turn


_DONE = object()


def _detached(events: Iterator[tuple[str, Any]]) -> Iterator[tuple[str, Any]]:
    """Run a streamed turn to its end in a thread of its own, whoever stops reading it.

    The turn holds its session's lock while it runs. A client that hangs up mid-stream closes
    this generator, not the turn: the turn finishes, is stored and lets the lock go, so no
    other customer waits on a reader that has gone.
    """
    found: queue.SimpleQueue[Any] = queue.SimpleQueue()

    def run() -> None:
        try:
            for event in events:
                found.put(event)
        except BaseException as exc:  # noqa: BLE001 - handed to the reader, who raises it
            found.put(exc)
        finally:
            found.put(_DONE)

    # in the caller's context, so the turn's spans are children of the request's
    context = contextvars.copy_context()
    threading.Thread(target=context.run, args=(run,), name="advisor-turn", daemon=True).start()
    while True:
        item = found.get()
        if item is _DONE:
            return
        if isinstance(item, BaseException):
            raise item
        yield item
