"""One shape in every service (README's map): a newcomer finds a feature by its name.

Each service's RPC live in area classes named ``*Rpc`` that subclass the service's base class in
``base.py``; its figures are in ``reports.py``; its role sets are declared once, in its contract;
and every RPC a gateway route calls is named literally in that route's module, the route's
handler being a plain function whose name is an API key's scope.
"""
import ast
import importlib
import inspect
from pathlib import Path

import pytest

from services.kit.context import ROLES

ROOT = Path(__file__).resolve().parents[2]
SERVICES = {"vehicles": "VehiclesService", "facilities": "FacilitiesService", "reception": "ReceptionService",
            "energy": "EnergyService", "integrations": "IntegrationsService", "directory": "DirectoryService",
            "notifications": "NotificationsService"}
WITH_FIGURES = ("vehicles", "facilities", "reception", "energy")
FROM_THE_KIT = {"UnitCodesRpc"}  # made by services.kit.units for every service alike


@pytest.mark.parametrize("service", sorted(SERVICES))
def test_each_area_class_is_an_rpc_class_on_the_service_base(service):
    module = importlib.import_module(f"services.{service}.service")
    base_module = importlib.import_module(f"services.{service}.base")
    [base] = [cls for name, cls in vars(base_module).items()
              if inspect.isclass(cls) and name.endswith("Base") and cls.__module__ == base_module.__name__]
    service_class = getattr(module, SERVICES[service])
    areas = [cls for cls in service_class.__mro__[1:] if cls.__module__.startswith(f"services.{service}.")
             and cls is not base and cls.__name__ not in FROM_THE_KIT]
    assert areas
    for area in areas:
        assert area.__name__.endswith("Rpc"), area
        assert issubclass(area, base), area
    # the service's own class adds no entrypoint: it composes the areas
    assert not [name for name, value in vars(service_class).items() if callable(value) and not name.startswith("__")]


@pytest.mark.parametrize("service", WITH_FIGURES)
def test_the_figures_are_in_reports_py(service):
    assert (ROOT / "services" / service / "reports.py").is_file()
    assert not [p.name for p in (ROOT / "services" / service).glob("*.py") if p.stem in ("stats", "reporting")]


def helper_calls(tree):
    return {node.attr for node in ast.walk(tree) if isinstance(node, ast.Attribute)
            and isinstance(node.value, ast.Name) and node.value.id == "self" and node.attr.startswith("_")
            and not node.attr.startswith("__")}


@pytest.mark.parametrize("service", sorted(SERVICES))
def test_no_area_calls_a_helper_defined_on_a_sibling_area(service):
    folder = ROOT / "services" / service
    defined = {}
    for path in folder.glob("*.py"):
        for node in ast.parse(path.read_text(encoding="utf-8")).body:
            if isinstance(node, ast.ClassDef):
                for item in node.body:
                    if isinstance(item, ast.FunctionDef) and item.name.startswith("_"):
                        defined.setdefault(item.name, set()).add(path.stem)
    for path in folder.glob("*.py"):
        for name in helper_calls(ast.parse(path.read_text(encoding="utf-8"))):
            homes = defined.get(name)
            if homes and path.stem not in homes:
                assert "base" in homes, f"{path.name} calls {name}, defined in {sorted(homes)}"


def role_tuples(path):
    """Module-level names bound to a tuple of role names (or such a tuple plus another)."""
    found = []
    for node in ast.parse(path.read_text(encoding="utf-8")).body:
        if isinstance(node, ast.Assign):
            strings = [n.value for n in ast.walk(node.value) if isinstance(n, ast.Constant) and isinstance(n.value, str)]
            if strings and set(strings) <= set(ROLES) and isinstance(node.value, (ast.Tuple, ast.BinOp)):
                found.append(node.targets[0].id)
    return found


def test_role_sets_are_declared_in_the_contracts_only():
    """Each service's role sets live in its contract; its modules and the gateway's routes import
    them (the gateway's own sets, such as its accounts' admin, are the gateway's)."""
    places = [p for p in (ROOT / "services").rglob("*.py") if "migrations" not in p.parts
              and p.name != "contract.py" and "contract" not in p.parent.name and p.parent.name != "kit"]
    places += list((ROOT / "gateway" / "routes").glob("*.py"))
    places += [p for p in (ROOT / "gateway" / "console" / "views").glob("*.py")]
    declared = {str(p.relative_to(ROOT)): role_tuples(p) for p in places}
    assert {path: names for path, names in declared.items() if names} == {
        "gateway/console/views/dashboard.py": ["LEADERS"],
    }


def rpc_calls(tree):
    for node in ast.walk(tree):
        if isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute) and node.func.attr == "rpc" \
                and len(node.args) >= 2:
            yield node


@pytest.mark.parametrize("path", sorted((ROOT / "gateway" / "routes").glob("*.py")), ids=lambda p: p.name)
def test_every_rpc_a_route_calls_is_named_in_its_module(path):
    tree = ast.parse(path.read_text(encoding="utf-8"))
    for call in rpc_calls(tree):
        method = call.args[1]
        assert isinstance(method, ast.Constant) and isinstance(method.value, str), \
            f"{path.name}:{call.lineno} builds the RPC's name"
    # a route's handler is a function written out: its name (the API key's scope) is greppable
    assert not [node for node in ast.walk(tree) if isinstance(node, ast.Attribute) and node.attr == "__name__"
                and isinstance(getattr(node, "ctx", None), ast.Store)]


def test_every_route_handler_is_a_module_level_function_of_its_name():
    from gateway.routes import routes
    import gateway.service  # noqa: F401  (the route modules register)

    for route in routes.routes:
        module = importlib.import_module(route.handler.__module__)
        assert getattr(module, route.handler.__name__, None) is route.handler, route.endpoint
