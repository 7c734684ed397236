"""Dependencies run one way: an app imports only the layers below it (README, Architecture).

The check reads every module of `src/posventa` with `ast` and follows every import of a
posventa module, wherever it stands: at the top, inside a function or a class. Only imports
under `if TYPE_CHECKING:` are left out, since they never run. A new app is refused until it
has a place in `LAYERS`, so each of the coming apps (telephony, workshop, advisor, followup)
has to say where it stands.
"""

from __future__ import annotations

import ast
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path

import pytest

import posventa

SOURCE = Path(posventa.__file__).resolve().parent

# Top to bottom. An app may import its own modules and any app in a lower layer. Apps
# joined by "|" are in one layer and independent: neither imports the other. Apps joined
# by ":" are in one layer and may import each other (a case is made of inbox messages, and
# the inbox opens cases).
LAYERS: tuple[str, ...] = (
    "demo",  # composes everything: demo data, the all-in-one `run`
    "api | portal",  # the two faces over the domain; the domain never imports them
    "reports",  # compliance figures over clocks
    "workshop",  # capacity, appointments, booking requests and repair orders
    # What staff promised (kept by a reply or a connected call), complaints (closed with the
    # customer's agreement), invoices and the dispute holds that stop collections.
    "promises | complaints | billing | advisor | transport",
    "telephony | routing",  # calls and callbacks; who a new case goes to (both over cases)
    "cases : inbox",
    "customers | clocks | channels",
    "outbox",
    "core",  # organisations, sites, staff, access, the event log; no domain app
    "businesstime",  # pure arithmetic: imports nothing of ours, not even Django
)
# Modules outside the apps. Only Django reaches them (by dotted path in settings), the
# console script, or nothing at all: no app may import them. `secret_key` is part of the
# settings (it finds or makes the key they read).
ENTRY_POINTS = frozenset({"cli", "settings", "secret_key", "urls", "wsgi", "__init__"})
# Imports forbidden to a layer beyond the layering itself.
PURE = {"businesstime": ("django",)}
# A function may import a posventa module only where the app registry requires it.
FUNCTION_IMPORTS_ALLOWED = "AppConfig.ready and data migrations"


@dataclass(frozen=True)
class Layering:
    rank: dict[str, int]  # app -> layer index, 0 at the top
    group: dict[str, int]  # app -> mutual group (apps of one ":" group share it)

    @classmethod
    def parse(cls, layers: Sequence[str]) -> Layering:
        rank: dict[str, int] = {}
        group: dict[str, int] = {}
        for index, layer in enumerate(layers):
            separator = ":" if ":" in layer else "|"
            for position, app in enumerate(name.strip() for name in layer.split(separator)):
                rank[app] = index
                group[app] = index * 100 + (0 if separator == ":" else position)
        return cls(rank, group)

    def allows(self, importer: str, imported: str) -> bool:
        if importer == imported:
            return True
        if self.rank[imported] != self.rank[importer]:
            return self.rank[imported] > self.rank[importer]
        return self.group[imported] == self.group[importer]


@dataclass(frozen=True)
class Import:
    path: Path
    line: int
    module: str  # dotted, absolute
    in_function: str | None  # the enclosing function's name, if any

    def where(self, root: Path) -> str:
        return f"{self.path.relative_to(root.parent)}:{self.line}"


def module_name(root: Path, path: Path) -> str:
    parts = list(path.relative_to(root.parent).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def is_type_checking(test: ast.expr) -> bool:
    return (isinstance(test, ast.Name) and test.id == "TYPE_CHECKING") or (
        isinstance(test, ast.Attribute) and test.attr == "TYPE_CHECKING"
    )


def imports_of(root: Path, path: Path) -> Iterator[Import]:
    """Every import in the file that runs (not under TYPE_CHECKING), made absolute."""
    package = module_name(root, path)
    if path.name != "__init__.py":
        package = package.rpartition(".")[0]

    def visit(nodes: Iterator[ast.AST] | list[ast.stmt], function: str | None) -> Iterator[Import]:
        for child in nodes:
            if isinstance(child, ast.If) and is_type_checking(child.test):
                yield from visit(child.orelse, function)  # the body never runs
                continue
            if isinstance(child, ast.Import):
                for alias in child.names:
                    yield Import(path, child.lineno, alias.name, function)
            elif isinstance(child, ast.ImportFrom):
                base = child.module or ""
                if child.level:
                    anchor = package.split(".")[: len(package.split(".")) - child.level + 1]
                    base = ".".join([*anchor, base] if base else anchor)
                # `from posventa import cases` imports posventa.cases, not only posventa.
                for alias in child.names:
                    yield Import(path, child.lineno, f"{base}.{alias.name}", function)
            inner = (
                child.name if isinstance(child, ast.FunctionDef | ast.AsyncFunctionDef) else None
            )
            yield from visit(ast.iter_child_nodes(child), inner or function)

    tree = ast.parse(path.read_text(encoding="utf-8"), str(path))
    yield from visit(tree.body, None)


def app_of(module: str) -> str | None:
    parts = module.split(".")
    if parts[0] != "posventa" or len(parts) == 1:
        return None
    return parts[1]


def layer_violations(root: Path, layers: Sequence[str]) -> list[str]:
    layering = Layering.parse(layers)
    problems: list[str] = []
    for path in sorted(root.rglob("*.py")):
        importer = app_of(module_name(root, path))
        if importer is None or importer in ENTRY_POINTS:
            continue
        if importer not in layering.rank:
            problems.append(f"{importer}: not in LAYERS; give the app its place")
            continue
        for found in imports_of(root, path):
            for forbidden in PURE.get(importer, ()):
                if found.module.split(".")[0] == forbidden:
                    problems.append(f"{found.where(root)}: {importer} imports {found.module}")
            imported = app_of(found.module)
            if imported is None or imported == importer:
                continue
            if imported in ENTRY_POINTS or imported not in layering.rank:
                problems.append(f"{found.where(root)}: {importer} imports {found.module}")
            elif not layering.allows(importer, imported):
                problems.append(
                    f"{found.where(root)}: {importer} imports {found.module}, which is not below it"
                )
    return list(dict.fromkeys(problems))


def function_imports(root: Path) -> list[str]:
    """posventa imports inside functions, except the ones the app registry needs."""
    problems = []
    for path in sorted(root.rglob("*.py")):
        if "migrations" in path.parts:
            continue  # a data migration imports what it runs at run time, by design
        for found in imports_of(root, path):
            if found.in_function is None or app_of(found.module) is None:
                continue
            if path.name == "apps.py" and found.in_function == "ready":
                continue  # receivers and registrations need the loaded models
            problems.append(f"{found.where(root)}: {found.module} inside {found.in_function}()")
    return problems


def test_every_app_imports_only_the_layers_below_it() -> None:
    assert layer_violations(SOURCE, LAYERS) == []


def test_no_function_imports_a_posventa_module_to_dodge_a_cycle() -> None:
    assert function_imports(SOURCE) == [], f"allowed only in {FUNCTION_IMPORTS_ALLOWED}"


def test_every_app_folder_has_its_place_in_the_layers() -> None:
    apps = {path.parent.name for path in SOURCE.glob("*/apps.py")} | {"businesstime"}
    assert apps == set(Layering.parse(LAYERS).rank)


# The check itself, on a small tree of its own: it must see what it is there to see.


def write(root: Path, relative: str, text: str) -> None:
    path = root / relative
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")


@pytest.fixture
def tree(tmp_path: Path) -> Path:
    root = tmp_path / "posventa"
    for app in ("core", "cases", "inbox", "portal", "api", "businesstime"):
        write(root, f"{app}/__init__.py", "")
    write(root, "core/models.py", "from django.db import models\n")
    write(root, "cases/actions.py", "from posventa.core import models\nfrom . import models\n")
    write(root, "inbox/models.py", "from posventa.cases.actions import x\n")
    write(root, "portal/links.py", "from posventa.cases import actions\n")
    return root


SMALL = ("api | portal", "cases : inbox", "core", "businesstime")


def test_the_check_passes_a_tree_that_keeps_its_layers(tree: Path) -> None:
    assert layer_violations(tree, SMALL) == []
    assert function_imports(tree) == []


def test_the_check_sees_a_lower_layer_importing_a_higher_one(tree: Path) -> None:
    write(tree, "core/access.py", "import posventa.cases.models\n")
    assert layer_violations(tree, SMALL) == [
        "posventa/core/access.py:1: core imports posventa.cases.models, which is not below it"
    ]


def test_the_check_sees_an_import_inside_a_function(tree: Path) -> None:
    write(tree, "core/actions.py", "def bump():\n    from posventa.portal.links import url\n")
    assert layer_violations(tree, SMALL) == [
        "posventa/core/actions.py:2: core imports posventa.portal.links.url, which is not below it"
    ]
    assert function_imports(tree) == [
        "posventa/core/actions.py:2: posventa.portal.links.url inside bump()"
    ]


def test_the_check_sees_relative_imports_and_independent_neighbours(tree: Path) -> None:
    write(tree, "portal/views.py", "from ..api import routers\n")
    assert layer_violations(tree, SMALL) == [
        "posventa/portal/views.py:1: portal imports posventa.api.routers, which is not below it"
    ]


def test_the_check_ignores_imports_for_type_checking_only(tree: Path) -> None:
    write(
        tree,
        "core/events.py",
        "from typing import TYPE_CHECKING\nif TYPE_CHECKING:\n    from posventa.cases import x\n",
    )
    assert layer_violations(tree, SMALL) == []


def test_the_check_keeps_the_pure_calendar_free_of_django(tree: Path) -> None:
    write(tree, "businesstime/add.py", "def f():\n    import django.utils\n")
    assert layer_violations(tree, SMALL) == [
        "posventa/businesstime/add.py:2: businesstime imports django.utils"
    ]


def test_the_check_refuses_an_app_without_a_place(tree: Path) -> None:
    write(tree, "workshop/actions.py", "from posventa.core import models\n")
    assert layer_violations(tree, SMALL) == ["workshop: not in LAYERS; give the app its place"]
