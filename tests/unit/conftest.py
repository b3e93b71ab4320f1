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
