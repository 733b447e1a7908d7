"""Integration tests: real ansible-playbook runs of the installed collection against the Exchange
emulator (the lab fixtures come from exchange-emulator's pytest plugin)."""

from __future__ import annotations

import json
import os
import pathlib
import socket
import subprocess
import sys
import typing

import pytest
import yaml
from exchange_emulator.pytest_plugin import start_lab

HERE = pathlib.Path(__file__).parent
ROOT = HERE.parent.parent


def free_port() -> int:
    """A TCP port on loopback that nothing listens on now."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def contoso_lab(servers: typing.List[typing.Dict[str, typing.Any]]) -> typing.Dict[str, typing.Any]:
    """A lab definition: the Contoso organisation with one mailbox (alice@contoso.com), the administrator
    ansible / Password123!, Basic and Negotiate with message encryption, and the servers given."""
    return {
        "organization": {"name": "Contoso", "domain": "contoso.com",
                         "recipients": [{"name": "Alice Adams", "address": "alice@contoso.com"}]},
        "servers": servers,
        "users": [{"name": "ansible", "password": "Password123!"}],
        "auth": {"basic": True, "negotiate": True, "allow_unencrypted": False},
    }


def lab_fixture(servers: typing.List[typing.Dict[str, typing.Any]]) -> typing.Any:
    """A test module's `exchange_lab` fixture: contoso_lab(servers), started once for the module."""

    @pytest.fixture(scope="module")
    def exchange_lab(tmp_path_factory: pytest.TempPathFactory) -> typing.Iterator[typing.Any]:
        running = start_lab(contoso_lab(servers), tmp_path_factory.mktemp("lab"))
        yield running
        running.stop()

    return exchange_lab


def mutating(lab: typing.Any, mark: int, server: typing.Optional[str] = None) -> typing.List[str]:
    """The changing commands the lab received since the mark (on one server, or on all)."""
    return [e["command"] for e in lab.mutating_since(mark) if server is None or e["server"] == server]


def check_apply_rerun(ansible: typing.Any, module: str, options: typing.Dict[str, typing.Any], host: str
                      ) -> typing.Dict[str, typing.Any]:
    """A change's life: check mode plans it and sends nothing that changes, applying it changes, the same task
    again changes nothing. Returns the applying task's result."""
    lab = ansible.lab
    mark = lab.mark()
    run = ansible.play([{"name": "plan", module: options, "check_mode": True}], hosts=host)
    assert run.returncode == 0 and run.task("plan", host)["changed"], run.output[-3000:]
    assert mutating(lab, mark) == []
    run = ansible.play([{"name": "apply", module: options}, {"name": "again", module: options}], hosts=host)
    assert run.returncode == 0, run.output[-3000:]
    assert run.task("apply", host)["changed"] and not run.task("again", host)["changed"]
    return typing.cast(typing.Dict[str, typing.Any], run.task("apply", host))


def collections_path() -> str:
    path = os.environ.get("EXCHANGE_TEST_COLLECTIONS_PATH")
    if not path:
        pytest.exit("EXCHANGE_TEST_COLLECTIONS_PATH is not set: run the tests with `make test` (it builds and installs "
                    "the collection first)", returncode=2)
    return path


class PlaybookRun(object):
    def __init__(self, returncode: int, output: str, results: typing.List[typing.Dict[str, typing.Any]]) -> None:
        self.returncode = returncode
        self.output = output
        self.results = results

    def _entries(self, name: str, host: str) -> typing.List[typing.Dict[str, typing.Any]]:
        """Results of the task called `name` (role tasks are reported as "<role> : <name>") on `host`."""
        return [e for e in self.results if e["host"] == host and (e["task"] == name or e["task"].endswith(" : " + name))]

    def task(self, name: str, host: str = "ex01") -> typing.Dict[str, typing.Any]:
        for entry in self._entries(name, host):
            return typing.cast(typing.Dict[str, typing.Any], entry["result"])
        raise KeyError("no result for task %r on %s; ran: %s\n%s" % (
            name, host, [(e["task"], e["host"]) for e in self.results], self.output[-3000:]))

    def status(self, name: str, host: str = "ex01") -> str:
        return str(self._entries(name, host)[0]["status"])

    def failure(self, name: str, host: str = "ex01") -> typing.Dict[str, typing.Any]:
        """The result of a task that must have failed (with ignore_errors)."""
        assert self.status(name, host) == "failed", self.task(name, host)
        return self.task(name, host)


class Ansible(object):
    """Runs playbooks against a running lab, as a user would (inventory with psrp variables)."""

    def __init__(self, lab: typing.Any, workdir: pathlib.Path) -> None:
        self.lab = lab
        self.workdir = workdir
        self.inventory = workdir / "inventory.yml"
        hosts = {}
        # An Exchange 2003 server is only listed by Get-ExchangeServer: no endpoint, not in the inventory.
        servers = [server for server in lab.endpoints["servers"] if server.get("port")]
        for server in servers:
            hosts[server["name"].lower()] = {
                "ansible_host": server["host"],
                "ansible_port": server["port"],          # the emulator serves /wsman on the same port
                "exchange_port": server["port"],          # the management endpoint (80 on a real server)
                "exchange_server_name": server["name"],   # ansible_host is an address: say which server it is
                "ansible_connection": "psrp",
                "ansible_psrp_protocol": "http",
                "ansible_psrp_auth": "ntlm",
                "ansible_user": lab.username,
                "ansible_password": lab.password,
            }
        for server in servers:
            # No IIS on Edge, no remote PowerShell on Exchange 2007: the Exchange snap-in on the host endpoint.
            if server["role"] == "Edge" or server.get("version") == "2007":
                hosts[server["name"].lower()]["exchange_management_endpoint"] = "host_snapin"
        mailbox = [s["name"].lower() for s in servers if s["role"] == "Mailbox"]
        edge = [s["name"].lower() for s in servers if s["role"] == "Edge"]
        # Exchange 2007/2010 servers with Hub Transport (alone or with other roles)
        hub = [s["name"].lower() for s in servers if "HubTransport" in str(s["role"])]
        groups = {"mailbox": {"hosts": {h: {} for h in mailbox}}, "edge": {"hosts": {h: {} for h in edge}}}
        if hub:
            groups["hub"] = {"hosts": {h: {} for h in hub}}
        inventory = {"all": {"hosts": hosts, "children": {"exchange": {"children": groups}}}}
        self.inventory.write_text(yaml.safe_dump(inventory), encoding="utf-8")
        self.runs = 0

    def play(self, tasks: typing.List[typing.Dict[str, typing.Any]], hosts: str = "ex01", check: bool = False,
             diff: bool = False, extra_args: typing.Sequence[str] = (),
             env: typing.Optional[typing.Dict[str, str]] = None, module_defaults: bool = True,
             **play: typing.Any) -> PlaybookRun:
        playbook = self.write_play(tasks, hosts, module_defaults, **play)
        return self.run(str(playbook), check=check, diff=diff, extra_args=extra_args, env=env)

    def write_play(self, tasks: typing.List[typing.Dict[str, typing.Any]], hosts: str = "ex01",
                   module_defaults: bool = True, **play: typing.Any) -> pathlib.Path:
        self.runs += 1
        playbook = self.workdir / ("play%d.yml" % self.runs)
        body: typing.Dict[str, typing.Any] = {"name": "test", "hosts": hosts, "gather_facts": False}
        if module_defaults:
            body["module_defaults"] = {"group/mailhygiene.exchange.exchange": {"port": "{{ exchange_port }}"}}
        body["tasks"] = tasks
        body.update(play)
        playbook.write_text(yaml.safe_dump([body], sort_keys=False), encoding="utf-8")
        return playbook

    def _environment(self, results_file: pathlib.Path, env: typing.Optional[typing.Dict[str, str]] = None
                     ) -> typing.Dict[str, str]:
        return dict(os.environ, ANSIBLE_COLLECTIONS_PATH=collections_path(), RECORD_RESULTS_FILE=str(results_file),
                    ANSIBLE_CALLBACK_PLUGINS=str(HERE / "callback_plugins"), ANSIBLE_CALLBACKS_ENABLED="record_results",
                    ANSIBLE_NOCOLOR="1", ANSIBLE_HOST_KEY_CHECKING="0", ANSIBLE_RETRY_FILES_ENABLED="0",
                    ANSIBLE_PYTHON_INTERPRETER=sys.executable, **(env or {}))

    def start(self, playbook: pathlib.Path) -> "subprocess.Popen[str]":
        """Start ansible-playbook in the background (in its own process group), output merged on stdout."""
        self.runs += 1
        env = self._environment(self.workdir / ("results%d.jsonl" % self.runs))
        command = [os.path.join(os.path.dirname(sys.executable), "ansible-playbook"), "-i", str(self.inventory),
                   str(playbook)]
        return subprocess.Popen(command, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
                                start_new_session=True)

    def run(self, playbook: str, check: bool = False, diff: bool = False, extra_args: typing.Sequence[str] = (),
            env: typing.Optional[typing.Dict[str, str]] = None,
            extra_vars: typing.Optional[typing.Dict[str, typing.Any]] = None) -> PlaybookRun:
        """Run a playbook file or a collection playbook (mailhygiene.exchange.harden) against the lab."""
        self.runs += 1
        results_file = self.workdir / ("results%d.jsonl" % self.runs)
        if extra_vars:
            extra_args = [*extra_args, "-e", json.dumps(extra_vars)]
        env = self._environment(results_file, env)
        command = [os.path.join(os.path.dirname(sys.executable), "ansible-playbook"), "-i", str(self.inventory),
                   playbook, *extra_args]
        if check:
            command.append("--check")
        if diff:
            command.append("--diff")
        completed = subprocess.run(command, env=env, capture_output=True, text=True, timeout=600, check=False)
        results = [json.loads(line) for line in results_file.read_text().splitlines()] if results_file.exists() else []
        return PlaybookRun(completed.returncode, completed.stdout + completed.stderr, results)


@pytest.fixture(scope="module")
def ansible(exchange_lab: typing.Any, tmp_path_factory: pytest.TempPathFactory) -> Ansible:
    return Ansible(exchange_lab, tmp_path_factory.mktemp("ansible"))
