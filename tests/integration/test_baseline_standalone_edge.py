"""The baseline on a standalone Edge server: it writes its own copies of the organisation settings, and
leaves recipient validation off (without EdgeSync it has no recipients to look up)."""

from __future__ import annotations

import pytest

from exchange_emulator.pytest_plugin import start_lab


@pytest.fixture(scope="module")
def exchange_lab(tmp_path_factory):
    lab = {
        "organization": {"name": "Contoso", "domain": "contoso.com"},
        "servers": [{"name": "EDGE02", "role": "Edge", "version": "2016", "port": 0}],
        "users": [{"name": "ansible", "password": "Password123!"}],
        "auth": {"basic": True, "negotiate": True, "allow_unencrypted": False},
    }
    running = start_lab(lab, tmp_path_factory.mktemp("lab"))
    yield running
    running.stop()


def test_standalone_edge(ansible):
    lab = ansible.lab
    run = ansible.run("mailhygiene.exchange.harden", extra_vars={
        "exchange_hosts": "edge02", "backscatter_baseline_profile": "seed",
        "backscatter_baseline_partners": ["fabrikam.example"]})
    assert run.returncode == 0, run.output[-3000:]
    edge = lab.state()["servers"][0]
    default = next(d for d in edge["Local"]["RemoteDomain"] if d["DomainName"] == "*")
    assert default["Name"] == "Default Domain" and default["NDREnabled"] is False
    partner = next(d for d in edge["Local"]["RemoteDomain"] if d["DomainName"] == "fabrikam.example")
    assert partner["Name"] == "fabrikam.example" and partner["NDREnabled"] is True
    recipient_filter = edge["Local"]["RecipientFilterConfig"]
    assert recipient_filter["Enabled"] is True and recipient_filter["RecipientValidationEnabled"] is False
    assert "RemoteDomain" not in lab.state()["directory"] or all(
        d["DomainName"] != "fabrikam.example" for d in lab.state()["directory"]["RemoteDomain"])
