"""The house keeps its shape: imports flow one way, and the presets are listed only by their folder.

    core  <-  etl        (writes the warehouse)
    core  <-  queries    <-  dashboard   (read it, render it)
    etl   <-  dashboard  (its few writes: an upload, a finding's review, a link; through dashboard/gate.py)
    core  <-  demo       (makes demo data)
    core, queries, dashboard/charts  <-  report   (the governance pack, beside the dashboard)
    cli   on top of all of them; nothing of ours imports it.

The pack's page (`dashboard/views/pack.py`) alone imports `report`, and `report` takes only the dashboard's
pure figure builders (`dashboard.charts`).
"""

from __future__ import annotations

import ast
import subprocess
from pathlib import Path

import pytest

from core.policy import POLICY_DIR, available_policies

ROOT = Path(__file__).resolve().parents[1]
OURS = ("core", "etl", "queries", "dashboard", "report", "demo", "cli")
MAY_IMPORT: dict[str, set[str]] = {
    "core": {"core"},
    "etl": {"core", "etl"},
    "queries": {"core", "queries"},
    "dashboard": {"core", "queries", "dashboard", "etl"},
    "report": {"core", "queries", "dashboard", "report"},
    "demo": {"core", "demo"},
    "cli": set(OURS),
}
MAY_ALSO_IMPORT: dict[str, set[str]] = {"dashboard/views/pack.py": {"report"}}


def imported_packages(source: Path) -> set[str]:
    """The top-level packages of ours a module imports, wherever the import statement sits (lazy imports
    inside functions count: they are the same dependency, paid later)."""
    found: set[str] = set()
    for node in ast.walk(ast.parse(source.read_text(encoding="utf-8"), str(source))):
        if isinstance(node, ast.Import):
            found.update(alias.name.split(".")[0] for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            found.add(node.module.split(".")[0])
    return found & set(OURS)


@pytest.mark.parametrize("package", OURS)
def test_imports_flow_one_way(package: str) -> None:
    wrong = {name: sorted(imported_packages(source) - MAY_IMPORT[package] - MAY_ALSO_IMPORT.get(name, set()))
             for source in (ROOT / package).rglob("*.py") for name in [str(source.relative_to(ROOT))]}
    assert {name: pkgs for name, pkgs in wrong.items() if pkgs} == {}


def test_the_pack_takes_only_the_dashboards_figure_builders() -> None:
    """`report` may not reach Streamlit through the dashboard: of it, only `dashboard.charts`."""
    wrong = {str(source.relative_to(ROOT)): sorted(
        name for node in ast.walk(ast.parse(source.read_text(encoding="utf-8")))
        for name in ([a.name for a in node.names] if isinstance(node, ast.Import)
                     else [node.module or ""] if isinstance(node, ast.ImportFrom) else [])
        if name.split(".")[0] == "dashboard" and not name.startswith("dashboard.charts"))
        for source in (ROOT / "report").rglob("*.py")}
    assert {name: mods for name, mods in wrong.items() if mods} == {}


def test_the_import_check_sees_a_wrong_import(tmp_path: Path) -> None:
    module = tmp_path / "m.py"
    module.write_text("import os\n\ndef f():\n    from queries.summary import build_summary\n    import dashboard.ui\n")
    assert imported_packages(module) == {"queries", "dashboard"}


def test_etl_never_mentions_the_read_side() -> None:
    """The issue's own check, as a reader would run it."""
    out = subprocess.run(["grep", "-rnE", r"^\s*(from|import) (queries|dashboard)", "etl/"], cwd=ROOT,
                         capture_output=True, text=True)
    assert out.stdout == ""


def tracked_text_files() -> list[Path]:
    out = subprocess.run(["git", "ls-files"], cwd=ROOT, capture_output=True, text=True, check=True)
    skip = ("core/policies/", "tests/fixtures/", "bench/results/")
    return [ROOT / name for name in out.stdout.splitlines()
            if not name.startswith(skip) and Path(name).suffix in {".py", ".toml", ".sql", ""}]


def test_presets_are_listed_only_by_their_folder() -> None:
    """No line of code or configuration names every preset: the list lives in core/policies/ alone, and
    a new organisation's file reaches `make demo`, the tests and the CLI without another edit."""
    presets = available_policies()
    assert presets == sorted(p.stem for p in POLICY_DIR.glob("*.toml")) and len(presets) >= 2
    listing = [f"{path.relative_to(ROOT)}:{n}" for path in tracked_text_files() if path.is_file()
               for n, line in enumerate(path.read_text(encoding="utf-8", errors="replace").splitlines(), 1)
               if all(p in line for p in presets)]
    assert listing == []


def test_make_demo_loads_every_preset() -> None:
    out = subprocess.run(["make", "-s", "--no-print-directory", "-f", "Makefile", "print-presets"], cwd=ROOT,
                         capture_output=True, text=True, check=True)
    assert sorted(out.stdout.split()) == available_policies()
