import pytest

from gateway import auth

# Argon2id at the least cost it takes: the unit tests keep no real password, and the production
# cost (64 MiB, three passes) made every login of a unit test take a tenth of a second or more.
CHEAP = auth.HashCost(time_cost=1, memory_kib=8, parallelism=1)


@pytest.fixture(autouse=True, scope="session")
def cheap_password_hashing():
    saved = auth._hasher, auth._ABSENT_USER_HASH
    auth._hasher = auth.password_hasher(CHEAP)
    auth._ABSENT_USER_HASH = auth._hasher.hash("no such user")
    yield
    auth._hasher, auth._ABSENT_USER_HASH = saved


class FakeClock:
    """A monotonic clock a test moves on itself, in place of sleeping."""

    def __init__(self, now: float = 1000.0):
        self.now = now

    def __call__(self) -> float:
        return self.now

    def advance(self, seconds: float) -> None:
        self.now += seconds


@pytest.fixture
def clock():
    return FakeClock()
