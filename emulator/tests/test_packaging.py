"""The emulator builds as an sdist and a wheel (`python -m build`, the wheel built from the sdist), and the
wheel installed into a fresh virtual environment runs.

The build uses this environment's setuptools (`--no-isolation`: nothing is downloaded). The fresh
environment gets the wheel with `--no-deps`; its dependencies are this environment's, added to its
path as a plain directory (so the editable install of the emulator here is not).
"""

from __future__ import annotations

import importlib.util
import pathlib
import shutil
import subprocess
import sys
import sysconfig
import tarfile
import venv
import zipfile

import pytest

EMULATOR = pathlib.Path(__file__).resolve().parents[1]


def run(*command: object, cwd: pathlib.Path | None = None) -> subprocess.CompletedProcess[str]:
    completed = subprocess.run([str(c) for c in command], capture_output=True, text=True, timeout=300, cwd=cwd,
                               check=False)
    assert completed.returncode == 0, (command, completed.stdout[-3000:], completed.stderr[-3000:])
    return completed


@pytest.fixture(scope="module")
def built(tmp_path_factory: pytest.TempPathFactory) -> dict[str, pathlib.Path]:
    if importlib.util.find_spec("build") is None:
        pytest.skip("needs the 'build' package (requirements-dev.txt; make venv installs it)")
    work = tmp_path_factory.mktemp("packaging")
    source = work / "emulator"
    shutil.copytree(EMULATOR, source, ignore=shutil.ignore_patterns(
        "__pycache__", "*.egg-info", "build", "dist", ".pytest_cache", ".mypy_cache", ".ruff_cache"))
    run(sys.executable, "-m", "build", "--no-isolation", "--outdir", work / "dist", source)
    [sdist] = (work / "dist").glob("exchange_emulator-*.tar.gz")
    [wheel] = (work / "dist").glob("exchange_emulator-*-py3-none-any.whl")
    return {"work": work, "sdist": sdist, "wheel": wheel}


def test_the_sdist_and_the_wheel_hold_the_package_and_its_templates(built: dict[str, pathlib.Path]) -> None:
    with tarfile.open(built["sdist"]) as sdist:
        names = {n.split("/", 1)[1] for n in sdist.getnames() if "/" in n}
    assert {"pyproject.toml", "README.md", "src/exchange_emulator/cli.py",
            "src/exchange_emulator/runspace/language/parser.py",
            "src/exchange_emulator/scenario_templates/molecule.yml"} <= names
    with zipfile.ZipFile(built["wheel"]) as wheel:
        files = set(wheel.namelist())
        entry_points = next(wheel.read(n).decode() for n in files if n.endswith(".dist-info/entry_points.txt"))
    assert {"exchange_emulator/scenario_templates/tests/test_default.py",
            "exchange_emulator/runspace/formatting/out_default.py"} <= files
    assert "exchange-emulator = exchange_emulator.cli:main" in entry_points
    assert "exchange_emulator = exchange_emulator.pytest_plugin" in entry_points


def test_the_wheel_installs_and_runs_in_a_fresh_environment(built: dict[str, pathlib.Path]) -> None:
    fresh = built["work"] / "venv"
    venv.EnvBuilder(with_pip=False).create(fresh)
    python = fresh / "bin" / "python"
    site = run(python, "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])").stdout.strip()
    (pathlib.Path(site) / "dependencies.pth").write_text(sysconfig.get_paths()["purelib"] + "\n")
    run(sys.executable, "-m", "pip", "--python", python, "install", "--no-deps", "--no-index", "--quiet",
        built["wheel"])

    helped = run(fresh / "bin" / "exchange-emulator", "--help")
    assert "example-scenario" in helped.stdout and "inventory" in helped.stdout
    located = run(python, "-c", "import exchange_emulator; print(exchange_emulator.__file__)").stdout
    assert located.startswith(str(fresh))
    scenario = built["work"] / "scenario"
    run(fresh / "bin" / "exchange-emulator", "example-scenario", scenario)
    assert (scenario / "molecule.yml").read_text().startswith("---\n# A Molecule scenario")
