"""Which Exchange version first had each parameter of the emulated cmdlets
(docs/docsite/rst/exchange_behaviour.rst, "Exchange 2010, 2007 and 2003").

Every parameter not listed here exists in Exchange 2007 SP3 already. The table compares the syntax
blocks of Microsoft's Exchange 2007 SP3 and Exchange 2010 SP3 cmdlet reference pages with today's
reference (Exchange 2013 and later). On a server of an older version the binder does not know the
parameter, and refuses it as PowerShell refuses any unknown name (NamedParameterNotFound).
"""

from __future__ import annotations

import dataclasses

from .cmdlet import Cmdlet

# cmdlet -> {parameter: first version that has it}
PARAMETER_SINCE: dict[str, dict[str, str]] = {
    "Set-RemoteDomain": {
        # Absent from the 2007 SP3 syntax, present in 2010 SP3's.
        "ByteEncoderTypeFor7BitCharsets": "2010",
        "IsInternal": "2010",
        "NDRDiagnosticInfoEnabled": "2010",
        "PreferredInternetCodePageForShiftJis": "2010",
        "RequiredCharsetCoverage": "2010",
        "TargetDeliveryDomain": "2010",
        "TrustedMailInboundEnabled": "2010",
        "TrustedMailOutboundEnabled": "2010",
        # First in the 2013 syntax.
        "MessageCountThreshold": "2013",
    },
    # Not in the 2007 SP3 or 2010 SP3 syntax.
    "Set-AcceptedDomain": {"MatchSubDomains": "2013"},
    # Exchange 2007 set these per server with Set-TransportServer; 2010 moved them to Set-TransportConfig.
    "Set-TransportConfig": {
        "ExternalDsnSendHtml": "2010",
        "InternalDsnSendHtml": "2010",
        "ExternalDelayDsnEnabled": "2010",
        "InternalDelayDsnEnabled": "2010",
        "ExternalDsnReportingAuthority": "2010",
        "InternalDsnReportingAuthority": "2010",
        "ExternalPostmasterAddress": "2010",
    },
    # 2007 and 2010 have one transport service per server; their references have no -TransportService.
    **{name: {"TransportService": "2013"} for name in (
        "Get-TransportAgent", "Enable-TransportAgent", "Disable-TransportAgent", "Set-TransportAgent",
        "Install-TransportAgent", "Uninstall-TransportAgent")},
}


def with_versions(cmdlet: Cmdlet) -> Cmdlet:
    """The cmdlet with `since` set on the parameters the table lists."""
    since = PARAMETER_SINCE.get(cmdlet.name)
    if not since:
        return cmdlet
    unknown = set(since) - {p.name for p in cmdlet.parameters}
    assert not unknown, f"{cmdlet.name}: no parameter(s) {sorted(unknown)}"
    return dataclasses.replace(cmdlet, parameters=tuple(
        dataclasses.replace(p, since=since[p.name]) if p.name in since else p for p in cmdlet.parameters))
