"""Sessions that outlive a task: one Exchange session per host and set of credentials for a whole play,
closed at the end of the play, on reset_connection, after the idle timeout when a run is interrupted, and
opened again when the server dropped it. Counted from the emulator's audit log (session_open/session_close)."""

from __future__ import annotations

import os
import signal
import time

import pytest

from exchange_emulator import audit
from exchange_emulator.pytest_plugin import example_lab, start_lab

from conftest import free_port

READ = {"mailhygiene.exchange.remote_domain_info": {"domain_name": "*"}}


@pytest.fixture(scope="module")
def lab_definition():
    """The example lab on fixed ports (so that it can be restarted where the inventory points), with a second
    administrator."""
    lab = example_lab()
    for server in lab["servers"]:
        server["port"] = free_port()
    lab["users"].append({"name": "operator", "password": "Operator123", "roles": ["View-Only Configuration"]})
    return lab


@pytest.fixture(scope="module")
def exchange_lab(lab_definition, tmp_path_factory):
    state = tmp_path_factory.mktemp("lab")
    running = start_lab(lab_definition, state)
    yield running
    running.stop()


def audit_since(lab, mark):
    return audit.read(lab.audit_path)[mark:]


def events(lab, mark, event, server="EX01"):
    entries = [e for e in audit_since(lab, mark) if e.get("event") == event]
    return [e for e in entries if server is None or e.get("server") == server]


def restart(lab, definition):
    """Stop the lab's emulator and start it again on the same ports and state: every session is gone."""
    lab.stop()
    start_lab(definition, lab.state_dir)
    lab.__init__(lab.state_dir)  # the same ports; the admin interface's may differ


def task(name, module, **args):
    return {"name": name, "mailhygiene.exchange." + module: args}


def test_ten_tasks_one_session_closed_at_end_of_play(ansible):
    lab = ansible.lab
    mark = lab.mark()
    tasks = [task("read %d" % i, "remote_domain_info", domain_name="*") for i in range(4)]
    tasks += [task("filter", "recipient_filter_info"), task("accepted", "accepted_domain_info"),
              task("agents", "transport_agent_info"), task("facts", "server_info"),
              task("transport", "transport_config", max_recipient_envelope_limit="Unlimited"),
              task("ndr", "remote_domain", domain_name="*", ndr_enabled=True)]
    run = ansible.play(tasks)
    assert run.returncode == 0, run.output
    opened = events(lab, mark, "session_open")
    assert len(opened) == 1, opened
    closed = events(lab, mark, "session_close")
    assert [e["shell_id"] for e in closed] == [e["shell_id"] for e in opened]  # closed when the play ended
    assert run.task("facts")["server"]["name"] == "EX01"


def test_role_shape_server_info_then_config_share_one_session(ansible):
    lab = ansible.lab
    mark = lab.mark()
    run = ansible.play([
        task("facts", "server_info"),
        task("apply", "config", resources=[{"kind": "remote_domain", "domain_name": "*", "ndr_enabled": False},
                                           {"kind": "recipient_filter", "recipient_validation_enabled": True}]),
        task("again", "config", resources=[{"kind": "remote_domain", "domain_name": "*", "ndr_enabled": False}]),
    ], hosts="ex01,ex02")
    assert run.returncode == 0, run.output
    for server in ("EX01", "EX02"):
        assert len(events(lab, mark, "session_open", server)) == 1
        assert len(events(lab, mark, "session_close", server)) == 1
    summary = run.task("apply")["summary"]
    assert (summary["sessions_opened"], summary["sessions_reused"]) == (0, 1)  # server_info opened it
    assert not run.task("again")["changed"]


def test_two_users_never_share_a_session(ansible):
    lab = ansible.lab
    mark = lab.mark()
    run = ansible.play([task("as ansible", "remote_domain_info", domain_name="*"),
                        task("as operator", "remote_domain_info", domain_name="*", username="operator",
                             password="Operator123"),
                        task("as ansible again", "remote_domain_info", domain_name="*")])
    assert run.returncode == 0, run.output
    opened = events(lab, mark, "session_open")
    assert sorted(e["user"] for e in opened) == ["CONTOSO\\ansible", "CONTOSO\\operator"]
    users = {e["user"] for e in lab.commands_since(mark) if e.get("command") == "Get-RemoteDomain"}
    assert users == {"CONTOSO\\ansible", "CONTOSO\\operator"}
    # Ansible closes one persistent connection per host at the end of the play; the other user's helper closes
    # its session when ansible-playbook has ended.
    _wait_for(lambda: len(events(lab, mark, "session_close")) == 2, 15, "both sessions to be closed")


def test_serial_batches_close_each_hosts_session_with_its_batch(ansible):
    lab = ansible.lab
    mark = lab.mark()
    run = ansible.play([task("read", "remote_domain_info", domain_name="*")], hosts="ex01,ex02", serial=1)
    assert run.returncode == 0, run.output
    order = [(e["event"], e["server"]) for e in audit_since(lab, mark)
             if e.get("event") in ("session_open", "session_close")]
    assert order == [("session_open", "EX01"), ("session_close", "EX01"),
                     ("session_open", "EX02"), ("session_close", "EX02")]


def test_reset_connection_closes_the_session(ansible):
    lab = ansible.lab
    mark = lab.mark()
    run = ansible.play([task("before", "remote_domain_info", domain_name="*"),
                        {"name": "reset", "ansible.builtin.meta": "reset_connection"},
                        task("after", "remote_domain_info", domain_name="*")])
    assert run.returncode == 0, run.output
    order = [e["event"] for e in events(lab, mark, "session_open") + events(lab, mark, "session_close")]
    assert sorted(order) == ["session_close", "session_close", "session_open", "session_open"]
    first_close = events(lab, mark, "session_close")[0]
    second_open = events(lab, mark, "session_open")[1]
    assert audit_since(lab, mark).index(first_close) < audit_since(lab, mark).index(second_open)


def test_without_persistence_each_task_has_its_own_session(ansible):
    lab = ansible.lab
    mark = lab.mark()
    run = ansible.play([task("one", "remote_domain_info", domain_name="*"),
                        task("two", "remote_domain_info", domain_name="*")],
                       vars={"exchange_persistent_session": False})
    assert run.returncode == 0, run.output
    assert len(events(lab, mark, "session_open")) == 2
    assert len(events(lab, mark, "session_close")) == 2


def test_killed_run_closes_the_session(ansible):
    """A killed ansible-playbook (a cancelled CI job) runs no cleanup: the helper notices and closes the session
    itself, long before its idle timeout."""
    lab = ansible.lab
    mark = lab.mark()
    playbook = ansible.write_play([task("read", "remote_domain_info", domain_name="*"),
                                   {"name": "hang", "ansible.builtin.pause": {"seconds": 120}}],
                                  vars={"exchange_session_idle_timeout": 600})
    process = ansible.start(playbook)
    try:
        _wait_for(lambda: lab.commands_since(mark), 60, "the first task's command")
    finally:
        os.killpg(process.pid, signal.SIGKILL)
        process.wait()
    killed = time.monotonic()
    try:
        _wait_for(lambda: events(lab, mark, "session_close"), 30, "the helper to close the session")
        assert time.monotonic() - killed < 10
    finally:
        _kill_processes_of(playbook)


def _kill_processes_of(playbook):
    """ansible-core's workers leave the playbook's process group (setsid): the one still in `pause` is ended
    here, so that the test leaves nothing behind."""
    for entry in os.listdir("/proc"):
        try:
            with open("/proc/%s/cmdline" % entry, "rb") as handle:
                command = handle.read()
        except OSError:
            continue
        if entry.isdigit() and str(playbook).encode() in command:
            try:
                os.kill(int(entry), signal.SIGKILL)
            except ProcessLookupError:
                pass


def test_idle_session_is_closed_after_the_idle_timeout(ansible):
    lab = ansible.lab
    mark = lab.mark()
    run = ansible.play([task("before", "remote_domain_info", domain_name="*"),
                        {"name": "idle", "ansible.builtin.pause": {"seconds": 5}},
                        task("after", "remote_domain_info", domain_name="*")],
                       vars={"exchange_session_idle_timeout": 2})
    assert run.returncode == 0, run.output
    order = [e["event"] for e in audit_since(lab, mark) if e.get("event") in ("session_open", "session_close")]
    assert order == ["session_open", "session_close", "session_open", "session_close"]


def test_session_dropped_by_the_server_is_opened_again(ansible, lab_definition, tmp_path):
    """The emulator restarts between two tasks (as IIS recycling or a reboot would drop the session)."""
    lab = ansible.lab
    flag = tmp_path / "restarted"
    playbook = ansible.write_play([task("before", "remote_domain_info", domain_name="*"),
                                   {"name": "wait", "ansible.builtin.wait_for": {"path": str(flag), "timeout": 120},
                                    "delegate_to": "localhost"},
                                   task("after", "remote_domain", domain_name="*", ndr_diagnostic_info_enabled=False)])
    process = ansible.start(playbook)
    mark = lab.mark()
    _wait_for(lambda: lab.commands_since(mark), 60, "the first task's command")
    restart(lab, lab_definition)
    mark = lab.mark()
    flag.write_text("")
    output = process.communicate(timeout=300)[0]
    assert process.returncode == 0, output
    assert len(events(lab, mark, "session_open")) == 1  # a new session after the restart, no failure
    assert [e["command"] for e in lab.mutating_since(mark)] == ["Set-RemoteDomain"]


def test_lost_reply_of_a_change_is_not_sent_again(ansible):
    """The connection drops on New-RemoteDomain: the module reads the domain back instead of sending it again,
    and says precisely what happened."""
    lab = ansible.lab
    mark = lab.mark()
    # In a new session the remote domain task sends two pipelines: Get-RemoteDomain, then New-RemoteDomain.
    lab.set_faults(rules=[{"action": "drop", "server": "EX01", "operation": "Command", "first": 2, "times": 1}])
    try:
        run = ansible.play([task("create", "remote_domain", domain_name="lost.example", ndr_enabled=False)])
    finally:
        lab.set_faults(rules=[])
    result = run.task("create")
    assert run.status("create") == "failed", result
    assert "New-RemoteDomain" in result["msg"] and "was not sent again" in result["msg"]
    assert "still differs" in result["msg"]
    assert [e["command"] for e in lab.mutating_since(mark)] == []


def _wait_for(condition, timeout, what):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if condition():
            return
        time.sleep(0.2)
    raise AssertionError("timed out waiting for %s" % what)
