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
