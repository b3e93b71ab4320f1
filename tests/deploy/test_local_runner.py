"""`make run`'s supervisor (deploy/local.py) starts again a part that exits, with a
growing pause, as compose and Kubernetes do; it stops them all on Ctrl-C."""
import importlib.util
import io
import sys
import time

from services.kit.config import ROOT
from tests.support import eventually

_spec = importlib.util.spec_from_file_location("deploy_local", ROOT / "deploy" / "local.py")
local = sys.modules["deploy_local"] = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(local)


def supervise(argv, backoff, until):
    """Runs one child under the supervisor until ``until(output)`` holds; the output."""
    out = io.StringIO()
    supervisor = local.Supervisor([("flaky", argv)], {}, backoff=backoff, out=out)
    supervisor.start()
    try:
        def done():
            supervisor.check()
            return until(out.getvalue())

        eventually(done, timeout=30, interval=0.02)
    finally:
        supervisor.stop(grace=5)
    return out.getvalue(), supervisor.children[0]


def waits(output):
    return [float(line.rsplit(" in ", 1)[1].rstrip(" s")) for line in output.splitlines() if "exited" in line]


def test_a_child_that_exits_is_started_again_after_a_pause_that_doubles_up_to_a_limit():
    output, child = supervise([sys.executable, "-c", "import sys; sys.exit(3)"],
                              local.Backoff(first=0.05, longest=0.2, steady=60),
                              until=lambda text: text.count("exited") >= 5)
    assert "flaky exited with code 3" in output
    assert waits(output)[:5] == [0.05, 0.1, 0.2, 0.2, 0.2]
    assert "flaky: starting it again (restart 4)" in output
    assert child.restarts >= 4


def test_a_child_that_ran_steadily_before_it_exited_waits_the_first_pause_again():
    output, _ = supervise([sys.executable, "-c", "import time; time.sleep(0.3)"],
                          local.Backoff(first=0.05, longest=1, steady=0.2),
                          until=lambda text: text.count("exited") >= 3)
    assert waits(output)[:3] == [0.05, 0.05, 0.05]
    assert "exited with code 0" in output


def test_stopping_the_suite_stops_its_children_and_starts_none_again():
    out = io.StringIO()
    supervisor = local.Supervisor([("sleeper", [sys.executable, "-c", "import time; time.sleep(60)"])], {},
                                  backoff=local.Backoff(first=0.01), out=out)
    supervisor.start()
    process = supervisor.children[0].process
    supervisor.stop(grace=5)
    for _ in range(3):  # a look the loop might still take while it ends
        time.sleep(0.05)
        supervisor.check()
    assert process.returncode is not None and supervisor.children[0].process is process
    assert "exited" not in out.getvalue() and supervisor.children[0].restarts == 0
