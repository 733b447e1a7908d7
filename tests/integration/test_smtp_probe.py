"""smtp_probe through ansible-playbook against a real Postfix on loopback: a server that rejects unknown
recipients at RCPT, one that accepts and bounces (its bounces relayed to the probe's capture listener),
one that greylists; check mode, fail_on, and every class of error."""

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
from postfix import PostfixInstance, PostfixSettings

from conftest import HERE, PlaybookRun, collections_path, free_port

SENDER = "victim@example.net"
DOMAIN = "probe.test"
VALID = "valid@probe.test"


class Playbooks:
    """Runs one smtp_probe task on localhost with ansible-playbook and the installed collection."""

    def __init__(self, workdir: pathlib.Path) -> None:
        self.workdir = workdir
        self.runs = 0

    def probe(self, check: bool = False, **args: typing.Any) -> tuple[str, dict[str, typing.Any]]:
        self.runs += 1
        playbook = self.workdir / f"probe{self.runs}.yml"
        results_file = self.workdir / f"results{self.runs}.jsonl"
        task = {"name": "probe", "mailhygiene.exchange.smtp_probe": args, "ignore_errors": True}
        playbook.write_text(yaml.safe_dump([{"name": "probe", "hosts": "localhost", "gather_facts": False,
                                             "tasks": [task]}], sort_keys=False), encoding="utf-8")
        env = dict(os.environ, ANSIBLE_COLLECTIONS_PATH=collections_path(), RECORD_RESULTS_FILE=str(results_file),
                   ANSIBLE_CALLBACK_PLUGINS=str(HERE / "callback_plugins"), ANSIBLE_CALLBACKS_ENABLED="record_results",
                   ANSIBLE_NOCOLOR="1", ANSIBLE_RETRY_FILES_ENABLED="0", ANSIBLE_LOCALHOST_WARNING="0",
                   ANSIBLE_INVENTORY_UNPARSED_WARNING="0", ANSIBLE_PYTHON_INTERPRETER=sys.executable)
        command = [os.path.join(os.path.dirname(sys.executable), "ansible-playbook"), "-i", "localhost,",
                   "-c", "local", str(playbook)] + (["--check"] if check else [])
        done = subprocess.run(command, env=env, capture_output=True, text=True, timeout=300, check=False)
        results = [json.loads(line) for line in results_file.read_text().splitlines()] if results_file.exists() else []
        run = PlaybookRun(done.returncode, done.stdout + done.stderr, results)
        return run.status("probe", "localhost"), run.task("probe", "localhost")


@pytest.fixture(scope="module")
def playbooks(tmp_path_factory: pytest.TempPathFactory) -> Playbooks:
    return Playbooks(tmp_path_factory.mktemp("smtp_probe"))


def _postfix(behaviour: str) -> typing.Iterator[tuple[PostfixInstance, int]]:
    capture_port = free_port()
    with PostfixInstance(PostfixSettings(behaviour, domain=DOMAIN, relay_port=capture_port)) as instance:
        yield instance, capture_port


@pytest.fixture(scope="module")
def rejecting() -> typing.Iterator[tuple[PostfixInstance, int]]:
    yield from _postfix("reject_at_rcpt")


@pytest.fixture(scope="module")
def bouncing() -> typing.Iterator[tuple[PostfixInstance, int]]:
    yield from _postfix("accept_and_bounce")


@pytest.fixture(scope="module")
def greylisting() -> typing.Iterator[tuple[PostfixInstance, int]]:
    yield from _postfix("greylisting")


def args_for(server: tuple[PostfixInstance, int], send: bool = True, window: float = 8, **extra: typing.Any
             ) -> dict[str, typing.Any]:
    instance, capture_port = server
    args: dict[str, typing.Any] = {
        "host": "127.0.0.1", "port": instance.port, "helo": "controller.test", "timeout": 10,
        "recipient_domain": DOMAIN, "sender": SENDER, "rate_limit": 50, "send": send,
        "probes": {"forged_unknown": 2, "null_sender_unknown": 1, "valid_and_unknown": 0, "valid": 0},
    }
    if send:
        args["capture"] = {"host": "127.0.0.1", "port": capture_port, "window": window}
    args.update(extra)
    return args


# ------------------------------------------------------------------------------------------ classification
def test_rejecting_server_rejects_at_rcpt(playbooks, rejecting):
    status, result = playbooks.probe(**args_for(
        rejecting, window=2, valid_recipients=[VALID],
        probes={"forged_unknown": 2, "null_sender_unknown": 1, "valid_and_unknown": 1, "valid": 1}))
    assert status == "ok", result
    assert result["changed"] is False
    assert result["verdict"] == "rejects unknown recipients at RCPT"
    assert result["backscatter"] is False
    metrics = {name: m["value"] for name, m in result["metrics"].items()}
    assert metrics == {"rcpt_rejection_coverage": 1.0, "false_rejection_rate": 0.0,
                       "backscatter_emission_rate": 0.0, "accept_then_bounce_ratio": 0.0}
    assert result["unknown_recipients"] == {"rejected_at_rcpt": 4, "rejected_at_data": 0, "accepted": 0}
    assert [p["kind"] for p in result["probes"]] == ["forged_unknown", "null_sender_unknown", "valid_and_unknown",
                                                     "valid", "forged_unknown"]
    for probe in result["probes"]:
        for rcpt in probe["rcpt"]:
            if rcpt["exists"]:
                assert (rcpt["code"], rcpt["enhanced_status"]) == (250, "2.1.5")
            else:
                assert (rcpt["code"], rcpt["enhanced_status"]) == (550, "5.1.1"), rcpt
                assert "User unknown in local recipient table" in rcpt["text"]
                assert probe["token"] in rcpt["recipient"]
            assert rcpt["latency"] >= 0
    # The probes to valid@ completed DATA (Postfix discards them); nothing came back.
    assert [p["data_end"]["code"] for p in result["probes"] if p["kind"].startswith("valid")] == [250, 250]
    assert result["reports"] == [] and result["capture"]["received"] == 0
    assert result["tarpit"]["rcpt_rejected"]["count"] == 4 and result["tarpit"]["rcpt_accepted"]["count"] == 2


def test_bouncing_server_is_caught_backscattering(playbooks, bouncing):
    instance = bouncing[0]
    status, result = playbooks.probe(**args_for(bouncing, window=30))
    assert status == "ok", result
    assert result["verdict"] == "accepts and bounces: backscatter"
    assert result["backscatter"] is True
    metrics = result["metrics"]
    assert metrics["rcpt_rejection_coverage"]["value"] == 0.0
    assert metrics["backscatter_emission_rate"]["value"] == 1.0
    assert metrics["accept_then_bounce_ratio"]["value"] == 1.0
    forged = [p["id"] for p in result["probes"] if p["kind"] == "forged_unknown"]
    assert sorted(metrics["backscatter_emission_rate"]["probes"]) == sorted(forged)
    assert metrics["false_rejection_rate"]["value"] is None and "valid_recipients" in metrics[
        "false_rejection_rate"]["reason"]
    # Postfix's own bounces, relayed to the capture listener, each attributed to its probe.
    bounces = [r for r in result["reports"] if r["probe"] in forged]
    assert len(bounces) == 2, result["reports"]
    for report in bounces:
        assert report["kind"] == "dsn" and report["action"] == "failed" and report["status"] == "5.1.1"
        assert report["to_forged_sender"] and report["rcpt_to"] == [SENDER] and report["mail_from"] == ""
        assert report["recipient"].startswith("nonexistent-probe-")
    # The null sender's message bounced to nobody: Postfix cannot return it, and reports nothing.
    null_probe = next(p for p in result["probes"] if p["kind"] == "null_sender_unknown")
    assert null_probe["mail"]["code"] == 250 and null_probe["data_end"]["code"] == 250
    assert null_probe["reports"] == 0
    # The window ended as soon as every bounce was in.
    assert result["capture"]["waited"] < 30
    instance.wait_for_log(r"status=bounced \(unknown user")


def test_dry_run_cannot_see_backscatter_and_delivers_nothing(playbooks, bouncing):
    instance = bouncing[0]
    mark = instance.mark()
    status, result = playbooks.probe(**args_for(bouncing, send=False))
    assert status == "ok", result
    assert result["send"] is False
    assert result["backscatter"] is None
    assert result["verdict"].startswith("accepts unknown recipients: backscatter not measured (needs send=true")
    assert result["metrics"]["backscatter_emission_rate"]["value"] is None
    assert all(p["rset"]["code"] == 250 and p["data"] is None for p in result["probes"])
    assert instance.queued_messages(mark) == []


def test_check_mode_never_sends_data(playbooks, bouncing):
    instance = bouncing[0]
    mark = instance.mark()
    status, result = playbooks.probe(check=True, **args_for(bouncing, window=2))
    assert status == "ok", result
    assert result["send"] is False and result["changed"] is False
    # The RCPT probes ran (Postfix accepted the recipients) and were reset.
    assert [r["code"] for p in result["probes"] for r in p["rcpt"]] == [250, 250, 250]
    assert all(p["data"] is None and p["rset"]["code"] == 250 for p in result["probes"])
    assert "check mode" in result["metrics"]["backscatter_emission_rate"]["reason"]
    log = instance.log_since(mark)
    assert any("RCPT from" in line or "connect from" in line for line in log)
    assert instance.queued_messages(mark) == [], "\n".join(log)


# ------------------------------------------------------------------------------------------ fail_on
def test_fail_on_turns_backscatter_into_a_failed_task(playbooks, bouncing):
    status, result = playbooks.probe(**args_for(bouncing, window=30, fail_on={"backscatter_emission_rate": 0.0}))
    assert status == "failed"
    assert result["error"] == "thresholds"
    message = result["msg"]
    assert message.startswith("accepts and bounces: backscatter.")
    assert "fail_on.backscatter_emission_rate: measured 1.0, above the maximum 0.0" in message
    for probe in result["probes"]:
        assert (probe["id"] in message) == (probe["kind"] == "forged_unknown")
    assert result["backscatter"] is True  # the measurement comes with the failure


def test_fail_on_passes_a_rejecting_server(playbooks, rejecting):
    status, result = playbooks.probe(**args_for(rejecting, send=False, fail_on={"rcpt_rejection_coverage": 1.0}))
    assert status == "ok", result


def test_fail_on_coverage_names_the_accepting_probes(playbooks, bouncing):
    status, result = playbooks.probe(**args_for(bouncing, send=False, fail_on={"rcpt_rejection_coverage": 0.9}))
    assert status == "failed"
    assert "fail_on.rcpt_rejection_coverage: measured 0.0, below the minimum 0.9: 0 of 3" in result["msg"]
    assert all(p["id"] in result["msg"] for p in result["probes"])


# ------------------------------------------------------------------------------------------ errors
def test_connection_refused(playbooks):
    port = free_port()
    status, result = playbooks.probe(host="127.0.0.1", port=port, recipient_domain=DOMAIN)
    assert status == "failed"
    assert result["error"] == "refused"
    assert f"connection to 127.0.0.1:{port} (SMTP) refused" in result["msg"]
    assert "Check host and port" in result["msg"]


def test_unresolvable_host(playbooks):
    status, result = playbooks.probe(host="mx.nonexistent.invalid", recipient_domain=DOMAIN)
    assert status == "failed"
    assert result["error"] == "unreachable"
    assert "cannot resolve mx.nonexistent.invalid" in result["msg"] and "DNS" in result["msg"]


def test_server_that_never_greets_times_out(playbooks):
    with socket.socket() as silent:  # the kernel completes the handshake; nobody ever answers
        silent.bind(("127.0.0.1", 0))
        silent.listen(5)
        port = silent.getsockname()[1]
        status, result = playbooks.probe(host="127.0.0.1", port=port, recipient_domain=DOMAIN, timeout=1)
    assert status == "failed"
    assert result["error"] == "timeout"
    assert f"127.0.0.1:{port} accepted the connection but sent no greeting within 1.0 s" in result["msg"]


def test_greylisting_is_named_with_a_retry_window(playbooks, greylisting):
    status, result = playbooks.probe(**args_for(greylisting, send=False))
    assert status == "failed"
    assert result["error"] == "greylisting"
    message = result["msg"]
    assert "450 4.7.1" in message and "RCPT TO:<nonexistent-probe-" in message
    assert "looks like greylisting" in message and "after about 300 seconds" in message
    assert "exempt the controller's address" in message
    assert result["probes"] == []  # the first probe failed; nothing measured


def test_sender_refused_at_mail_names_the_sender(playbooks, greylisting):
    status, result = playbooks.probe(**args_for(greylisting, send=False, sender="refused-sender@example.net"))
    assert status == "failed"
    assert result["error"] == "sender_refused"
    assert "refused the sender <refused-sender@example.net> at MAIL FROM with 550 5.7.1" in result["msg"]
    assert "set sender to another address" in result["msg"]


def test_starttls_always_without_tls(playbooks, rejecting):
    status, result = playbooks.probe(**args_for(rejecting, send=False, starttls="always"))
    assert status == "failed"
    assert result["error"] == "tls"
    assert "does not offer STARTTLS, and starttls=always" in result["msg"]


@pytest.mark.parametrize("bad, expected", [
    ({"starttls": "sometimes"}, "value of starttls must be one of: auto, always, never, got: sometimes"),
    ({"port": 70000}, "port: 70000 is not a TCP port (1 to 65535)"),
    ({"sender": "not an address"}, "sender: 'not an address' is not an email address"),
    ({"valid_recipients": ["ok@probe.test", "broken"]}, "valid_recipients[1]: 'broken' is not an email address"),
    ({"fail_on": {"rcpt_rejection_coverage": 1.5}}, "fail_on.rcpt_rejection_coverage: 1.5 must be a share between 0 "
                                                    "and 1"),
    ({"send": False, "fail_on": {"backscatter_emission_rate": 0}},
     "fail_on.backscatter_emission_rate can only be measured with send=true and capture"),
    ({"probes": {"forged_unknown": 0, "null_sender_unknown": 0}},
     "probes: no probe to run: probes.valid_and_unknown (no valid_recipients given), probes.valid (no "
     "valid_recipients given)"),
    ({"rate_limit": 0}, "rate_limit: 0.0 must be probes per second above 0"),
])
def test_bad_input_fails_before_connecting(playbooks, rejecting, bad, expected):
    instance = rejecting[0]
    mark = instance.mark()
    args = args_for(rejecting, send=True)
    args.pop("probes")
    args.update(bad)
    status, result = playbooks.probe(**args)
    assert status == "failed"
    assert expected in result["msg"], result["msg"]
    assert not [line for line in instance.log_since(mark) if "connect from" in line]
