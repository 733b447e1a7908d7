"""Error records PowerShell itself produces, and the conversion of Exchange errors into records.

Messages and identifiers follow Windows PowerShell 5.1 (the PowerShell Exchange runs in); the
ScriptsNotAllowed record matches a real NoLanguage endpoint's (the JEA recording in
emulator/tests/captures/pypsrp; docs/docsite/rst/emulator.rst, "Configuration names and NoLanguage").
"""

from __future__ import annotations

import datetime
import typing
import uuid

from ..exchange.cmdlet import Cmdlet
from ..exchange.errors import CmdletError
from ..exchange.parameters import ConversionError, display
from .model import ErrorRecordInfo, InvocationDetails

RUNTIME = ["System.Management.Automation.RuntimeException", "System.SystemException", "System.Exception"]
BINDING = ["System.Management.Automation.ParameterBindingException", *RUNTIME]


def _record(message: str, type_names: list[str], error_id: str, category: str, reason: str,
            target: typing.Any = None, target_type: str = "", activity: str = "") -> ErrorRecordInfo:
    target_name = display(target) if target is not None else ""
    return ErrorRecordInfo(message, type_names, error_id, category, reason, target, target_name, target_type,
                           activity)


def scripts_not_allowed(script: str) -> ErrorRecordInfo:
    return _record("The syntax is not supported by this runspace. This can occur if the runspace is in "
                   "no-language mode.", ["System.Management.Automation.ParseException", *RUNTIME],
                   "ScriptsNotAllowed", "ParserError", "ParseException", target=script, target_type="String")


def scripts_not_emulated(script: str) -> ErrorRecordInfo:
    return _record("The Exchange emulator does not interpret PowerShell script text. Send commands with "
                   "parameters (pypsrp: PowerShell.add_cmdlet().add_parameter()), or invoke a script file by its "
                   "full path as a command.", ["System.NotSupportedException", "System.SystemException",
                                               "System.Exception"],
                   "EmulatorScriptNotSupported", "NotImplemented", "NotSupportedException", target=script,
                   target_type="String")


def script_parameters_not_emulated(script: str) -> ErrorRecordInfo:
    return _record("The Exchange emulator runs script text without parameters (param blocks and $args are not "
                   "emulated): put the values in the script text, or send a command with parameters (pypsrp: "
                   "PowerShell.add_cmdlet().add_parameter()).", ["System.NotSupportedException",
                                                                   "System.SystemException", "System.Exception"],
                   "EmulatorScriptParametersNotSupported", "NotImplemented", "NotSupportedException", target=script,
                   target_type="String")


def command_not_found(name: str) -> ErrorRecordInfo:
    return _record(f"The term '{name}' is not recognized as the name of a cmdlet, function, script file, or operable "
                   "program. Check the spelling of the name, or if a path was included, verify that the path is "
                   "correct and try again.", ["System.Management.Automation.CommandNotFoundException", *RUNTIME],
                   "CommandNotFoundException", "ObjectNotFound", "CommandNotFoundException", target=name,
                   target_type="String")


def _binding(cmdlet: Cmdlet, message: str, error_id: str, category: str = "InvalidArgument",
             type_names: list[str] | None = None, reason: str = "ParameterBindingException",
             ) -> ErrorRecordInfo:
    return _record(message, type_names or BINDING, f"{error_id},{cmdlet.task}", category, reason,
                   activity=cmdlet.name)


def parameter_not_found(cmdlet: Cmdlet, name: str) -> ErrorRecordInfo:
    return _binding(cmdlet, f"A parameter cannot be found that matches parameter name '{name}'.",
                    "NamedParameterNotFound")


def parameter_ambiguous(cmdlet: Cmdlet, name: str, candidates: typing.Sequence[str]) -> ErrorRecordInfo:
    return _binding(cmdlet, f"Parameter cannot be processed because the parameter name '{name}' is ambiguous. "
                            f"Possible matches include: {' '.join('-' + c for c in candidates)}.",
                    "AmbiguousParameter")


def parameter_repeated(cmdlet: Cmdlet, name: str) -> ErrorRecordInfo:
    return _binding(cmdlet, f"Cannot bind parameter because parameter '{name}' is specified more than once. To "
                            "provide multiple values to parameters that can accept multiple values, use the array "
                            "syntax. For example, \"-parameter value1,value2,value3\".", "ParameterAlreadyBound")


def positional_not_found(cmdlet: Cmdlet, value: typing.Any) -> ErrorRecordInfo:
    return _binding(cmdlet, f"A positional parameter cannot be found that accepts argument '{display(value)}'.",
                    "PositionalParameterNotFound")


def missing_mandatory(cmdlet: Cmdlet, names: typing.Sequence[str]) -> ErrorRecordInfo:
    # A remote runspace cannot prompt for them, so PowerShell fails the command instead.
    return _binding(cmdlet, "Cannot process command because of one or more missing mandatory parameters: "
                            f"{' '.join(names)}.", "MissingMandatoryParameter")


def argument_transformation(cmdlet: Cmdlet, name: str, error: ConversionError) -> ErrorRecordInfo:
    return _binding(cmdlet, f"Cannot process argument transformation on parameter '{name}'. {error.detail}",
                    "ParameterArgumentTransformationError", category="InvalidData",
                    type_names=["System.Management.Automation.ParameterBindingArgumentTransformationException",
                                *BINDING],
                    reason="ParameterBindingArgumentTransformationException")


def argument_validation(cmdlet: Cmdlet, name: str, detail: str) -> ErrorRecordInfo:
    return _binding(cmdlet, f"Cannot validate argument on parameter '{name}'. {detail}",
                    "ParameterArgumentValidationError", category="InvalidData",
                    type_names=["System.Management.Automation.ParameterBindingValidationException", *BINDING],
                    reason="ParameterBindingValidationException")


def null_not_allowed(cmdlet: Cmdlet, name: str) -> ErrorRecordInfo:
    return _binding(cmdlet, f"Cannot bind argument to parameter '{name}' because it is null.",
                    "ParameterArgumentValidationErrorNullNotAllowed", category="InvalidData",
                    type_names=["System.Management.Automation.ParameterBindingValidationException", *BINDING],
                    reason="ParameterBindingValidationException")


def empty_string_not_allowed(cmdlet: Cmdlet, name: str) -> ErrorRecordInfo:
    return _binding(cmdlet, f"Cannot bind argument to parameter '{name}' because it is an empty string.",
                    "ParameterArgumentValidationErrorEmptyStringNotAllowed", category="InvalidData",
                    type_names=["System.Management.Automation.ParameterBindingValidationException", *BINDING],
                    reason="ParameterBindingValidationException")


def confirmation_needed(cmdlet: Cmdlet, description: str) -> ErrorRecordInfo:
    # ConfirmImpact reached $ConfirmPreference (High in Exchange sessions) and a remote client has no
    # host to answer the prompt (docs/docsite/rst/exchange_behaviour.rst, "RBAC and confirmation").
    # (unconfirmed wording; type and id as PowerShell uses)
    return _record("A command that prompts the user failed because the host program or the command type does not "
                   "support user interaction. The host was attempting to request confirmation with the following "
                   f"message: Are you sure you want to perform this action?\r\n{description}",
                   ["System.Management.Automation.Host.HostException", *RUNTIME],
                   f"HostFunctionNotImplemented,{cmdlet.task}", "NotImplemented", "HostException",
                   activity=cmdlet.name)


def warning_stop(cmdlet: Cmdlet, message: str) -> ErrorRecordInfo:
    return _record("The running command stopped because the preference variable \"WarningPreference\" or common "
                   f"parameter is set to Stop: {message}",
                   ["System.Management.Automation.ActionPreferenceStopException", *RUNTIME],
                   f"ActionPreferenceStop,{cmdlet.task}", "OperationStopped", "ActionPreferenceStopException",
                   activity=cmdlet.name)


def internal_error(error: BaseException) -> ErrorRecordInfo:
    return _record(f"Exchange emulator internal error: {error!r}. This is a bug in the emulator.",
                   ["System.InvalidOperationException", "System.SystemException", "System.Exception"],
                   "EmulatorInternalError", "NotSpecified", type(error).__name__)


def exchange_error_id(server: str, exception: str, task: str, now: datetime.datetime | None = None) -> str:
    """`[Server=…,RequestId=…,TimeStamp=…] [FailureCategory=Cmdlet-<Exception>] <hex>,<task>`
    (docs/docsite/rst/exchange_behaviour.rst, "Errors and warnings")."""
    now = now or datetime.datetime.now()
    stamp = f"{now.month}/{now.day}/{now.year} {now.strftime('%I').lstrip('0')}:{now.strftime('%M:%S %p')}"
    return (f"[Server={server},RequestId={uuid.uuid4()},TimeStamp={stamp}] [FailureCategory=Cmdlet-{exception}] "
            f"{uuid.uuid4().hex[:8].upper()},{task}")


def from_cmdlet_error(error: CmdletError, cmdlet: Cmdlet, server: str,
                      invocation: InvocationDetails | None) -> ErrorRecordInfo:
    if error.exchange:
        error_id = exchange_error_id(server, error.short_type, cmdlet.task)
    else:
        error_id = f"{error.error_id or error.short_type},{cmdlet.task}"
    record = _record(error.message, error.type_names, error_id, error.category, error.short_type,
                     target=error.target, target_type="String" if error.target is not None else "",
                     activity=cmdlet.name)
    record.invocation = invocation
    return record
