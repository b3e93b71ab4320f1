"""The end-to-end tier: the whole suite as processes, over HTTP (``tests/stack.py``)."""
from collections import Counter

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


FUZZ_FIGURES = pytest.StashKey[dict]()


@pytest.fixture(scope="session")
def fuzz_figures(request):
    """What the API fuzzer did (test_fuzz_api.py), printed at the end of the run."""
    return request.config.stash.setdefault(FUZZ_FIGURES, {"cases": 0, "operations": set(), "failures": Counter()})


def pytest_terminal_summary(terminalreporter, config):
    figures = config.stash.get(FUZZ_FIGURES, None)
    if figures is None:
        return
    failures = ", ".join(f"{title}: {count}" for title, count in figures["failures"].most_common()) or "none"
    terminalreporter.write_sep("-", "API fuzzing (schemathesis)")
    terminalreporter.write_line(f"cases {figures['cases']}, operations {len(figures['operations'])}, "
                                f"failures by check: {failures}")

