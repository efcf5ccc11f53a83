"""One process per engine, driven over a pipe.

The harness starts a worker for each engine (``multiprocessing`` with the
*spawn* method: a fresh interpreter that imports only that engine) and sends
it requests one at a time, alternating between engines, so that they all see
the same machine conditions. A request names an :class:`~benchmarks.engines.base.Engine`
method and its keyword arguments; the answer is the method's result (plain
numbers, lists and dicts).
"""

from __future__ import annotations

import multiprocessing
import traceback
from multiprocessing.connection import Connection
from typing import Any

from benchmarks.engines import EngineSpec


class EngineError(RuntimeError):
    """An engine raised inside its worker, or the worker died."""


class EngineTimeout(EngineError):
    """A request did not finish within its time limit; the worker was stopped."""


def serve(connection: Connection, module_name: str, variant: str, collector: str = "on") -> None:
    """The worker's loop: build the engine, then answer requests until told to stop.

    With ``collector="off"`` the cyclic garbage collector is switched off for
    the whole process before anything is imported.
    """
    import gc
    import importlib

    if collector == "off":
        gc.disable()
    try:
        engine = importlib.import_module(module_name).make_engine(variant)
        engine.collector_off = collector == "off"
    except BaseException as error:  # noqa: BLE001 - reported to the parent, then exit
        connection.send(("error", f"{type(error).__name__}: {error}", traceback.format_exc()))
        return
    connection.send(("ok", engine.label, ""))
    while True:
        try:
            request = connection.recv()
        except EOFError:  # the harness has gone away
            return
        if request is None:
            return
        method, arguments = request
        try:
            connection.send(("ok", getattr(engine, method)(**arguments), ""))
        except BaseException as error:  # noqa: BLE001 - reported to the parent
            connection.send(("error", f"{type(error).__name__}: {error}", traceback.format_exc()))


class EngineWorker:
    """A running worker process for one engine.

    Use it as a context manager so that the process always ends::

        with EngineWorker(spec) as worker:
            worker.call("load", problem=problem)

    Raises:
        EngineError: The engine could not be built (its message says why).
    """

    def __init__(self, spec: EngineSpec) -> None:
        self.spec = spec
        context = multiprocessing.get_context("spawn")
        self._connection, child = context.Pipe()
        self._process = context.Process(
            target=serve, args=(child, spec.module, spec.variant, spec.collector), daemon=True
        )
        self._process.start()
        child.close()
        self.label = str(self._receive())

    def _receive(self) -> Any:
        try:
            status, value, details = self._connection.recv()
        except (EOFError, OSError) as error:
            raise EngineError(
                f"{self.spec.key}: the worker process ended unexpectedly "
                f"(exit code {self._process.exitcode}); it may have run out of memory."
            ) from error
        if status == "error":
            raise EngineError(f"{self.spec.key}: {value}\n{details}")
        return value

    def call(self, name: str, /, *, time_limit: float | None = None, **arguments: Any) -> Any:
        """Run the engine's method ``name`` with ``arguments`` in the worker; return its result.

        Raises:
            EngineTimeout: ``time_limit`` seconds passed without an answer; the
                worker has been stopped (start a new one to go on).
            EngineError: The method raised (the message has its traceback).
        """
        self._connection.send((name, arguments))
        if time_limit is not None and not self._connection.poll(time_limit):
            self._stop()
            raise EngineTimeout(f"{self.spec.key}: {name} did not finish within {time_limit:g} s")
        return self._receive()

    def _stop(self) -> None:
        self._process.terminate()
        self._process.join()

    def close(self) -> None:
        """Ask the worker to stop and wait for it (ended forcibly after 30 s)."""
        if self._process.is_alive():
            try:
                self._connection.send(None)
            except (BrokenPipeError, OSError):
                pass
            self._process.join(timeout=30)
            if self._process.is_alive():
                self._process.terminate()
                self._process.join()
        self._connection.close()

    def __enter__(self) -> EngineWorker:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()
