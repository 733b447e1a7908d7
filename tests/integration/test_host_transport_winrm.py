"""host_transport=winrm: the host endpoint through WinRS and powershell.exe (pywinrm), for sites that
allow only that. The same command objects are rendered as PowerShell text with literal quoting."""

from __future__ import annotations


def test_antispam_agents_over_winrs(ansible):
    lab = ansible.lab
    mark = lab.mark()
    task = {"mailhygiene.exchange.antispam_agents": {"host_transport": "winrm"}}
    run = ansible.play([dict(task, name="install"), dict(task, name="again")], hosts="ex02")
    assert run.returncode == 0, run.output
    assert run.task("install", "ex02")["antispam_agents"]["installed"] is True
    assert not run.task("again", "ex02")["changed"]
    through_winrs = [e["command"] for e in lab.commands_since(mark) if e["endpoint"] == "WinRS"]
    assert through_winrs[:3] == ["Get-Item", "Select-Object", "Add-PSSnapin"]
    assert through_winrs[3].endswith("\\Scripts\\Install-AntiSpamAgents.ps1") and through_winrs[4] == "Restart-Service"
    ex02 = next(s for s in lab.state()["servers"] if s["Name"] == "EX02")
    assert next(s for s in ex02["Services"] if s["Name"] == "MSExchangeTransport")["Restarts"] == 1
