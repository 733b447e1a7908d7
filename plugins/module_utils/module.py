# -*- coding: utf-8 -*-
# Copyright: (c) 2026, mailhygiene.exchange contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""ExchangeModule: AnsibleModule with the connection options, sessions and result plumbing, so that a
module is its documentation, its resource class and a few lines (DESIGN.md §2, STYLE.md)."""

from __future__ import annotations

import traceback
import typing

from ansible.module_utils.basic import AnsibleModule, env_fallback, missing_required_lib

from .commands import CheckModeViolation
from .errors import ExchangeError, SessionError
from .resources.base import Connections, Resource
from .session import HAS_PYPSRP, HAS_PYWINRM, PYPSRP_IMPORT_ERROR, Endpoint, wsman_options
from .values import InvalidValue

# Exchange's own "nothing changed" warning is expected whenever a Set-* had nothing to do.
UNCHANGED_WARNING = "The command completed successfully but no settings of"


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


class ExchangeModule(AnsibleModule):  # type: ignore[misc]
    def __init__(self, argument_spec: typing.Dict[str, typing.Any], **kwargs: typing.Any) -> None:
        spec = dict(CONNECTION_SPEC)
        spec.update(argument_spec)
        kwargs.setdefault("supports_check_mode", True)
        super().__init__(argument_spec=spec, **kwargs)
        if not HAS_PYPSRP:
            self.fail_json(msg=missing_required_lib("pypsrp"), exception=str(PYPSRP_IMPORT_ERROR))
        if self.params["host_transport"] == "winrm" and not HAS_PYWINRM:
            self.fail_json(msg=missing_required_lib("pywinrm") + " (host_transport=winrm)")
        if not self.params.get("server"):
            self.fail_json(msg="server: no Exchange server given. Set server (or EXCHANGE_SERVER), or run the task "
                               "against an inventory host (ansible_host).")

    # ------------------------------------------------------------------------------------- connections
    def endpoints(self) -> typing.Tuple[Endpoint, Endpoint]:
        p = self.params
        options = wsman_options(p)
        host = Endpoint(p["server"], p["host_port"] or (5986 if p["host_protocol"] == "https" else 5985),
                        p["host_protocol"], p["host_path"], p["host_configuration_name"], dict(options))
        if p["management_endpoint"] == "host_snapin":
            # Edge Transport servers have no IIS and so no /PowerShell/: their Exchange cmdlets are reached
            # through the host endpoint with the Exchange snap-in added.
            management = Endpoint(host.server, host.port, host.protocol, host.path, host.configuration_name,
                                  dict(options), snapin=True)
        else:
            management = Endpoint(p["server"], p["port"] or (443 if p["protocol"] == "https" else 80), p["protocol"],
                                  p["path"], p["configuration_name"], options)
        return management, host

    def connections(self) -> Connections:
        management, host = self.endpoints()
        return Connections(management, host, self.check_mode, host_transport=self.params["host_transport"],
                           retries=self.params["retries"], server_name=self.params.get("server_name"))

    def exchange_warnings(self, connections: Connections) -> None:
        for warning in connections.warnings:
            if not warning.startswith(UNCHANGED_WARNING):
                self.warn("Exchange: %s" % warning)

    def fail_from(self, error: BaseException, **result: typing.Any) -> None:
        """Fail with a message that says what failed and what to do."""
        if isinstance(error, InvalidValue):
            self.fail_json(msg=str(error), **result)
        if isinstance(error, (SessionError, ExchangeError)):
            self.fail_json(msg=str(error), error_type=type(error).__name__,
                           exception_type=getattr(error, "exception_type", None), **result)
        if isinstance(error, CheckModeViolation):
            self.fail_json(msg="internal error: %s" % error, **result)
        if isinstance(error, LookupError):
            self.fail_json(msg=str(error.args[0] if error.args else error), **result)
        self.fail_json(msg="unexpected error: %s" % error, exception=traceback.format_exc(), **result)


def describe(commands: typing.Iterable[typing.Any]) -> typing.List[str]:
    return [c.describe() for c in commands]


def run_resource(module: ExchangeModule, resource_class: typing.Type[Resource], result_key: str) -> None:
    """The whole life of a single-object module: validate, read, plan, apply (not in check mode), read
    again, and report changed, the commands, the diff and the object."""
    try:
        resource = resource_class(module.params)
    except (InvalidValue, LookupError) as error:
        module.fail_from(error)
        return
    result: typing.Dict[str, typing.Any] = {"changed": False}
    try:
        with module.connections() as connections:
            plan = resource.plan(connections)
            result.update(changed=plan.changed, action=plan.action, commands=describe(plan.commands))
            for warning in plan.warnings:
                module.warn(warning)
            if plan.changed and not module.check_mode:
                resource.apply(connections, plan)
                connections.forget()
            current = resource.current(connections) if not (module.check_mode and plan.changed) else plan.after
            result[result_key] = current
            result["diff"] = {"before": plan.before, "after": plan.after}
            module.exchange_warnings(connections)
    except Exception as error:  # every failure becomes a message that says what to do
        module.fail_from(error, **result)
    module.exit_json(**result)


def run_info(module: ExchangeModule, gather: typing.Callable[[typing.Any, typing.Dict[str, typing.Any]], typing.Any],
             result_key: str) -> None:
    """The whole life of an _info module: read, report, never change anything."""
    result: typing.Dict[str, typing.Any] = {"changed": False}
    try:
        with module.connections() as connections:
            result[result_key] = gather(connections, module.params)
    except Exception as error:
        module.fail_from(error, **result)
    module.exit_json(**result)
