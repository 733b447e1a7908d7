# -*- coding: utf-8 -*-
# Copyright: (c) 2026, mailhygiene.exchange contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The connection options every Exchange module takes, and what makes two tasks' sessions the same.

Kept apart from the session code so that the action plugin, which only forwards a task, does not import the
PowerShell Remoting client.
"""

from __future__ import annotations

import hashlib
import json
import typing

from ansible.module_utils.basic import env_fallback

# Environment variables a task's session depends on: the modules' EXCHANGE_* fallbacks, Kerberos (ticket cache,
# krb5.conf, keytabs) and proxies. Prefixes, and (lower-case) whole names.
SESSION_ENVIRONMENT = ("EXCHANGE_", "KRB5", "http_proxy", "https_proxy", "no_proxy", "requests_ca_bundle",
                       "curl_ca_bundle")


def _env(option: str) -> typing.Dict[str, typing.Any]:
    return {"fallback": (env_fallback, ["EXCHANGE_" + option.upper()])}


def _option(kind: str, **extra: typing.Any) -> typing.Callable[[str], typing.Dict[str, typing.Any]]:
    return lambda name: dict({"type": kind}, **_env(name), **extra)


CONNECTION_OPTIONS: typing.Dict[str, typing.Callable[[str], typing.Dict[str, typing.Any]]] = {
    "server": _option("str"),
    "server_name": _option("str"),
    "management_endpoint": _option("str", choices=["remote_powershell", "host_snapin"], default="remote_powershell"),
    "port": _option("int"),
    "protocol": _option("str", choices=["http", "https"], default="http"),
    "path": _option("str", default="PowerShell"),
    "configuration_name": _option("str", default="Microsoft.Exchange"),
    "auth": _option("str", choices=["basic", "certificate", "negotiate", "kerberos", "ntlm", "credssp"],
                    default="kerberos"),
    "username": _option("str"),
    "password": _option("str", no_log=True),
    "cert_validation": _option("str", choices=["validate", "ignore"], default="validate"),
    "ca_cert": _option("path"),
    "connection_timeout": _option("int", default=30),
    "read_timeout": _option("int", default=30),
    "operation_timeout": _option("int", default=20),
    "reconnection_retries": _option("int", default=0),
    "reconnection_backoff": _option("float", default=2.0),
    "message_encryption": _option("str", choices=["auto", "always", "never"], default="auto"),
    "proxy": _option("str"),
    "ignore_proxy": _option("bool", default=False),
    "negotiate_delegate": _option("bool"),
    "negotiate_hostname_override": _option("str"),
    "negotiate_send_cbt": _option("bool", default=True),
    "negotiate_service": _option("str", default="WSMAN"),
    "certificate_pem": _option("path"),
    "certificate_key_pem": _option("path", no_log=False),
    "credssp_auth_mechanism": _option("str", choices=["auto", "kerberos", "ntlm"]),
    "credssp_disable_tlsv1_2": _option("bool"),
    "credssp_minimum_version": _option("int"),
    "retries": _option("int", default=3),
    "host_port": _option("int"),
    "host_protocol": _option("str", choices=["http", "https"], default="http"),
    "host_path": _option("str", default="wsman"),
    "host_configuration_name": _option("str", default="Microsoft.PowerShell"),
    "host_transport": _option("str", choices=["psrp", "winrm"], default="psrp"),
}
CONNECTION_SPEC: typing.Dict[str, typing.Dict[str, typing.Any]] = {
    name: make(name) for name, make in CONNECTION_OPTIONS.items()}


def session_environment(environment: typing.Mapping[str, str]) -> typing.Dict[str, str]:
    """The variables of an environment that a session depends on."""
    return {name: str(value) for name, value in environment.items()
            if name.startswith(SESSION_ENVIRONMENT) or name.lower() in SESSION_ENVIRONMENT}


def session_key(params: typing.Mapping[str, typing.Any], environment: typing.Mapping[str, str]) -> str:
    """A digest of everything that decides whose session it is and where: two tasks share sessions only when
    every connection option (credentials included) and the session environment are the same."""
    material = {"options": {name: params.get(name) for name in sorted(CONNECTION_OPTIONS)},
                "environment": session_environment(environment)}
    return hashlib.sha256(json.dumps(material, sort_keys=True, default=str).encode("utf-8")).hexdigest()
