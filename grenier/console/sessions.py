"""Server-side sessions and login rate limiting (pure: the clock is injected).

A session holds the user's access key and secret; the browser only ever holds an opaque
random token in an HttpOnly cookie. A session ends after ``idle`` seconds without a request,
``lifetime`` seconds after login, or at logout. The store is bounded: past ``max_sessions``
the least recently used session is dropped.
"""

from __future__ import annotations

import secrets
import time
from collections import OrderedDict, deque
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

Clock = Callable[[], float]


@dataclass
class Session:
    token: str
    access_key: str
    secret_key: str
    csrf: str
    created: float
    seen: float
    flashes: list[tuple[str, str]] = field(default_factory=list)
    # What the user may do, learnt at login (shows or hides navigation, never authorizes).
    can_admin: bool = False
    is_root: bool = False
    connection: Any = None  # the user's S3/IAM clients (grenier.console.connection)

    def flash(self, kind: str, text: str) -> None:
        self.flashes.append((kind, text))

    def pop_flashes(self) -> list[tuple[str, str]]:
        out, self.flashes = self.flashes, []
        return out


class SessionStore:
    def __init__(
        self,
        idle: float,
        lifetime: float,
        max_sessions: int = 10_000,
        clock: Clock = time.monotonic,
        on_drop: Callable[[Session], None] | None = None,
    ) -> None:
        self.idle = idle
        self.lifetime = lifetime
        self.max_sessions = max_sessions
        self.clock = clock
        self.on_drop = on_drop
        self._sessions: OrderedDict[str, Session] = OrderedDict()

    def create(self, access_key: str, secret_key: str) -> Session:
        now = self.clock()
        session = Session(
            token=secrets.token_urlsafe(32),
            access_key=access_key,
            secret_key=secret_key,
            csrf=secrets.token_urlsafe(32),
            created=now,
            seen=now,
        )
        self._sessions[session.token] = session
        while len(self._sessions) > self.max_sessions:
            self._drop(next(iter(self._sessions)))
        return session

    def get(self, token: str | None) -> Session | None:
        """The live session for ``token`` (its idle timer restarted), or None."""
        if not token:
            return None
        session = self._sessions.get(token)
        if session is None:
            return None
        now = self.clock()
        if now - session.seen > self.idle or now - session.created > self.lifetime:
            self._drop(token)
            return None
        session.seen = now
        self._sessions.move_to_end(token)
        return session

    def delete(self, token: str) -> None:
        if token in self._sessions:
            self._drop(token)

    def purge(self) -> int:
        """Drop every expired session; returns how many."""
        now = self.clock()
        expired = [
            t
            for t, s in self._sessions.items()
            if now - s.seen > self.idle or now - s.created > self.lifetime
        ]
        for token in expired:
            self._drop(token)
        return len(expired)

    def all(self) -> list[Session]:
        return list(self._sessions.values())

    def __len__(self) -> int:
        return len(self._sessions)

    def _drop(self, token: str) -> None:
        session = self._sessions.pop(token)
        session.secret_key = ""
        if self.on_drop is not None:
            self.on_drop(session)


class LoginLimiter:
    """At most ``failures`` failed logins per ``window`` seconds, per client address and
    per access key (so neither one address nor a distributed guess at one key gets far)."""

    def __init__(self, failures: int, window: float, clock: Clock = time.monotonic) -> None:
        self.failures = failures
        self.window = window
        self.clock = clock
        self._seen: dict[str, deque[float]] = {}

    def _recent(self, name: str, now: float) -> deque[float]:
        times = self._seen.get(name)
        if times is None:
            return deque()
        while times and now - times[0] >= self.window:
            times.popleft()
        if not times:
            del self._seen[name]
        return times

    def retry_after(self, address: str, access_key: str) -> float:
        """0 when a login may be tried now, else the seconds to wait."""
        now = self.clock()
        wait = 0.0
        for name in (f"ip:{address}", f"key:{access_key}"):
            times = self._recent(name, now)
            if len(times) >= self.failures:
                wait = max(wait, self.window - (now - times[0]))
        return wait

    def failed(self, address: str, access_key: str) -> None:
        now = self.clock()
        for name in (f"ip:{address}", f"key:{access_key}"):
            self._seen.setdefault(name, deque()).append(now)
        if len(self._seen) > 100_000:  # bounded memory under a flood of distinct names
            for name in list(self._seen):
                self._recent(name, now)

    def succeeded(self, access_key: str) -> None:
        self._seen.pop(f"key:{access_key}", None)
