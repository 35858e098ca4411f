"""Run the build's extra steps (the explorer, the site) in forked children, beside the main line.

The extra steps only read the finished asserted graph and write files into the
staging folder, and they are pure Python (the GIL would keep threads in turn).
So each runs in a child made by ``os.fork()`` once the graph is assembled,
while the parent writes the tables, the closure and the release files; on two
cores they overlap. The parent then waits for every child and gets its log
line, or its one-line error, through a pipe. Where ``fork`` does not exist,
or with ``CDKG_NO_FORK=1``, the steps run one after another as before.

>>> done = start([lambda build, staging: "ok"], None, None)
>>> [(name, detail) for name, detail, seconds in done.wait()]
[('<lambda>', 'ok')]
"""

from __future__ import annotations

import gc
import os
import sys
import time

from .errors import BuildError

__all__ = ["can_fork", "start", "Running"]


class StepFailed(BuildError):
    """An extra step failed in its child: the message is the child's one-line error."""


def _name(step) -> str:
    return getattr(step, "step_name", getattr(step, "__name__", "step"))


def _child(step, build, staging, write_fd: int) -> None:
    """In the child: run the step, send ``ok<TAB>seconds<TAB>detail`` or ``error<TAB>message``, exit."""
    start = time.perf_counter()
    try:
        detail = step(build, staging) or "done"
        message = f"ok\t{time.perf_counter() - start:.6f}\t{detail}"
        code = 0
    except BaseException as err:  # noqa: BLE001 - everything goes back to the parent as one line
        message = f"error\t{_name(step)} failed: {type(err).__name__}: {err}".replace("\n", " ")
        code = 1
    try:
        with os.fdopen(write_fd, "w", encoding="utf-8") as pipe:
            pipe.write(message)
    finally:
        sys.stdout.flush()
        sys.stderr.flush()
        os._exit(code)


class Running:
    """Extra steps under way: :meth:`wait` gives ``(name, detail, seconds)`` per step, in order."""

    def __init__(self, children, inline):
        self._children = children  # (name, pid, read fd) per forked step
        self._inline = inline      # (name, step) run in this process by wait()
        self._args = None

    def wait(self) -> list[tuple[str, str, float]]:
        done = []
        for name, step in self._inline:
            start = time.perf_counter()
            try:
                detail = step(*self._args) or "done"
            except Exception as err:  # the same one line a child would send
                raise StepFailed(f"{name} failed: {type(err).__name__}: {err}".replace("\n", " ")) from err
            done.append((name, detail, time.perf_counter() - start))
        failures = []
        for name, pid, fd in self._children:
            with os.fdopen(fd, encoding="utf-8") as pipe:
                message = pipe.read()
            _, status = os.waitpid(pid, 0)
            kind, _, rest = message.partition("\t")
            if kind == "ok" and os.WIFEXITED(status) and os.WEXITSTATUS(status) == 0:
                seconds, _, detail = rest.partition("\t")
                done.append((name, detail, float(seconds)))
            else:
                failures.append(rest if kind == "error" else f"{name} failed: its process ended with status {status}")
        self._children = []
        if failures:
            raise StepFailed("; ".join(failures))
        return done

    def stop(self) -> None:
        """Kill and reap the children (the build failed elsewhere)."""
        import signal
        for _, pid, fd in self._children:
            try:
                os.kill(pid, signal.SIGKILL)
                os.waitpid(pid, 0)
            except (ProcessLookupError, ChildProcessError):
                pass
            os.close(fd)
        self._children = []


def can_fork() -> bool:
    """Whether :func:`start` forks (else its steps run one after another in ``wait()``)."""
    return hasattr(os, "fork") and os.environ.get("CDKG_NO_FORK") != "1"


def start(steps, build, staging) -> Running:
    """Start every step on ``(build, staging)``: forked where the platform can, else run by ``wait()``."""
    if not can_fork():
        running = Running([], [(_name(s), s) for s in steps])
        running._args = (build, staging)
        return running
    children = []
    gc.freeze()  # the children inherit the heap: a collection there would touch (and copy) every page of it
    for step in steps:
        read_fd, write_fd = os.pipe()
        sys.stdout.flush()
        sys.stderr.flush()
        pid = os.fork()
        if pid == 0:  # the child
            os.close(read_fd)
            _child(step, build, staging, write_fd)
        os.close(write_fd)
        children.append((_name(step), pid, read_fd))
    gc.unfreeze()
    return Running(children, [])
