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
from .organization import Obj, ServerContext, is_transport_server, utc_now
from .parameters import StringArray, Switch
from .records import Record
from .servers import VERSIONS

SNAPIN = "Microsoft.Exchange.Management.PowerShell.SnapIn"
# The Exchange snap-in per version (the name Add-PSSnapin takes on the server itself). PSVersion and
# Description of the registered snap-ins are not in Microsoft's docs; the values are the emulator's.
SNAPINS = {
    "2007": ("Microsoft.Exchange.Management.PowerShell.Admin", "1.0",
             "Exchange Server 2007 management cmdlets (the Exchange Management Shell)"),
    "2010": ("Microsoft.Exchange.Management.PowerShell.E2010", "2.0",
             "Exchange Server 2010 management cmdlets (the Exchange Management Shell)"),
}
MODERN_SNAPIN = (SNAPIN, "2.0", "Exchange Server management cmdlets (the Exchange Management Shell)")


def snapin_name(server: Obj) -> str:
    return SNAPINS.get(server["Version"], MODERN_SNAPIN)[0]


def setup_key_native(server: Obj) -> str:
    return "HKEY_LOCAL_MACHINE\\SOFTWARE\\" + VERSIONS[server["Version"]].setup_key
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
    server = ctx.server
    if lowered != ("software\\" + VERSIONS[server["Version"]].setup_key).lower():
        return None
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
        key = setup_key_native(ctx.server)
        inv.write(Record(["Microsoft.Win32.RegistryKey", "System.MarshalByRefObject", "System.Object"],
                         {"Name": key, "Property": list(values), "SubKeyCount": 0,
                          "ValueCount": len(values)}, key))


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
                    f"Property {name} does not exist at path {setup_key_native(ctx.server)}.",
                    category="InvalidArgument", error_id="System.Management.Automation.PSArgumentException",
                    exchange=False))
            values = {k: v for k, v in values.items() if any(fnmatch.fnmatch(k.lower(), n.lower()) for n in names)}
            if not values:
                continue
        props = dict(values)
        props.update({
            "PSPath": PS_REGISTRY + setup_key_native(ctx.server),
            "PSParentPath": PS_REGISTRY + setup_key_native(ctx.server).rsplit("\\", 1)[0],
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


def snapin_error(message: str, target: str, error_id: str = "AddPSSnapInRead") -> errors.CmdletError:
    return errors.CmdletError("System.Management.Automation.PSArgumentException", errors.ARGUMENT, message,
                              category="InvalidArgument", target=target, error_id=error_id, exchange=False)


def add_snapin(inv: Invocation) -> None:
    loaded = inv.session.setdefault("snapins", [])
    snapin = snapin_name(inv.context.server)
    for name in inv.params["Name"]:
        if name.lower() != snapin.lower():
            # Also another version's Exchange snap-in (E2010 on a 2016 server, SnapIn on a 2010 one).
            inv.error(snapin_error(f"The Windows PowerShell snap-in '{name}' is not installed on this computer.",
                                   name))
        elif snapin in loaded:
            inv.error(snapin_error(f"Cannot add Windows PowerShell snap-in {snapin} because it is already added. "
                                   "Verify the name of the snap-in, and then try again.", snapin))
        else:
            loaded.append(snapin)


def snapin_record(name: str, ps_version: str, description: str) -> Record:
    return Record(["System.Management.Automation.PSSnapInInfo", "System.Object"],
                  {"Name": name, "PSVersion": ps_version, "Description": description, "IsDefault": False,
                   "Vendor": "Microsoft Corporation"}, name)


def get_snapin(inv: Invocation) -> None:
    """Get-PSSnapin: the snap-ins added to this session, or with -Registered those installed on the server
    (the Exchange snap-in of its version). A name without wildcards that matches nothing is an error."""
    server = inv.context.server
    name, ps_version, description = SNAPINS.get(server["Version"], MODERN_SNAPIN)
    if inv.params.get("Registered"):
        available = [(name, ps_version, description)]
    else:
        core = ("Microsoft.PowerShell.Core", "5.1", "This Windows PowerShell snap-in contains cmdlets used to "
                "manage components of Windows PowerShell.")
        available = [core, *[(name, ps_version, description) for n in inv.session.get("snapins", []) if n == name]]
    for pattern in inv.params.get("Name") or ["*"]:
        found = [a for a in available if fnmatch.fnmatch(a[0].lower(), pattern.lower())]
        if not found and not any(ch in pattern for ch in "*?["):
            inv.error(snapin_error(f"No Windows PowerShell snap-ins matching the pattern '{pattern}' were found. "
                                   "Check the pattern and then try the command again.", pattern,
                                   "NoPSSnapInsFound"))
        for item in found:
            inv.write(snapin_record(*item))


def require_snapin(inv: Invocation, command: str) -> None:
    if snapin_name(inv.context.server) not in inv.session.get("snapins", []):
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
    """Scripts on the server's disk that can be invoked by full path, keyed by lower-cased path. On 2007/2010
    Exchange's docs place the anti-spam scripts on Hub Transport servers (and Edge, where they refuse);
    a Mailbox or Client Access server of those versions has none in the emulator."""
    if server["ServerRole"] != "Edge" and not is_transport_server(server):
        return {}
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
    Cmdlet("Get-PSSnapin", POWERSHELL_TASKS + "GetPSSnapinCommand",
           (Parameter("Name", StringArray(), position=0), Parameter("Registered", Switch())),
           get_snapin, exchange=False),
)
