# -*- coding: utf-8 -*-
# Copyright: (c) 2026, mailhygiene.exchange contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""What differs between Exchange versions, as data: the version a server runs (from its AdminDisplayVersion),
the snap-in of its management tools, the cmdlet noun of its transport settings, its install path, and the
parameters of the cmdlets this collection sends that older versions lack (refused before anything is sent).

Sources: Microsoft's cmdlet reference for each version (the Exchange 2007 and 2010 "Applies to" pages and
today's reference), summarised in docs/exchange-versions.md. Where Microsoft's pages are silent, the comment
next to the entry says so.
"""

from __future__ import annotations

import re
import typing

# Oldest first. "2003" is recognised only to be refused: Exchange 2003 has no Exchange Management Shell.
VERSIONS = ("2003", "2007", "2010", "2013", "2016", "2019", "SE")
# Versions whose transport settings are Get-/Set-TransportServer and whose transport agent cmdlets have no
# -TransportService (Exchange 2013 split the transport into services; 2007 and 2010 have one per server).
TRANSPORT_SERVER_VERSIONS = ("2007", "2010")
UNMANAGEABLE = ("2003",)

# The snap-in of the Exchange Management Shell, by version; the host endpoint adds the one the server has.
SNAPIN_2013 = "Microsoft.Exchange.Management.PowerShell.SnapIn"
SNAPIN_2010 = "Microsoft.Exchange.Management.PowerShell.E2010"
SNAPIN_2007 = "Microsoft.Exchange.Management.PowerShell.Admin"
SNAPINS = {"2007": SNAPIN_2007, "2010": SNAPIN_2010, "2013": SNAPIN_2013, "2016": SNAPIN_2013,
           "2019": SNAPIN_2013, "SE": SNAPIN_2013}
# Newest first: a server with the tools of several versions installed is managed with the newest.
SNAPIN_PREFERENCE = (SNAPIN_2013, SNAPIN_2010, SNAPIN_2007)
SNAPIN_PATTERN = "Microsoft.Exchange.Management.PowerShell.*"

# Where Setup installs Exchange by default, used only when the server's environment does not say
# (ExchangeInstallPath). Exchange 2007 installs without a version folder.
DEFAULT_INSTALL_PATHS = {
    "2007": "C:\\Program Files\\Microsoft\\Exchange Server\\",
    "2010": "C:\\Program Files\\Microsoft\\Exchange Server\\V14\\",
}
DEFAULT_INSTALL_PATH = "C:\\Program Files\\Microsoft\\Exchange Server\\V15\\"

# Per cmdlet, the parameters this collection may send that not every version has: parameter -> the first
# version whose cmdlet has it. Parameters not listed exist on every version the collection manages
# (Exchange 2007 SP3 onwards). The same table is in docs/exchange-versions.md.
FIRST_VERSION: typing.Dict[str, typing.Dict[str, str]] = {
    # Exchange 2007 SP3's Set-RemoteDomain lacks these; Exchange 2010 SP3's has all but MessageCountThreshold,
    # which Exchange 2013 added.
    "Set-RemoteDomain": {
        "ByteEncoderTypeFor7BitCharsets": "2010",
        "IsInternal": "2010",
        "NDRDiagnosticInfoEnabled": "2010",
        "PreferredInternetCodePageForShiftJis": "2010",
        "RequiredCharsetCoverage": "2010",
        "TargetDeliveryDomain": "2010",
        "TrustedMailInboundEnabled": "2010",
        "TrustedMailOutboundEnabled": "2010",
        "MessageCountThreshold": "2013",
    },
    # Exchange 2007 kept the DSN options per server, on Set-TransportServer; Exchange 2010 moved them to the
    # organisation's Set-TransportConfig.
    "Set-TransportConfig": {
        "ExternalDsnSendHtml": "2010",
        "InternalDsnSendHtml": "2010",
        "ExternalDelayDsnEnabled": "2010",
        "InternalDelayDsnEnabled": "2010",
    },
    # Exchange 2013 split the transport into services; the agent cmdlets of 2007 and 2010 act on the one
    # transport of the server and have no -TransportService.
    "Get-TransportAgent": {"TransportService": "2013"},
    "Enable-TransportAgent": {"TransportService": "2013"},
    "Disable-TransportAgent": {"TransportService": "2013"},
    "Set-TransportAgent": {"TransportService": "2013"},
}

# What to say besides "leave it out", where an older version has the setting elsewhere.
ELSEWHERE: typing.Dict[typing.Tuple[str, str], str] = {
    ("Set-TransportConfig", parameter): "Exchange 2007 keeps it per server, on Set-TransportServer, which this "
                                        "collection does not manage"
    for parameter in FIRST_VERSION["Set-TransportConfig"]
}

_VERSION = re.compile(r"Version (\d+)\.(\d+) \(Build (\d+)\.(\d+)")
DOCS_2003 = "docs/exchange-versions.md, \"Exchange 2003\""


class UnknownVersion(ValueError):
    """An AdminDisplayVersion this collection does not know."""


def label(admin_display_version: str) -> str:
    """2003, 2007, 2010, 2013, 2016, 2019 or SE from an AdminDisplayVersion such as 'Version 15.2 (Build 1544.4)'.
    Raises UnknownVersion, naming the string, for anything else."""
    match = _VERSION.search(admin_display_version or "")
    if not match:
        raise UnknownVersion("AdminDisplayVersion %r is not a version this collection knows (expected 'Version "
                             "<major>.<minor> (Build <build>.<revision>)')." % (admin_display_version,))
    major, minor, build = (int(g) for g in match.groups()[:3])
    if major == 6:
        return "2003"  # 6.0 is Exchange 2000, 6.5 Exchange 2003: neither has PowerShell
    if major == 8:
        return "2007"
    if major == 14:
        return "2010"
    if (major, minor) == (15, 0):
        return "2013"
    if (major, minor) == (15, 1):
        return "2016"
    if (major, minor) == (15, 2):
        # Subscription Edition kept 15.2; its first build is 15.2.2562.
        return "SE" if build >= 2562 else "2019"
    raise UnknownVersion("AdminDisplayVersion %r (%d.%d) is not a version this collection knows: it manages "
                         "Exchange 2007 (8.x), 2010 (14.x), 2013 (15.0), 2016 (15.1), 2019 and Subscription Edition "
                         "(15.2)." % (admin_display_version, major, minor))


def at_least(version: str, first: str) -> bool:
    """Whether `version` is `first` or newer."""
    return VERSIONS.index(version) >= VERSIONS.index(first)


def uses_transport_server(version: str) -> bool:
    """Whether the version's transport settings are Get-/Set-TransportServer (else -TransportService)."""
    return version in TRANSPORT_SERVER_VERSIONS


def transport_noun(version: str) -> str:
    return "TransportServer" if uses_transport_server(version) else "TransportService"


def snapin(version: str) -> str:
    return SNAPINS[version]


def default_install_path(version: str) -> str:
    return DEFAULT_INSTALL_PATHS.get(version, DEFAULT_INSTALL_PATH)


def limited(cmdlet: str, parameters: typing.Iterable[str]) -> typing.List[str]:
    """The parameters among `parameters` that some managed version of `cmdlet` lacks."""
    table = FIRST_VERSION.get(cmdlet, {})
    return [p for p in parameters if p in table]


def missing(cmdlet: str, parameters: typing.Iterable[str], version: str) -> typing.List[typing.Tuple[str, str]]:
    """(parameter, first version) for each of `parameters` that `cmdlet` on `version` lacks."""
    table = FIRST_VERSION.get(cmdlet, {})
    return [(p, table[p]) for p in parameters if p in table and not at_least(version, table[p])]


def choose_snapin(registered: typing.Iterable[str]) -> typing.Optional[str]:
    """The snap-in to add among the registered ones: the newest Exchange management snap-in."""
    names = {str(name).lower(): str(name) for name in registered}
    for name in SNAPIN_PREFERENCE:
        if name.lower() in names:
            return names[name.lower()]
    return None
