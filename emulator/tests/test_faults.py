"""Injected latency, the per-user session cap, and HTTP faults on a schedule; set in the lab file and
changed at run time through the admin interface."""

from __future__ import annotations

import json
import time

import pytest
import requests
from pypsrp.exceptions import WinRMTransportError, WSManFaultError
from test_transport import SOAP_GET_CONFIG, basic_header

from exchange_emulator import cli

from clients import management_pool, run
from conftest import example_lab


def get_config(port: int) -> int:
    try:
        reply = requests.post(f"http://127.0.0.1:{port}/wsman", data=SOAP_GET_CONFIG.encode(), timeout=10,
                              headers={"Authorization": basic_header(), "Content-Type": "application/soap+xml"})
    except requests.ConnectionError:
        return 0  # the connection was dropped
    return reply.status_code


def test_faults_from_the_lab_file(lab_factory):
    config = example_lab()
    config["faults"] = {"session_open_latency": 0.4, "command_latency": 0.3, "session_cap": 3}
    slow = lab_factory(config)
    started = time.monotonic()
    with management_pool(slow.server("EX01")["port"]) as pool:
        opened = time.monotonic()
        run(pool, ("Get-RemoteDomain", {}))
        ran = time.monotonic()
    assert opened - started >= 0.4
    assert ran - opened >= 0.3
    assert slow.status()["faults"]["session_cap"] == 3


def test_session_cap_refuses_the_next_session_with_the_quota_fault(lab):
    port = lab.server("EX01")["port"]
    lab.set_faults(session_cap=2)
    pools = [management_pool(port), management_pool(port)]
    try:
        for pool in pools:
            pool.open()
        third = management_pool(port)
        with pytest.raises(WSManFaultError) as failure:
            third.open()
        assert "allowed a maximum number of 2 concurrent shells, which has been exceeded" in failure.value.reason
        # The cap is per user per server: another server still accepts the user.
        with management_pool(lab.server("EX02")["port"]) as other:
            run(other, ("Get-RemoteDomain", {"Identity": "Default"}))
        pools.pop().close()
        with management_pool(port) as again:
            run(again, ("Get-RemoteDomain", {"Identity": "Default"}))
    finally:
        for pool in pools:
            pool.close()
        lab.set_faults(session_cap=18)


def test_default_cap_is_eighteen_sessions(lab):
    port = lab.server("EX02")["port"]
    pools = []
    try:
        for _ in range(18):
            pool = management_pool(port)
            pool.open()
            pools.append(pool)
        with pytest.raises(WSManFaultError) as failure:
            management_pool(port).open()
        assert "maximum number of 18 concurrent shells" in failure.value.reason
        assert lab.status()["servers"]["EX02"]["open_sessions"] == 18
    finally:
        for pool in pools:
            pool.close()
    assert lab.status()["servers"]["EX02"]["open_sessions"] == 0


def test_http_errors_on_a_schedule(lab):
    port = lab.server("EX01")["port"]
    lab.set_faults(rules=[{"action": "http_503", "first": 2, "every": 3, "times": 2, "server": "EX01"}])
    try:
        statuses = [get_config(port) for _ in range(10)]
    finally:
        lab.set_faults(rules=[])
    assert statuses == [200, 503, 200, 200, 503, 200, 200, 200, 200, 200]


def test_dropped_connection_and_500_for_one_operation(lab):
    port = lab.server("EX01")["port"]
    lab.set_faults(rules=[{"action": "drop", "operation": "Create", "times": 1}])
    try:
        with pytest.raises(requests.ConnectionError):
            management_pool(port).open()
        with management_pool(port) as pool:  # the rule fired once; the next session opens
            run(pool, ("Get-RemoteDomain", {"Identity": "Default"}))
        lab.set_faults(rules=[{"action": "http_500", "operation": "Command", "times": 1}])
        with management_pool(port) as pool:
            with pytest.raises(WinRMTransportError) as failure:
                run(pool, ("Get-RemoteDomain", {"Identity": "Default"}))
            assert failure.value.code == 500
    finally:
        lab.set_faults(rules=[])
    described = lab.admin.faults()
    assert described["rules"] == []


def test_rules_only_count_matching_requests(lab):
    lab.set_faults(rules=[{"action": "http_503", "server": "EX02"}])
    try:
        assert get_config(lab.server("EX01")["port"]) == 200
        assert get_config(lab.server("EX02")["port"]) == 503
    finally:
        lab.set_faults(rules=[])


def test_cli_changes_faults_of_a_running_lab(lab, capsys):
    state = str(lab.state_dir)
    assert cli.main(["faults", "--state", state, "--set", "command_latency=0.25", "--set", "session_cap=5"]) == 0
    shown = json.loads(capsys.readouterr().out)
    assert shown["command_latency"] == 0.25 and shown["session_cap"] == 5
    assert cli.main(["faults", "--state", state, "--rule", '{"action": "http_503", "times": 1}']) == 0
    assert len(json.loads(capsys.readouterr().out)["rules"]) == 1
    assert cli.main(["faults", "--state", state, "--clear-rules", "--set", "command_latency=0",
                     "--set", "session_cap=18"]) == 0
    shown = json.loads(capsys.readouterr().out)
    assert shown["rules"] == [] and shown["command_latency"] == 0


@pytest.mark.parametrize("settings,message", [
    ({"command_latency": -1}, "command_latency must be >= 0"),
    ({"session_cap": 0}, "session_cap must be >= 1"),
    ({"bogus": 1}, "unknown fault settings: bogus"),
    ({"rules": [{"action": "explode"}]}, "is not one of drop, http_500, http_503"),
    ({"rules": [{"action": "drop", "operation": "Dance"}]}, "operation 'Dance' is not one of"),
])
def test_bad_fault_settings_are_refused_and_change_nothing(lab, settings, message):
    before = lab.admin.faults()
    with pytest.raises(RuntimeError) as failure:
        lab.set_faults(**settings)
    assert message in str(failure.value)
    assert lab.admin.faults() == before


def test_admin_interface_needs_the_token(lab):
    reply = requests.get(f"{lab.admin.base}/status", timeout=5)
    assert reply.status_code == 403
