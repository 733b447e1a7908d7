"""exchange-emulator realm: the tests' throwaway Kerberos realm, for running a Kerberos lab by hand.

    exchange-emulator realm serve --lab lab.yml --dir DIR   run a realm for the lab in the foreground
    exchange-emulator realm start --lab lab.yml --dir DIR   the same in the background
    exchange-emulator realm stop  --dir DIR                 stop it

The realm gets the lab's users (same passwords) and host/, HTTP/ and WSMAN/<fqdn> of each server, written to
the keytab the lab file names (auth.kerberos_keytab, else DIR/services.keytab). DIR/krb5.conf is the file to
point KRB5_CONFIG at, for the emulator (exchange-emulator start) and for the clients.
"""

from __future__ import annotations

import argparse
import json
import os
import pathlib
import shutil
import signal
import subprocess
import sys
import threading
import time
import typing

from .kerberos import LabRealm
from .lab import load_lab

REALM_FILE = "realm.json"


def _serve(args: argparse.Namespace) -> int:
    directory = pathlib.Path(args.dir).resolve()
    directory.mkdir(parents=True, exist_ok=True)
    lab = load_lab(pathlib.Path(args.lab))
    keytab = lab.auth.kerberos.keytab.resolve() if lab.auth.kerberos else directory / "services.keytab"
    realm_name = lab.auth.kerberos.realm if lab.auth.kerberos else lab.domain.upper()
    stop = threading.Event()
    for signum in (signal.SIGTERM, signal.SIGINT):
        signal.signal(signum, lambda *_: stop.set())
    with LabRealm(realm_name) as realm:
        for user in lab.users:
            realm.add_user(user.name, user.password)
        keytab.unlink(missing_ok=True)  # principals get new random keys in every new realm
        for server in lab.servers:
            realm.add_services(server.fqdn or f"{server.name.lower()}.{lab.domain}", keytab)
        shutil.copy(realm.krb5_conf, directory / "krb5.conf")
        info = {"pid": os.getpid(), "realm": realm.realm, "kdc_port": realm.kdc_port, "keytab": str(keytab),
                "krb5_conf": str(directory / "krb5.conf")}
        (directory / REALM_FILE).write_text(json.dumps(info, indent=2), encoding="utf-8")
        print(json.dumps(info, indent=2), flush=True)
        print(f"export KRB5_CONFIG={directory / 'krb5.conf'}", flush=True)
        try:
            stop.wait()
        finally:
            (directory / REALM_FILE).unlink(missing_ok=True)
    return 0


def _start(args: argparse.Namespace) -> int:
    directory = pathlib.Path(args.dir).resolve()
    directory.mkdir(parents=True, exist_ok=True)
    (directory / REALM_FILE).unlink(missing_ok=True)
    log_path = directory / "realm.log"
    with open(log_path, "ab") as log_file:
        process = subprocess.Popen(
            [sys.executable, "-m", "exchange_emulator", "realm", "serve", "--lab",
             str(pathlib.Path(args.lab).resolve()), "--dir", str(directory)],
            stdout=log_file, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL, start_new_session=True)
    deadline = time.monotonic() + args.timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            print(f"the realm exited with {process.returncode}: {log_path.read_text()[-2000:]}", file=sys.stderr)
            return 1
        if (directory / REALM_FILE).exists():
            print((directory / REALM_FILE).read_text())
            return 0
        time.sleep(0.1)
    process.terminate()
    print(f"the realm did not start within {args.timeout} s; see {log_path}", file=sys.stderr)
    return 1


def _stop(args: argparse.Namespace) -> int:
    info_file = pathlib.Path(args.dir).resolve() / REALM_FILE
    if not info_file.exists():
        print(f"no realm running in {info_file.parent}")
        return 0
    pid = int(json.loads(info_file.read_text())["pid"])
    try:
        os.kill(pid, signal.SIGTERM)
    except ProcessLookupError:
        info_file.unlink(missing_ok=True)
        return 0
    deadline = time.monotonic() + 15
    while time.monotonic() < deadline and info_file.exists():
        time.sleep(0.1)
    return 0


def add_parser(commands: typing.Any) -> None:
    realm = commands.add_parser("realm", help="a throwaway MIT Kerberos realm for a lab (serve, start, stop)")
    actions = realm.add_subparsers(dest="realm_command", required=True)
    for name, func in (("serve", _serve), ("start", _start)):
        p = actions.add_parser(name, help=f"{name} a realm for a lab's users and servers")
        p.add_argument("--lab", required=True, help="lab file (YAML)")
        p.add_argument("--dir", required=True, help="where krb5.conf, realm.json (and the keytab) are written")
        if name == "start":
            p.add_argument("--timeout", type=float, default=30.0)
        p.set_defaults(func=func)
    p = actions.add_parser("stop", help="stop a background realm")
    p.add_argument("--dir", required=True)
    p.set_defaults(func=_stop)
