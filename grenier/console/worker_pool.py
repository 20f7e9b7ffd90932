"""The dataset worker: one child process (``python -m grenier.console.worker``) that opens
datasets with xarray and draws quick-looks with matplotlib, away from the server's loop.

Bounds: one task at a time (a queue of at most ``MAX_WAITING``), ``timeout`` seconds per
task (then the child is killed and the next task starts a new one), and a heap limit set
by the child on itself (``RLIMIT_DATA``). The user's keys go to the child on its stdin
with each task, never on a command line.

Frames on the pipes are a 4-byte big-endian length and a JSON header, then (answers only)
a 4-byte length and a binary payload (the PNG).
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import struct
import sys
from typing import Any

MAX_WAITING = 8
_LEN = struct.Struct(">I")


class WorkerError(Exception):
    """A task that could not be done; ``str()`` is one line for the page."""


class WorkerPool:
    def __init__(self, timeout: float, memory: int) -> None:
        self.timeout = timeout
        self.memory = memory
        self._proc: asyncio.subprocess.Process | None = None
        self._lock = asyncio.Lock()
        self._waiting = 0

    async def _start(self) -> asyncio.subprocess.Process:
        if self._proc is None or self._proc.returncode is not None:
            self._proc = await asyncio.create_subprocess_exec(
                sys.executable,
                "-m",
                "grenier.console.worker",
                str(self.memory),
                stdin=asyncio.subprocess.PIPE,
                stdout=asyncio.subprocess.PIPE,
            )
        return self._proc

    async def _roundtrip(
        self, proc: asyncio.subprocess.Process, task: dict[str, Any]
    ) -> tuple[dict[str, Any], bytes]:
        assert proc.stdin is not None and proc.stdout is not None
        body = json.dumps(task).encode()
        proc.stdin.write(_LEN.pack(len(body)) + body)
        await proc.stdin.drain()
        header = await proc.stdout.readexactly(_LEN.unpack(await proc.stdout.readexactly(4))[0])
        blob = await proc.stdout.readexactly(_LEN.unpack(await proc.stdout.readexactly(4))[0])
        return json.loads(header), blob

    async def call(self, task: dict[str, Any]) -> tuple[dict[str, Any], bytes]:
        """(answer, payload) of one task, or WorkerError."""
        if self._waiting >= MAX_WAITING:
            raise WorkerError("the dataset worker is busy; try again in a moment")
        self._waiting += 1
        try:
            async with self._lock:
                proc = await self._start()
                try:
                    answer, blob = await asyncio.wait_for(self._roundtrip(proc, task), self.timeout)
                except TimeoutError:
                    await self._kill()
                    raise WorkerError(f"gave up after {self.timeout:.0f} s") from None
                except (OSError, asyncio.IncompleteReadError, ValueError):
                    await self._kill()
                    raise WorkerError("the dataset worker died (out of memory?)") from None
        finally:
            self._waiting -= 1
        if "error" in answer:
            raise WorkerError(str(answer["error"]))
        return answer, blob

    async def _kill(self) -> None:
        proc, self._proc = self._proc, None
        if proc is not None and proc.returncode is None:
            with contextlib.suppress(ProcessLookupError):
                proc.kill()
            await proc.wait()

    async def close(self) -> None:
        proc, self._proc = self._proc, None
        if proc is None or proc.returncode is not None:
            return
        assert proc.stdin is not None
        proc.stdin.close()  # the child exits at end of input
        try:
            await asyncio.wait_for(proc.wait(), 5)
        except TimeoutError:
            proc.kill()
            await proc.wait()
