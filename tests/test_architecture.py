"""The app graph of docs/architecture.md is enforced: import-linter passes on the repository and
fails, naming the contract and the import, when a module breaks it.

Each failing case copies the apps into a temporary folder, adds one module with a forbidden
import and runs `lint-imports` there with the repository's own contracts (pyproject.toml).
"""

from __future__ import annotations

import shutil
import subprocess
import sys
import tomllib
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
LINT_IMPORTS = Path(sys.executable).parent / "lint-imports"
CONFIG = tomllib.loads((ROOT / "pyproject.toml").read_text())["tool"]["importlinter"]
APP_GRAPH = "App graph (docs/architecture.md)"
NO_CYCLES = "No import cycle between the modules of an app"


def lint_imports(cwd: Path) -> subprocess.CompletedProcess:
    return subprocess.run(
        [str(LINT_IMPORTS), "--no-cache"],
        cwd=cwd,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


@pytest.fixture
def copy_of_the_apps(tmp_path: Path) -> Path:
    for package in CONFIG["root_packages"]:
        shutil.copytree(
            ROOT / package,
            tmp_path / package,
            ignore=shutil.ignore_patterns("__pycache__", "*.json"),
        )
    shutil.copy(ROOT / "pyproject.toml", tmp_path / "pyproject.toml")
    return tmp_path


def test_the_repository_keeps_every_contract():
    result = lint_imports(ROOT)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "0 broken" in result.stdout


def test_the_contracts_cover_every_app_of_the_project():
    apps = {path.parent.name for path in ROOT.glob("*/apps.py") if path.parent.name != "tests"}
    assert apps <= set(CONFIG["root_packages"])
    layered = {
        name.strip("() ") for layer in CONFIG["contracts"][0]["layers"] for name in layer.split("|")
    }
    assert set(CONFIG["root_packages"]) <= layered


@pytest.mark.parametrize(
    ("path", "source", "contract", "named"),
    [
        # A lower app importing a higher one.
        ("sites/_bad_import.py", "import reports.models\n", APP_GRAPH, "sites._bad_import"),
        ("accounts/_bad_import.py", "from home import selectors\n", APP_GRAPH, "home.selectors"),
        # Siblings of one layer: trials never imports guidance (guidance templates tags instead).
        ("trials/_bad_import.py", "import guidance.models\n", APP_GRAPH, "guidance.models"),
        # The shared pieces of atmp_portal sit below every app.
        (
            "atmp_portal/_bad_import.py",
            "import sites.models\n",
            APP_GRAPH,
            "atmp_portal._bad_import",
        ),
        # Two modules of one app importing each other.
        ("training/_cycle_a.py", "from training import _cycle_b\n", NO_CYCLES, "training"),
    ],
)
def test_a_forbidden_import_breaks_the_build(copy_of_the_apps, path, source, contract, named):
    (copy_of_the_apps / path).write_text(source)
    if path.endswith("_cycle_a.py"):
        (copy_of_the_apps / "training/_cycle_b.py").write_text("from training import _cycle_a\n")

    result = lint_imports(copy_of_the_apps)

    assert result.returncode == 1, result.stdout + result.stderr
    assert "1 broken" in result.stdout
    broken = result.stdout.split("Broken contracts", 1)[1]
    assert contract in broken
    assert named in broken


def test_the_copy_without_the_bad_import_passes(copy_of_the_apps):
    """The failures above come from the added module, not from copying the apps."""
    result = lint_imports(copy_of_the_apps)
    assert result.returncode == 0, result.stdout + result.stderr
