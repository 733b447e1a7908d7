"""A user's playbook of ten single-module tasks per server (bench/ten_tasks.yml), on one session per host for
the play (the collection's default) and on a session per task (exchange_persistent_session=false), with
Ansible's own cost of ten tasks (bench/bench_floor.yml, ansible.builtin.debug) beside them. A report, not a
test: run by `make bench`.

Two labs (bench_baseline.py's topology and inventory):
- one Mailbox server with a session-open latency of 3 s (as a real server's): wall time and sessions;
- N Mailbox servers (default 9, plus the lab's Edge, which the playbook leaves alone) without latency:
  controller CPU per task (ansible-playbook, its forks and modules, and the session helpers; see
  bench_baseline.subreaper).
The report is printed and written as JSON (default .tmp/bench/sessions.json). Fails (exit 1) only when a
playbook run fails.
"""

from __future__ import annotations

import argparse
import datetime
import json
import os
import pathlib
import shutil
import sys
import time

from bench_baseline import PER_TASK_SESSIONS, Lab, Run, Runner, lab_definition

HERE = pathlib.Path(__file__).resolve().parent
ROOT = HERE.parent
TEN_TASKS = HERE / "ten_tasks.yml"
FLOOR = HERE / "bench_floor.yml"
PATHS = (("per play", TEN_TASKS, None), ("per task", TEN_TASKS, PER_TASK_SESSIONS), ("debug", FLOOR, None))


def run_paths(runner: Runner, work: pathlib.Path, name: str, servers: int, latency: float,
              command_latency: float) -> dict[str, Run]:
    runs = {}
    for path, playbook, extra in PATHS:
        lab = Lab.start(work / f"{name}-{path.replace(' ', '_')}", lab_definition(servers, latency, command_latency))
        try:
            runs[path] = runner.run(path, str(playbook), lab, lab.directory / "run.log", extra, vars_file=None)
        finally:
            lab.stop()
    return runs


def describe(run: Run, hosts: int) -> dict[str, object]:
    return {"wall_s": run.wall_s, "sessions": run.sessions_total, "sessions_per_host": round(run.sessions_total / hosts, 2),
            "tasks": run.tasks, "controller_cpu_s": round(run.controller_cpu_s, 2),
            "cpu_per_task_ms": round(run.cpu_per_task_s * 1000), "returncode": run.returncode, "log": run.log}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--servers", type=int, default=10, help="servers of the CPU lab (N-1 Mailbox + 1 Edge)")
    parser.add_argument("--latency", type=float, default=3.0, help="session-open latency of the one-server lab")
    parser.add_argument("--command-latency", type=float, default=0.05)
    parser.add_argument("--forks", type=int, default=10)
    parser.add_argument("--report", type=pathlib.Path, default=ROOT / ".tmp" / "bench" / "sessions.json")
    parser.add_argument("--work-dir", type=pathlib.Path, default=ROOT / ".tmp" / "bench" / "sessions")
    args = parser.parse_args()
    runner = Runner(args.forks, timeout=900)
    runner.collection()
    shutil.rmtree(args.work_dir, ignore_errors=True)
    started = time.monotonic()
    mailbox = max(args.servers - 1, 1)
    print(f"Ten single-module tasks per Mailbox server, forks {args.forks}, {os.cpu_count()} CPUs\n")
    print(f"{'lab':<34} {'path':<9} {'wall s':>7} {'sessions':>8} {'/host':>6} {'tasks':>5} {'ctl CPU s':>9} "
          f"{'ms/task':>7}  result")
    report: dict[str, object] = {"started": datetime.datetime.now(datetime.UTC).isoformat(timespec="seconds"),
                                 "forks": args.forks, "cpus": os.cpu_count(), "labs": {}}
    ok = True
    for name, servers, latency, hosts in (("one", 1, args.latency, 1), ("many", args.servers, 0.0, mailbox)):
        label = f"{hosts} Mailbox, session latency {latency:g} s"
        runs = run_paths(runner, args.work_dir, name, servers, latency, args.command_latency)
        report["labs"][label] = {path: describe(run, hosts) for path, run in runs.items()}  # type: ignore[index]
        for path, run in runs.items():
            ok = ok and run.returncode == 0
            result = "ok" if run.returncode == 0 else f"FAILED ({run.returncode}, {run.log})"
            print(f"{label:<34} {path:<9} {run.wall_s:>7.1f} {run.sessions_total:>8} "
                  f"{run.sessions_total / hosts:>6.1f} {run.tasks:>5} {run.controller_cpu_s:>9.1f} "
                  f"{run.cpu_per_task_s * 1000:>7.0f}  {result}", flush=True)
        per_play, per_task, floor = runs["per play"], runs["per task"], runs["debug"]
        if per_play.wall_s and per_play.cpu_per_task_s:
            print(f"{'':<34} per task / per play: wall x{per_task.wall_s / per_play.wall_s:.2f}, CPU per task "
                  f"x{per_task.cpu_per_task_s / per_play.cpu_per_task_s:.2f}; beyond Ansible's own "
                  f"{floor.cpu_per_task_s * 1000:.0f} ms per task: "
                  f"{(per_task.cpu_per_task_s - floor.cpu_per_task_s) * 1000:.0f} ms vs "
                  f"{(per_play.cpu_per_task_s - floor.cpu_per_task_s) * 1000:.0f} ms\n", flush=True)
    report["duration_s"] = round(time.monotonic() - started, 1)
    report["ok"] = ok
    args.report.parent.mkdir(parents=True, exist_ok=True)
    args.report.write_text(json.dumps(report, indent=2) + "\n")
    print(f"took {report['duration_s']:.0f} s; report: {args.report}")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
