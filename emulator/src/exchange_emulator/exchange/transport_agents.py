"""Transport agents of the server that hosts the session (its agents.config), and the anti-spam
install/uninstall scripts (docs/docsite/rst/exchange_behaviour.rst, "Anti-spam and transport agents").

Agent changes need the transport service restarted; every change says so with Exchange's warning, and
the server remembers which changes are pending until `MSExchangeTransport` restarts.
"""

from __future__ import annotations

from . import errors
from .cmdlet import EDGE, Cmdlet, Invocation, Parameter
from .objects import identities
from .organization import Obj, ServerContext, is_legacy, is_transport_server
from .parameters import Enum, Identity, Int, String
from .records import Record

RBAC = ("Transport Agents",)
TASKS = "Microsoft.Exchange.Management.AgentTasks."
RESTART_WARNING = "The following service restart is required for the change(s) to take effect : {service}"
EXIT_WARNING = "Please exit Windows PowerShell to complete the installation."
TRANSPORT_SERVICE = Enum("Microsoft.Exchange.Management.AgentTasks.TransportService",
                         ["Hub", "Edge", "FrontEnd", "MailboxSubmission", "MailboxDelivery"])
SERVICE_OF = {"Hub": "MSExchangeTransport", "Edge": "MSExchangeTransport", "FrontEnd": "MSExchangeFrontEndTransport"}

HYGIENE_ASSEMBLY = "TransportRoles\\agents\\Hygiene\\Microsoft.Exchange.Transport.Agent.Hygiene.dll"
HYGIENE = "Microsoft.Exchange.Transport.Agent."
ANTISPAM_AGENTS = (
    ("Content Filter Agent", HYGIENE + "ContentFilter.ContentFilterAgentFactory"),
    ("Sender Id Agent", HYGIENE + "SenderId.SenderIdAgentFactory"),
    ("Sender Filter Agent", HYGIENE + "ProtocolFilter.SenderFilterAgentFactory"),
    ("Recipient Filter Agent", HYGIENE + "ProtocolFilter.RecipientFilterAgentFactory"),
    ("Protocol Analysis Agent", HYGIENE + "ProtocolAnalysis.ProtocolAnalysisAgentFactory"),
)
MAILBOX_HUB_AGENTS = (
    ("Transport Rule Agent", "Microsoft.Exchange.MessagingPolicies.TransportRuleAgent.TransportRuleAgentFactory",
     "TransportRoles\\agents\\Rule\\Microsoft.Exchange.MessagingPolicies.TransportRuleAgent.dll"),
    ("DLP Policy Agent", "Microsoft.Exchange.MessagingPolicies.DlpPolicyAgent.DlpPolicyAgentFactory",
     "TransportRoles\\agents\\Rule\\Microsoft.Exchange.MessagingPolicies.DlpPolicyAgent.dll"),
    ("Retention Policy Agent", "Microsoft.Exchange.MessagingPolicies.RetentionPolicyAgent.RetentionPolicyAgentFactory",
     "TransportRoles\\agents\\RetentionPolicy\\Microsoft.Exchange.MessagingPolicies.RetentionPolicyAgent.dll"),
    ("Supervisory Review Agent",
     "Microsoft.Exchange.MessagingPolicies.SupervisoryReviewAgent.SupervisoryReviewAgentFactory",
     "TransportRoles\\agents\\SupervisoryReview\\Microsoft.Exchange.MessagingPolicies.SupervisoryReviewAgent.dll"),
    ("Malware Agent", "Microsoft.Exchange.Transport.Agent.Malware.MalwareAgentFactory",
     "TransportRoles\\agents\\Malware\\Microsoft.Exchange.Transport.Agent.Malware.dll"),
    ("Text Messaging Routing Agent", "Microsoft.Exchange.Transport.Agent.TextMessaging.RoutingAgentFactory",
     "TransportRoles\\agents\\TextMessaging\\Microsoft.Exchange.Transport.Agent.TextMessaging.dll"),
    ("Text Messaging Delivery Agent", "Microsoft.Exchange.Transport.Agent.TextMessaging.DeliveryAgentFactory",
     "TransportRoles\\agents\\TextMessaging\\Microsoft.Exchange.Transport.Agent.TextMessaging.dll"),
    ("System Probe Drop Smtp Agent", "Microsoft.Exchange.Transport.Agent.SystemProbeDrop.SmtpAgentFactory",
     "TransportRoles\\agents\\SystemProbeDrop\\Microsoft.Exchange.Transport.Agent.SystemProbeDrop.dll"),
    ("System Probe Drop Routing Agent", "Microsoft.Exchange.Transport.Agent.SystemProbeDrop.RoutingAgentFactory",
     "TransportRoles\\agents\\SystemProbeDrop\\Microsoft.Exchange.Transport.Agent.SystemProbeDrop.dll"),
)
# Hub Transport servers of 2007 and 2010. Exchange 2007's documentation lists the Transport Rule and Journaling
# agents installed and enabled on a Hub; 2010 adds the AD RMS Prelicensing and Text Messaging agents (its
# reference has no such table: taken as 2007's plus the 2010 features that come as agents).
RULE = "TransportRoles\\agents\\Rule\\"
LEGACY_HUB_AGENTS: dict[str, tuple[tuple[str, str, str], ...]] = {
    "2007": (
        ("Transport Rule Agent", "Microsoft.Exchange.MessagingPolicies.TransportRuleAgent.TransportRuleAgentFactory",
         RULE + "Microsoft.Exchange.MessagingPolicies.TransportRuleAgent.dll"),
        ("Journaling Agent", "Microsoft.Exchange.MessagingPolicies.Journaling.JournalAgentFactory",
         "TransportRoles\\agents\\Journaling\\Microsoft.Exchange.MessagingPolicies.JournalAgent.dll"),
    ),
}
LEGACY_HUB_AGENTS["2010"] = (
    *LEGACY_HUB_AGENTS["2007"],
    ("AD RMS Prelicensing Agent", "Microsoft.Exchange.MessagingPolicies.RmSvcAgent.RmsPrelicensingAgentFactory",
     "TransportRoles\\agents\\RmSvc\\Microsoft.Exchange.MessagingPolicies.RmSvcAgent.dll"),
    ("Text Messaging Routing Agent", "Microsoft.Exchange.Transport.Agent.TextMessaging.RoutingAgentFactory",
     "TransportRoles\\agents\\TextMessaging\\Microsoft.Exchange.Transport.Agent.TextMessaging.dll"),
    ("Text Messaging Delivery Agent", "Microsoft.Exchange.Transport.Agent.TextMessaging.DeliveryAgentFactory",
     "TransportRoles\\agents\\TextMessaging\\Microsoft.Exchange.Transport.Agent.TextMessaging.dll"),
)
EDGE_AGENTS = (
    ("Connection Filtering Agent", HYGIENE + "ConnectionFiltering.ConnectionFilteringAgentFactory", HYGIENE_ASSEMBLY),
    ("Address Rewriting Inbound Agent", "Microsoft.Exchange.MessagingPolicies.AddressRewrite.FactoryInbound",
     "TransportRoles\\agents\\AddressRewrite\\Microsoft.Exchange.MessagingPolicies.AddressRewrite.dll"),
    ("Edge Rule Agent", "Microsoft.Exchange.MessagingPolicies.EdgeRuleAgent.EdgeRuleAgentFactory",
     "TransportRoles\\agents\\EdgeRule\\Microsoft.Exchange.MessagingPolicies.EdgeRuleAgent.dll"),
    *((name, factory, HYGIENE_ASSEMBLY) for name, factory in ANTISPAM_AGENTS),
    ("Attachment Filtering Agent", "Microsoft.Exchange.MessagingPolicies.AttachFilter.Factory",
     "TransportRoles\\agents\\Hygiene\\Microsoft.Exchange.MessagingPolicies.AttachFilter.dll"),
    ("Address Rewriting Outbound Agent", "Microsoft.Exchange.MessagingPolicies.AddressRewrite.FactoryOutbound",
     "TransportRoles\\agents\\AddressRewrite\\Microsoft.Exchange.MessagingPolicies.AddressRewrite.dll"),
)


def agent(name: str, factory: str, assembly: str, priority: int, install_path: str, enabled: bool = True) -> Obj:
    return {"Identity": name, "Enabled": enabled, "Priority": priority, "TransportAgentFactory": factory,
            "AssemblyPath": install_path + assembly}


def install_default_agents(server: Obj) -> None:
    """The agents setup registers: Edge has the anti-spam agents built in; Mailbox servers (2013+) and Hub
    Transport servers (2007/2010) do not. A 2007/2010 server without the Hub role has no transport service."""
    path = server["InstallPath"]
    if server["ServerRole"] == EDGE:
        server["TransportAgents"] = {"Edge": [agent(n, f, a, i + 1, path) for i, (n, f, a) in enumerate(EDGE_AGENTS)]}
    elif not is_transport_server(server):
        server["TransportAgents"] = {}
    elif is_legacy(server):
        server["TransportAgents"] = {
            "Hub": [agent(n, f, a, i + 1, path) for i, (n, f, a) in enumerate(LEGACY_HUB_AGENTS[server["Version"]])]}
    else:
        server["TransportAgents"] = {
            "Hub": [agent(n, f, a, i + 1, path) for i, (n, f, a) in enumerate(MAILBOX_HUB_AGENTS)],
            "FrontEnd": [],
        }
    server.setdefault("PendingRestarts", [])


def default_service(ctx: ServerContext) -> str:
    return "Edge" if ctx.is_edge else "Hub"


def agents_of(inv: Invocation) -> tuple[str, list[Obj]]:
    ctx = inv.context
    service = inv.params.get("TransportService") or default_service(ctx)
    table = ctx.server["TransportAgents"]
    if not table:
        # A 2007/2010 server without the Hub Transport role: Microsoft's docs say the transport agent cmdlets
        # run on Hub Transport and Edge Transport servers, not what they answer elsewhere (text is ours).
        raise errors.invalid_operation(
            f"Server '{ctx.server_name}' doesn't have the Hub Transport or Edge Transport server role installed, "
            "so it has no transport agents.")
    if service not in table:
        raise errors.invalid_operation(
            f"The transport service '{service}' isn't installed on server '{ctx.server_name}'. Valid transport "
            f"services on this server: {', '.join(table)}.")
    return service, table[service]


def to_record(obj: Obj) -> Record:
    return Record(["Microsoft.Exchange.Management.AgentTasks.TransportAgent", "System.Object"],
                  {"Identity": obj["Identity"], "Enabled": obj["Enabled"], "Priority": obj["Priority"],
                   "TransportAgentFactory": obj["TransportAgentFactory"], "AssemblyPath": obj["AssemblyPath"]},
                  obj["Identity"])


def find_agent(agents: list[Obj], identity: str) -> Obj | None:
    for obj in agents:
        if obj["Identity"].lower() == identity.strip().lower():
            return obj
    return None


def require_agent(inv: Invocation, agents: list[Obj], identity: str) -> Obj | None:
    obj = find_agent(agents, identity)
    if obj is None:
        inv.error(errors.CmdletError(
            "Microsoft.Exchange.Management.AgentTasks.TransportAgentNotFoundException", errors.LOCALIZED,
            f"Transport agent \"{identity}\" isn't found.", category="ObjectNotFound"))
    return obj


def needs_restart(inv: Invocation, service: str) -> None:
    service_name = SERVICE_OF.get(service, "MSExchangeTransport")
    pending = inv.context.server.setdefault("PendingRestarts", [])
    if service_name not in pending:
        pending.append(service_name)
    inv.warn(RESTART_WARNING.format(service=service_name))


def get_transport_agent(inv: Invocation) -> None:
    _, agents = agents_of(inv)
    identity = inv.params.get("Identity")
    # An unknown name returns nothing and no error (docs/docsite/rst/exchange_behaviour.rst, "Transport agent cmdlets").
    for obj in sorted(agents, key=lambda a: a["Priority"]):
        if identity is None or obj["Identity"].lower() == identity.strip().lower():
            inv.write(to_record(obj))


def set_enabled(inv: Invocation, enabled: bool, verb: str) -> None:
    service, agents = agents_of(inv)
    # -Identity, or the agents piped in (`Get-TransportAgent X | Disable-TransportAgent`).
    for identity in identities(inv):
        obj = require_agent(inv, agents, identity)
        if obj is None or not inv.should_process(f'{verb} transport agent "{obj["Identity"]}".'):
            continue
        obj["Enabled"] = enabled
        needs_restart(inv, service)


def enable_transport_agent(inv: Invocation) -> None:
    set_enabled(inv, True, "Enabling")


def disable_transport_agent(inv: Invocation) -> None:
    set_enabled(inv, False, "Disabling")


def set_transport_agent(inv: Invocation) -> None:
    service, agents = agents_of(inv)
    for identity in identities(inv):
        obj = require_agent(inv, agents, identity)
        if obj is None:
            continue
        if "Priority" in inv.params:
            priority = inv.params["Priority"]
            if not 1 <= priority <= len(agents):
                raise errors.argument_error(
                    f"The priority value {priority} isn't valid. Specify a value between 1 and {len(agents)}.")
            if not inv.should_process(f'Setting transport agent "{obj["Identity"]}".'):
                continue
            ordered = sorted((a for a in agents if a is not obj), key=lambda a: a["Priority"])
            ordered.insert(priority - 1, obj)
            for index, item in enumerate(ordered):
                item["Priority"] = index + 1
        needs_restart(inv, service)


def install_agent(agents: list[Obj], name: str, factory: str, assembly_path: str) -> Obj:
    if find_agent(agents, name) is not None:
        raise errors.argument_error(f'A Transport agent with the identity "{name}" already exists.')
    obj = {"Identity": name, "Enabled": False, "Priority": len(agents) + 1, "TransportAgentFactory": factory,
           "AssemblyPath": assembly_path}
    agents.append(obj)
    return obj


def install_transport_agent(inv: Invocation) -> None:
    service, agents = agents_of(inv)
    name = inv.params["Name"]
    if not inv.should_process(f'Installing transport agent "{name}".'):
        return
    obj = install_agent(agents, name, inv.params["TransportAgentFactory"], inv.params["AssemblyPath"])
    inv.write(to_record(obj))
    inv.warn(EXIT_WARNING)
    needs_restart(inv, service)


def uninstall_transport_agent(inv: Invocation) -> None:
    service, agents = agents_of(inv)
    for identity in identities(inv):
        obj = require_agent(inv, agents, identity)
        if obj is None or not inv.should_process(f'Uninstalling transport agent "{obj["Identity"]}".'):
            continue
        agents.remove(obj)
        for index, item in enumerate(sorted(agents, key=lambda a: a["Priority"])):
            item["Priority"] = index + 1
        inv.warn(EXIT_WARNING)
        needs_restart(inv, service)


def install_antispam_agents(inv: Invocation) -> None:
    """Install-AntiSpamAgents.ps1: the five hygiene agents, enabled, at the next priorities."""
    ctx = inv.context
    agents = ctx.server["TransportAgents"].get("Hub")
    if agents is None and not ctx.is_edge:
        agents_of(inv)  # a 2007/2010 server without the Hub Transport role: refused there
    if agents is None:
        raise errors.invalid_operation("The anti-spam agents are already part of the Edge Transport role.")
    for name, _ in ANTISPAM_AGENTS:
        if find_agent(agents, name) is not None:
            raise errors.argument_error(f'A Transport agent with the identity "{name}" already exists.')
    for name, factory in ANTISPAM_AGENTS:
        obj = install_agent(agents, name, factory, ctx.server["InstallPath"] + HYGIENE_ASSEMBLY)
        obj["Enabled"] = True
        inv.write(to_record(obj))
        needs_restart(inv, "Hub")
    ctx.server["AntispamAgentsEnabled"] = True
    inv.warn(EXIT_WARNING)


def uninstall_antispam_agents(inv: Invocation) -> None:
    """Uninstall-AntiSpamAgents.ps1: remove the hygiene agents that are present."""
    ctx = inv.context
    agents = ctx.server["TransportAgents"].get("Hub")
    if agents is None:
        raise errors.invalid_operation("The anti-spam agents are part of the Edge Transport role and can't be "
                                       "uninstalled.")
    names = {name.lower() for name, _ in ANTISPAM_AGENTS}
    removed = [a for a in agents if a["Identity"].lower() in names]
    for obj in removed:
        agents.remove(obj)
    for index, item in enumerate(sorted(agents, key=lambda a: a["Priority"])):
        item["Priority"] = index + 1
    ctx.server["AntispamAgentsEnabled"] = False
    if removed:
        needs_restart(inv, "Hub")
    inv.warn(EXIT_WARNING)


def antispam_installed(server: Obj) -> bool:
    if not server["TransportAgents"]:
        return False
    agents = next(iter(server["TransportAgents"].values()))
    return all(find_agent(agents, name) is not None for name, _ in ANTISPAM_AGENTS)


AGENT_IDENTITY = Identity("Microsoft.Exchange.Management.AgentTasks.TransportAgentObjectId")
SERVICE = Parameter("TransportService", TRANSPORT_SERVICE)  # since 2013 (versions.PARAMETER_SINCE)
DC = Parameter("DomainController", String())

CMDLETS = (
    Cmdlet("Get-TransportAgent", TASKS + "GetTransportAgent",
           (Parameter("Identity", AGENT_IDENTITY, position=0, from_pipeline=True), SERVICE, DC),
           get_transport_agent, rbac_roles=(*RBAC, "View-Only Configuration")),
    Cmdlet("Enable-TransportAgent", TASKS + "EnableTransportAgent",
           (Parameter("Identity", AGENT_IDENTITY, position=0, mandatory=True, from_pipeline=True), SERVICE, DC),
           enable_transport_agent, mutates=True, rbac_roles=RBAC),
    Cmdlet("Disable-TransportAgent", TASKS + "DisableTransportAgent",
           (Parameter("Identity", AGENT_IDENTITY, position=0, mandatory=True, from_pipeline=True), SERVICE, DC),
           disable_transport_agent, mutates=True, confirm_impact="High", rbac_roles=RBAC),
    Cmdlet("Set-TransportAgent", TASKS + "SetTransportAgent",
           (Parameter("Identity", AGENT_IDENTITY, position=0, mandatory=True, from_pipeline=True), SERVICE, DC,
            Parameter("Priority", Int(1))),
           set_transport_agent, mutates=True, rbac_roles=RBAC),
    Cmdlet("Install-TransportAgent", TASKS + "InstallTransportAgent",
           (Parameter("Name", String(), position=0, mandatory=True),
            Parameter("TransportAgentFactory", String(), mandatory=True),
            Parameter("AssemblyPath", String(), mandatory=True), SERVICE, DC),
           install_transport_agent, mutates=True, rbac_roles=RBAC),
    Cmdlet("Uninstall-TransportAgent", TASKS + "UninstallTransportAgent",
           (Parameter("Identity", AGENT_IDENTITY, position=0, mandatory=True, from_pipeline=True), SERVICE, DC),
           uninstall_transport_agent, mutates=True, confirm_impact="High", rbac_roles=RBAC),
)
