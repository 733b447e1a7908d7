# -*- coding: utf-8 -*-
# Copyright: (c) 2026, mailhygiene.exchange contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Desired state against actual state: settings as typed descriptors, the difference as the minimal
parameters to send, and the before/after of the keys the user set (for --diff).

Only keys the user set are compared: an option left out is not managed
(docs/docsite/rst/architecture.rst, "Idempotence, check mode and diff").
"""

from __future__ import annotations

import typing

from . import values
from .commands import Command

Validator = typing.Callable[[str, typing.Any], typing.Any]


class Setting(object):
    """One module option and the Exchange property it manages.

    kind: bool | choice | int | unlimited | three_state | charset | timespan | list | str
    """

    def __init__(self, option: str, prop: str, kind: str = "bool", choices: typing.Sequence[str] = (),
                 minimum: int = 0, maximum: int = 2147483647, element: typing.Optional[Validator] = None) -> None:
        self.option = option
        self.prop = prop
        self.kind = kind
        self.choices = tuple(choices)
        self.minimum = minimum
        self.maximum = maximum
        self.element = element

    @property
    def mode_option(self) -> str:
        return self.option + "_mode"

    def argument_spec(self) -> typing.Dict[str, typing.Dict[str, typing.Any]]:
        spec: typing.Dict[str, typing.Dict[str, typing.Any]]
        if self.kind == "bool":
            spec = {self.option: {"type": "bool"}}
        elif self.kind == "choice":
            spec = {self.option: {"type": "str", "choices": list(self.choices)}}
        elif self.kind == "int":
            spec = {self.option: {"type": "int"}}
        elif self.kind == "list":
            spec = {self.option: {"type": "list", "elements": "str"},
                    self.mode_option: {"type": "str", "choices": ["append", "replace"], "default": "append"}}
        else:  # unlimited, three_state, charset, timespan, str: validated here, with option-naming messages
            spec = {self.option: {"type": "raw"}}
        return spec

    def to_exchange(self, value: typing.Any) -> typing.Any:
        """The value to send for the user's `value`; raises values.InvalidValue."""
        if self.kind in ("bool", "choice", "str"):
            return value
        if self.kind == "int":
            return values.bounded_int(self.option, value, self.minimum, self.maximum)
        if self.kind == "unlimited":
            return values.unlimited_int(self.option, value, self.minimum, self.maximum)
        if self.kind == "three_state":
            return values.three_state(self.option, value)
        if self.kind == "charset":
            return values.charset(self.option, value)
        if self.kind == "timespan":
            seconds = values.timespan_seconds(self.option, value, self.minimum, self.maximum)
            return values.format_timespan(seconds)
        if self.kind == "list":
            items = [self.element(self.option, v) if self.element else v for v in value or []]
            if len(items) > self.maximum:
                raise values.InvalidValue("%s: at most %d values are allowed, got %d."
                                          % (self.option, self.maximum, len(items)))
            return items
        raise AssertionError(self.kind)

    def normalise_actual(self, value: typing.Any) -> typing.Any:
        """A value Exchange reported, as this module reports it."""
        if self.kind == "list":
            return list(value or [])
        if self.kind == "charset":
            return value.lower() if isinstance(value, str) and value else None
        if self.kind == "unlimited" and isinstance(value, str):
            # Unlimited<int> arrives as text over remoting: "Unlimited" or the number.
            return int(value) if value.strip().isdigit() else "Unlimited"
        return value


class Difference(object):
    """What to send to make an object match, and the before/after of the managed options."""

    def __init__(self) -> None:
        self.parameters: typing.Dict[str, typing.Any] = {}
        self.before: typing.Dict[str, typing.Any] = {}
        self.after: typing.Dict[str, typing.Any] = {}

    @property
    def changed(self) -> bool:
        return bool(self.parameters)


def compare(settings: typing.Sequence[Setting], desired: typing.Dict[str, typing.Any],
            actual: typing.Optional[typing.Dict[str, typing.Any]], modes: typing.Dict[str, str]) -> Difference:
    """Compare the desired values (option → value to send, only options the user set) with `actual`
    (an object's properties, or None when it does not exist yet)."""
    result = Difference()
    for setting in settings:
        if setting.option not in desired:
            continue
        wanted = desired[setting.option]
        current = setting.normalise_actual((actual or {}).get(setting.prop)) if actual is not None else None
        result.before[setting.option] = current
        if setting.kind == "list":
            mode = modes.get(setting.option, "append")
            add, remove = values.list_delta(wanted, current or [], mode)
            after = [v for v in (current or []) if values.comparable(v) not in {values.comparable(r) for r in remove}]
            after += add
            result.after[setting.option] = after
            if add or remove:
                change: typing.Dict[str, typing.Any] = {}
                if add:
                    change["Add"] = add
                if remove:
                    change["Remove"] = remove
                result.parameters[setting.prop] = change
            continue
        result.after[setting.option] = wanted
        if actual is None or not values.same(wanted, current):
            result.parameters[setting.prop] = wanted
    return result


def settings_view(settings: typing.Sequence[Setting], obj: typing.Dict[str, typing.Any]) -> typing.Dict[str, typing.Any]:
    """An object's managed settings as the modules return them: option → value."""
    return {setting.option: setting.normalise_actual(obj.get(setting.prop)) for setting in settings}


def desired_values(settings: typing.Sequence[Setting], params: typing.Dict[str, typing.Any]
                   ) -> typing.Tuple[typing.Dict[str, typing.Any], typing.Dict[str, str]]:
    """(option → value to send, option → list mode) for the options the user set; validates them."""
    desired = {}
    modes = {}
    for setting in settings:
        # Ansible cannot tell an option set to null from one left out, so None means "not managed";
        # three-state options spell Exchange's $null as the word "unset".
        if params.get(setting.option) is None:
            continue
        desired[setting.option] = setting.to_exchange(params[setting.option])
        if setting.kind == "list":
            modes[setting.option] = params.get(setting.mode_option) or "append"
    return desired, modes


class Plan(object):
    """What a resource will do: an action, the commands, and the before/after for --diff."""

    def __init__(self, action: str = "none", commands: typing.Optional[typing.List[Command]] = None,
                 before: typing.Optional[typing.Dict[str, typing.Any]] = None,
                 after: typing.Optional[typing.Dict[str, typing.Any]] = None,
                 warnings: typing.Optional[typing.List[str]] = None) -> None:
        self.action = action
        self.commands = commands or []
        self.before = before or {}
        self.after = after or {}
        self.warnings = warnings or []

    @property
    def changed(self) -> bool:
        return self.action != "none"
