"""LangGraph's helper threads, kept across turns instead of started anew for each one.

LangGraph runs every graph run with a thread pool of its own, to save checkpoints in the
background; the pool starts a thread and drops it when the run ends, so every turn started one.
On a busy server a hand-off to a new thread also waits for the GIL.

`install()` points LangGraph at one process-wide pool whose threads are reused; the agent runs
tool calls made together in the same pool. A run with durability "exit" saves its one
checkpoint in its own thread. A run that sets `max_concurrency` keeps LangGraph's own pool.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import Executor, Future
from contextlib import AbstractContextManager, contextmanager
from contextvars import Context
from typing import Any

from langchain_core.runnables import RunnableConfig
from langchain_core.runnables.config import ContextThreadPoolExecutor
from langgraph.checkpoint.base import BaseCheckpointSaver

# Threads start only when none is idle, so the pool holds as many as the busiest moment
# needed; the bound only keeps a runaway from starting thousands. Each run used to get a
# pool of its own, so a run's background tasks (a streaming run keeps one waiting for the
# whole run) must never wait for another run's: keep the bound far above the turns a
# server runs at once.
POOL_THREADS = 512

_pool: ContextThreadPoolExecutor | None = None
_installed = False
# the name under which both modules look up the executor for a config
_LOOKUP = "get_executor_for_config"
# where LangGraph keeps a run's durability in its config
_DURABILITY = "__pregel_durability"

ExecutorFor = Callable[[RunnableConfig | None], AbstractContextManager[Executor]]


def shared_pool() -> ContextThreadPoolExecutor:
    """Return the process-wide pool, started on first use."""
    global _pool
    if _pool is None:
        _pool = ContextThreadPoolExecutor(
            max_workers=POOL_THREADS, thread_name_prefix="advisor-graph"
        )
    return _pool


class _SharedExecutor(Executor):
    """The shared pool as a run sees it: it submits there and never shuts the pool down.

    With `saves_here`, a checkpoint save runs at once in the submitting thread instead: a
    run with durability "exit" saves only as it ends, and then waits for the save, so handing
    it to another thread only added the hand-off (and, on a busy server, a wait for the GIL).
    """

    def __init__(self, *, saves_here: bool = False) -> None:
        self._saves_here = saves_here

    def submit(self, fn: Callable[..., Any], /, *args: Any, **kwargs: Any) -> Any:
        if self._saves_here and _is_save(fn, args):
            return _run_here(fn, *args, **kwargs)
        return shared_pool().submit(fn, *args, **kwargs)

    def map(
        self,
        fn: Callable[..., Any],
        *iterables: Iterable[Any],
        timeout: float | None = None,
        chunksize: int = 1,
    ) -> Iterator[Any]:
        return shared_pool().map(fn, *iterables, timeout=timeout)

    def shutdown(self, wait: bool = True, *, cancel_futures: bool = False) -> None:
        """Leave the shared pool running: other runs use it."""


def _is_save(fn: Callable[..., Any], args: tuple[Any, ...]) -> bool:
    """Tell whether LangGraph submitted a checkpoint save (a put, or a put of writes).

    LangGraph submits `Context.run` with the function to run in that context first.
    """
    target = args[0] if isinstance(getattr(fn, "__self__", None), Context) and args else fn
    owner = getattr(target, "__self__", None)
    return isinstance(owner, BaseCheckpointSaver) or (
        getattr(target, "__name__", "") == "_checkpointer_put_after_previous"
    )


def _run_here(fn: Callable[..., Any], /, *args: Any, **kwargs: Any) -> Future[Any]:
    """Run a function now and return its outcome as a done future, as the pool would."""
    future: Future[Any] = Future()
    future.set_running_or_notify_cancel()
    try:
        future.set_result(fn(*args, **kwargs))
    except BaseException as exc:  # the future carries it, as it would from the pool
        future.set_exception(exc)
    return future


def _background(fallback: ExecutorFor) -> ExecutorFor:
    @contextmanager
    def executor_for(config: RunnableConfig | None) -> Iterator[Executor]:
        if (config or {}).get("max_concurrency"):
            with fallback(config) as executor:
                yield executor
            return
        durability = (config or {}).get("configurable", {}).get(_DURABILITY)
        yield _SharedExecutor(saves_here=durability == "exit")

    return executor_for


def install() -> None:
    """Point LangGraph's background executor at the shared pool, once.

    Where a LangGraph release no longer looks its executors up by this name, nothing is
    changed and runs use LangGraph's own pools, as before.
    """
    global _installed
    if _installed:
        return
    from langgraph.pregel import _executor

    original = getattr(_executor, _LOOKUP, None)
    if callable(original):
        setattr(_executor, _LOOKUP, _background(original))
    _installed = True
