"""Backscatter, measured on the wire for each profile (a report, not a test): run by `make bench-backscatter`.

For two topologies (Mailbox only: EX01 and EX02 take Internet mail on EX01; Edge + Mailbox: an
EdgeSync-subscribed EDGE01 in front of EX01) and each profile (none: the organisation as setup leaves
it; `seed`, `rfc`, `stig`; and for Mailbox only also `rfc` with the recipient filter on Mailbox servers),
on a fresh emulator lab each:

1. harden it with the role (`ansible-playbook mailhygiene.exchange.harden`, tarpit 0 so that the
   throughput measured is the server's, not the tarpit's; the tarpit's effect is measured by smtp_probe
   in the tests and in make demo),
2. probe the Internet-facing server with `mailhygiene.exchange.smtp_probe` (send and capture: the lab's
   smart host is the probe's capture listener): N forged-sender probes to nonexistent recipients, plus
   valid-recipient probes (false rejections), plus one partner message to a full mailbox (the legitimate
   NDR that must still arrive).

Columns: emission rate (smtp_probe's backscatter_emission_rate: reports and automatic replies to the
forged sender per probe sent with the forged sender, the valid-recipient probes included), reports to
forged sender (of the forged probes to nonexistent recipients), RCPT rejection coverage (nonexistent
recipients refused at RCPT TO), false rejections (valid recipients refused), legitimate NDRs delivered
(of the partner's), probes per second (forged and valid probes over the probe run's wall time less the
capture window, ansible-playbook's start-up included; one probe at a time, each a new SMTP connection
with STARTTLS and a message). The table is printed as Markdown and written as
JSON (default .tmp/bench/backscatter.json). Fails (exit 1) only when a playbook run fails.
"""

from __future__ import annotations

import argparse
import dataclasses
import json
import os
import pathlib
import shutil
import socket
import subprocess
import sys
import time
import typing

import yaml

sys.path.insert(0, str(pathlib.Path(__file__).resolve().parent))
from bench_baseline import PASSWORD, USER, Lab  # noqa: E402  (the same lab handling as the baseline bench)

Json = dict[str, typing.Any]
PARTNER = "fabrikam.example"
TOPOLOGIES = {
    "mailbox_only": [{"name": "EX01", "role": "Mailbox", "version": "2019", "port": 0},
                     {"name": "EX02", "role": "Mailbox", "version": "2019", "port": 0}],
    "edge_mailbox": [{"name": "EX01", "role": "Mailbox", "version": "2019", "port": 0},
                     {"name": "EDGE01", "role": "Edge", "version": "2019", "edge_subscribed": True, "port": 0}],
}
# (label, profile or None for no hardening, extra role variables)
PROFILES: list[tuple[str, str | None, Json]] = [
    ("none", None, {}),
    ("seed", "seed", {}),
    ("rfc", "rfc", {}),
    ("stig", "stig", {}),
    ("rfc + recipient filter on Mailbox", "rfc", {"backscatter_baseline_recipient_filter_on_mailbox": True}),
]


def free_port() -> int:
    with socket.socket() as probe_socket:
        probe_socket.bind(("127.0.0.1", 0))
        return int(probe_socket.getsockname()[1])


def lab_definition(topology: str, capture_port: int) -> Json:
    return {
        "organization": {
            "name": "Contoso", "domain": "contoso.com",
            "recipients": [{"name": "Alice Adams", "address": "alice@contoso.com"},
                           {"name": "Full Mailbox", "address": "full@contoso.com", "mailbox_full": True}],
        },
        "servers": TOPOLOGIES[topology],
        "users": [{"name": USER, "password": PASSWORD}],
        "auth": {"basic": True, "negotiate": True, "allow_unencrypted": False},
        "smtp": {"smart_host": f"127.0.0.1:{capture_port}"},
    }


@dataclasses.dataclass
class Row:
    topology: str
    profile: str
    probed: str
    forged: int
    emission_rate: float | None
    rcpt_rejection_coverage: float | None
    false_rejections: int
    valid_probes: int
    legitimate_ndrs: int
    legitimate_expected: int
    reports_to_forged_sender: int
    probes_per_second: float
    verdict: str


class Bench:
    def __init__(self, workdir: pathlib.Path, forged: int, valid: int) -> None:
        self.workdir = workdir
        self.forged = forged
        self.valid = valid
        beside = pathlib.Path(sys.executable).parent / "ansible-playbook"
        self.ansible_playbook = str(beside) if beside.exists() else shutil.which("ansible-playbook") or "ansible-playbook"
        self.env = dict(os.environ, ANSIBLE_NOCOLOR="1", PYTHONUNBUFFERED="1")
        self.env["PATH"] = f"{pathlib.Path(self.ansible_playbook).parent}{os.pathsep}{self.env.get('PATH', '')}"

    def playbook(self, lab: Lab, name: str, arguments: list[str]) -> float:
        started = time.perf_counter()
        log = lab.directory / f"{name}.log"
        with open(log, "w", encoding="utf-8") as output:
            completed = subprocess.run([self.ansible_playbook, "-i", str(lab.inventory), *arguments], stdout=output,
                                       stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL, env=self.env,
                                       cwd=lab.directory, timeout=1800, check=False)
        if completed.returncode != 0:
            raise RuntimeError(f"{name} failed (exit {completed.returncode}); see {log}:\n"
                               + log.read_text(encoding="utf-8")[-3000:])
        return time.perf_counter() - started

    def probe(self, lab: Lab, name: str, server: Json, capture_port: int, **options: typing.Any) -> tuple[Json, float]:
        result_file = lab.directory / f"{name}.json"
        args = {"host": server["host"], "port": server["smtp_port"], "recipient_domain": "contoso.com",
                "send": True, "rate_limit": 10000, "timeout": 30,
                "capture": {"host": "127.0.0.1", "port": capture_port, "window": 10}}
        args.update(options)
        play = [{"name": name, "hosts": "localhost", "gather_facts": False, "tasks": [
            {"name": "probe", "mailhygiene.exchange.smtp_probe": args, "register": "probe"},
            {"name": "keep the result", "ansible.builtin.copy": {"content": "{{ probe | to_json }}",
                                                                 "dest": str(result_file), "mode": "0600"}},
        ]}]
        playbook = lab.directory / f"{name}.yml"
        playbook.write_text(yaml.safe_dump(play, sort_keys=False), encoding="utf-8")
        wall = self.playbook(lab, name, [str(playbook)])
        return json.loads(result_file.read_text(encoding="utf-8")), wall

    def measure(self, topology: str, label: str, profile: str | None, extra: Json) -> Row:
        capture_port = free_port()
        lab = Lab.start(self.workdir / f"{topology}-{label.replace(' ', '_').replace('+', 'and')}",
                        lab_definition(topology, capture_port))
        try:
            if profile is not None:
                role_vars = {"backscatter_baseline_profile": profile,
                             "backscatter_baseline_partners": [{"name": "Fabrikam", "domain_name": PARTNER}],
                             "backscatter_baseline_validated_domains": ["contoso.com"],
                             "backscatter_baseline_tarpit_interval": "00:00:00", **extra}
                self.playbook(lab, "harden", ["mailhygiene.exchange.harden", "-e", json.dumps(role_vars)])
            entry = next((s for s in lab.servers if s["role"] == "Edge"), lab.servers[0])
            endpoints = json.loads((lab.state / "endpoints.json").read_text(encoding="utf-8"))
            server = next(s for s in endpoints["servers"] if s["name"] == entry["name"])
            forged, wall = self.probe(lab, "forged", server, capture_port, valid_recipients=["alice@contoso.com"],
                                      probes={"forged_unknown": self.forged, "null_sender_unknown": 0,
                                              "valid_and_unknown": 0, "valid": self.valid})
            partner, _ = self.probe(lab, "partner", server, capture_port, sender=f"postmaster@{PARTNER}",
                                    valid_recipients=["full@contoso.com"],
                                    probes={"forged_unknown": 0, "null_sender_unknown": 0, "valid_and_unknown": 0,
                                            "valid": 1})
        finally:
            lab.stop()
        metrics = forged["metrics"]
        valid_refused = metrics["false_rejection_rate"]["numerator"] or 0
        legitimate = [r for r in partner["reports"] if r["kind"] == "dsn" and str(r.get("status", "")).startswith("5.")]
        # The probing itself: the run's wall time less the capture window it waited after the last probe.
        probing = wall - forged["capture"]["waited"]
        to_forged = len([r for r in forged["reports"] if r["to_forged_sender"]])
        return Row(topology, label, entry["name"], self.forged, metrics["backscatter_emission_rate"]["value"],
                   metrics["rcpt_rejection_coverage"]["value"], valid_refused, self.valid, len(legitimate), 1,
                   to_forged, round((self.forged + self.valid) / probing, 1), forged["verdict"])


def table(rows: list[Row]) -> str:
    lines = ["| topology | profile | probed | emission rate | reports to forged sender | RCPT rejection coverage | "
             "false rejections | legitimate NDRs delivered | probes/s | verdict |",
             "|---|---|---|---|---|---|---|---|---|---|"]
    for row in rows:
        def share(value: float | None) -> str:
            return "n/a" if value is None else f"{value:.2f}"
        lines.append(f"| {row.topology} | {row.profile} | {row.probed} | {share(row.emission_rate)} | "
                     f"{row.reports_to_forged_sender}/{row.forged} | "
                     f"{share(row.rcpt_rejection_coverage)} | {row.false_rejections}/{row.valid_probes} | "
                     f"{row.legitimate_ndrs}/{row.legitimate_expected} | {row.probes_per_second} | {row.verdict} |")
    return "\n".join(lines)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--forged", type=int, default=1000, help="forged-sender probes per configuration")
    parser.add_argument("--valid", type=int, default=20, help="valid-recipient probes per configuration")
    parser.add_argument("--quick", action="store_true", help="100 forged probes, 5 valid")
    parser.add_argument("--workdir", default=".tmp/bench/backscatter")
    parser.add_argument("--output", default=".tmp/bench/backscatter.json")
    options = parser.parse_args()
    forged, valid = (100, 5) if options.quick else (options.forged, options.valid)
    workdir = pathlib.Path(options.workdir).resolve()
    bench = Bench(workdir, forged, valid)
    rows = []
    for topology in TOPOLOGIES:
        for label, profile, extra in PROFILES:
            if extra.get("backscatter_baseline_recipient_filter_on_mailbox") and topology != "mailbox_only":
                continue
            print(f"{topology}, {label}: {forged} forged probes ...", flush=True)
            rows.append(bench.measure(topology, label, profile, extra))
    report = table(rows)
    print(report)
    output = pathlib.Path(options.output)
    output.parent.mkdir(parents=True, exist_ok=True)
    output.write_text(json.dumps({"forged": forged, "valid": valid, "rows": [dataclasses.asdict(r) for r in rows]},
                                 indent=2), encoding="utf-8")
    print(f"\nwritten: {output}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
