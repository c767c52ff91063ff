"""One conversation's turns run one at a time: two messages to one session at once both land."""

from __future__ import annotations

import threading
import time
from typing import Any

import pytest
from langchain_core.messages import BaseMessage
from langchain_core.outputs import ChatResult

from advisor.chat import ChatService
from advisor.config import Settings
from advisor.domain.schemas import ChatTurn
from advisor.errors import ServiceError
from advisor.guidance.index import GuidanceIndex
from advisor.models.offline import OfflineChatModel
from advisor.store.sessions import FileSessionLocks, SessionLocks, make_session_lock

BUSY = (
    "session_id: another message in this conversation is still being answered; "
    "try again when it is done"
)


class SlowOfflineModel(OfflineChatModel):
    """The offline model, pausing before each answer so that two turns surely overlap."""

    delay: float = 0.15

    def _generate(self, messages: list[BaseMessage], *args: Any, **kwargs: Any) -> ChatResult:
        time.sleep(self.delay)
        return super()._generate(messages, *args, **kwargs)


def at_once(*calls: Any) -> list[Any]:
    """Run the calls in threads released together; return their results in call order."""
    start = threading.Barrier(len(calls))
    results: list[Any] = [None] * len(calls)

    def run(i: int) -> None:
        start.wait()
        try:
            results[i] = calls[i]()
        except Exception as exc:  # reported by the assertion on results
            results[i] = exc

    threads = [threading.Thread(target=run, args=(i,)) for i in range(len(calls))]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)
    return results


def assert_both_turns_landed(reader: Any, session_id: str, results: list[Any]) -> None:
    """Check the two messages made two whole turns, the later one knowing the earlier's fact.

    `reader` has ChatService's `session` method: the service, or a client of a worker.
    """
    assert all(isinstance(r, ChatTurn) for r in results), results
    session = reader.session(session_id)
    customer = [t["text"] for t in session["transcript"] if t["role"] == "customer"]
    assert customer[0] == "Hello"
    assert sorted(customer[1:]) == ["We have 300 seats", "no special terms"]
    # either order, the later turn saw the earlier one's fact and asks the next question
    assert session["profile"]["seats"] == 300
    assert session["profile"]["special_terms"] == []
    assert session["question"]["slot"] == "self_service"
    later = next(r for r in results if r.reply == session["transcript"][-1]["text"])
    assert later.question is not None and later.question.slot == "self_service"


def test_two_threads_sending_to_one_session_take_turns(
    settings: Settings, guidance_index: GuidanceIndex
) -> None:
    service = ChatService(settings, model=SlowOfflineModel(), index=guidance_index)
    first = service.chat("Hello")
    results = at_once(
        lambda: service.chat("We have 300 seats", first.session_id),
        lambda: service.chat("no special terms", first.session_id),
    )
    assert_both_turns_landed(service, first.session_id, results)
    assert isinstance(service.session_lock, FileSessionLocks)
    assert service.session_lock._local == {}  # nothing kept per session once turns end


def test_two_services_sharing_a_data_dir_take_turns(
    settings: Settings, guidance_index: GuidanceIndex
) -> None:
    # each service has its own in-process locks, as two processes would: only flock orders them
    one = ChatService(settings, model=SlowOfflineModel(), index=guidance_index)
    two = ChatService(settings, model=SlowOfflineModel(), index=guidance_index)
    first = one.chat("Hello")
    results = at_once(
        lambda: one.chat("We have 300 seats", first.session_id),
        lambda: two.chat("no special terms", first.session_id),
    )
    assert_both_turns_landed(two, first.session_id, results)


@pytest.mark.parametrize("shared", [False, True], ids=["one-process", "two-processes"])
def test_a_turn_waits_a_bounded_time_for_the_one_before(settings: Settings, shared: bool) -> None:
    holder = make_session_lock(settings, wait_s=0.2)
    waiter = make_session_lock(settings, wait_s=0.2) if shared else holder
    with holder("s-1"):
        start = time.monotonic()
        with pytest.raises(ServiceError) as raised, waiter("s-1"):
            pass
        assert raised.value.message == BUSY
        assert 0.15 < time.monotonic() - start < 2
        with waiter("s-2"):  # other sessions do not wait
            pass
    with waiter("s-1"):  # and once the turn is over, the next one goes ahead
        pass


def test_locks_of_one_session_follow_each_other_in_one_process() -> None:
    locks = SessionLocks()
    inside = 0
    most = 0
    guard = threading.Lock()

    def turn() -> None:
        nonlocal inside, most
        with locks("s"):
            with guard:
                inside += 1
                most = max(most, inside)
            time.sleep(0.01)
            with guard:
                inside -= 1

    at_once(*[turn for _ in range(8)])
    assert most == 1
    assert locks._local == {}
