"""exchange-emulator: run a lab, inspect its audit log, change its faults.

    exchange-emulator serve  --lab lab.yml --state DIR     run in the foreground until interrupted
    exchange-emulator start  --lab lab.yml --state DIR     run in the background (Molecule create, make demo)
    exchange-emulator stop   --state DIR                   stop a background lab (Molecule destroy)
    exchange-emulator status --state DIR                   sessions per server, current faults
    exchange-emulator endpoints --state DIR                ports, URLs and users of a running lab (JSON)
    exchange-emulator audit  --state DIR [filters]         the commands received
    exchange-emulator faults --state DIR [--set k=v] [--rule JSON] [--clear-rules]
    exchange-emulator sink --listen 127.0.0.1:PORT --dir DIR   a capture sink (smart host) in the foreground
    exchange-emulator outbound --state DIR [--json]        what the lab's built-in sink captured
    exchange-emulator example-lab                          an annotated lab file to start from
    exchange-emulator inventory --state DIR [--output F]   an Ansible inventory (psrp) of a running lab
    exchange-emulator example-scenario DIR [--role NAME]   a Molecule scenario against a lab, for your role
    exchange-emulator realm serve|start|stop ...           a Kerberos realm for a lab (kerberos_cli.py)
"""

from __future__ import annotations

import argparse
import json
import logging
import os
import pathlib
import signal
import subprocess
import sys
import time
import typing

from . import audit, kerberos_cli
from .admin import ADMIN_FILE, AdminClient, AdminServer
from .app import ENDPOINTS_FILE, LabServer
from .faults import FaultConfigError
from .lab import EXAMPLE_LAB, LabError, load_lab


def _serve(args: argparse.Namespace) -> int:
    logging.basicConfig(level=getattr(logging, args.log_level.upper()),
                        format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    state_dir = pathlib.Path(args.state).resolve()
    state_dir.mkdir(parents=True, exist_ok=True)
    for stale in (ADMIN_FILE, ENDPOINTS_FILE):
        (state_dir / stale).unlink(missing_ok=True)
    lab = load_lab(pathlib.Path(args.lab))
    server = LabServer(lab, state_dir, host=args.host)
    server.start()
    admin = AdminServer(server)
    admin.start()
    for signum in (signal.SIGTERM, signal.SIGINT):
        signal.signal(signum, lambda *_: admin.shutdown_requested.set())
    print(json.dumps(server.endpoints(), indent=2), flush=True)
    try:
        admin.shutdown_requested.wait()
    finally:
        admin.shutdown()
        server.stop()
        for name in (ADMIN_FILE, ENDPOINTS_FILE):
            (state_dir / name).unlink(missing_ok=True)
    return 0


def _start(args: argparse.Namespace) -> int:
    state_dir = pathlib.Path(args.state).resolve()
    state_dir.mkdir(parents=True, exist_ok=True)
    load_lab(pathlib.Path(args.lab))  # report lab file errors here, not in a background log
    log_path = state_dir / "emulator.log"
    with open(log_path, "ab") as log_file:
        process = subprocess.Popen(
            [sys.executable, "-m", "exchange_emulator", "serve", "--lab", str(pathlib.Path(args.lab).resolve()),
             "--state", str(state_dir), "--host", args.host, "--log-level", args.log_level],
            stdout=log_file, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL, start_new_session=True)
    deadline = time.monotonic() + args.timeout
    endpoints = state_dir / ENDPOINTS_FILE
    while time.monotonic() < deadline:
        if process.poll() is not None:
            print(f"exchange-emulator exited with {process.returncode}; see {log_path}:", file=sys.stderr)
            print(log_path.read_text()[-3000:], file=sys.stderr)
            return 1
        if endpoints.exists() and (state_dir / ADMIN_FILE).exists():
            data = json.loads(endpoints.read_text())
            if data.get("pid") == process.pid:
                if args.inventory:
                    _write_inventory(data, args.inventory)
                print(json.dumps(data, indent=2))
                return 0
        time.sleep(0.05)
    process.terminate()
    print(f"exchange-emulator did not start within {args.timeout} s; see {log_path}", file=sys.stderr)
    return 1


def _write_inventory(endpoints: dict[str, typing.Any], path: str) -> None:
    from .scenario import write_inventory

    write_inventory(endpoints, pathlib.Path(path).resolve())


def _inventory(args: argparse.Namespace) -> int:
    from .scenario import inventory

    path = pathlib.Path(args.state) / ENDPOINTS_FILE
    if not path.exists():
        print(f"no lab running in {args.state}", file=sys.stderr)
        return 1
    endpoints = json.loads(path.read_text())
    if args.output:
        _write_inventory(endpoints, args.output)
    else:
        import yaml

        print(yaml.safe_dump(inventory(endpoints), sort_keys=False), end="")
    return 0


def _example_scenario(args: argparse.Namespace) -> int:
    from .scenario import ScenarioError, write_example_scenario

    try:
        written = write_example_scenario(pathlib.Path(args.directory), args.role, args.force)
    except ScenarioError as error:
        raise RuntimeError(str(error)) from None
    for path in written:
        print(path)
    return 0


def _add_scenario_commands(commands: typing.Any) -> None:
    p = commands.add_parser("inventory", help="an Ansible inventory (psrp variables) of a running lab")
    p.add_argument("--state", required=True, help="state directory of the running lab")
    p.add_argument("--output", help="write it to this file (mode 0600) instead of printing it")
    p.set_defaults(func=_inventory)
    p = commands.add_parser("example-scenario", help="write a Molecule scenario that tests a role against a lab")
    p.add_argument("directory", help="the scenario directory, e.g. molecule/default of your role")
    p.add_argument("--role", help="the role converge.yml applies, e.g. a collection's role (default: the role whose "
                   "molecule/ directory holds the scenario)")
    p.add_argument("--force", action="store_true", help="overwrite files that exist")
    p.set_defaults(func=_example_scenario)


def _stop(args: argparse.Namespace) -> int:
    state_dir = pathlib.Path(args.state).resolve()
    try:
        client = AdminClient(state_dir)
    except RuntimeError:
        print(f"no lab running in {state_dir}")
        return 0
    try:
        client.shutdown()
    except (RuntimeError, OSError):
        pass  # already gone
    deadline = time.monotonic() + args.timeout
    while time.monotonic() < deadline:
        try:
            os.kill(client.pid, 0)
        except ProcessLookupError:
            return 0
        time.sleep(0.05)
    try:
        os.kill(client.pid, signal.SIGKILL)
    except ProcessLookupError:
        pass  # it finished between the last look and now
    (state_dir / ADMIN_FILE).unlink(missing_ok=True)
    return 0


def _status(args: argparse.Namespace) -> int:
    print(json.dumps(AdminClient(pathlib.Path(args.state)).status(), indent=2))
    return 0


def _endpoints(args: argparse.Namespace) -> int:
    path = pathlib.Path(args.state) / ENDPOINTS_FILE
    if not path.exists():
        print(f"no lab running in {args.state}", file=sys.stderr)
        return 1
    print(path.read_text())
    return 0


def _audit(args: argparse.Namespace) -> int:
    entries = audit.read(pathlib.Path(args.state) / audit.AUDIT_FILE)
    mutating = True if args.mutating else False if args.read_only else None
    shown = 0
    for entry in entries:
        if "event" in entry and not args.sessions:
            continue
        if "event" not in entry and not audit.matches(entry, args.server, args.command, args.user, mutating,
                                                      args.since):
            continue
        shown += 1
        if args.json:
            print(json.dumps(entry))
        elif "event" in entry:
            # Session events name a configuration and user; SMTP events a report kind and its recipient.
            detail = entry.get("configuration") or entry.get("kind") or entry.get("mail_from") or ""
            print(f"{entry['time'][:23]}  {entry['server']:<10} {entry['event']:<15} {detail:<20} "
                  f"{entry.get('user') or entry.get('to') or ''}")
        else:
            flag = "MUTATES" if audit.is_mutating(entry) else "whatif " if entry.get("mutates") else "read   "
            print(f"{entry['time'][:23]}  {entry['server']:<10} {flag} {entry['command']:<28} "
                  f"{entry['outcome']:<9} {json.dumps(entry.get('parameters'))}")
    if args.count:
        print(shown)
    return 0


def _parse_setting(text: str) -> tuple[str, typing.Any]:
    key, sep, value = text.partition("=")
    if not sep:
        raise FaultConfigError(f"--set needs key=value, got {text!r}")
    try:
        return key, json.loads(value)
    except json.JSONDecodeError:
        return key, value


def _faults(args: argparse.Namespace) -> int:
    client = AdminClient(pathlib.Path(args.state))
    settings: dict[str, typing.Any] = dict(_parse_setting(s) for s in args.set or [])
    if args.rule or args.clear_rules:
        rules = [] if args.clear_rules else list(client.faults()["rules"])
        rules = [{k: v for k, v in r.items() if k not in ("seen", "fired")} for r in rules]
        rules.extend(json.loads(r) for r in args.rule or [])
        settings["rules"] = rules
    result = client.set_faults(settings) if settings else client.faults()
    print(json.dumps(result, indent=2))
    return 0


def _sink(args: argparse.Namespace) -> int:
    import asyncio

    from .smtp.outbound import SmartHost, SmartHostError
    from .smtp.sink import start_sink

    try:
        listen = SmartHost.parse(args.listen, "--listen", allow_any_port=True)
    except SmartHostError as error:
        raise RuntimeError(str(error)) from None
    directory = pathlib.Path(args.dir).resolve()

    async def serve() -> None:
        server = await start_sink(directory, listen.host, listen.port)
        port = server.sockets[0].getsockname()[1]
        print(json.dumps({"listen": f"{listen.host}:{port}", "dir": str(directory)}), flush=True)
        stop = asyncio.Event()
        loop = asyncio.get_running_loop()
        for signum in (signal.SIGTERM, signal.SIGINT):
            loop.add_signal_handler(signum, stop.set)
        await stop.wait()
        server.close()
        await server.wait_closed()

    asyncio.run(serve())
    return 0


def _outbound(args: argparse.Namespace) -> int:
    from .smtp.server import OUTBOUND_DIR
    from .smtp.sink import read_captured

    directory = pathlib.Path(args.dir) if args.dir else pathlib.Path(args.state) / OUTBOUND_DIR
    for captured in read_captured(directory):
        summary = captured.summary()
        if args.json:
            print(json.dumps(summary))
            continue
        statuses = ", ".join(f"{r['recipient']} {r['status']}" for r in summary["recipients"])
        print(f"{summary['file']}  {summary['type']:<10} from <{summary['from']}> to {', '.join(summary['to'])}  "
              f"{summary['subject']!r}" + (f"  [{statuses}]" if statuses else ""))
    return 0


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="exchange-emulator", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    commands = parser.add_subparsers(dest="command", required=True)

    def with_state(p: argparse.ArgumentParser) -> argparse.ArgumentParser:
        p.add_argument("--state", required=True, help="state directory (organisation, audit log, endpoints)")
        return p

    for name, func in (("serve", _serve), ("start", _start)):
        p = with_state(commands.add_parser(name, help=f"{name} a lab"))
        p.add_argument("--lab", required=True, help="lab file (YAML)")
        p.add_argument("--host", default="127.0.0.1", help="address to listen on (default 127.0.0.1)")
        p.add_argument("--log-level", default="warning", choices=["debug", "info", "warning", "error"])
        p.set_defaults(func=func)
        if name == "start":
            p.add_argument("--timeout", type=float, default=30.0, help="seconds to wait for the lab")
            p.add_argument("--inventory", metavar="FILE",
                           help="also write an Ansible inventory of the lab (psrp variables) to FILE")
    p = with_state(commands.add_parser("stop", help="stop a background lab"))
    p.add_argument("--timeout", type=float, default=15.0)
    p.set_defaults(func=_stop)
    with_state(commands.add_parser("status", help="sessions per server and current faults")).set_defaults(func=_status)
    with_state(commands.add_parser("endpoints", help="ports, URLs and users (JSON)")).set_defaults(func=_endpoints)
    p = with_state(commands.add_parser("audit", help="print or filter the audit log"))
    p.add_argument("--server")
    p.add_argument("--command")
    p.add_argument("--user")
    p.add_argument("--since", help="ISO time; entries at or after it")
    group = p.add_mutually_exclusive_group()
    group.add_argument("--mutating", action="store_true", help="only commands that could change state")
    group.add_argument("--read-only", action="store_true", help="only commands that could not")
    p.add_argument("--sessions", action="store_true", help="include session open/close events")
    p.add_argument("--json", action="store_true", help="JSON lines")
    p.add_argument("--count", action="store_true", help="print the number of entries shown")
    p.set_defaults(func=_audit)
    p = with_state(commands.add_parser("faults", help="show or change faults and latency of a running lab"))
    p.add_argument("--set", action="append", metavar="KEY=VALUE",
                   help="session_open_latency, command_latency, session_cap, host_session_cap")
    p.add_argument("--rule", action="append", metavar="JSON",
                   help='add a rule, e.g. {"action": "http_503", "first": 2, "times": 1, "operation": "Create"}')
    p.add_argument("--clear-rules", action="store_true")
    p.set_defaults(func=_faults)
    p = commands.add_parser("sink", help="run a capture sink (an SMTP smart host that stores every message)")
    p.add_argument("--listen", default="127.0.0.1:0", help="HOST:PORT to listen on (port 0 = a free port)")
    p.add_argument("--dir", required=True, help="directory for the captured messages (one .eml each)")
    p.set_defaults(func=_sink)
    p = commands.add_parser("outbound", help="list what the lab's built-in capture sink received")
    group = p.add_mutually_exclusive_group(required=True)
    group.add_argument("--state", help="state directory of the lab (reads <state>/outbound)")
    group.add_argument("--dir", help="a capture sink's directory")
    p.add_argument("--json", action="store_true", help="JSON lines")
    p.set_defaults(func=_outbound)
    commands.add_parser("example-lab", help="print an example lab file").set_defaults(
        func=lambda args: print(EXAMPLE_LAB, end="") or 0)
    _add_scenario_commands(commands)
    kerberos_cli.add_parser(commands)
    return parser


def main(argv: typing.Sequence[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    try:
        return int(args.func(args))
    except (LabError, FaultConfigError, RuntimeError) as error:
        print(f"exchange-emulator: {error}", file=sys.stderr)
        return 2
