"""Lab files, persisted state across restarts and processes, the audit log and the command line."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest

from exchange_emulator import audit, cli
from exchange_emulator.lab import LabError, initial_state, parse_lab

from clients import management_pool, props, run
from conftest import example_lab


def test_state_survives_a_restart(lab_factory, tmp_path):
    first = lab_factory(example_lab(), tmp_path / "state")
    with management_pool(first.server("EX01")["port"]) as pool:
        run(pool, ("New-RemoteDomain", {"Name": "Survivor", "DomainName": "survivor.example"}))
    first.stop()
    second = lab_factory(example_lab(), tmp_path / "state")
    with management_pool(second.server("EX02")["port"]) as pool:
        ps, out = run(pool, ("Get-RemoteDomain", {"Identity": "Survivor"}))
    assert props(out[0])["DomainName"] == "survivor.example"


def test_two_processes_share_one_organisation(lab_factory, tmp_path):
    """A second emulator process on the same state directory sees and makes the same changes."""
    one = lab_factory(example_lab(), tmp_path / "shared")
    other = subprocess.run([sys.executable, "-c", (
        "import pathlib, sys\n"
        "from exchange_emulator.state import StateStore\n"
        "store = StateStore(pathlib.Path(sys.argv[1]), lambda: {})\n"
        "with store.transaction(mutating=True) as state:\n"
        "    state['directory']['RemoteDomain'][0]['NDREnabled'] = False\n"
    ), str(tmp_path / "shared")], capture_output=True, text=True)
    assert other.returncode == 0, other.stderr
    with management_pool(one.server("EX01")["port"]) as pool:
        ps, out = run(pool, ("Get-RemoteDomain", {"Identity": "Default"}))
    assert props(out[0])["NDREnabled"] is False


def test_a_failed_command_leaves_state_untouched(lab):
    before = lab.state()
    mark = lab.mark()
    with management_pool(lab.server("EX01")["port"]) as pool:
        ps, _ = run(pool, ("Set-RemoteDomain", {"Identity": "Default", "NDREnabled": False,
                                                "AllowedOOFType": "Sometimes"}))
    assert ps.had_errors
    assert lab.state() == before
    [entry] = lab.commands_since(mark)
    assert entry["outcome"] == "failed" and entry["command"] == "Set-RemoteDomain"


def test_audit_log_records_every_command_with_secrets_redacted(lab):
    mark = lab.mark()
    with management_pool(lab.server("EX01")["port"]) as pool:
        run(pool, ("Get-RemoteDomain", {"Identity": "Default", "Password": "hunter2"}))
        run(pool, ("Set-RemoteDomain", {"Identity": "Default", "NDREnabled": True}))
        run(pool, ("Set-RemoteDomain", {"Identity": "Default", "NDREnabled": False, "WhatIf": True}))
    entries = lab.commands_since(mark)
    assert [e["command"] for e in entries] == ["Get-RemoteDomain", "Set-RemoteDomain", "Set-RemoteDomain"]
    assert entries[0]["outcome"] == "failed"  # Get-RemoteDomain has no -Password parameter
    assert entries[0]["parameters"] == [["Identity", "Default"], ["Password", "********"]]
    assert "hunter2" not in (lab.state_dir / audit.AUDIT_FILE).read_text()
    assert entries[1]["mutates"] is True and entries[1]["warnings"] == 1
    assert entries[2]["what_if"] is True
    assert [e["command"] for e in lab.mutating_since(mark)] == ["Set-RemoteDomain"]
    sessions = [e for e in audit.read(lab.audit_path)[mark:] if "event" in e]
    assert [e["event"] for e in sessions] == ["session_open", "session_close"]


def test_audit_cli_filters(lab, capsys):
    mark_time = audit.read(lab.audit_path)[-1]["time"] if lab.mark() else ""
    with management_pool(lab.server("EX02")["port"]) as pool:
        run(pool, ("Set-RemoteDomain", {"Identity": "Default", "DeliveryReportEnabled": True}))
        run(pool, ("Get-AcceptedDomain", {}))
    capsys.readouterr()
    assert cli.main(["audit", "--state", str(lab.state_dir), "--server", "EX02", "--mutating", "--json",
                     "--since", mark_time]) == 0
    lines = [json.loads(line) for line in capsys.readouterr().out.splitlines()]
    assert [e["command"] for e in lines] == ["Set-RemoteDomain"]
    assert cli.main(["audit", "--state", str(lab.state_dir), "--command", "get-accepteddomain", "--count"]) == 0
    assert capsys.readouterr().out.splitlines()[-1] != "0"


@pytest.mark.parametrize("mutate,message", [
    (lambda c: c["servers"][0].update(role="Hub"), "servers[0].role: 'Hub' is not one of Mailbox, Edge"),
    (lambda c: c["servers"][0].update(version="2000"), "servers[0].version: '2000' is not one of"),
    (lambda c: c["servers"][0].update(colour="blue"), "servers[0]: unknown field(s) colour"),
    (lambda c: c.update(users=[]), "users: a lab needs at least one user"),
    (lambda c: c["organization"]["remote_domains"][0].update(domain="not a domain"),
     "organization.remote_domains[0]: Cannot process argument transformation on parameter 'DomainName'"),
    (lambda c: c["organization"]["remote_domains"][0]["settings"].update(LineWrapSize=999),
     "organization.remote_domains[0].settings: Cannot validate argument on parameter 'LineWrapSize'"),
    (lambda c: c["servers"][2].update(antispam_agents=True), "servers[2].antispam_agents: Edge servers"),
    (lambda c: c["servers"][0].update(edge_subscribed=True), "servers[0].edge_subscribed: only an Edge"),
])
def test_lab_file_errors_name_the_field(mutate, message):
    config = example_lab()
    mutate(config)
    with pytest.raises(LabError) as failure:
        initial_state(parse_lab(config))
    assert message in str(failure.value)


def test_initial_settings_are_applied_with_cmdlets():
    config = example_lab()
    config["organization"]["recipient_filter"] = {"RecipientValidationEnabled": True,
                                                  "BlockedRecipients": ["spam@contoso.com"]}
    config["organization"]["transport_config"] = {"InternalSMTPServers": ["10.0.1.10", "10.0.2.0/24"]}
    config["servers"][0]["receive_connectors"] = {"Default Frontend EX01": {"TarpitInterval": "00:00:10"}}
    state = initial_state(parse_lab(config))
    assert state["directory"]["RecipientFilterConfig"]["BlockedRecipients"] == ["spam@contoso.com"]
    assert state["directory"]["TransportConfig"]["InternalSMTPServers"] == ["10.0.1.10", "10.0.2.0/24"]
    frontend = next(c for c in state["servers"][0]["ReceiveConnectors"] if c["Name"] == "Default Frontend EX01")
    assert frontend["TarpitInterval"] == "00:00:10"
    partner = next(d for d in state["directory"]["RemoteDomain"] if d["Name"] == "Partner")
    assert partner["AutoReplyEnabled"] is False


def test_start_and_stop_from_the_command_line(tmp_path):
    """The documented way for Molecule create/destroy: `exchange-emulator start` / `stop`."""
    lab_file = tmp_path / "lab.yml"
    assert subprocess.run([sys.executable, "-m", "exchange_emulator", "example-lab"], stdout=lab_file.open("w"),
                          check=True).returncode == 0
    state = tmp_path / "state"
    started = subprocess.run([sys.executable, "-m", "exchange_emulator", "start", "--lab", str(lab_file),
                              "--state", str(state)], capture_output=True, text=True, timeout=60)
    assert started.returncode == 0, started.stderr
    endpoints = json.loads(started.stdout)
    try:
        with management_pool(endpoints["servers"][0]["port"]) as pool:
            ps, out = run(pool, ("Get-ExchangeServer", {}))
        assert sorted(str(o) for o in out) == ["EDGE01", "EX01", "EX02"]
    finally:
        stopped = subprocess.run([sys.executable, "-m", "exchange_emulator", "stop", "--state", str(state)],
                                 capture_output=True, text=True, timeout=60)
    assert stopped.returncode == 0
    assert not (state / "admin.json").exists()


def test_start_reports_a_bad_lab_file(tmp_path):
    lab_file = tmp_path / "lab.yml"
    lab_file.write_text("servers: [{name: EX01, role: Hub}]\nusers: [{name: a, password: b}]\n")
    result = subprocess.run([sys.executable, "-m", "exchange_emulator", "start", "--lab", str(lab_file), "--state",
                             str(tmp_path / "state")], capture_output=True, text=True, timeout=60)
    assert result.returncode == 2
    assert "servers[0].role: 'Hub' is not one of Mailbox, Edge" in result.stderr


def test_pytest_plugin_fixture(pytester):
    """Users' own tests get a running lab from the plugin's fixtures."""
    pytester.makepyfile(test_user="""
        from pypsrp.powershell import PowerShell, RunspacePool
        from pypsrp.wsman import WSMan

        def test_lab(exchange_lab):
            ex01 = exchange_lab.server("EX01")
            mark = exchange_lab.mark()
            wsman = WSMan("127.0.0.1", port=ex01["port"], username=exchange_lab.username,
                          password=exchange_lab.password, ssl=False, path="PowerShell", auth="ntlm")
            with RunspacePool(wsman, configuration_name="Microsoft.Exchange") as pool:
                ps = PowerShell(pool)
                ps.add_cmdlet("Set-RemoteDomain").add_parameter("Identity", "Default")
                ps.add_parameter("NDREnabled", False)
                ps.invoke()
            assert [e["command"] for e in exchange_lab.mutating_since(mark)] == ["Set-RemoteDomain"]
            assert len(exchange_lab.sessions_since(mark, server="EX01")) == 1
    """)
    result = pytester.runpytest_subprocess("-q")
    result.assert_outcomes(passed=1)
