"""What a user needs to test a role against a lab from the installed emulator alone: an Ansible inventory
of a running lab, and an example Molecule scenario (templates shipped as package data).

The inventory has one host per server, with the psrp connection variables an inventory of real Exchange
servers has (`ansible_connection: psrp`, NTLM over http to the server's port) and the variables the
mailhygiene.exchange collection reads (`exchange_server_name`, `exchange_port`; `exchange_management_endpoint:
host_snapin` and the SMTP front door for Edge servers), in the groups exchange, exchange_mailbox and
exchange_edge, and exchange_hub for Exchange 2007 and 2010 servers with the Hub Transport role.
"""

from __future__ import annotations

import importlib.resources
import pathlib
import typing

import yaml

from .lab import EXAMPLE_LAB

TEMPLATES = "scenario_templates"
SCENARIO_FILES = ("molecule.yml", "create.yml", "destroy.yml", "converge.yml", "tests/test_default.py")
# Molecule's project directory is the role's own (molecule/<scenario> inside the role): include it by path.
DEFAULT_ROLE = "{{ lookup('ansible.builtin.env', 'MOLECULE_PROJECT_DIRECTORY') }}"


class ScenarioError(Exception):
    """A scenario that cannot be written (e.g. its files exist already)."""


def inventory(endpoints: dict[str, typing.Any]) -> dict[str, typing.Any]:
    """The Ansible inventory (YAML structure) of a running lab, from its endpoints (`endpoints.json`)."""
    mailbox: dict[str, typing.Any] = {}
    edge: dict[str, typing.Any] = {}
    hub: dict[str, typing.Any] = {}
    for server in endpoints["servers"]:
        if server["port"] is None:
            continue  # an Exchange 2003 server: listed by Get-ExchangeServer, not reachable
        host: dict[str, typing.Any] = {"ansible_port": server["port"], "exchange_server_name": server["name"]}
        if server["role"] == "Edge":
            host["exchange_management_endpoint"] = "host_snapin"
            if server.get("smtp_port"):
                host.update(exchange_smtp_host=server["host"], exchange_smtp_port=server["smtp_port"])
            edge[server["name"].lower()] = host
        else:
            host["exchange_port"] = server["port"]
            if server.get("management_url") is None:
                host["exchange_management_endpoint"] = "host_snapin"  # Exchange 2007: no remote PowerShell
            (hub if "HubTransport" in server["role"] else mailbox)[server["name"].lower()] = host
    user = endpoints["users"][0]
    hosts = {s["host"] for s in endpoints["servers"] if s["host"]} or {"127.0.0.1"}
    groups = {"exchange_mailbox": {"hosts": mailbox}, "exchange_edge": {"hosts": edge}}
    if hub:
        groups["exchange_hub"] = {"hosts": hub}
    return {"all": {"children": {"exchange": {
        "children": groups,
        "vars": {"ansible_host": sorted(hosts)[0], "ansible_connection": "psrp", "ansible_psrp_protocol": "http",
                 "ansible_psrp_auth": "ntlm", "ansible_user": user["name"], "ansible_password": user["password"],
                 "exchange_lab_state": endpoints["state_dir"]},
    }}}}


def write_inventory(endpoints: dict[str, typing.Any], path: pathlib.Path) -> None:
    """Write the inventory (mode 0600: it holds the lab user's password)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    text = "# Written by exchange-emulator for the lab in " + endpoints["state_dir"] + "\n"
    path.write_text(text + yaml.safe_dump(inventory(endpoints), sort_keys=False))
    path.chmod(0o600)


def template(name: str) -> str:
    return importlib.resources.files(__package__).joinpath(TEMPLATES, name).read_text(encoding="utf-8")


def write_example_scenario(directory: pathlib.Path, role: str | None, force: bool = False) -> list[pathlib.Path]:
    """A Molecule scenario in `directory`: the scenario files, the lab file (the example lab) and an empty
    inventory the lab's own replaces on `create` (Molecule links it before the lab runs)."""
    outputs = {name: template(name) for name in SCENARIO_FILES}
    outputs["converge.yml"] = outputs["converge.yml"].replace("@ROLE@", role or DEFAULT_ROLE)
    # In a folder of its own: ansible-lint takes any other YAML file beside molecule.yml for a playbook.
    outputs["lab/lab.yml"] = EXAMPLE_LAB
    outputs[".gitignore"] = ".lab/\n"
    existing = [name for name in outputs if (directory / name).exists()]
    if existing and not force:
        raise ScenarioError(f"{directory} already has {', '.join(existing)}; use --force to overwrite them")
    written = []
    for name, text in outputs.items():
        path = directory / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text)
        written.append(path)
    placeholder = directory / ".lab" / "inventory" / "hosts.yml"
    if not placeholder.exists():
        placeholder.parent.mkdir(parents=True, exist_ok=True)
        placeholder.write_text("# Replaced by the lab's inventory when Molecule's create starts the lab.\nall: {}\n")
    return written
