# -*- coding: utf-8 -*-
# Copyright: (c) 2026, mailhygiene.exchange contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Typed errors: failures to reach or use an endpoint (SessionError), and errors Exchange reports
(ExchangeError), told apart by the .NET exception type in the error record, never by its English text
(docs/docsite/rst/architecture.rst, "Errors and retries"). Every message says what failed and what to do about it."""

from __future__ import annotations

import re
import typing


class SessionError(Exception):
    """The endpoint could not be used. `transient` failures may succeed when tried again."""

    transient = False

    def __init__(self, message: str, transient: typing.Optional[bool] = None) -> None:
        super().__init__(message)
        self.message = message
        if transient is not None:
            self.transient = transient


class Unreachable(SessionError):
    pass


class AuthenticationFailed(SessionError):
    pass


class KerberosFailed(AuthenticationFailed):
    """Kerberos could not get or use a ticket on the controller; each subclass names one cause and its fix."""


class KerberosNoCredentials(KerberosFailed):
    pass


class KerberosWrongPassword(KerberosFailed):
    pass


class KerberosTicketExpired(KerberosFailed):
    pass


class KerberosUnknownService(KerberosFailed):
    pass


class KerberosKdcUnreachable(KerberosFailed):
    transient = True


class KerberosRealmUnknown(KerberosFailed):
    pass


# MIT krb5 error codes (krb5/krb5_err.et) as pyspnego's krb5 binding (Krb5Error.err_code) and GSSAPI minor
# status codes (unsigned) report them.
KRB5_ERRORS: typing.Dict[int, typing.Type[KerberosFailed]] = {
    -1765328360: KerberosWrongPassword,    # KRB5KDC_ERR_PREAUTH_FAILED
    -1765328353: KerberosWrongPassword,    # KRB5KRB_AP_ERR_BAD_INTEGRITY (pre-authentication did not decrypt)
    -1765328377: KerberosUnknownService,   # KRB5KDC_ERR_S_PRINCIPAL_UNKNOWN
    -1765328352: KerberosTicketExpired,    # KRB5KRB_AP_ERR_TKT_EXPIRED
    -1765328228: KerberosKdcUnreachable,   # KRB5_KDC_UNREACH
    -1765328230: KerberosRealmUnknown,     # KRB5_REALM_UNKNOWN
    -1765328378: KerberosNoCredentials,    # KRB5KDC_ERR_C_PRINCIPAL_UNKNOWN: no such user in the realm
    -1765328243: KerberosNoCredentials,    # KRB5_FCC_NOFILE: no ticket cache at KRB5CCNAME
}


def kerberos_error_class(code: typing.Optional[int]) -> typing.Optional[typing.Type[KerberosFailed]]:
    """The error class for a krb5 error code, signed or as an unsigned GSSAPI minor status."""
    if code is None:
        return None
    if code > 0x7FFFFFFF:
        code -= 1 << 32
    return KRB5_ERRORS.get(code)


class EndpointNotFound(SessionError):
    pass


class InvalidSettings(SessionError):
    pass


class Throttled(SessionError):
    transient = True


class ReplyLost(SessionError):
    """A command that changes the server was sent and its reply did not arrive: it may or may not have run.
    It is never sent again; the caller reads the object back instead."""


class ExchangeError(Exception):
    """An error record from Exchange or PowerShell."""

    def __init__(self, message: str, exception_type: str = "", error_id: str = "", category: str = "",
                 command: str = "") -> None:
        super().__init__(message)
        self.message = message
        self.exception_type = exception_type
        self.error_id = error_id
        self.category = category
        self.command = command

    @property
    def short_type(self) -> str:
        return self.exception_type.rsplit(".", 1)[-1]

    def __str__(self) -> str:
        where = " (%s, %s)" % (self.command, self.short_type) if self.command and self.exception_type else ""
        return self.message + where


class ObjectNotFound(ExchangeError):
    pass


class AlreadyExists(ExchangeError):
    pass


class InvalidParameter(ExchangeError):
    pass


class CommandNotAvailable(ExchangeError):
    """The command is not in the session: the account lacks the RBAC role, or the server role lacks it."""


class ConfirmationRequired(ExchangeError):
    pass


class ScriptsNotAllowed(ExchangeError):
    pass


class ManagedByEdgeSync(ExchangeError):
    pass


# Exception type short names → error class. The type is the first of the record's exception types
# (CategoryInfo.Reason carries the same short name).
ERROR_TYPES: typing.Dict[str, typing.Type[ExchangeError]] = {
    "ManagementObjectNotFoundException": ObjectNotFound,
    "TransportAgentNotFoundException": ObjectNotFound,
    "ADObjectAlreadyExistsException": AlreadyExists,
    "DuplicateRemoteDomainException": AlreadyExists,
    "DuplicateAcceptedDomainException": AlreadyExists,
    "ParameterBindingException": InvalidParameter,
    "ParameterBindingArgumentTransformationException": InvalidParameter,
    "ParameterBindingValidationException": InvalidParameter,
    "CommandNotFoundException": CommandNotAvailable,
    "HostException": ConfirmationRequired,
    "ParseException": ScriptsNotAllowed,
    "CannotModifyEdgeSyncObjectException": ManagedByEdgeSync,
}
_FAILURE_CATEGORY = re.compile(r"\[FailureCategory=Cmdlet-([A-Za-z]+)\]")


def exception_type_of(record: typing.Any) -> str:
    """The .NET exception type of a pypsrp ErrorRecord."""
    exception = getattr(record, "exception", None)
    types = getattr(exception, "types", None) or []
    if types:
        return str(types[0])
    match = _FAILURE_CATEGORY.search(getattr(record, "fq_error", "") or "")
    if match:
        return match.group(1)
    return str(getattr(record, "reason", "") or "")


def error_from_record(record: typing.Any, commands: typing.Sequence[typing.Any] = ()) -> ExchangeError:
    exception_type = exception_type_of(record)
    short = exception_type.rsplit(".", 1)[-1]
    command = getattr(record, "activity", None) or (commands[0].name if len(commands) == 1 else "")
    message = str(record)
    cls = ERROR_TYPES.get(short, ExchangeError)
    if cls is CommandNotAvailable:
        message += (" The account's RBAC roles do not include this command, or the server's role does not "
                    "offer it. Exchange shows only the cmdlets of the management roles assigned to the account "
                    "(for this collection: Remote and Accepted Domains, Transport Hygiene, Transport Agents, "
                    "Organization Transport Settings, Receive Connectors, View-Only Configuration).")
    return cls(message, exception_type, getattr(record, "fq_error", "") or "", str(getattr(record, "category", "")),
               command)


# ------------------------------------------------------------------------------------------ the task's input
class TaskInputError(Exception):
    """What the task was given does not fit the server it reached. Not a session failure (the session stays
    usable) and not an error record of Exchange's; the message names the option to set."""

    def __init__(self, message: str, option: str = "") -> None:
        super().__init__(message)
        self.message = message
        self.option = option


class ServerNotIdentified(TaskInputError):
    """The server the session runs on is none of the Exchange servers Exchange lists (server_name tells it)."""


class EndpointNotConfigured(TaskInputError):
    """A command is for an endpoint the connection options do not describe."""


class EmptyResult(ExchangeError):
    """A read that always returns one object (Get-TransportConfig, Get-RecipientFilterConfig) returned none."""


class VersionUnsupported(TaskInputError):
    """The server runs a version this collection cannot manage (Exchange 2003) or does not know."""

    def __init__(self, message: str, version: str = "", option: str = "") -> None:
        super().__init__(message, option=option)
        self.version = version


class ParameterNotInVersion(TaskInputError):
    """An option maps to a cmdlet parameter that the server's Exchange version lacks. Raised while planning, before
    anything is sent (check mode too); the message names the option, the parameter, the cmdlet and the version."""

    def __init__(self, message: str, option: str, parameter: str, cmdlet: str, version: str) -> None:
        super().__init__(message, option=option)
        self.parameter = parameter
        self.cmdlet = cmdlet
        self.version = version


class NoExchangeSnapin(SessionError):
    """management_endpoint=host_snapin, and the server has no Exchange management snap-in registered."""
