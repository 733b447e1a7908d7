"""Errors Exchange and the Windows host raise, described by their .NET exception type.

Clients tell errors apart by exception type
(docs/docsite/rst/exchange_behaviour.rst, "Errors and warnings"), so every error here carries the full type
chain. A cmdlet raises a `CmdletError` to end with a terminating error, or hands it to
`Invocation.write_error` for a non-terminating one. The runspace layer adds what PowerShell adds
(FullyQualifiedErrorId, InvocationInfo, the category line).
"""

from __future__ import annotations

import typing

EXCEPTION = ("System.Exception",)
LOCALIZED = ("Microsoft.Exchange.Data.Common.LocalizedException", "System.Exception")
TASK_EXCEPTION = ("Microsoft.Exchange.Configuration.Tasks.TaskException", *LOCALIZED)
DATA_VALIDATION = ("Microsoft.Exchange.Data.DataValidationException", *LOCALIZED)
ARGUMENT = ("System.ArgumentException", "System.SystemException", "System.Exception")


class CmdletError(Exception):
    """An error record's substance: what failed, as which exception type, in which category."""

    def __init__(self, exception_type: str, base_types: typing.Sequence[str], message: str,
                 category: str = "NotSpecified", target: str | None = None,
                 error_id: str | None = None, exchange: bool = True) -> None:
        super().__init__(message)
        self.exception_type = exception_type
        self.base_types = tuple(base_types)
        self.message = message
        self.category = category
        self.target = target
        # Exchange tasks build their FullyQualifiedErrorId from the server, request and exception type;
        # PowerShell's own commands use a fixed id such as "PathNotFound".
        self.exchange = exchange
        self.error_id = error_id

    @property
    def short_type(self) -> str:
        return self.exception_type.rsplit(".", 1)[-1]

    @property
    def type_names(self) -> list[str]:
        return [self.exception_type, *self.base_types]


def object_not_found(identity: str, dc: str) -> CmdletError:
    return CmdletError(
        "Microsoft.Exchange.Configuration.Tasks.ManagementObjectNotFoundException",
        ("Microsoft.Exchange.Data.Storage.ObjectNotFoundException", *LOCALIZED),
        f"The operation couldn't be performed because object '{identity}' couldn't be found on '{dc}'.",
    )


def object_ambiguous(identity: str) -> CmdletError:
    return CmdletError(
        "Microsoft.Exchange.Configuration.Tasks.ManagementObjectAmbiguousException", LOCALIZED,
        f"The operation couldn't be performed because '{identity}' matches multiple entries.",
    )


def duplicate(exception_type: str, message: str) -> CmdletError:
    return CmdletError(exception_type, LOCALIZED, message, category="NotSpecified")


def invalid_operation(message: str, exception_type: str = "System.InvalidOperationException") -> CmdletError:
    return CmdletError(exception_type, ("System.SystemException", *EXCEPTION), message,
                       category="InvalidOperation")


def data_validation(message: str) -> CmdletError:
    return CmdletError(DATA_VALIDATION[0], DATA_VALIDATION[1:], message, category="NotSpecified")


def argument_error(message: str) -> CmdletError:
    return CmdletError("System.ArgumentException", ("System.SystemException", *EXCEPTION), message,
                       category="InvalidArgument")


def edge_sync_managed(noun: str) -> CmdletError:
    # Wording follows the documented rule
    # (docs/docsite/rst/exchange_behaviour.rst, "Edge Transport servers"): on a subscribed Edge this configuration is
    # owned by the organisation and replicated by EdgeSync.
    return CmdletError(
        "Microsoft.Exchange.Configuration.Tasks.CannotModifyEdgeSyncObjectException", TASK_EXCEPTION[1:],
        f"The {noun} is replicated from the Exchange organization by EdgeSync and can't be changed on a "
        "subscribed Edge Transport server. Change it in the organization, or remove the Edge subscription.",
        category="InvalidOperation",
    )


def not_on_role(cmdlet: str, role: str) -> CmdletError:
    return CmdletError(
        "Microsoft.Exchange.Configuration.Tasks.TaskException", LOCALIZED,
        f"The cmdlet '{cmdlet}' can't be run on a server that has the {role} role installed.",
        category="InvalidOperation",
    )
