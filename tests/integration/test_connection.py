"""How modules connect: settings from inventory, task, module_defaults and environment; and the
messages for each way connecting can fail."""

from __future__ import annotations

import pytest
from pypsrp.powershell import RunspacePool
from pypsrp.wsman import WSMan

from exchange_emulator.pytest_plugin import example_lab, start_lab

from conftest import free_port

READ = {"name": "read", "mailhygiene.exchange.remote_domain_info": {"domain_name": "*"}, "ignore_errors": True}


@pytest.fixture(scope="module")
def exchange_lab(tmp_path_factory):
    """The example lab plus an account that has only read rights (RBAC)."""
    lab = example_lab()
    lab["users"].append({"name": "auditor", "password": "Audit123!", "roles": ["View-Only Configuration"]})
    running = start_lab(lab, tmp_path_factory.mktemp("lab"))
    yield running
    running.stop()


def test_inventory_psrp_variables_are_used(ansible):
    mark = ansible.lab.mark()
    run = ansible.play([READ])
    result = run.task("read")
    assert run.status("read") == "ok", result
    # No connection option on the task: server, user and password came from the inventory.
    assert {e["user"] for e in ansible.lab.commands_since(mark)} == {"CONTOSO\\ansible"}
    if "invocation" in result:  # ansible-core 2.21 no longer returns the module's arguments
        args = result["invocation"]["module_args"]
        assert (args["server"], args["username"], args["auth"]) == ("127.0.0.1", "ansible", "ntlm")
        assert args["host_port"] == ansible.lab.server("EX01")["port"]  # ansible_port describes the WinRM listener
        assert args["password"] == "VALUE_SPECIFIED_IN_NO_LOG_PARAMETER"


def test_task_options_beat_inventory_and_delegate_to_localhost_works(ansible):
    ex02 = ansible.lab.server("EX02")
    task = {"name": "read", "delegate_to": "localhost", "mailhygiene.exchange.server_info": {
        "server": "127.0.0.1", "server_name": "EX02", "port": ex02["port"], "auth": "basic",
        "username": "ansible", "password": "Password123!"}}
    run = ansible.play([task], module_defaults=False)
    assert run.task("read")["server"]["name"] == "EX02"


def test_environment_fallback_on_localhost(ansible):
    ex01 = ansible.lab.server("EX01")
    run = ansible.play([{"name": "read", "mailhygiene.exchange.server_info": {}}], hosts="localhost",
                       module_defaults=False, connection="local",
                       env={"EXCHANGE_SERVER": "127.0.0.1", "EXCHANGE_SERVER_NAME": "EX01", "EXCHANGE_PORT": str(ex01["port"]),
                            "EXCHANGE_AUTH": "ntlm", "EXCHANGE_USERNAME": "CONTOSO\\ansible",
                            "EXCHANGE_PASSWORD": "Password123!"})
    assert run.task("read", "localhost")["server"]["name"] == "EX01"


def test_unreachable_server(ansible):
    port = free_port()
    run = ansible.play([dict(READ, **{"mailhygiene.exchange.remote_domain_info": {"port": port, "retries": 0}})],
                       module_defaults=False)
    message = run.task("read")["msg"]
    assert "Cannot reach http://127.0.0.1:%d/PowerShell" % port in message
    assert "Check the server name, port and protocol" in message


def test_wrong_credentials(ansible):
    run = ansible.play([dict(READ, **{"mailhygiene.exchange.remote_domain_info": {"password": "nope"}})])
    message = run.task("read")["msg"]
    assert "Authentication to http://127.0.0.1" in message and "failed with auth 'ntlm'" in message
    assert "nope" not in run.output


def test_wrong_endpoint(ansible):
    run = ansible.play([dict(READ, **{"mailhygiene.exchange.remote_domain_info": {"path": "wsman"}})])
    message = run.task("read")["msg"]
    assert "does not serve the configuration Microsoft.Exchange" in message
    assert "The management endpoint is http(s)://<server>/PowerShell/" in message


def test_missing_rbac_role(ansible):
    run = ansible.play([
        {"name": "read", "mailhygiene.exchange.remote_domain_info": {"username": "auditor", "password": "Audit123!"}},
        {"name": "write", "mailhygiene.exchange.remote_domain": {"username": "auditor", "password": "Audit123!",
                                                                 "domain_name": "*", "ndr_enabled": False},
         "ignore_errors": True},
    ])
    assert run.status("read") == "ok"
    result = run.task("write")
    assert result["error_type"] == "CommandNotAvailable"
    assert "The term 'Set-RemoteDomain' is not recognized" in result["msg"]
    assert "RBAC roles do not include this command" in result["msg"]


def test_throttled_session_is_retried_then_explained(ansible):
    lab = ansible.lab
    ex01 = lab.server("EX01")
    lab.set_faults(session_cap=1)
    held = RunspacePool(WSMan("127.0.0.1", port=ex01["port"], username="ansible", password="Password123!",
                              ssl=False, path="PowerShell", auth="ntlm"), configuration_name="Microsoft.Exchange")
    held.open()
    try:
        run = ansible.play([dict(READ, **{"mailhygiene.exchange.remote_domain_info": {"retries": 1}})])
    finally:
        held.close()
        lab.set_faults(session_cap=18)
    message = run.task("read")["msg"]
    assert "too many open remote PowerShell sessions" in message and "PowerShellMaxConcurrency" in message
    assert "forks" in message and "serial" in message


def test_transient_http_error_is_retried(ansible):
    lab = ansible.lab
    lab.set_faults(rules=[{"action": "http_503", "operation": "Create", "server": "EX01", "times": 1}])
    try:
        run = ansible.play([READ])
    finally:
        lab.set_faults(rules=[])
    assert run.status("read") == "ok", run.task("read")


def test_server_that_cannot_be_identified(ansible):
    """Nothing in a NoLanguage session names the local server: an address needs server_name."""
    task = {"name": "read", "mailhygiene.exchange.server_info": {}, "vars": {"exchange_server_name": ""},
            "ignore_errors": True}
    run = ansible.play([task])
    result = run.task("read")
    assert result["error_type"] == "ServerNotIdentified" and "client_versions" not in result
    assert "server_name: cannot tell which Exchange server 127.0.0.1 is" in result["msg"]
    assert "exchange_server_name" in result["msg"]


def test_edge_needs_the_snapin_endpoint(ansible):
    """Edge runs no IIS: /PowerShell/ is not there, and the message says what to set."""
    task = {"name": "read", "mailhygiene.exchange.server_info": {}, "ignore_errors": True,
            "vars": {"exchange_management_endpoint": "remote_powershell"}}
    message = ansible.play([task], hosts="edge01").task("read", "edge01")["msg"]
    assert "answered HTTP 404" in message and "management_endpoint=host_snapin" in message
    snapin = ansible.play([{"name": "read", "mailhygiene.exchange.server_info": {}}], hosts="edge01")
    assert snapin.task("read", "edge01")["server"]["role"] == "Edge"


def test_password_from_the_command_line(ansible, tmp_path):
    """--connection-password-file (what --ask-pass and Automation Platform machine credentials feed)."""
    ex01 = ansible.lab.server("EX01")
    password_file = tmp_path / "password"
    password_file.write_text("Password123!\n")
    run = ansible.play([{"name": "read", "mailhygiene.exchange.server_info": {}}], hosts="localhost",
                       module_defaults=False, connection="local",
                       env={"EXCHANGE_SERVER": "127.0.0.1", "EXCHANGE_SERVER_NAME": "EX01",
                            "EXCHANGE_PORT": str(ex01["port"]), "EXCHANGE_AUTH": "ntlm"},
                       extra_args=["-u", "ansible", "--connection-password-file", str(password_file)])
    assert run.task("read", "localhost")["server"]["name"] == "EX01", run.output[-2000:]


@pytest.mark.parametrize("connection", ["ansible.builtin.psrp", "winrm", "local"])
def test_inventory_is_read_whatever_the_connection_is_called(ansible, connection):
    """The psrp variables are read as the psrp plugin reads them, also when the host's connection is
    named by its FQCN, or is another one altogether."""
    run = ansible.play([{"name": "read", "mailhygiene.exchange.server_info": {},
                         "vars": {"ansible_connection": connection}}])
    assert run.task("read")["server"]["name"] == "EX01", run.output[-2000:]
