"""A throwaway MIT Kerberos realm on loopback for a lab: a KDC (krb5kdc), the lab's users as principals,
and the service principals of every emulated server in a keytab the emulator accepts with.

The realm lives in one temporary directory with its own krb5.conf; clients and the emulator find it through
KRB5_CONFIG (`LabRealm.env`), so nothing under /etc is read or changed. Built on k5test, which drives the
MIT tools (kdb5_util, kadmin.local, krb5kdc; Debian packages krb5-kdc, krb5-admin-server, krb5-user).

A real Exchange server's computer account answers host/, HTTP/ and WSMAN/ names; the keytab holds all three
for every server (pypsrp asks for WSMAN/ by default, a browser-style client for HTTP/).
"""

from __future__ import annotations

import os
import pathlib
import shutil
import socket
import subprocess
import typing

# MIT principal names are case-sensitive (Active Directory SPNs are not): host/ as MIT and pypsrp spell it.
SERVICE_CLASSES = ("host", "HTTP", "WSMAN")
TOOLS = ("krb5kdc", "kdb5_util", "kadmin.local", "kinit", "klist")
PACKAGES = "krb5-kdc krb5-admin-server krb5-user (and the Python packages k5test and gssapi)"
SBIN = "/usr/sbin:/usr/local/sbin"


class RealmUnavailable(RuntimeError):
    """The tools or Python packages a realm needs are missing; the message says what to install."""


def missing_requirements() -> str | None:
    """Why a realm cannot start here (what to install), or None when it can."""
    path = os.environ.get("PATH", "") + os.pathsep + SBIN
    tools = [t for t in TOOLS if shutil.which(t, path=path) is None]
    if tools:
        return f"the MIT Kerberos tools {', '.join(tools)} are not installed: install {PACKAGES}"
    for module in ("k5test", "gssapi", "krb5"):
        try:
            __import__(module)
        except ImportError:
            return (f"the Python package {module} is not installed: pip install k5test 'pyspnego[kerberos]' "
                    "(gssapi and krb5 build against libkrb5-dev, gcc and python3-dev)")
    return None


def _free_port_block(size: int = 10) -> int:
    """The first port of `size` consecutive loopback ports free for TCP and UDP (k5test uses portbase+0..9)."""
    for _ in range(50):
        with socket.socket() as probe:
            probe.bind(("127.0.0.1", 0))
            base = int(probe.getsockname()[1])
        if base + size > 65535:
            continue
        try:
            for port in range(base, base + size):
                for kind in (socket.SOCK_STREAM, socket.SOCK_DGRAM):
                    with socket.socket(socket.AF_INET, kind) as sock:
                        sock.bind(("127.0.0.1", port))
        except OSError:
            continue
        return base
    raise RuntimeError("no block of ten free loopback ports for the KDC")


class LabRealm:
    """A running realm. `env` is what a client or the emulator needs in its environment."""

    def __init__(self, realm: str = "CONTOSO.COM") -> None:
        reason = missing_requirements()
        if reason:
            raise RealmUnavailable(reason)
        import k5test

        os.environ["PATH"] = os.environ.get("PATH", "") + os.pathsep + SBIN  # k5test finds the tools on PATH
        self.realm = realm.upper()
        port = _free_port_block()
        loopback = f"127.0.0.1:{port}"
        krb5_conf = {
            # No DNS: server names are never resolved or canonicalised, the realm comes from domain_realm.
            "libdefaults": {"default_realm": self.realm, "dns_lookup_kdc": "false", "dns_lookup_realm": "false",
                            "rdns": "false", "dns_canonicalize_hostname": "false", "udp_preference_limit": "1"},
            "realms": {"$realm": {"kdc": loopback, "admin_server": f"127.0.0.1:{port + 1}",
                                  "kpasswd_server": f"127.0.0.1:{port + 2}"}},
            "domain_realm": {"." + self.realm.lower(): self.realm, self.realm.lower(): self.realm},
        }
        kdc_conf = {"realms": {"$realm": {"kdc_listen": loopback, "kdc_tcp_listen": loopback}}}
        self._k5 = k5test.K5Realm(realm=self.realm, portbase=port, krb5_conf=krb5_conf, kdc_conf=kdc_conf,
                                  create_user=False, create_host=False, get_creds=False, start_kadmind=False)
        self.directory = pathlib.Path(self._k5.tmpdir)
        self.keytab = self.directory / "services.keytab"
        self.kdc_port = port
        self._principals: set[str] = set()

    # ------------------------------------------------------------------ environment
    @property
    def env(self) -> dict[str, str]:
        """KRB5_CONFIG and friends for a process that uses this realm (client or acceptor)."""
        return {"KRB5_CONFIG": str(self.directory / "krb5.conf"), "KRB5CCNAME": f"FILE:{self.directory}/ccache",
                "KRB5_KTNAME": f"FILE:{self.keytab}", "KRB5_KDC_PROFILE": str(self.directory / "kdc.conf"),
                "KRB5_TRACE": os.environ.get("KRB5_TRACE", "/dev/null")}

    @property
    def krb5_conf(self) -> pathlib.Path:
        return self.directory / "krb5.conf"

    # ------------------------------------------------------------------ principals
    def principal(self, name: str) -> str:
        return name if "@" in name else f"{name}@{self.realm}"

    def add_user(self, name: str, password: str) -> str:
        """A user principal with a password (no shell-special characters: k5test passes it through kadmin)."""
        principal = self.principal(name)
        if principal not in self._principals:
            self._kadmin(f"addprinc -pw {password} {principal}")
            self._principals.add(principal)
        return principal

    def add_services(self, fqdn: str, keytab: pathlib.Path | None = None) -> list[str]:
        """HOST/, HTTP/ and WSMAN/<fqdn> with random keys, exported into the keytab (the lab's by default)."""
        principals = [self.principal(f"{service}/{fqdn.lower()}") for service in SERVICE_CLASSES]
        for principal in principals:
            if principal not in self._principals:
                self._kadmin(f"addprinc -randkey {principal}")
                self._principals.add(principal)
            self._kadmin(f"ktadd -k {keytab or self.keytab} -norandkey {principal}")
        return principals

    def client_keytab(self, name: str, keytab: pathlib.Path) -> pathlib.Path:
        """Export a user's keys for unattended `kinit -kt` (the user's password stays valid)."""
        self._kadmin(f"ktadd -k {keytab} -norandkey {self.principal(name)}")
        return keytab

    def kinit(self, name: str, password: str | None = None, ccache: str | None = None,
              keytab: pathlib.Path | None = None, lifetime: str | None = None) -> subprocess.CompletedProcess[str]:
        """Run kinit as a user would; returns the completed process (check returncode)."""
        command = ["kinit"]
        if lifetime:
            command += ["-l", lifetime]
        if keytab is not None:
            command += ["-k", "-t", str(keytab)]
        if ccache:
            command += ["-c", ccache]
        command.append(self.principal(name))
        env = dict(os.environ, KRB5_CONFIG=str(self.krb5_conf))  # the caller's KRB5CCNAME, unless `ccache`
        return subprocess.run(command, input=f"{password}\n" if password else None, env=env, capture_output=True,
                              text=True, timeout=30, check=False)

    def set_max_life(self, name: str, life: str) -> None:
        self._kadmin(f'modprinc -maxlife "{life}" {self.principal(name)}')

    def _kadmin(self, query: str) -> None:
        self._k5.run_kadminl(query)

    # ------------------------------------------------------------------ lifetime
    def stop(self) -> None:
        self._k5.stop()
        shutil.rmtree(self.directory, ignore_errors=True)

    def __enter__(self) -> LabRealm:
        return self

    def __exit__(self, *exc_info: typing.Any) -> None:
        self.stop()
