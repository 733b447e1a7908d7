"""Sessions and speed of the backscatter baseline (a report, not a test): run by `make bench`.

Applies the baseline (bench/baseline_vars.yml) to emulated organisations of N servers (N-1 Mailbox
servers and one EdgeSync-subscribed Edge; N=1 is a single Mailbox server) with injected session-open
latency and per-command latency, and compares, in the same run and with the same forks:

  batch        the role's path: `ansible-playbook mailhygiene.exchange.harden`, every task of a host on the
               host's one session for the play (the collection's default)
  rerun        the batch path again on the hardened lab: the no-change run
  task_batch   the same role with a session per task (exchange_persistent_session=false: the collection
               before sessions outlived tasks): the baseline rows
  task_rerun   its no-change rerun
  per_setting  bench/per_setting.yml: one task per setting with the single-object modules

batch, task_batch and per_setting each start from a fresh lab; each rerun uses its batch's lab. For each
run: sessions opened (session_open events of the emulator's audit log, management and host endpoint),
commands received, mutating commands, wall time, controller CPU (user+sys of the ansible-playbook process,
everything it waited for, and the session helpers it started, which this script adopts as a subreaper)
per run and per task, and the emulator's CPU; then the ratios per-task sessions / per-play sessions.

Fails (exit 1) when a playbook run fails, when the paths leave different organisations (the labs'
state.json, without GUIDs and timestamps) or when a rerun changes anything. Timings are reported, never
judged. The report is printed as a table and written as JSON (default .tmp/bench/baseline.json).
"""

from __future__ import annotations

import argparse
import collections
import dataclasses
import datetime
import json
import os
import pathlib
import re
import shutil
import signal
import subprocess
import sys
import threading
import time
import typing

import jinja2
import yaml

HERE = pathlib.Path(__file__).resolve().parent
ROOT = HERE.parent
VARS_FILE = HERE / "baseline_vars.yml"
PER_SETTING_PLAYBOOK = HERE / "per_setting.yml"
ROLE_PLAYBOOK = "mailhygiene.exchange.harden"
INVENTORY_TEMPLATE = ROOT / "lab" / "inventory.yml.j2"
USER, PASSWORD = "ansible", "Password123!"
PATHS = ("batch", "rerun", "task_batch", "task_rerun", "per_setting")
# The role with sessions of its own per task (the collection before persistent sessions): the baseline rows.
PER_TASK_SESSIONS = {"exchange_persistent_session": False}
FULL_SIZES, FULL_LATENCIES = (1, 10, 50), (0.0, 3.0)
QUICK_SIZES, QUICK_LATENCIES = (1, 10), (0.0, 1.0)
# Fields of the emulator's state that differ between two labs whatever was applied.
VOLATILE_FIELDS = frozenset({"Guid", "WhenChanged", "WhenCreated", "StartedAt"})
ANSIBLE_LOG_LINE = re.compile(r"^(\d{4}-\d\d-\d\d \d\d:\d\d:\d\d,\d{3}) .*?\| (TASK \[(.*?)\]|PLAY RECAP)",
                              re.MULTILINE)
RECAP = re.compile(r"^\S+\s+:\s+ok=(\d+)\s+changed=(\d+)\s+unreachable=(\d+)\s+failed=(\d+)\s+skipped=(\d+)",
                   re.MULTILINE)

Json = dict[str, typing.Any]


# ------------------------------------------------------------------------------------------------- the lab
def lab_definition(servers: int, session_latency: float, command_latency: float) -> Json:
    """One organisation: N-1 Mailbox servers and one subscribed Edge (a single Mailbox server for N=1)."""
    mailbox = servers - 1 if servers > 1 else 1
    entries: list[Json] = [{"name": f"EX{index:02d}", "role": "Mailbox", "version": "2019", "port": 0}
                           for index in range(1, mailbox + 1)]
    if servers > 1:
        entries.append({"name": "EDGE01", "role": "Edge", "version": "2019", "edge_subscribed": True, "port": 0})
    return {
        "organization": {
            "name": "Contoso", "domain": "contoso.com",
            "accepted_domains": [{"name": "fabrikam.com", "domain": "fabrikam.com", "type": "InternalRelay"}],
            "recipients": [{"name": "Alice Adams", "address": "alice@contoso.com"}],
        },
        "servers": entries,
        "users": [{"name": USER, "password": PASSWORD}],
        "auth": {"basic": True, "negotiate": True, "allow_unencrypted": False},
        "faults": {"session_open_latency": session_latency, "command_latency": command_latency, "session_cap": 18},
    }


def emulator(*arguments: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "exchange_emulator", *arguments], capture_output=True, text=True,
                          check=False)


@dataclasses.dataclass
class Lab:
    """A running emulator lab with the inventory lab/start.yml would write for it."""

    directory: pathlib.Path
    pid: int
    servers: list[Json]

    @property
    def state(self) -> pathlib.Path:
        return self.directory / "state"

    @property
    def inventory(self) -> pathlib.Path:
        return self.directory / "inventory" / "hosts.yml"

    @classmethod
    def start(cls, directory: pathlib.Path, definition: Json) -> Lab:
        shutil.rmtree(directory, ignore_errors=True)
        directory.mkdir(parents=True)
        lab_file = directory / "lab.yml"
        lab_file.write_text(yaml.safe_dump(definition, sort_keys=False))
        started = emulator("start", "--lab", str(lab_file), "--state", str(directory / "state"))
        if started.returncode != 0:
            raise RuntimeError(f"the emulator did not start:\n{started.stdout}{started.stderr}")
        endpoints = json.loads(started.stdout)
        template = jinja2.Environment(keep_trailing_newline=True, autoescape=False).from_string(
            INVENTORY_TEMPLATE.read_text())
        lab = cls(directory, int(endpoints["pid"]), list(endpoints["servers"]))
        lab.inventory.parent.mkdir(mode=0o700)
        lab.inventory.write_text(template.render(lab=endpoints))
        return lab

    def stop(self) -> None:
        # A 50-server lab can take longer to stop than the default 15 s (its HTTP servers stop one by one).
        stopped = emulator("stop", "--state", str(self.state), "--timeout", "120")
        if stopped.returncode != 0:
            print(f"warning: the emulator in {self.state} did not stop cleanly: {stopped.stderr}", file=sys.stderr)

    def audit_length(self) -> int:
        path = self.state / "audit.jsonl"
        return len(path.read_bytes().splitlines()) if path.exists() else 0

    def audit_since(self, mark: int) -> list[Json]:
        path = self.state / "audit.jsonl"
        lines = path.read_text(encoding="utf-8").splitlines()[mark:] if path.exists() else []
        return [json.loads(line) for line in lines if line.strip()]

    def cpu_seconds(self) -> float:
        """User+sys CPU of the emulator process (all its threads), from /proc."""
        text = pathlib.Path(f"/proc/{self.pid}/stat").read_text()
        fields = text[text.rindex(")") + 2:].split()
        return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")

    def organisation(self) -> typing.Any:
        """The lab's state without what differs between any two labs (GUIDs, timestamps), lists sorted."""
        return canonical(json.loads((self.state / "state.json").read_text()))


def canonical(value: typing.Any) -> typing.Any:
    if isinstance(value, dict):
        return {key: canonical(item) for key, item in sorted(value.items()) if key not in VOLATILE_FIELDS}
    if isinstance(value, list):
        items = [canonical(item) for item in value]
        return sorted(items, key=lambda item: json.dumps(item, sort_keys=True))
    return value


def differences(left: typing.Any, right: typing.Any, where: str = "") -> typing.Iterator[str]:
    """Where two canonical states differ, as readable paths."""
    if isinstance(left, dict) and isinstance(right, dict):
        for key in sorted(set(left) | set(right)):
            if key not in right:
                yield f"{where}/{key}: only after batch"
            elif key not in left:
                yield f"{where}/{key}: only after per_setting"
            else:
                yield from differences(left[key], right[key], f"{where}/{key}")
    elif isinstance(left, list) and isinstance(right, list) and len(left) == len(right):
        for index, (one, other) in enumerate(zip(left, right)):
            label = one.get("Name", index) if isinstance(one, dict) else index
            yield from differences(one, other, f"{where}[{label}]")
    elif left != right:
        yield f"{where}: {json.dumps(left)[:120]} (batch) != {json.dumps(right)[:120]} (per_setting)"


# ------------------------------------------------------------------------------------------------ one run
@dataclasses.dataclass
class Run:
    path: str
    returncode: int
    wall_s: float
    controller_user_s: float
    controller_sys_s: float
    emulator_cpu_s: float
    sessions: dict[str, int]  # per configuration: Microsoft.Exchange (management), Microsoft.PowerShell (host)
    sessions_per_server: dict[str, int]
    commands: int
    mutating: int
    mutating_commands: dict[str, int]
    recap: dict[str, int]
    tasks_s: dict[str, float]  # wall time per task (ansible's log), "startup" until the first task
    load_1min: float  # the machine's load when the run started: other work on it skews the timings
    log: str

    @property
    def sessions_total(self) -> int:
        return sum(self.sessions.values())

    @property
    def controller_cpu_s(self) -> float:
        return self.controller_user_s + self.controller_sys_s

    @property
    def tasks(self) -> int:
        """Task runs on hosts that did something (ok, changed or failed; skipped ones cost little)."""
        return self.recap["ok"] + self.recap["failed"]

    @property
    def cpu_per_task_s(self) -> float:
        return self.controller_cpu_s / self.tasks if self.tasks else 0.0

    def to_json(self) -> Json:
        data = dataclasses.asdict(self)
        data.update(sessions_total=self.sessions_total, controller_cpu_s=round(self.controller_cpu_s, 2),
                    tasks=self.tasks, cpu_per_task_s=round(self.cpu_per_task_s, 3))
        return data


class Runner:
    def __init__(self, forks: int, timeout: float) -> None:
        self.forks = forks
        self.timeout = timeout
        beside = pathlib.Path(sys.executable).parent / "ansible-playbook"
        found = str(beside) if beside.exists() else shutil.which("ansible-playbook")
        if not found:
            raise RuntimeError("ansible-playbook not found (run from the project's virtual environment)")
        self.ansible_playbook = found
        self.env = dict(os.environ, ANSIBLE_NOCOLOR="1", ANSIBLE_FORCE_COLOR="0", PYTHONUNBUFFERED="1")
        self.env["PATH"] = f"{pathlib.Path(found).parent}{os.pathsep}{self.env.get('PATH', '')}"

    def collection(self) -> Json:
        """Which mailhygiene.exchange the runs use (ANSIBLE_COLLECTIONS_PATH), so the report says so."""
        galaxy = pathlib.Path(self.ansible_playbook).with_name("ansible-galaxy")
        listed = subprocess.run([str(galaxy), "collection", "list", "mailhygiene.exchange", "--format", "json"],
                                capture_output=True, text=True, env=self.env, check=False)
        try:
            found = {path: info["mailhygiene.exchange"]["version"]
                     for path, info in json.loads(listed.stdout or "{}").items() if "mailhygiene.exchange" in info}
        except (ValueError, KeyError, TypeError):
            found = {}
        if not found:
            raise RuntimeError("mailhygiene.exchange is not installed where ansible looks (build it with "
                               "`make collection` and set ANSIBLE_COLLECTIONS_PATH, as `make bench` does)")
        return {"paths": found, "ANSIBLE_COLLECTIONS_PATH": os.environ.get("ANSIBLE_COLLECTIONS_PATH")}

    def run(self, path: str, playbook: str, lab: Lab, log: pathlib.Path, extra_vars: Json | None = None,
            vars_file: pathlib.Path | None = VARS_FILE) -> Run:
        command = [self.ansible_playbook, "-i", str(lab.inventory), playbook, "-f", str(self.forks)]
        if vars_file is not None:
            command += ["-e", f"@{vars_file}"]
        if extra_vars:
            command += ["-e", json.dumps(extra_vars)]
        mark = lab.audit_length()
        emulator_before = lab.cpu_seconds()
        load = os.getloadavg()[0]
        timed_log = log.with_suffix(".timed.log")
        env = dict(self.env, ANSIBLE_LOG_PATH=str(timed_log))
        with open(log, "w", encoding="utf-8") as output:
            started_at = time.time()
            started = time.perf_counter()
            subreaper(True)
            process = subprocess.Popen(command, stdout=output, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL,
                                       env=env, cwd=lab.directory, start_new_session=True)
            timer = threading.Timer(self.timeout, _kill_group, (process.pid,))
            timer.start()
            try:
                # wait4: the resource usage of this child and of every process it waited for (the forks,
                # the modules they ran), not of the emulator or of anything else this script started.
                _, status, usage = os.wait4(process.pid, 0)
            finally:
                timer.cancel()
            wall = time.perf_counter() - started
            process.returncode = os.waitstatus_to_exitcode(status)
            subreaper(False)
            helpers_user, helpers_sys = reap_session_helpers()
        emulator_cpu = lab.cpu_seconds() - emulator_before
        entries = lab.audit_since(mark)
        opened = [e for e in entries if e.get("event") == "session_open"]
        commands = [e for e in entries if "event" not in e]
        mutating = [e for e in commands if e.get("mutates") and not e.get("what_if")]
        recap = [tuple(int(n) for n in match) for match in RECAP.findall(log.read_text(encoding="utf-8"))]
        return Run(
            path=path, returncode=process.returncode, wall_s=round(wall, 2),
            controller_user_s=round(usage.ru_utime + helpers_user, 2),
            controller_sys_s=round(usage.ru_stime + helpers_sys, 2),
            emulator_cpu_s=round(emulator_cpu, 2),
            sessions=dict(sorted(collections.Counter(e["configuration"] for e in opened).items())),
            sessions_per_server=dict(sorted(collections.Counter(e["server"] for e in opened).items())),
            commands=len(commands), mutating=len(mutating),
            mutating_commands=dict(sorted(collections.Counter(_short(e["command"]) for e in mutating).items())),
            recap={name: sum(row[i] for row in recap)
                   for i, name in enumerate(("ok", "changed", "unreachable", "failed", "skipped"))},
            tasks_s=task_times(timed_log, started_at, started_at + wall), load_1min=round(load, 2), log=str(log))


def subreaper(on: bool) -> None:
    """Adopt the descendants orphaned while on (Linux prctl PR_SET_CHILD_SUBREAPER): the collection's session
    helpers, which ansible-connection detaches from ansible-playbook, so that they can be waited for and their
    CPU counted. Only while a playbook runs: an emulator lab started otherwise must stay init's child."""
    import ctypes

    libc = ctypes.CDLL(None, use_errno=True)
    if libc.prctl(36, 1 if on else 0, 0, 0, 0) != 0:
        raise OSError(ctypes.get_errno(), "prctl(PR_SET_CHILD_SUBREAPER) failed")


def reap_session_helpers(timeout: float = 30.0) -> tuple[float, float]:
    """Wait for the processes adopted during the run that just ended (its session helpers, which end within
    seconds of ansible-playbook) and return their user and system CPU seconds."""
    user = system = 0.0
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            pid, _, usage = os.wait4(-1, os.WNOHANG)
        except ChildProcessError:
            break
        if pid:
            user += usage.ru_utime
            system += usage.ru_stime
        else:
            time.sleep(0.1)
    return user, system


def task_times(timed_log: pathlib.Path, started: float, ended: float) -> dict[str, float]:
    """Wall time per task from the timestamps of ansible's log (ANSIBLE_LOG_PATH): from one task's banner
    to the next one's; "startup" is the time before the first task, "end" after the recap banner."""
    marks: list[tuple[str, float]] = [("startup", started)]
    text = timed_log.read_text(encoding="utf-8") if timed_log.exists() else ""
    for stamp, _, task in ANSIBLE_LOG_LINE.findall(text):
        at = datetime.datetime.strptime(stamp, "%Y-%m-%d %H:%M:%S,%f").timestamp()
        marks.append((_short_task(task) if task else "end", at))
    marks.append(("", ended))
    times: dict[str, float] = collections.defaultdict(float)
    for (name, at), (_, following) in zip(marks, marks[1:]):
        times[name] += following - at
    return {name: round(seconds, 2) for name, seconds in times.items()}


def _short_task(task: str) -> str:
    """A task's name without its role prefix, at most 60 characters."""
    name = task.split(" : ", 1)[-1]
    return name if len(name) <= 60 else name[:59] + "…"


def _kill_group(pid: int) -> None:
    try:
        os.killpg(pid, signal.SIGTERM)
    except ProcessLookupError:
        pass


def _short(command: str) -> str:
    return command.rsplit("\\", 1)[-1]


# ------------------------------------------------------------------------------------------------ one cell
@dataclasses.dataclass
class Cell:
    servers: int
    session_latency: float
    runs: dict[str, Run] = dataclasses.field(default_factory=dict)
    problems: list[str] = dataclasses.field(default_factory=list)
    notes: list[str] = dataclasses.field(default_factory=list)
    same_state: bool | None = None
    rerun_unchanged: bool | None = None

    @property
    def mailbox(self) -> int:
        return self.servers - 1 if self.servers > 1 else 1

    @property
    def edge(self) -> int:
        return 1 if self.servers > 1 else 0

    def ratios(self) -> dict[str, dict[str, float | None]]:
        """Sessions per task over sessions per play, for the role and for its no-change rerun."""
        found = {}
        for new, old in (("batch", "task_batch"), ("rerun", "task_rerun")):
            persistent, per_task = self.runs.get(new), self.runs.get(old)
            if persistent and per_task:
                found[new] = {"sessions": _ratio(per_task.sessions_total, persistent.sessions_total),
                              "wall": _ratio(per_task.wall_s, persistent.wall_s),
                              "controller_cpu": _ratio(per_task.controller_cpu_s, persistent.controller_cpu_s),
                              "cpu_per_task": _ratio(per_task.cpu_per_task_s, persistent.cpu_per_task_s),
                              "commands": _ratio(per_task.commands, persistent.commands)}
        return found

    def floor_s(self, forks: int, command_latency: float) -> float | None:
        """The no-change run's floor: ceil(hosts / forks) waves of one session open and one read per object type
        (the reads the rerun sent per host, at the injected command latency)."""
        rerun = self.runs.get("rerun")
        if rerun is None:
            return None
        waves = -(-self.servers // forks)
        return round(waves * (self.session_latency + rerun.commands / self.servers * command_latency), 2)

    def expected_sessions(self) -> dict[str, int]:
        """What the design predicts for this topology and bench/baseline_vars.yml. With sessions that outlive
        tasks: one management session per host for the whole role, plus a host session where the anti-spam
        agents are installed (every Mailbox server, on a fresh lab; the Edge's management session is already
        on its host endpoint). With sessions per task: per host one server_info and one config session, plus one
        management and one host session per agent install; the per-setting path then one per module call."""
        agents = self.mailbox
        return {"batch": self.servers + agents, "rerun": self.servers, "per_setting": self.servers + agents,
                "task_batch": 2 * self.servers + 2 * agents, "task_rerun": 2 * self.servers}

    def to_json(self) -> Json:
        return {"servers": self.servers, "mailbox": self.mailbox, "edge": self.edge,
                "session_latency_s": self.session_latency,
                "runs": {name: run.to_json() for name, run in self.runs.items()},
                "expected_sessions": self.expected_sessions(), "ratios_per_task_over_per_play": self.ratios(),
                "same_state": self.same_state, "rerun_unchanged": self.rerun_unchanged,
                "problems": self.problems, "notes": self.notes}


def _ratio(numerator: float, denominator: float) -> float | None:
    return round(numerator / denominator, 2) if denominator else None


def measure(cell: Cell, runner: Runner, work: pathlib.Path, command_latency: float) -> None:
    definition = lab_definition(cell.servers, cell.session_latency, command_latency)
    name = f"n{cell.servers}-lat{cell.session_latency:g}"
    after: dict[str, typing.Any] = {}
    for prefix, extra in (("", None), ("task_", PER_TASK_SESSIONS)):
        lab = Lab.start(work / f"{name}-{prefix}batch", definition)
        try:
            batch = cell.runs[prefix + "batch"] = runner.run(prefix + "batch", ROLE_PLAYBOOK, lab,
                                                             lab.directory / "batch.log", extra)
            after[prefix + "batch"] = lab.organisation()
            if batch.returncode == 0:
                rerun = cell.runs[prefix + "rerun"] = runner.run(prefix + "rerun", ROLE_PLAYBOOK, lab,
                                                                 lab.directory / "rerun.log", extra)
                unchanged = (rerun.mutating == 0 and rerun.recap["changed"] == 0
                             and lab.organisation() == after[prefix + "batch"])
                cell.rerun_unchanged = unchanged and cell.rerun_unchanged is not False
        finally:
            lab.stop()
    lab = Lab.start(work / f"{name}-per_setting", definition)
    try:
        cell.runs["per_setting"] = runner.run("per_setting", str(PER_SETTING_PLAYBOOK), lab,
                                              lab.directory / "per_setting.log")
        after_per_setting = lab.organisation()
    finally:
        lab.stop()
    if cell.runs["task_batch"].returncode == 0 and after["task_batch"] != after["batch"]:
        cell.problems.append("the role left a different organisation with per-task sessions: " + "; ".join(
            list(differences(after["batch"], after["task_batch"]))[:10]))
    judge(cell, after["batch"], after_per_setting)


def judge(cell: Cell, after_batch: typing.Any, after_per_setting: typing.Any) -> None:
    for run in cell.runs.values():
        if run.returncode != 0:
            cell.problems.append(f"{run.path}: ansible-playbook exited with {run.returncode} (see {run.log})")
    if all(cell.runs[p].returncode == 0 for p in ("batch", "per_setting") if p in cell.runs):
        cell.same_state = after_batch == after_per_setting
        if not cell.same_state:
            found = list(differences(after_batch, after_per_setting))
            cell.problems.append("the two paths left different organisations: " + "; ".join(found[:10])
                                 + (f"; … {len(found) - 10} more" if len(found) > 10 else ""))
        batch, per_setting = cell.runs["batch"], cell.runs["per_setting"]
        differing = {name: (batch.mutating_commands.get(name, 0), per_setting.mutating_commands.get(name, 0))
                     for name in sorted(set(batch.mutating_commands) | set(per_setting.mutating_commands))
                     if batch.mutating_commands.get(name, 0) != per_setting.mutating_commands.get(name, 0)}
        if differing:
            cell.notes.append("mutating commands sent (batch, per_setting): " + ", ".join(
                f"{name} {counts[0]} vs {counts[1]}" for name, counts in differing.items()))
    if cell.rerun_unchanged is False:
        for rerun in (cell.runs[p] for p in ("rerun", "task_rerun") if p in cell.runs):
            cell.problems.append(f"{rerun.path}: the no-change rerun changed something: {rerun.mutating} mutating "
                                 f"commands {rerun.mutating_commands}, {rerun.recap['changed']} changed tasks")
    for path, expected in cell.expected_sessions().items():
        if path in cell.runs and cell.runs[path].sessions_total != expected:
            cell.notes.append(f"{path}: {cell.runs[path].sessions_total} sessions, the design predicts {expected}")


# ------------------------------------------------------------------------------------------------ report
HEADER = (f"{'servers':>7} {'lat s':>5}  {'path':<11} {'sessions':>8} {'mgmt+host':>9} {'/server':>7} "
          f"{'cmds':>5} {'mut':>4} {'wall s':>7} {'ctl CPU s':>9} {'ms/task':>7} {'emu CPU s':>9}  result")


def rows(cell: Cell) -> list[str]:
    lines = []
    for path in PATHS:
        run = cell.runs.get(path)
        if run is None:
            continue
        result = "ok" if run.returncode == 0 else f"FAILED ({run.returncode})"
        if path.endswith("rerun") and cell.rerun_unchanged is False:
            result = "CHANGED"
        split = f"{run.sessions.get('Microsoft.Exchange', 0)}+{run.sessions.get('Microsoft.PowerShell', 0)}"
        lines.append(f"{cell.servers:>7} {cell.session_latency:>5g}  {path:<11} {run.sessions_total:>8} {split:>9} "
                     f"{run.sessions_total / cell.servers:>7.1f} {run.commands:>5} {run.mutating:>4} "
                     f"{run.wall_s:>7.1f} {run.controller_cpu_s:>9.1f} {run.cpu_per_task_s * 1000:>7.0f} "
                     f"{run.emulator_cpu_s:>9.1f}  {result}")
    for path, ratios in cell.ratios().items():
        lines.append(f"{'':>7} {'':>5}  {'task/' + path:<11} {_x(ratios['sessions']):>8} {'':>9} {'':>7} "
                     f"{_x(ratios['commands']):>5} {'':>4} {_x(ratios['wall']):>7} {_x(ratios['controller_cpu']):>9} "
                     f"{_x(ratios['cpu_per_task']):>7}")
    if cell.same_state is not None:
        lines.append(f"{'':>15}per_setting and batch left "
                     + ("the same organisation" if cell.same_state else "DIFFERENT organisations"))
    return lines


def _x(value: float | None) -> str:
    return "-" if value is None else f"x{value:.2f}"


def write_report(path: pathlib.Path, meta: Json, cells: list[Cell], ok: bool) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    report = dict(meta, cells=[cell.to_json() for cell in cells], ok=ok)
    temporary = path.with_suffix(".tmp")
    temporary.write_text(json.dumps(report, indent=2) + "\n")
    temporary.replace(path)


def parse_list(text: str, kind: typing.Callable[[str], typing.Any]) -> list[typing.Any]:
    return [kind(item) for item in text.split(",") if item.strip()]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--quick", action="store_true",
                        help="N=1,10 and session latency 0,1 s (development); default N=1,10,50 and 0,3 s")
    parser.add_argument("--sizes", help="servers per lab, comma-separated (overrides the matrix)")
    parser.add_argument("--latencies", help="session-open latencies in seconds, comma-separated")
    parser.add_argument("--command-latency", type=float, default=0.05, help="seconds per command (default 0.05)")
    parser.add_argument("--forks", type=int, default=10, help="ansible-playbook -f for both paths (default 10)")
    parser.add_argument("--timeout", type=float, default=1800, help="seconds before a playbook run is killed")
    parser.add_argument("--report", type=pathlib.Path, default=ROOT / ".tmp" / "bench" / "baseline.json")
    parser.add_argument("--work-dir", type=pathlib.Path, default=ROOT / ".tmp" / "bench" / "baseline",
                        help="labs, inventories and playbook logs, one folder per lab (replaced on every run)")
    args = parser.parse_args()
    sizes = parse_list(args.sizes, int) if args.sizes else list(QUICK_SIZES if args.quick else FULL_SIZES)
    latencies = (parse_list(args.latencies, float) if args.latencies
                 else list(QUICK_LATENCIES if args.quick else FULL_LATENCIES))

    try:
        runner = Runner(args.forks, args.timeout)
        collection = runner.collection()
    except RuntimeError as error:
        print(f"bench_baseline: {error}", file=sys.stderr)
        return 2
    started = time.monotonic()
    meta: Json = {
        "benchmark": "backscatter baseline: the role on one session per host for the play, vs sessions per task, "
                     "vs one task per setting",
        "started": datetime.datetime.now(datetime.UTC).isoformat(timespec="seconds"),
        "machine": {"cpus": os.cpu_count(), "load_1min": round(os.getloadavg()[0], 2)},
        "forks": args.forks, "command_latency_s": args.command_latency, "sizes": sizes,
        "session_latencies_s": latencies, "quick": args.quick, "vars_file": os.path.relpath(VARS_FILE, ROOT),
        "role_playbook": ROLE_PLAYBOOK, "per_setting_playbook": os.path.relpath(PER_SETTING_PLAYBOOK, ROOT),
        "collection": collection, "ansible_playbook": runner.ansible_playbook,
    }
    print(f"Backscatter baseline: the role on sessions per play vs per task, and one task per setting; forks {args.forks} for both paths, "
          f"command latency {args.command_latency:g} s, {meta['machine']['cpus']} CPUs, "
          f"collection from {', '.join(meta['collection']['paths'])}", flush=True)
    print(f"labs of N servers: N-1 Mailbox + 1 subscribed Edge (N=1: one Mailbox); logs in {args.work_dir}\n")
    print(HEADER, flush=True)
    for stale in args.work_dir.glob("n*-lat*-*"):  # this script's labs from earlier runs, nothing else
        shutil.rmtree(stale, ignore_errors=True)
    cells: list[Cell] = []
    ok = True
    for servers in sizes:
        for latency in latencies:
            cell = Cell(servers, latency)
            cells.append(cell)
            try:
                measure(cell, runner, args.work_dir, args.command_latency)
            except (RuntimeError, OSError, ValueError) as error:
                cell.problems.append(f"{type(error).__name__}: {error}")
            ok = ok and not cell.problems
            for line in rows(cell):
                print(line, flush=True)
            for note in cell.notes:
                print(f"{'':>15}note: {note}", flush=True)
            for problem in cell.problems:
                print(f"{'':>15}PROBLEM: {problem}", flush=True)
            meta["duration_s"] = round(time.monotonic() - started, 1)
            write_report(args.report, meta, cells, ok)

    print(f"\nSummary (sessions per task / one session per host for the play, same forks {args.forks}):")
    for cell in cells:
        for path, ratios in cell.ratios().items():
            run = cell.runs[path]
            floor = cell.floor_s(args.forks, args.command_latency) if path == "rerun" else None
            print(f"  N={cell.servers:<3} session latency {cell.session_latency:g} s, {path:<5}: {run.wall_s:.1f} s, "
                  f"controller CPU per task {run.cpu_per_task_s * 1000:.0f} ms; per-task sessions take "
                  f"wall {_x(ratios['wall'])}, sessions {_x(ratios['sessions'])}, CPU per task "
                  f"{_x(ratios['cpu_per_task'])}" + (f"; the floor is {floor:.1f} s" if floor else ""))
    measured = [cell for cell in cells if cell.runs]
    if measured:
        largest = max(measured, key=lambda cell: (cell.servers, cell.session_latency))
        print(f"\nWhere the time went, N={largest.servers}, session latency {largest.session_latency:g} s "
              "(seconds per task, ansible's log; top 5):")
        for path, run in largest.runs.items():
            top = sorted(run.tasks_s.items(), key=lambda item: -item[1])[:5]
            print(f"  {path:<11} " + "; ".join(f"{name} {seconds:.1f}" for name, seconds in top))
    print(f"\n{'all runs succeeded and every path left the same organisation' if ok else 'FAILED: see PROBLEM lines'}"
          f"; took {meta['duration_s']:.0f} s; report: {args.report}")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
