"""A service's contract is its public face: importing one reads nobody's settings."""
import ast
import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def contract_files():
    for service in sorted((ROOT / "services").iterdir()):
        yield from sorted(service.glob("contract.py"))
        if (service / "contract").is_dir():
            yield from sorted((service / "contract").rglob("*.py"))


def imported_modules(path):
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            yield from (alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            if node.module.split(".")[0] == "services" and node.module.count(".") < 2:
                yield from (f"{node.module}.{alias.name}" for alias in node.names)  # from services.x import contract
            else:
                yield node.module
        elif isinstance(node, ast.ImportFrom):
            yield f"(relative) {node.module or ''}"


def allowed(module):
    parts = module.split(".")
    if parts[0] != "services" and not module.startswith("(relative)"):
        return True  # the standard library and third-party packages
    if parts[0] == "services":
        return parts[1:2] == ["kit"] or (len(parts) >= 3 and parts[2] == "contract")
    return True  # a relative import inside a contract package stays inside it


def test_every_contract_imports_only_the_kit_and_other_contracts():
    files = list(contract_files())
    assert len(files) >= 6
    wrong = {str(path.relative_to(ROOT)): module
             for path in files for module in imported_modules(path) if not allowed(module)}
    assert wrong == {}


def test_importing_the_integrations_contract_reads_no_services_settings():
    env = {**os.environ, "PYTHONPATH": str(ROOT), "RECEPTION_VISITOR_CLOSING_TIME": "not a time",
           "FACILITIES_MAX_OCCURRENCES": "many", "ENERGY_KGCO2_ELECTRICITY": "lots"}
    done = subprocess.run([sys.executable, "-c", "import services.integrations.contract"],
                          env=env, capture_output=True, text=True, cwd=ROOT)
    assert done.returncode == 0, done.stderr


def test_a_unit_code_is_taken_by_the_one_kit_field_in_every_contract():
    import importlib

    from marshmallow import Schema, ValidationError, fields, validate

    from services.kit.schemas import UnitCode

    written_out, found = [], 0
    for path in contract_files():
        module = importlib.import_module(".".join(path.relative_to(ROOT).with_suffix("").parts))
        for schema in (v for v in vars(module).values() if isinstance(v, type) and issubclass(v, Schema)):
            for name, field in schema._declared_fields.items():
                inner = field.inner if isinstance(field, fields.List) else field
                if not name.endswith("unit_codes" if inner is not field else "unit_code"):
                    continue
                found += isinstance(inner, UnitCode)
                if not isinstance(inner, UnitCode) and any(isinstance(v, validate.Length) and (v.min, v.max) == (1, 40)
                                                           for v in inner.validators):
                    written_out.append(f"{module.__name__}.{schema.__name__}.{name}")
    assert found >= 20 and written_out == []
    field = UnitCode(required=True)
    assert field.deserialize("x" * 40) == "x" * 40
    for bad in ("", "x" * 41):
        try:
            field.deserialize(bad)
        except ValidationError:
            continue
        raise AssertionError(f"{bad!r} was taken")
