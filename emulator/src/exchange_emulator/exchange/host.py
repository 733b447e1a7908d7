"""The Windows host under Exchange: environment, registry, services, the Exchange snap-in and the
anti-spam scripts
(docs/docsite/rst/exchange_behaviour.rst, "The host endpoint"). These are the commands the host endpoint (`/wsman`,
Microsoft.PowerShell) and the WinRS `powershell.exe` offer.
"""

from __future__ import annotations

import fnmatch
import typing

from . import errors, transport_agents
from .cmdlet import Cmdlet, Invocation, Parameter
from .organization import Obj, ServerContext, utc_now
from .parameters import StringArray, Switch
from .records import Record
from .servers import VERSIONS

SNAPIN = "Microsoft.Exchange.Management.PowerShell.SnapIn"
SETUP_KEY_NATIVE = "HKEY_LOCAL_MACHINE\\SOFTWARE\\Microsoft\\ExchangeServer\\v15\\Setup"
PS_REGISTRY = "Microsoft.PowerShell.Core\\Registry::"
REGISTRY_PREFIXES = ("registry::hkey_local_machine\\", "microsoft.powershell.core\\registry::hkey_local_machine\\",
                     "hklm:\\")
SCRIPT_INSTALL = "Scripts\\Install-AntiSpamAgents.ps1"
SCRIPT_UNINSTALL = "Scripts\\Uninstall-AntiSpamAgents.ps1"
POWERSHELL_TASKS = "Microsoft.PowerShell.Commands."
RUNTIME = ("System.Management.Automation.RuntimeException", "System.SystemException", "System.Exception")


def path_not_found(path: str) -> errors.CmdletError:
    return errors.CmdletError(
        "System.Management.Automation.ItemNotFoundException",
        ("System.Management.Automation.SessionStateException", *RUNTIME),
        f"Cannot find path '{path}' because it does not exist.", category="ObjectNotFound", target=path,
        error_id="PathNotFound", exchange=False)


def environment(ctx: ServerContext) -> dict[str, str]:
    server = ctx.server
    return {
        "COMPUTERNAME": server["Name"],
        "ExchangeInstallPath": server["InstallPath"],
        "OS": "Windows_NT",
        "PROCESSOR_ARCHITECTURE": "AMD64",
        "SystemRoot": "C:\\Windows",
        "USERDNSDOMAIN": ctx.organization["Domain"].upper(),
    }


def registry_key(ctx: ServerContext, path: str) -> dict[str, typing.Any] | None:
    lowered = path.strip().rstrip("\\").lower()
    for prefix in REGISTRY_PREFIXES:
        if lowered.startswith(prefix):
            lowered = lowered[len(prefix):]
            break
    else:
        return None
    if lowered != "software\\microsoft\\exchangeserver\\v15\\setup":
        return None
    server = ctx.server
    major, minor = VERSIONS[server["Version"]].admin_display_version.split()[1].split(".")
    build = VERSIONS[server["Version"]].admin_display_version.split("Build ")[1].rstrip(")").split(".")
    return {
        "MsiInstallPath": server["InstallPath"],
        "MsiProductMajor": int(major),
        "MsiProductMinor": int(minor),
        "MsiBuildMajor": int(build[0]),
        "MsiBuildMinor": int(build[1]),
    }


def get_item(inv: Invocation) -> None:
    ctx = inv.context
    for path in inv.params["Path"]:
        drive, sep, name = path.partition(":")
        if sep and drive.lower() == "env":
            env = environment(ctx)
            matched = [k for k in env if fnmatch.fnmatch(k.lower(), name.lstrip("\\").lower())]
            if not matched:
                inv.error(path_not_found(name.lstrip("\\")))
            for key in matched:
                inv.write(Record(["System.Collections.DictionaryEntry", "System.ValueType", "System.Object"],
                                 {"Name": key, "Key": key, "Value": env[key]}, "System.Collections.DictionaryEntry"))
            continue
        values = registry_key(ctx, path)
        if values is None:
            inv.error(path_not_found(path))
            continue
        inv.write(Record(["Microsoft.Win32.RegistryKey", "System.MarshalByRefObject", "System.Object"],
                         {"Name": SETUP_KEY_NATIVE, "Property": list(values), "SubKeyCount": 0,
                          "ValueCount": len(values)}, SETUP_KEY_NATIVE))


def get_item_property(inv: Invocation) -> None:
    ctx = inv.context
    names = inv.params.get("Name")
    for path in inv.params["Path"]:
        values = registry_key(ctx, path)
        if values is None:
            inv.error(path_not_found(path))
            continue
        if names:
            missing = [n for n in names if not any(fnmatch.fnmatch(k.lower(), n.lower()) for k in values)]
            for name in missing:
                inv.error(errors.CmdletError(
                    "System.Management.Automation.PSArgumentException", errors.ARGUMENT,
                    f"Property {name} does not exist at path {SETUP_KEY_NATIVE}.",
                    category="InvalidArgument", error_id="System.Management.Automation.PSArgumentException",
                    exchange=False))
            values = {k: v for k, v in values.items() if any(fnmatch.fnmatch(k.lower(), n.lower()) for n in names)}
            if not values:
                continue
        props = dict(values)
        props.update({
            "PSPath": PS_REGISTRY + SETUP_KEY_NATIVE,
            "PSParentPath": PS_REGISTRY + SETUP_KEY_NATIVE.rsplit("\\", 1)[0],
            "PSChildName": "Setup",
            "PSDrive": "HKLM",
            "PSProvider": "Microsoft.PowerShell.Core\\Registry",
        })
        inv.write(Record(["System.Management.Automation.PSCustomObject", "System.Object"], props,
                         "@{" + "; ".join(f"{k}={v}" for k, v in props.items()) + "}"))


def service_record(ctx: ServerContext, service: Obj) -> Record:
    return Record(["System.ServiceProcess.ServiceController", "System.ComponentModel.Component",
                   "System.MarshalByRefObject", "System.Object"],
                  {"Name": service["Name"], "DisplayName": service["DisplayName"], "Status": service["Status"],
                   "StartType": service["StartType"], "ServiceName": service["Name"], "MachineName": ".",
                   "CanStop": service["Status"] == "Running"},
                  "System.ServiceProcess.ServiceController")


def services(inv: Invocation) -> list[Obj]:
    """The services the Name parameter names (wildcards allowed), writing an error for each miss."""
    ctx = inv.context
    table = ctx.server["Services"]
    names = inv.params.get("Name") or ["*"]
    chosen: list[Obj] = []
    for name in names:
        found = [s for s in table if fnmatch.fnmatch(s["Name"].lower(), name.lower())
                 or fnmatch.fnmatch(s["DisplayName"].lower(), name.lower())]
        if not found and not any(ch in name for ch in "*?["):
            inv.error(errors.CmdletError(
                "Microsoft.PowerShell.Commands.ServiceCommandException", ("System.SystemException", "System.Exception"),
                f"Cannot find any service with service name '{name}'.", category="ObjectNotFound", target=name,
                error_id="NoServiceFoundForGivenName", exchange=False))
        chosen.extend(s for s in found if s not in chosen)
    return chosen


def get_service(inv: Invocation) -> None:
    for service in services(inv):
        inv.write(service_record(inv.context, service))


def change_service(inv: Invocation, verb: str, status: str, restart: bool) -> None:
    for service in services(inv):
        if not inv.should_process(f'Performing the operation "{verb}" on target "{service["DisplayName"]} '
                                  f'({service["Name"]})".'):
            continue
        if restart or service["Status"] != status:
            service["Status"] = status
            if status == "Running":
                service["StartedAt"] = utc_now()
                if restart:
                    service["Restarts"] += 1
                pending = inv.context.server.get("PendingRestarts", [])
                if service["Name"] in pending:
                    pending.remove(service["Name"])
        if inv.params.get("PassThru"):
            inv.write(service_record(inv.context, service))


def restart_service(inv: Invocation) -> None:
    change_service(inv, "Restart-Service", "Running", restart=True)


def start_service(inv: Invocation) -> None:
    change_service(inv, "Start-Service", "Running", restart=False)


def stop_service(inv: Invocation) -> None:
    change_service(inv, "Stop-Service", "Stopped", restart=False)


def add_snapin(inv: Invocation) -> None:
    loaded = inv.session.setdefault("snapins", [])
    for name in inv.params["Name"]:
        if name.lower() != SNAPIN.lower():
            inv.error(errors.CmdletError(
                "System.Management.Automation.PSArgumentException", errors.ARGUMENT,
                f"The Windows PowerShell snap-in '{name}' is not installed on this computer.",
                category="InvalidArgument", target=name, error_id="AddPSSnapInRead", exchange=False))
        elif SNAPIN in loaded:
            inv.error(errors.CmdletError(
                "System.Management.Automation.PSArgumentException", errors.ARGUMENT,
                f"Cannot add Windows PowerShell snap-in {SNAPIN} because it is already added. Verify the name of the "
                "snap-in, and then try again.", category="InvalidArgument", target=SNAPIN,
                error_id="AddPSSnapInRead", exchange=False))
        else:
            loaded.append(SNAPIN)


def require_snapin(inv: Invocation, command: str) -> None:
    if SNAPIN not in inv.session.get("snapins", []):
        raise errors.CmdletError(
            "System.Management.Automation.CommandNotFoundException", RUNTIME,
            f"The term '{command}' is not recognized as the name of a cmdlet, function, script file, or operable "
            "program. Check the spelling of the name, or if a path was included, verify that the path is correct "
            "and try again.", category="ObjectNotFound", target=command, error_id="CommandNotFoundException",
            exchange=False)


def install_antispam_script(inv: Invocation) -> None:
    require_snapin(inv, "Install-TransportAgent")
    # The script is declared mutating, so it takes -WhatIf: honour it (PowerShell's rule), change nothing.
    if inv.should_process(f'Installing the anti-spam agents on server "{inv.context.server_name}".'):
        transport_agents.install_antispam_agents(inv)


def uninstall_antispam_script(inv: Invocation) -> None:
    require_snapin(inv, "Uninstall-TransportAgent")
    if inv.should_process(f'Uninstalling the anti-spam agents on server "{inv.context.server_name}".'):
        transport_agents.uninstall_antispam_agents(inv)


def scripts(server: Obj) -> dict[str, Cmdlet]:
    """Scripts on the server's disk that can be invoked by full path, keyed by lower-cased path."""
    install = server["InstallPath"]
    return {
        (install + SCRIPT_INSTALL).lower(): Cmdlet(
            install + SCRIPT_INSTALL, "ExternalScript", (), install_antispam_script, mutates=True, exchange=False),
        (install + SCRIPT_UNINSTALL).lower(): Cmdlet(
            install + SCRIPT_UNINSTALL, "ExternalScript", (), uninstall_antispam_script, mutates=True, exchange=False),
    }


PATHS = Parameter("Path", StringArray(), position=0, mandatory=True)
NAMES = Parameter("Name", StringArray(), position=0)
PASSTHRU = Parameter("PassThru", Switch())
FORCE = Parameter("Force", Switch())

CMDLETS = (
    Cmdlet("Get-Item", POWERSHELL_TASKS + "GetItemCommand", (PATHS, FORCE), get_item, exchange=False),
    Cmdlet("Get-ItemProperty", POWERSHELL_TASKS + "GetItemPropertyCommand",
           (PATHS, Parameter("Name", StringArray(), position=1)), get_item_property, exchange=False),
    Cmdlet("Get-Service", POWERSHELL_TASKS + "GetServiceCommand", (NAMES,), get_service, exchange=False),
    Cmdlet("Restart-Service", POWERSHELL_TASKS + "RestartServiceCommand", (NAMES, FORCE, PASSTHRU), restart_service,
           mutates=True, exchange=False),
    Cmdlet("Start-Service", POWERSHELL_TASKS + "StartServiceCommand", (NAMES, PASSTHRU), start_service,
           mutates=True, exchange=False),
    Cmdlet("Stop-Service", POWERSHELL_TASKS + "StopServiceCommand", (NAMES, FORCE, PASSTHRU), stop_service,
           mutates=True, exchange=False),
    Cmdlet("Add-PSSnapin", POWERSHELL_TASKS + "AddPSSnapinCommand", (Parameter("Name", StringArray(), position=0,
                                                                              mandatory=True), PASSTHRU),
           add_snapin, exchange=False),
)
