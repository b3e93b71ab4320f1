"""The end-to-end tier: the whole suite as processes, over HTTP (``tests/stack.py``)."""
import pytest
import requests

from tests.stack import ADMIN_PASSWORD, Stack, running_stack, token_for  # noqa: F401  (used by the e2e modules)


@pytest.fixture(scope="package")
def stack(test_backends, tmp_path_factory):
    with running_stack(test_backends, tmp_path_factory.mktemp("stack")) as suite:
        yield suite


@pytest.fixture(scope="package")
def admin(stack):
    session = requests.Session()
    session.headers["Authorization"] = f"Bearer {token_for(stack, 'admin', ADMIN_PASSWORD)}"
    return session
