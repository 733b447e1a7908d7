"""Loopback benchmark of the emulator (a report, not a test): run by `make bench`.

Measures, with the emulator in its own process as tests and users run it:
- connect + one command + close with pypsrp, Basic and NTLM (with message encryption): p50 and p95;
- how many concurrent sessions one emulator process sustains (each session opened and kept open, then
  one command run in every one of them at once);
- memory per idle session (the server's resident set size before and after opening them).
Aims (issue #2): under 25 ms p50 for connect+command+close on an idle core, 200 concurrent sessions.
"""

from __future__ import annotations

import argparse
import concurrent.futures
import json
import os
import pathlib
import statistics
import subprocess
import sys
import tempfile
import time
import typing

import yaml
from pypsrp.powershell import PowerShell, RunspacePool
from pypsrp.wsman import WSMan

USER, PASSWORD = "ansible", "Password123!"
LAB = {
    "organization": {"name": "Contoso", "domain": "contoso.com"},
    "servers": [{"name": "EX01", "role": "Mailbox", "version": "2019", "port": 0}],
    "users": [{"name": USER, "password": PASSWORD}],
    "auth": {"basic": True, "negotiate": True, "allow_unencrypted": True},
    "faults": {"session_cap": 100000},
}


def pool(port: int, auth: str) -> RunspacePool:
    wsman = WSMan("127.0.0.1", port=port, username=USER, password=PASSWORD, ssl=False, path="PowerShell", auth=auth,
                  encryption="never" if auth == "basic" else "auto", read_timeout=120, operation_timeout=100)
    return RunspacePool(wsman, configuration_name="Microsoft.Exchange")


def one_command(runspace_pool: RunspacePool) -> None:
    ps = PowerShell(runspace_pool)
    ps.add_cmdlet("Get-RemoteDomain").add_parameter("Identity", "Default")
    ps.invoke()
    if ps.had_errors:
        raise RuntimeError(ps.streams.error)


def connect_command_close(port: int, auth: str) -> float:
    started = time.perf_counter()
    with pool(port, auth) as runspace_pool:
        one_command(runspace_pool)
    return (time.perf_counter() - started) * 1000


def percentile(values: typing.Sequence[float], fraction: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(fraction * (len(ordered) - 1)))]


def rss_kib(pid: int) -> int:
    for line in pathlib.Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1])
    raise RuntimeError("no VmRSS")


def latency(port: int, runs: int) -> dict[str, dict[str, float]]:
    results = {}
    for auth in ("basic", "ntlm"):
        for _ in range(5):  # warm up imports, caches and connections
            connect_command_close(port, auth)
        samples = [connect_command_close(port, auth) for _ in range(runs)]
        results[auth] = {"p50_ms": round(statistics.median(samples), 1), "p95_ms": round(percentile(samples, 0.95), 1),
                         "min_ms": round(min(samples), 1), "runs": runs}
    return results


def concurrency(port: int, pid: int, sessions: int) -> dict[str, typing.Any]:
    before = rss_kib(pid)
    pools: list[RunspacePool] = []
    opened_at = time.perf_counter()
    with concurrent.futures.ThreadPoolExecutor(max_workers=32) as executor:
        def open_one(_: int) -> RunspacePool:
            runspace_pool = pool(port, "basic")
            runspace_pool.open()
            return runspace_pool
        for result in executor.map(open_one, range(sessions)):
            pools.append(result)
    open_seconds = time.perf_counter() - opened_at
    idle = rss_kib(pid)
    failures = 0
    started = time.perf_counter()
    with concurrent.futures.ThreadPoolExecutor(max_workers=min(sessions, 64)) as executor:
        for outcome in executor.map(lambda p: _try(one_command, p), pools):
            failures += 0 if outcome else 1
    command_seconds = time.perf_counter() - started
    with concurrent.futures.ThreadPoolExecutor(max_workers=32) as executor:
        list(executor.map(lambda p: p.close(), pools))
    return {"sessions": sessions, "open_seconds": round(open_seconds, 2),
            "one_command_in_each_seconds": round(command_seconds, 2), "failed_commands": failures,
            "server_rss_before_kib": before, "server_rss_idle_kib": idle,
            "kib_per_idle_session": round((idle - before) / sessions, 1)}


def _try(func: typing.Callable[[RunspacePool], None], argument: RunspacePool) -> bool:
    try:
        func(argument)
        return True
    except Exception:
        return False


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--runs", type=int, default=100)
    parser.add_argument("--sessions", type=int, default=200)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        lab_file = pathlib.Path(tmp) / "lab.yml"
        lab_file.write_text(yaml.safe_dump(LAB))
        state = pathlib.Path(tmp) / "state"
        started = subprocess.run([sys.executable, "-m", "exchange_emulator", "start", "--lab", str(lab_file),
                                  "--state", str(state)], capture_output=True, text=True, check=True)
        endpoints = json.loads(started.stdout)
        port, pid = endpoints["servers"][0]["port"], endpoints["pid"]
        try:
            report = {"machine": {"cpus": os.cpu_count(), "load_1min": os.getloadavg()[0]},
                      "connect_command_close": latency(port, args.runs),
                      "concurrent_sessions": concurrency(port, pid, args.sessions)}
        finally:
            subprocess.run([sys.executable, "-m", "exchange_emulator", "stop", "--state", str(state)], check=True)
    print(json.dumps(report, indent=2))
    basic = report["connect_command_close"]["basic"]["p50_ms"]
    print(f"\nconnect+command+close p50: Basic {basic} ms, NTLM {report['connect_command_close']['ntlm']['p50_ms']} ms "
          f"(aim < 25 ms); {args.sessions} concurrent sessions: "
          f"{report['concurrent_sessions']['failed_commands']} failed commands; "
          f"{report['concurrent_sessions']['kib_per_idle_session']} KiB per idle session")
    return 0


if __name__ == "__main__":
    sys.exit(main())
