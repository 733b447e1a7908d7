"""PowerShell's parameter binder, for commands sent with parameters (no script text).

Names match case-insensitively, by alias, or by unambiguous prefix; positional arguments fill the
parameters that have positions, in order; values are converted by the parameter's type; common
parameters (-ErrorAction, -WarningAction, …) and, for cmdlets that support ShouldProcess, -WhatIf and
-Confirm are accepted everywhere. Every failure names the parameter, as PowerShell's errors do.
"""

from __future__ import annotations

import dataclasses
import typing

from ..exchange.cmdlet import Cmdlet, Parameter
from ..exchange.parameters import (
    Bool,
    ConversionError,
    Enum,
    Int,
    NullNotAllowed,
    ParameterType,
    String,
    StringArray,
    Switch,
    ValidationError,
)
from . import errors
from .model import TerminatingError

ACTION_PREFERENCE = Enum("System.Management.Automation.ActionPreference",
                         ["SilentlyContinue", "Stop", "Continue", "Inquire", "Ignore", "Suspend"],
                         numbers={0: "SilentlyContinue", 1: "Stop", 2: "Continue", 3: "Inquire", 4: "Ignore",
                                  5: "Suspend"})


class _Text(ParameterType):
    accepts_null = True

    def convert(self, value: typing.Any) -> typing.Any:
        return str(value)


COMMON_PARAMETERS: tuple[Parameter, ...] = (
    Parameter("Verbose", Switch(), aliases=("vb",)),
    Parameter("Debug", Switch(), aliases=("db",)),
    Parameter("ErrorAction", ACTION_PREFERENCE, aliases=("ea",)),
    Parameter("WarningAction", ACTION_PREFERENCE, aliases=("wa",)),
    Parameter("InformationAction", ACTION_PREFERENCE, aliases=("infa",)),
    Parameter("ErrorVariable", _Text(), aliases=("ev",)),
    Parameter("WarningVariable", _Text(), aliases=("wv",)),
    Parameter("InformationVariable", _Text(), aliases=("iv",)),
    Parameter("OutVariable", _Text(), aliases=("ov",)),
    Parameter("OutBuffer", Int(0), aliases=("ob",)),
    Parameter("PipelineVariable", _Text(), aliases=("pv",)),
)
SHOULD_PROCESS_PARAMETERS: tuple[Parameter, ...] = (
    Parameter("WhatIf", Switch(), aliases=("wi",)),
    Parameter("Confirm", Switch(), aliases=("cf",)),
)
COMMON_NAMES = frozenset(p.name for p in COMMON_PARAMETERS + SHOULD_PROCESS_PARAMETERS)


@dataclasses.dataclass
class Binding:
    params: dict[str, typing.Any]
    common: dict[str, typing.Any]

    @property
    def error_action(self) -> str:
        return typing.cast(str, self.common.get("ErrorAction", "Continue"))

    @property
    def warning_action(self) -> str:
        return typing.cast(str, self.common.get("WarningAction", "Continue"))

    @property
    def what_if(self) -> bool:
        return bool(self.common.get("WhatIf"))

    @property
    def confirm(self) -> bool | None:
        value = self.common.get("Confirm")
        return None if value is None else bool(value)

    @property
    def all(self) -> dict[str, typing.Any]:
        return {**self.params, **self.common}


def _candidates(cmdlet: Cmdlet) -> tuple[Parameter, ...]:
    extra = COMMON_PARAMETERS + (SHOULD_PROCESS_PARAMETERS if cmdlet.supports_should_process else ())
    return cmdlet.parameters + extra


def resolve_name(cmdlet: Cmdlet, name: str) -> Parameter:
    """The parameter `name` designates: exact name or alias first, then an unambiguous prefix."""
    wanted = name.lower()
    params = _candidates(cmdlet)
    for parameter in params:
        if parameter.name.lower() == wanted or wanted in (a.lower() for a in parameter.aliases):
            return parameter
    matches = [p for p in params if p.name.lower().startswith(wanted)]
    if len(matches) == 1:
        return matches[0]
    if matches:
        raise TerminatingError(errors.parameter_ambiguous(cmdlet, name, [m.name for m in matches]))
    raise TerminatingError(errors.parameter_not_found(cmdlet, name))


def convert(cmdlet: Cmdlet, parameter: Parameter, value: typing.Any) -> typing.Any:
    kind = parameter.type
    if value is None and isinstance(kind, Switch):
        return True  # a switch sent without a value is present
    if parameter.mandatory:
        # PowerShell refuses $null, and "" for a string (or a string in an array), for a mandatory parameter
        # before converting it (about_Functions_Advanced_Parameters: AllowNull, AllowEmptyString).
        if value is None:
            raise TerminatingError(errors.null_not_allowed(cmdlet, parameter.name))
        texts = value if isinstance(kind, StringArray) and isinstance(value, list) else [value]
        if isinstance(kind, (String, StringArray)) and any(t == "" for t in texts):
            raise TerminatingError(errors.empty_string_not_allowed(cmdlet, parameter.name))
    try:
        return kind.bind(value)
    except ConversionError as e:
        raise TerminatingError(errors.argument_transformation(cmdlet, parameter.name, e)) from None
    except ValidationError as e:
        raise TerminatingError(errors.argument_validation(cmdlet, parameter.name, str(e))) from None
    except NullNotAllowed:
        if isinstance(kind, Bool):
            raise TerminatingError(errors.argument_transformation(
                cmdlet, parameter.name, ConversionError(None, kind.type_name,
                                                        f"Cannot convert value \"\" to type \"{kind.type_name}\". "
                                                        "Boolean parameters accept only Boolean values and numbers, "
                                                        "such as $True, $False, 1 or 0."))) from None
        raise TerminatingError(errors.null_not_allowed(cmdlet, parameter.name)) from None


def bind(cmdlet: Cmdlet, arguments: typing.Sequence[tuple[str | None, typing.Any]],
         has_input: bool = False) -> Binding:
    bound: dict[str, typing.Any] = {}
    positional: list[typing.Any] = []
    for name, value in arguments:
        if name is None:
            positional.append(value)
            continue
        parameter = resolve_name(cmdlet, name.lstrip("-"))
        if parameter.name in bound:
            raise TerminatingError(errors.parameter_repeated(cmdlet, parameter.name))
        bound[parameter.name] = convert(cmdlet, parameter, value)

    open_positions = sorted((p for p in cmdlet.parameters if p.position is not None and p.name not in bound),
                            key=lambda p: typing.cast(int, p.position))
    for value in positional:
        if not open_positions:
            raise TerminatingError(errors.positional_not_found(cmdlet, value))
        parameter = open_positions.pop(0)
        bound[parameter.name] = convert(cmdlet, parameter, value)

    missing = [p.name for p in cmdlet.parameters
               if p.mandatory and p.name not in bound and not (p.from_pipeline and has_input)]
    if missing:
        raise TerminatingError(errors.missing_mandatory(cmdlet, missing))
    params = {k: v for k, v in bound.items() if k not in COMMON_NAMES}
    common = {k: v for k, v in bound.items() if k in COMMON_NAMES}
    return Binding(params, common)
