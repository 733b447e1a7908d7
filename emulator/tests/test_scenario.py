"""`exchange-emulator start --inventory`, `inventory` and `example-scenario`: what a user's Molecule scenario is
made of. The whole scenario is run with `molecule test`, outside the repository, by the collection's
tests/integration/test_user_scenario.py."""

from __future__ import annotations

import json
import pathlib
import subprocess
import sys

import testinfra
import yaml

from exchange_emulator import cli
from exchange_emulator.scenario import SCENARIO_FILES, inventory

from conftest import InProcessLab


def emulator(*args: str, **kwargs: object) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "exchange_emulator", *args], capture_output=True, text=True,
                          timeout=60, **kwargs)  # type: ignore[call-overload]


def test_the_inventory_has_the_psrp_variables_of_each_server(lab: InProcessLab) -> None:
    endpoints = json.loads((lab.state_dir / "endpoints.json").read_text())
    exchange = inventory(endpoints)["all"]["children"]["exchange"]
    groups = exchange["children"]
    assert sorted(groups["exchange_mailbox"]["hosts"]) == ["ex01", "ex02"]
    assert sorted(groups["exchange_edge"]["hosts"]) == ["edge01"]
    ex01 = groups["exchange_mailbox"]["hosts"]["ex01"]
    edge = groups["exchange_edge"]["hosts"]["edge01"]
    ports = {s["name"]: s for s in endpoints["servers"]}
    assert ex01 == {"ansible_port": ports["EX01"]["port"], "exchange_server_name": "EX01",
                    "exchange_port": ports["EX01"]["port"]}
    assert edge["exchange_management_endpoint"] == "host_snapin"
    assert edge["exchange_smtp_port"] == ports["EDGE01"]["smtp_port"]
    assert exchange["vars"] == {
        "ansible_host": "127.0.0.1", "ansible_connection": "psrp", "ansible_psrp_protocol": "http",
        "ansible_psrp_auth": "ntlm", "ansible_user": "ansible", "ansible_password": "Password123!",
        "exchange_lab_state": str(lab.state_dir)}
    # What the inventory says reaches the server, as testinfra would reach it from that inventory.
    connection = exchange["vars"]
    host = testinfra.get_host(f"winrm://{connection['ansible_user']}:{connection['ansible_password']}@"
                              f"{connection['ansible_host']}:{ex01['ansible_port']}?no_ssl=true")
    assert host.run('powershell -Command "$env:COMPUTERNAME"').stdout.strip() == "EX01"


def test_start_writes_the_inventory_and_inventory_prints_it(tmp_path: pathlib.Path) -> None:
    lab_file = tmp_path / "lab.yml"
    lab_file.write_text("servers: [{name: EX01, role: Mailbox, port: 0, smtp_port: null}]\n"
                        "users: [{name: ansible, password: 'Password123!'}]\n")
    state, written = tmp_path / "state", tmp_path / "inventory" / "hosts.yml"
    started = emulator("start", "--lab", str(lab_file), "--state", str(state), "--inventory", str(written))
    assert started.returncode == 0, started.stderr
    try:
        endpoints = json.loads(started.stdout)
        assert yaml.safe_load(written.read_text()) == inventory(endpoints)
        assert written.stat().st_mode & 0o777 == 0o600  # it holds the lab user's password
        printed = emulator("inventory", "--state", str(state))
        assert yaml.safe_load(printed.stdout) == inventory(endpoints)
    finally:
        assert emulator("stop", "--state", str(state)).returncode == 0
    assert emulator("inventory", "--state", str(state)).stderr.startswith("no lab running in")


def test_example_scenario_writes_the_scenario_and_keeps_existing_files(tmp_path: pathlib.Path, capsys) -> None:
    scenario = tmp_path / "molecule" / "default"
    assert cli.main(["example-scenario", str(scenario), "--role", "acme.mail.ndr"]) == 0
    for name in (*SCENARIO_FILES, "lab/lab.yml", ".gitignore", ".lab/inventory/hosts.yml"):
        assert (scenario / name).is_file(), name
    [play] = yaml.safe_load((scenario / "converge.yml").read_text())
    assert play["tasks"][0]["ansible.builtin.include_role"]["name"] == "acme.mail.ndr"
    molecule = yaml.safe_load((scenario / "molecule.yml").read_text())
    assert molecule["provisioner"]["inventory"]["links"]["hosts"] == "${MOLECULE_SCENARIO_DIRECTORY}/.lab/inventory"
    [task] = yaml.safe_load((scenario / "create.yml").read_text())[0]["tasks"]
    assert "--inventory {{ playbook_dir }}/.lab/inventory/hosts.yml" in task["ansible.builtin.command"]["cmd"]
    compile((scenario / "tests" / "test_default.py").read_text(), "test_default.py", "exec")

    capsys.readouterr()
    assert cli.main(["example-scenario", str(scenario)]) == 2
    assert "already has molecule.yml, create.yml" in capsys.readouterr().err
    assert cli.main(["example-scenario", str(scenario), "--force"]) == 0
