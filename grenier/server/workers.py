"""Worker processes: forked at start-up, reaped and replaced when one dies.

The first process serves too and supervises from its event loop: twice a second it reaps
its children (``waitpid(WNOHANG)``; uvloop keeps SIGCHLD for itself), and one that died while the server was not stopping is replaced after its exit
status is logged (``worker 1234 was killed by SIGKILL``). A replacement is a fresh
interpreter (``posix_spawn`` of ``python -m grenier server`` with the listening socket
inherited), never a fork of the running worker, whose threads (I/O pool, committer) may
hold locks that a forked copy would find held forever. A worker that dies within a few
seconds of its start is replaced after a growing pause (1 s, 2 s, … 30 s), so a worker
that cannot start does not spin. Children die with the supervisor (Linux
``PR_SET_PDEATHSIG``), so a ``kill -9`` of the server never leaves one behind.
"""

from __future__ import annotations

import asyncio
import logging
import os
import signal
import socket
import sys
import time
from collections.abc import Callable

log = logging.getLogger("grenier.server")

WORKER_FD_ENV = "GRENIER_WORKER_FD"
SUPERVISOR_ENV = "GRENIER_SUPERVISOR_PID"
FAST_FAILURE = 5.0  # a worker that dies sooner than this after its start failed to start
MAX_PAUSE = 30.0
REAP_INTERVAL = 0.5


def die_with_parent() -> None:
    """A worker must not outlive its supervisor (kill -9 included): Linux PDEATHSIG."""
    try:
        import ctypes

        libc = ctypes.CDLL("libc.so.6", use_errno=True)
        libc.prctl(1, signal.SIGKILL)  # PR_SET_PDEATHSIG
    except (OSError, AttributeError):
        pass


def describe(status: int) -> str:
    code = os.waitstatus_to_exitcode(status)
    if code < 0:
        try:
            name = signal.Signals(-code).name
        except ValueError:
            name = f"signal {-code}"
        return f"was killed by {name}"
    return f"exited with code {code}"


class Supervisor:
    """The children of the serving first process."""

    def __init__(
        self,
        count: int,
        sock: socket.socket,
        argv: list[str],
        run_child: Callable[[], None],
        on_exit: Callable[[int], None] | None = None,
    ) -> None:
        self.count = count
        self.sock = sock
        self.argv = argv
        self.run_child = run_child
        self.on_exit = on_exit
        self.children: dict[int, float] = {}  # pid -> start (monotonic)
        self.stopping = False
        self.fast_failures = 0
        self._loop: asyncio.AbstractEventLoop | None = None
        self._task: asyncio.Task[None] | None = None

    def fork_initial(self) -> None:
        """Fork the children before any thread or event loop exists in this process."""
        for _ in range(self.count):
            pid = os.fork()
            if pid == 0:
                die_with_parent()
                try:
                    self.run_child()
                finally:
                    os._exit(0)
            self.children[pid] = time.monotonic()

    def watch(self, loop: asyncio.AbstractEventLoop) -> None:
        self._loop = loop
        self._task = loop.create_task(self._reap_forever())

    async def _reap_forever(self) -> None:
        while not self.stopping:
            self.reap()
            await asyncio.sleep(REAP_INTERVAL)

    def reap(self) -> None:
        for pid in list(self.children):
            try:
                done, status = os.waitpid(pid, os.WNOHANG)
            except ChildProcessError:
                done, status = pid, 0
            if done == 0:
                continue
            started = self.children.pop(pid)
            if self.on_exit is not None:
                self.on_exit(pid)
            if self.stopping:
                continue
            pause = self._pause(time.monotonic() - started)
            log.warning(
                "worker %d %s; starting a replacement%s",
                pid,
                describe(status),
                f" in {pause:g}s" if pause else "",
            )
            assert self._loop is not None
            self._loop.call_later(pause, self.spawn)

    def _pause(self, lived: float) -> float:
        if lived >= FAST_FAILURE:
            self.fast_failures = 0
            return 0.0
        self.fast_failures += 1
        return min(MAX_PAUSE, 2.0 ** (self.fast_failures - 1))

    def spawn(self) -> None:
        if self.stopping:
            return
        fd = self.sock.fileno()
        env = dict(os.environ)
        env[WORKER_FD_ENV] = str(fd)
        env[SUPERVISOR_ENV] = str(os.getpid())
        argv = [sys.executable, "-m", "grenier", "server", *self.argv]
        os.set_inheritable(fd, True)
        try:
            pid = os.posix_spawn(sys.executable, argv, env)
        except OSError as exc:
            log.error("could not start a replacement worker: %s", exc)
            return
        finally:
            os.set_inheritable(fd, False)
        self.children[pid] = time.monotonic()
        log.info("worker %d started", pid)

    def signal_all(self, sig: int) -> None:
        for pid in list(self.children):
            try:
                os.kill(pid, sig)
            except ProcessLookupError:
                pass

    def stop(self) -> None:
        self.stopping = True
        self.signal_all(signal.SIGTERM)

    def wait_all(self) -> None:
        self.stopping = True
        for pid in list(self.children):
            try:
                os.waitpid(pid, 0)
            except ChildProcessError:
                pass
            self.children.pop(pid, None)
            if self.on_exit is not None:
                self.on_exit(pid)


def inherited_worker_socket() -> socket.socket | None:
    """In a replacement worker: the listening socket handed down by the supervisor."""
    fd = os.environ.pop(WORKER_FD_ENV, None)
    parent = os.environ.pop(SUPERVISOR_ENV, None)
    if fd is None:
        return None
    die_with_parent()
    if parent is None or os.getppid() != int(parent):
        raise SystemExit(0)  # the supervisor died before this worker could follow it
    sock = socket.socket(fileno=int(fd))
    sock.setblocking(False)
    return sock
