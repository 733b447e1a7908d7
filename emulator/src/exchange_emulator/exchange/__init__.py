"""The emulated Exchange organisation: its model and its commands. Knows nothing of PowerShell
remoting; the behaviour it follows is
docs/docsite/rst/exchange_behaviour.rst in the repository."""

from __future__ import annotations

from . import (
    accepted_domains,
    host,
    receive_connectors,
    recipient_filter,
    recipients,
    remote_domains,
    servers,
    transport_agents,
    transport_config,
)
from .cmdlet import Cmdlet
from .versions import with_versions

EXCHANGE_CMDLETS: tuple[Cmdlet, ...] = tuple(with_versions(c) for c in (
    *remote_domains.CMDLETS,
    *recipient_filter.CMDLETS,
    *accepted_domains.CMDLETS,
    *transport_config.CMDLETS,
    *receive_connectors.CMDLETS,
    *transport_agents.CMDLETS,
    *servers.CMDLETS,
    *recipients.CMDLETS,
))
HOST_CMDLETS: tuple[Cmdlet, ...] = host.CMDLETS
