"""A user's Molecule scenario, outside this repository, from installed artefacts only.

As a user would: the collection is built into a tarball (`ansible-galaxy collection build`) and installed
from it into a collections directory of their own; their role, in a directory of their own, gets the
scenario `exchange-emulator example-scenario` writes (create/destroy start and stop a lab and write its
inventory), which ansible-lint passes with the production profile; the verifier checks the server the way an administrator reads it, through powershell.exe over
WinRM; and `molecule test` runs create, converge, idempotence, verify and destroy.
"""

from __future__ import annotations

import json
import os
import pathlib
import subprocess
import sys
import typing

import pytest

ROOT = pathlib.Path(__file__).resolve().parents[2]
BIN = pathlib.Path(sys.executable).parent
LAB = """\
organization: {name: Contoso, domain: contoso.com}
servers:
  - {name: EX01, role: Mailbox, version: "2019", port: 0, smtp_port: null}
users:
  - {name: ansible, password: "Password123!"}
"""
ROLE_TASKS = """\
---
- name: Send no non-delivery reports to the Internet
  mailhygiene.exchange.remote_domain:
    domain_name: "*"
    ndr_enabled: false
    port: "{{ exchange_port }}"
"""
ROLE_META = """\
---
galaxy_info:
  author: a user
  description: Turns off NDRs to the Internet
  license: GPL-3.0-or-later
  min_ansible_version: "2.15"
  platforms: [{name: Windows, versions: [all]}]
dependencies: []
"""
USER_CHECK = '''

def test_no_ndrs_to_the_internet(server: typing.Any) -> None:
    result = powershell(server, "(Get-RemoteDomain | Where-Object { $_.DomainName -eq '*' }).NDREnabled")
    assert (result.rc, result.stdout.strip()) == (0, "False"), result.stderr
'''


def run(command: list[typing.Any], cwd: pathlib.Path, env: dict[str, str] | None = None,
        timeout: int = 300) -> subprocess.CompletedProcess[str]:
    completed = subprocess.run([str(c) for c in command], cwd=cwd, env=env, capture_output=True, text=True,
                               timeout=timeout, check=False)
    assert completed.returncode == 0, (command, completed.stdout[-4000:], completed.stderr[-4000:])
    return completed


def user_environment(collections: pathlib.Path, home: pathlib.Path) -> dict[str, str]:
    """The user's shell: the installed tools on PATH, their own collections, nothing of this repository's."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("ANSIBLE_", "MOLECULE_", "EXCHANGE_", "PYTEST_"))}
    env.update(PATH=f"{BIN}{os.pathsep}{env.get('PATH', '')}", ANSIBLE_COLLECTIONS_PATH=str(collections),
               ANSIBLE_NOCOLOR="1", NO_COLOR="1", PY_COLORS="0", ANSIBLE_HOME=str(home / ".ansible"), XDG_CACHE_HOME=str(home / ".cache"))
    return env


def test_molecule_scenario_from_the_collection_tarball_and_the_installed_emulator(tmp_path: pathlib.Path) -> None:
    if not (BIN / "molecule").exists() or not (BIN / "exchange-emulator").exists():
        pytest.skip("needs molecule and exchange-emulator installed beside this Python (make venv)")
    assert not tmp_path.is_relative_to(ROOT)
    run([BIN / "ansible-galaxy", "collection", "build", "--output-path", tmp_path / "dist", ROOT], cwd=tmp_path)
    [tarball] = (tmp_path / "dist").glob("mailhygiene-exchange-*.tar.gz")
    env = user_environment(tmp_path / "collections", tmp_path)
    run([BIN / "ansible-galaxy", "collection", "install", tarball, "-p", tmp_path / "collections"], cwd=tmp_path,
        env=env)

    role = tmp_path / "roles" / "ndr_off"
    (role / "tasks").mkdir(parents=True)
    (role / "meta").mkdir()
    (role / "tasks" / "main.yml").write_text(ROLE_TASKS)
    (role / "meta" / "main.yml").write_text(ROLE_META)
    scenario = role / "molecule" / "default"
    run(["exchange-emulator", "example-scenario", scenario], cwd=role, env=env)
    (scenario / "lab" / "lab.yml").write_text(LAB)
    with open(scenario / "tests" / "test_default.py", "a", encoding="utf-8") as checks:
        checks.write(USER_CHECK)

    # What the scenario writes is clean Ansible content by the strictest profile.
    run(["ansible-lint", "--offline", "--profile", "production", "--nocolor", "."], cwd=role, env=env)
    try:
        result = run(["molecule", "test"], cwd=role, env=env, timeout=600)
    finally:
        subprocess.run(["exchange-emulator", "stop", "--state", str(scenario / ".lab" / "state")], env=env,
                       capture_output=True, check=False, timeout=60)
    output = result.stdout + result.stderr
    assert "idempotence] Executed: Successful" in output
    assert "3 passed" in output  # the template's two checks and the user's
    assert not (scenario / ".lab" / "state" / "admin.json").exists()  # destroy stopped the lab
    audit = [json.loads(line) for line in (scenario / ".lab" / "state" / "audit.jsonl").read_text().splitlines()]
    changes = [e for e in audit if e.get("command") == "Set-RemoteDomain" and e.get("outcome") == "completed"
               and not e.get("what_if")]
    assert len(changes) == 1  # converge changed it; idempotence did not
