"""Query worker processes: a time limit, a memory limit, and fair shares under load.

pyoxigraph cannot interrupt a running query, so each query runs in a worker
*process* that is killed when it goes too far, and replaced:

- **time**: past ``timeout`` seconds (503);
- **memory**: when the worker's resident memory grows more than
  ``memory_limit`` bytes above what it held once its graph was loaded (polled
  every 50 ms; a data-segment rlimit in the worker is the backstop) (503);
- **the long lane**: a query still running after ``long_after`` seconds
  becomes *long*; at most ``long_slots`` queries (half the workers, at least
  one) may be long at once, so the other workers stay free for quick queries.
  A query that turns long when the lane is full is stopped (503). Long
  queries run at a lower CPU priority (nice 10).
- **probation**: when a query is stopped (time, memory, lane, or its worker
  died), for the next ``probation`` seconds the same query text (compared
  token by token, so spacing and comments do not matter), from anyone, runs
  only in the long lane (it waits for a lane slot, never takes a quick
  worker), and the client that sent it is on a short leash: its queries turn
  long after ``leash`` seconds instead of ``long_after``. Users behind one
  address (a proxy) keep their quick queries, which finish well within the
  leash.

**Fair shares.** Requests wait for a free worker in a queue ordered by their
client's recent cost: worker-seconds used (a stopped query counts the whole
time limit on top), decaying with a half-life of ``half_life`` seconds, plus
the time of its queries running now. A client (an IP address) runs at most
``per_client`` queries at once (default: every worker), at most ``max_waiting``
requests wait in all (and a quarter of that per client), and no request waits
longer than the time limit: busy is a 503, with ``Retry-After``.

A spare worker, loaded and idle, replaces a killed one at once.
"""

from __future__ import annotations

import itertools
import math
import multiprocessing
import os
import signal
import sys
import threading
import time
from collections import Counter
from dataclasses import dataclass

import pyoxigraph as ox

from .answer import Reply, execute

__all__ = ["QueryPool", "QueryTimeout", "QueryStopped", "PoolBusy", "fingerprint", "DEFAULT_TIMEOUT",
           "DEFAULT_MEMORY_MB"]

DEFAULT_TIMEOUT = 30.0
DEFAULT_MEMORY_MB = 1024
_MIB = 1024 * 1024
_POLL = 0.05  # seconds between memory and lane checks of a running query
_PAGE = os.sysconf("SC_PAGE_SIZE")


def _open_worker_store(spec: str, graph: str | None) -> ox.Store:
    from .stores import load_graph_into, open_store, parse_spec
    kind, _ = parse_spec(spec)
    if kind == "memory":
        store = open_store("memory")
        load_graph_into(store, graph)
        return store
    return open_store(spec, read_only=True)


def _data_size() -> int:
    """This process's data segment (VmData), in bytes."""
    with open("/proc/self/status") as f:
        for line in f:
            if line.startswith("VmData:"):
                return int(line.split()[1]) * 1024
    return 0


def _worker_main(conn, spec: str, graph: str | None, memory_limit: int) -> None:
    """A worker process: open the graph, cap its data segment, say ready, then answer jobs until the pipe closes."""
    try:
        store = _open_worker_store(spec, graph)
        import resource
        cap = _data_size() + 2 * memory_limit  # the backstop; the parent's RSS poll acts first
        resource.setrlimit(resource.RLIMIT_DATA, (cap, cap))
        conn.send(("ready", len(store)))
    except Exception as err:  # reported to the parent, which refuses to start
        conn.send(("error", f"{type(err).__name__}: {err}"))
        return
    while True:
        try:
            job = conn.recv()
        except (EOFError, OSError):
            return
        try:
            reply = execute(store, **job)
        except MemoryError:
            reply = Reply.text(503, "query stopped: it went past the memory limit")
        except Exception as err:  # never let one query end the worker
            reply = Reply.text(500, f"query failed: {type(err).__name__}: {err}")
        conn.send(reply)


def _rss(pid: int) -> int:
    """Resident memory of a process, in bytes (0 when it is gone)."""
    try:
        with open(f"/proc/{pid}/statm") as f:
            return int(f.read().split()[1]) * _PAGE
    except (OSError, IndexError, ValueError):
        return 0


class QueryTimeout(Exception):
    """A query ran past the time limit; its worker was killed."""


class QueryStopped(Exception):
    """A query was stopped before the time limit (memory, or the long lane was full); its worker was killed."""


class PoolBusy(Exception):
    """No worker became free for this request in time (or too many requests are waiting)."""


@dataclass(eq=False)
class _Worker:
    process: multiprocessing.Process
    conn: object
    triples: int = 0
    baseline: int = 0


@dataclass(eq=False)
class _Waiter:
    client: str
    seq: int
    query: str = ""


def fingerprint(query: str) -> str:
    """The query's tokens, without spacing or comments: two texts that differ only there are one query.

    >>> fingerprint("ASK { ?s ?p ?o } # x") == fingerprint("ASK{?s ?p ?o}")
    True
    """
    from .guards import tokens
    return "query:" + " ".join(text for _, text in tokens(query))


class QueryPool:
    """Worker processes that run queries and are killed when one runs too long or too big.

    Parameters
    ----------
    spec : str
        ``"memory"`` (each worker loads ``graph``) or ``"oxigraph:PATH"``
        (each worker opens the store at PATH read-only; load it first).
    graph : str or Path, optional
        The graph file workers load with the ``memory`` spec.
    size : int
        How many queries may run at once.
    timeout : float
        Seconds a query may run, and a request may wait for a free worker.
    memory_limit : int
        Bytes a worker may grow while answering one query.
    long_after, long_slots, per_client, max_waiting, half_life, probation, leash
        The fair-share rules of the module docstring.
    spare : bool
        Keep one loaded worker in reserve to replace a killed one at once.
    wait_timeout : float, optional
        Seconds a request may wait for a worker (default: ``timeout``).
    """

    def __init__(self, spec: str, graph=None, size: int = 2, timeout: float = DEFAULT_TIMEOUT,
                 memory_limit: int = DEFAULT_MEMORY_MB * _MIB, long_after: float = 1.0, long_slots: int | None = None,
                 per_client: int | None = None, max_waiting: int = 64, half_life: float = 60.0,
                 spare: bool = True, wait_timeout: float | None = None, probation: float = 60.0,
                 leash: float = 0.1,
                 ready_timeout: float = 600.0):
        self.spec, self.graph = spec, str(graph) if graph else None
        self.size, self.timeout, self.ready_timeout = size, timeout, ready_timeout
        self.memory_limit, self.long_after = memory_limit, long_after
        self.long_slots = long_slots or max(1, size // 2)
        self.per_client = per_client or size
        self.max_waiting, self.half_life = max_waiting, half_life
        self.wait_timeout = timeout if wait_timeout is None else wait_timeout
        self.probation, self.leash = probation, leash
        self._probation: dict[str, float] = {}  # client or query fingerprint -> until when
        self._context = multiprocessing.get_context("spawn")
        self._cond = threading.Condition()
        self._idle: list[_Worker] = []
        self._spares: list[_Worker] = []
        self._spare_count = 1 if spare else 0
        self._all: set = set()
        self._waiting: list[_Waiter] = []
        self._running: Counter = Counter()
        self._started: dict[str, list[float]] = {}  # client -> start times of its running queries
        self._cost: dict[str, tuple[float, float]] = {}  # client -> (cost, when)
        self._long = 0
        self._seq = itertools.count()
        self._closed = False
        self.triples = 0
        self.killed = 0
        self.stopped: Counter = Counter()  # why queries were stopped: timeout, memory, lane
        starting = [self._start() for _ in range(size + self._spare_count)]  # in parallel
        try:
            workers = [self._await(process, conn) for process, conn in starting]
        except BaseException:
            self.close()
            for process, _ in starting:
                process.kill()
            raise
        self._idle = workers[:size]
        self._spares = workers[size:]

    # -- processes

    def _start(self):
        parent, child = self._context.Pipe()
        process = self._context.Process(target=_worker_main, daemon=True, name="cdkg-query-worker",
                                        args=(child, self.spec, self.graph, self.memory_limit))
        process.start()
        child.close()
        return process, parent

    def _await(self, process, parent) -> _Worker:
        """Wait for a started worker to open the graph; raise RuntimeError if it cannot."""
        if not parent.poll(self.ready_timeout):
            process.kill()
            raise RuntimeError(f"query worker not ready after {self.ready_timeout:.0f} s")
        try:
            status, detail = parent.recv()
        except EOFError:
            status, detail = "error", f"it exited with code {process.join() or process.exitcode}"
        if status != "ready":
            process.join()
            raise RuntimeError(f"query worker could not open the graph: {detail}")
        worker = _Worker(process, parent, detail, _rss(process.pid))
        self.triples = detail
        with self._cond:
            self._all.add(worker)
        return worker

    def _retire(self, worker: _Worker) -> None:
        """Kill a worker; a spare takes its place at once, and a new process is started in the background."""
        worker.process.kill()
        worker.process.join()
        worker.conn.close()
        with self._cond:
            self._all.discard(worker)
            if self._spares and not self._closed:
                self._idle.append(self._spares.pop())
                self._cond.notify_all()
        if not self._closed:
            threading.Thread(target=self._replace, daemon=True).start()

    def _replace(self) -> None:
        try:
            worker = self._await(*self._start())
        except RuntimeError as err:
            print(f"cdkg serve: {err}", file=sys.stderr)
            return
        with self._cond:
            if self._closed:
                worker.process.kill()
            elif len(self._spares) < self._spare_count and len(self._idle) + self._busy() >= self.size:
                self._spares.append(worker)
            else:
                self._idle.append(worker)
                self._cond.notify_all()

    def _busy(self) -> int:
        return sum(self._running.values())

    # -- fair shares

    def _score(self, client: str, now: float) -> float:
        cost, when = self._cost.get(client, (0.0, now))
        decayed = cost * math.pow(0.5, (now - when) / self.half_life)
        return decayed + sum(now - start for start in self._started.get(client, ()))

    def _on_probation(self, client: str, now: float) -> bool:
        until = self._probation.get(client)
        if until is not None and until <= now:
            del self._probation[client]
            return False
        return until is not None

    def _eligible(self, waiter: _Waiter, now: float) -> bool:
        if self._running[waiter.client] >= self.per_client:
            return False
        return self._long < self.long_slots or not self._on_probation(waiter.query, now)

    def _next(self, now: float) -> _Waiter | None:
        eligible = [w for w in self._waiting if self._eligible(w, now)]
        return min(eligible, key=lambda w: (self._score(w.client, now), w.seq), default=None)

    def _acquire(self, client: str, query: str) -> tuple[_Worker, float, bool]:
        deadline = time.monotonic() + self.wait_timeout
        with self._cond:
            mine = sum(1 for w in self._waiting if w.client == client)
            if len(self._waiting) >= self.max_waiting or mine >= max(1, self.max_waiting // 4):
                raise PoolBusy(f"{len(self._waiting)} requests are waiting for the {self.size} query workers")
            me = _Waiter(client, next(self._seq), query)
            self._waiting.append(me)
            try:
                while True:
                    now = time.monotonic()
                    if self._closed:
                        raise PoolBusy("the endpoint is shutting down")
                    if self._idle and self._next(now) is me:
                        self._waiting.remove(me)
                        self._running[client] += 1
                        self._started.setdefault(client, []).append(now)
                        long = self._on_probation(query, now)
                        if long:
                            self._long += 1
                        return self._idle.pop(), now, long
                    if now >= deadline:
                        raise PoolBusy(f"all {self.size} query workers stayed busy for {self.wait_timeout:g} s")
                    self._cond.wait(min(deadline - now, 0.25))  # scores change with time: look again
            except BaseException:
                if me in self._waiting:
                    self._waiting.remove(me)
                self._cond.notify_all()
                raise

    def _release(self, client: str, query: str, started: float, worker: _Worker | None, long: bool,
                 penalty: float) -> None:
        now = time.monotonic()
        with self._cond:
            if penalty:
                self._probation[client] = self._probation[query] = now + self.probation
            self._running[client] -= 1
            if not self._running[client]:
                del self._running[client]
            self._started[client].remove(started)
            if not self._started[client]:
                del self._started[client]
            if long:
                self._long -= 1
            cost, when = self._cost.get(client, (0.0, now))
            self._cost[client] = (cost * math.pow(0.5, (now - when) / self.half_life) + now - started + penalty, now)
            if len(self._cost) > 10_000:  # forget the cheapest clients
                for name in sorted(self._cost, key=lambda c: self._cost[c][0])[:5_000]:
                    del self._cost[name]
                self._probation = {c: t for c, t in self._probation.items() if t > now}
            if worker is not None:
                self._idle.append(worker)
            self._cond.notify_all()

    def _turn_long(self) -> bool:
        with self._cond:
            if self._long >= self.long_slots:
                return False
            self._long += 1
            return True

    # -- running a query

    def run(self, client: str = "local", **job) -> Reply:
        """Run ``execute(store, **job)`` in a free worker, within the limits, for ``client``.

        Raises
        ------
        PoolBusy
            No worker became free in time, or too many requests are waiting.
        QueryTimeout
            The query did not finish within the time limit (its worker was killed).
        QueryStopped
            The query went past the memory limit, or turned long when the long lane was full.
        """
        query = fingerprint(job.get("query", ""))
        worker, started, long = self._acquire(client, query)
        with self._cond:
            long_after = self.leash if self._on_probation(client, started) else self.long_after
        penalty, keep = 0.0, worker
        if long:
            _renice(worker, 10)
        try:
            worker.conn.send(job)
            deadline = started + self.timeout
            while not worker.conn.poll(max(0.0, min(_POLL, deadline - time.monotonic()))):
                now = time.monotonic()
                if now >= deadline:
                    reason, message = "timeout", f"query stopped after the time limit of {self.timeout:g} s"
                elif _rss(worker.process.pid) - worker.baseline > self.memory_limit:
                    reason, message = "memory", (f"query stopped: it needed more than "
                                                 f"{self.memory_limit // _MIB} MiB of memory (the limit per query)")
                elif not long and now - started >= long_after:
                    long = self._turn_long()
                    if long:
                        _renice(worker, 10)
                        continue
                    reason, message = "lane", (f"query stopped after {long_after:g} s: the {self.long_slots} "
                                               "slot(s) for long queries are taken; retry later")
                else:
                    continue
                keep, penalty = None, self.timeout
                self.killed += 1
                self.stopped[reason] += 1
                self._retire(worker)
                raise (QueryTimeout if reason == "timeout" else QueryStopped)(message)
            reply = worker.conn.recv()
        except (EOFError, OSError) as err:
            keep, penalty = None, self.timeout
            self._retire(worker)
            code = worker.process.exitcode
            if code in (-signal.SIGABRT, -signal.SIGSEGV, -signal.SIGKILL):
                self.stopped["memory"] += 1
                raise QueryStopped(f"query stopped: its worker ran out of memory or stack "
                                   f"({signal.Signals(-code).name}); it is being replaced") from None
            return Reply.text(500, f"query worker died ({err or type(err).__name__}); it is being replaced")
        finally:
            if long and keep is not None and not _renice(keep, 0):
                self._retire(keep)  # cannot raise its priority again: a fresh worker instead
                keep = None
            self._release(client, query, started, keep, long, penalty)
        return reply

    def close(self) -> None:
        """Stop every worker."""
        with self._cond:
            self._closed = True
            workers = list(self._all)
            self._all.clear()
            self._cond.notify_all()
        for worker in workers:
            worker.conn.close()
            worker.process.kill()
            worker.process.join()


def _renice(worker: _Worker, niceness: int) -> bool:
    """Set a worker's CPU niceness; False when not allowed (raising it back needs privileges)."""
    try:
        os.setpriority(os.PRIO_PROCESS, worker.process.pid, niceness)
        return True
    except OSError:
        return False
