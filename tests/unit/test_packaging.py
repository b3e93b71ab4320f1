"""pyproject.toml names what the code imports; the production image carries no test tools."""
import ast
import re
import sys
import tomllib
from importlib.metadata import packages_distributions
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
PROJECT = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]


def name_of(requirement: str) -> str:
    return re.sub(r"[-_.]+", "-", re.match(r"[A-Za-z0-9_.-]+", requirement.strip()).group()).lower()


RUNTIME = {name_of(r) for r in PROJECT["dependencies"]}
DEV = {name_of(r) for r in PROJECT["optional-dependencies"]["dev"]}


def imported_distributions():
    distributions = packages_distributions()
    for base in ("services", "gateway", "deploy"):
        for path in (ROOT / base).rglob("*.py"):
            for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
                if isinstance(node, ast.Import):
                    modules = [alias.name for alias in node.names]
                elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
                    modules = [node.module]
                else:
                    continue
                for module in modules:
                    top = module.split(".")[0]
                    if top in sys.stdlib_module_names or top in ("__future__", "services", "gateway", "deploy"):
                        continue
                    # a namespace package (opentelemetry) is shared by several distributions: one names it
                    yield tuple(name_of(d) for d in distributions.get(top, [top])), str(path.relative_to(ROOT))


def test_every_package_the_services_and_the_gateway_import_is_a_runtime_dependency():
    missing = {names: where for names, where in imported_distributions() if not RUNTIME & set(names)}
    assert missing == {}


def test_requirements_in_lists_the_runtime_dependencies_and_the_dev_extra_and_nothing_else():
    listed = {name_of(line.split("#")[0]) for line in (ROOT / "requirements.in").read_text().splitlines()
              if line.split("#")[0].strip()}
    assert listed == RUNTIME | DEV
    assert not RUNTIME & DEV


def test_the_image_installs_the_runtime_dependencies_only():
    text = (ROOT / "deploy" / "Dockerfile").read_text()
    stages = re.split(r"^FROM ", text, flags=re.M)[1:]
    installs = [line for stage in stages for line in stage.replace("\\\n", " ").splitlines() if "pip install" in line]
    assert installs, "the image installs its dependencies"
    for line in installs:
        assert "-r requirements.txt" not in line  # the full pinned set carries the test tools
        assert not {word for word in re.findall(r"[\w.-]+", line)} & DEV, line
    assert "['project']['dependencies']" in text and "-c requirements.txt" in text
    final = stages[-1]
    assert "COPY --from=" in final and "pip install" not in final


def test_the_benches_take_ports_and_databases_from_the_tests_helpers():
    for path in (ROOT / "bench").glob("*.py"):
        text = path.read_text(encoding="utf-8")
        defined = {node.name for node in ast.walk(ast.parse(text)) if isinstance(node, ast.FunctionDef)}
        assert "free_port" not in defined and "CREATE DATABASE" not in text, path.name


def test_ruff_check_passes_on_the_tree():
    import subprocess

    done = subprocess.run([sys.executable, "-m", "ruff", "check", "--no-cache", "."], cwd=ROOT,
                          capture_output=True, text=True)
    assert done.returncode == 0, done.stdout + done.stderr
