"""LangGraph's helper threads: kept across turns, and not used where a turn would only wait."""

from __future__ import annotations

import threading
from pathlib import Path
from typing import Any

import pytest

from advisor.chat import ChatService
from advisor.config import Settings
from advisor.guidance.index import GuidanceIndex


def _threads_of(service: ChatService, method: str) -> list[threading.Thread]:
    """Record the thread each call of a checkpointer method runs in."""
    seen: list[threading.Thread] = []
    original = getattr(service.checkpointer, method)

    def recorded(*args: Any, **kwargs: Any) -> Any:
        seen.append(threading.current_thread())
        return original(*args, **kwargs)

    setattr(service.checkpointer, method, recorded)
    return seen


@pytest.mark.parametrize("durability", ["exit", "async"])
def test_turns_start_no_threads_of_their_own(
    tmp_path: Path, guidance_index: GuidanceIndex, monkeypatch: pytest.MonkeyPatch, durability: str
) -> None:
    settings = Settings(data_dir=tmp_path, store_durability=durability)
    service = ChatService(settings, index=guidance_index)
    session = service.chat("We need 500 seats").session_id
    service.chat("What is CSP?", session)  # a guidance question: a second model call
    started: list[threading.Thread] = []
    start = threading.Thread.start

    def counted(thread: threading.Thread) -> None:
        started.append(thread)
        start(thread)

    monkeypatch.setattr(threading.Thread, "start", counted)
    for message in ("no special terms", "we want a partner", "What is an EA?"):
        service.chat(message, session)
    # "async" saves in the background, in the shared pool's threads, started by earlier turns
    assert (started == []) if durability == "exit" else (len(started) < 3)


def test_an_exit_durability_save_runs_in_the_turns_own_thread(
    tmp_path: Path, guidance_index: GuidanceIndex
) -> None:
    service = ChatService(Settings(data_dir=tmp_path), index=guidance_index)
    puts = _threads_of(service, "put")
    session = service.chat("We need 500 seats").session_id
    service.chat("no special terms", session)
    assert puts and set(puts) == {threading.current_thread()}


@pytest.mark.parametrize("durability", ["async", "sync"])
def test_other_durabilities_save_streamed_turns_in_the_background_as_langgraph_does(
    tmp_path: Path, guidance_index: GuidanceIndex, durability: str
) -> None:
    settings = Settings(data_dir=tmp_path, store_durability=durability)
    service = ChatService(settings, index=guidance_index)
    session = service.chat("We need 500 seats").session_id
    puts = _threads_of(service, "put")
    events = list(service.stream("no special terms", session))
    turn = events[-1][1]
    assert puts and threading.current_thread() not in puts
    assert service.session(session)["transcript"][-1]["text"] == turn.reply


def test_a_turn_not_streamed_is_written_once_in_its_own_thread_whatever_the_durability(
    tmp_path: Path, guidance_index: GuidanceIndex
) -> None:
    settings = Settings(data_dir=tmp_path, store_durability="sync")
    service = ChatService(settings, index=guidance_index)
    puts = _threads_of(service, "put")
    session = service.chat("We need 500 seats").session_id
    turn = service.chat("no special terms", session)
    assert puts == [threading.current_thread()] * 2
    assert service.session(session)["transcript"][-1]["text"] == turn.reply


def test_a_single_tool_call_runs_in_the_turns_thread_and_parallel_ones_still_in_parallel(
    tmp_path: Path, guidance_index: GuidanceIndex, monkeypatch: pytest.MonkeyPatch
) -> None:
    from advisor.agent import tools
    from tests.scripted import ScriptedChatModel

    model = ScriptedChatModel()
    service = ChatService(Settings(data_dir=tmp_path), model=model, index=guidance_index)
    barrier = threading.Barrier(2, timeout=10)
    threads: list[threading.Thread] = []
    search = tools.find_support

    def searched(*args: Any, **kwargs: Any) -> Any:
        threads.append(threading.current_thread())
        if waiting:
            barrier.wait()  # two searches that each wait for the other finish only together
        return search(*args, **kwargs)

    monkeypatch.setattr(tools, "find_support", searched)
    waiting = False
    model.enqueue_tool_calls([("search_guidance", {"query": "What is CSP?"})])
    model.enqueue_text("CSP partners resell and support [1].")
    service.chat("What is CSP?")
    assert threads == [threading.current_thread()]
    waiting = True
    model.enqueue_tool_calls(
        [("search_guidance", {"query": "What is CSP?"}), ("search_guidance", {"query": "EA?"})]
    )
    model.enqueue_text("CSP partners resell and support [1].")
    service.chat("What are CSP and EA?")
    assert len(threads) == 3 and threading.current_thread() not in threads[1:]
