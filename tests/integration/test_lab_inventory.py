"""lab/start.yml with another lab file (lab/legacy.yml: Exchange 2010, 2007 and 2003 beside 2016 and 2019)
writes an inventory that the harden playbook runs against as it stands: every server with an endpoint in its
group, Exchange 2007 on the host endpoint with the snap-in, the listed-only Exchange 2003 server left out."""

from __future__ import annotations

import os
import subprocess
import sys

import yaml

from conftest import ROOT, collections_path


def playbook(*arguments, env):
    command = [os.path.join(os.path.dirname(sys.executable), "ansible-playbook"), *arguments]
    return subprocess.run(command, env=env, capture_output=True, text=True, timeout=600, check=False)


def test_start_writes_an_inventory_for_every_version(tmp_path):
    env = dict(os.environ, ANSIBLE_COLLECTIONS_PATH=collections_path(), ANSIBLE_NOCOLOR="1",
               PATH=os.path.dirname(sys.executable) + os.pathsep + os.environ.get("PATH", ""))
    lab = ["-i", str(ROOT / "lab" / "controller.yml"), "-e", "lab_dir=%s" % tmp_path]
    started = playbook(*lab, str(ROOT / "lab" / "start.yml"), "-e", "lab_file=%s" % (ROOT / "lab" / "legacy.yml"),
                       env=env)
    try:
        assert started.returncode == 0, started.stdout + started.stderr
        inventory = yaml.safe_load((tmp_path / "inventory" / "hosts.yml").read_text())
        groups = inventory["all"]["children"]["exchange"]["children"]
        assert {name: sorted(group["hosts"]) for name, group in groups.items()} == {
            "exchange_mailbox": ["ex16", "mbx10"], "exchange_hub": ["hub07", "hub10"], "exchange_edge": ["edge19"]}
        assert groups["exchange_hub"]["hosts"]["hub07"]["exchange_management_endpoint"] == "host_snapin"
        assert "exchange_management_endpoint" not in groups["exchange_hub"]["hosts"]["hub10"]
        hosts = ["-i", str(tmp_path / "inventory"), "mailhygiene.exchange.harden"]
        harden = playbook(*hosts, env=env)
        assert harden.returncode == 0, harden.stdout[-3000:] + harden.stderr
        again = playbook(*hosts, env=env)
        assert again.returncode == 0 and again.stdout.count(" changed=0 ") == 5, again.stdout[-3000:]
    finally:
        playbook(*lab, str(ROOT / "lab" / "stop.yml"), env=env)
