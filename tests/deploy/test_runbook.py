"""The runbook and the README name only commands, modules and files this repository has."""
import importlib.util
import re

import pytest

from services.kit.config import ROOT

DOCS = [ROOT / "docs" / "operations.md", ROOT / "README.md"]


@pytest.mark.parametrize("doc", DOCS, ids=lambda p: p.name)
def test_every_python_module_named_exists(doc):
    modules = set(re.findall(r"python -m ([\w.]+)", doc.read_text()))
    assert modules
    for module in modules:
        assert importlib.util.find_spec(module) is not None, module


@pytest.mark.parametrize("doc", DOCS, ids=lambda p: p.name)
def test_every_make_target_and_repository_path_named_exists(doc):
    text = doc.read_text()
    makefile = (ROOT / "Makefile").read_text()
    for target in set(re.findall(r"`make (\w+)`", text)):
        assert re.search(rf"^{target}:", makefile, re.M), target
    for path in set(re.findall(r"\b((?:deploy|services|gateway|docs|bench|tests)/[\w./-]+\.(?:py|yml|yaml|md))", text)):
        assert (ROOT / path).exists(), path


def test_every_cli_subcommand_named_exists():
    from gateway import cli

    text = (ROOT / "docs" / "operations.md").read_text() + (ROOT / "README.md").read_text()
    for command in set(re.findall(r"gateway\.cli ([\w-]+)", text)):
        with pytest.raises(SystemExit) as exited:
            cli.main([command, "--help"])
        assert exited.value.code == 0, command


RUNNABLE = re.compile(r"^(make (?:migrate|backup|restore)\b.*|(?:\.venv/bin/)?python -m (?:services\.kit|gateway\.cli)\b.*)$")


def one_machine_commands(text: str) -> list[str]:
    """The runbook's commands a machine with this checkout can run, in the order written:
    each inline `…` span and each line of a ```sh block, comments cut."""
    snippets = re.findall(r"`([^`\n]+)`", text)
    for block in re.findall(r"```sh\n(.*?)```", text, re.S):
        snippets += [line.split("  #")[0].strip() for line in block.splitlines()]
    return [s for s in snippets if RUNNABLE.match(s)]


def test_the_runbooks_one_machine_commands_run(tmp_path, test_backends):
    """Backup, restore, migrate, retention, dead letters and API keys, as written, on the SQLite
    files of one machine (and the test broker): each exits 0."""
    import os
    import subprocess
    import sys

    backup = tmp_path / "backup"
    env = {key: value for key, value in os.environ.items() if not key.endswith("_DATABASE_URL")}
    env.update(VAR_DIR=str(tmp_path / "var"), PYTHONPATH=str(ROOT), AMQP_URI=test_backends.amqp_uri,
               ADMIN_PASSWORD="runbook-county-pass")
    commands = one_machine_commands((ROOT / "docs" / "operations.md").read_text())
    assert any(c.startswith("make backup") for c in commands) and any(c.startswith("make restore") for c in commands)
    subprocess.run([sys.executable, "-m", "services.kit.migrate"], cwd=ROOT, env=env, check=True, capture_output=True)
    subprocess.run([sys.executable, "-m", "gateway.cli", "ensure-admin"], cwd=ROOT, env=env, check=True,
                   capture_output=True)
    ran = []
    for command in commands:
        command = re.sub(r"BACKUP=\S+", f"BACKUP={backup}", command)
        if command == "make backup":
            continue  # the same with a folder of its own, below
        if re.search(r"[<…\[]", command):
            command = command.split(" [")[0]  # the optional parts left out
            if re.search(r"[<…]", command):
                continue  # names something only a running installation has (an event id, a key id)
        if "deadletter" in command and not test_backends.real_broker:
            continue
        argv = command.split()
        if argv[0].endswith("python"):
            argv[0] = sys.executable
        result = subprocess.run(argv, cwd=ROOT, env=env, capture_output=True, text=True, timeout=120)
        assert result.returncode == 0, (command, result.stdout[-2000:], result.stderr[-2000:])
        ran.append(command)
    assert any(c.startswith("make restore") for c in ran) and any("retention" in c for c in ran), ran
