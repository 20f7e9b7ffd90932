"""Console sessions and login limits with an injected clock (no sleeping)."""

from __future__ import annotations

from grenier.console.sessions import LoginLimiter, Session, SessionStore


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def test_session_ends_after_idle_time_and_lifetime() -> None:
    clock = Clock()
    dropped: list[Session] = []
    store = SessionStore(idle=60, lifetime=300, clock=clock, on_drop=dropped.append)
    session = store.create("AK", "SECRET")
    assert session.token != session.csrf and len(session.token) >= 40
    for _ in range(5):  # activity keeps it alive up to the lifetime
        clock.now += 50
        assert store.get(session.token) is session
    clock.now += 51  # 301 s after login
    assert store.get(session.token) is None
    assert dropped == [session] and session.secret_key == ""
    other = store.create("AK", "SECRET")
    clock.now += 61
    assert store.get(other.token) is None
    assert store.get("") is None and store.get("unknown") is None


def test_store_is_bounded_and_purges() -> None:
    clock = Clock()
    store = SessionStore(idle=60, lifetime=300, max_sessions=3, clock=clock)
    first = store.create("a", "s")
    for name in "bcd":
        store.create(name, "s")
    assert len(store) == 3 and store.get(first.token) is None  # least recently used went
    clock.now += 61
    assert store.purge() == 3 and len(store) == 0


def test_logins_limited_per_address_and_per_key() -> None:
    clock = Clock()
    limiter = LoginLimiter(failures=3, window=300, clock=clock)
    for _ in range(3):
        assert limiter.retry_after("10.0.0.1", "alice") == 0
        limiter.failed("10.0.0.1", "alice")
    assert limiter.retry_after("10.0.0.1", "bob") == 300  # the address is blocked
    assert limiter.retry_after("10.0.0.2", "alice") == 300  # and so is the key
    assert limiter.retry_after("10.0.0.2", "bob") == 0
    clock.now += 200
    assert limiter.retry_after("10.0.0.1", "bob") == 100
    clock.now += 100
    assert limiter.retry_after("10.0.0.1", "alice") == 0  # the window has passed


def test_success_clears_the_key_but_not_the_address() -> None:
    limiter = LoginLimiter(failures=2, window=300, clock=Clock())
    limiter.failed("10.0.0.1", "alice")
    limiter.failed("10.0.0.2", "alice")
    limiter.succeeded("alice")
    assert limiter.retry_after("10.0.0.3", "alice") == 0
    limiter.failed("10.0.0.1", "carol")
    assert limiter.retry_after("10.0.0.1", "dave") > 0
