"""Parameter types of Exchange cmdlets: conversion and validation of the values a client sends.

A client sends natives (str, bool, int, None, list, dict for a hashtable) or records piped in. Each
type converts what PowerShell would convert and refuses the rest with the error PowerShell raises:
`ConversionError` (argument transformation: the value cannot become the .NET type) or
`ValidationError` (the value is of the type but outside its allowed set). The runspace layer names the
parameter and turns them into error records.
"""

from __future__ import annotations

import dataclasses
import ipaddress
import re
import typing

from .records import Record


class ConversionError(Exception):
    """PowerShell's ParameterBindingArgumentTransformationException."""

    def __init__(self, value: typing.Any, type_name: str, detail: str = "") -> None:
        self.value = value
        self.type_name = type_name
        self.detail = detail
        super().__init__(detail or f"cannot convert {value!r} to {type_name}")


class ValidationError(Exception):
    """PowerShell's ParameterBindingValidationException (the text after 'on parameter X.')."""


class NullNotAllowed(Exception):
    """$null bound to a parameter that does not accept it."""


def display(value: typing.Any) -> str:
    """A value as PowerShell shows it inside error messages."""
    if value is True:
        return "True"
    if value is False:
        return "False"
    if value is None:
        return ""
    if isinstance(value, Record):
        return value.to_string
    if isinstance(value, list):
        return " ".join(display(v) for v in value)
    return str(value)


class ParameterType:
    type_name = "System.Object"
    accepts_null = False

    def convert(self, value: typing.Any) -> typing.Any:
        return value

    def bind(self, value: typing.Any) -> typing.Any:
        if value is None:
            if not self.accepts_null:
                raise NullNotAllowed()
            return None
        return self.convert(value)


class AnyValue(ParameterType):
    accepts_null = True


class String(ParameterType):
    type_name = "System.String"
    accepts_null = True

    def __init__(self, max_length: int | None = None, values: typing.Sequence[str] = (),
                 min_length: int | None = None) -> None:
        self.max_length = max_length
        self.min_length = min_length
        self.values = tuple(values)

    def bind(self, value: typing.Any) -> typing.Any:
        if value is None and self.min_length:
            value = ""  # PowerShell hands $null to a [string] parameter as "", which [ValidateLength] then refuses
        return super().bind(value)

    def convert(self, value: typing.Any) -> typing.Any:
        if isinstance(value, list):
            if len(value) != 1:
                raise ConversionError(value, self.type_name,
                                      f'Cannot convert \'{type(value).__name__}\' to the type "System.String" '
                                      "required by parameter. Specified method is not supported.")
            value = value[0]
        text = display(value) if not isinstance(value, str) else value
        if self.min_length is not None and len(text) < self.min_length:
            raise ValidationError(
                f"The character length ({len(text)}) of the argument is too short. Specify an argument with a length "
                f"that is greater than or equal to \"{self.min_length}\", and then try the command again.")
        if self.max_length is not None and len(text) > self.max_length:
            raise ValidationError(
                f"The character length of the {len(text)} argument is too long. Shorten the character length of "
                f"the argument so it is fewer than or equal to \"{self.max_length}\" characters, and then try the "
                "command again.")
        if self.values:
            match = [v for v in self.values if v.lower() == text.lower()]
            if not match:
                raise ValidationError(
                    f"The argument \"{text}\" does not belong to the set \"{','.join(self.values)}\" specified by "
                    "the ValidateSet attribute. Supply an argument that is in the set and then try the command again.")
            return match[0]
        return text


class StringArray(ParameterType):
    """`string[]`: one value or several, each converted to text."""

    type_name = "System.String[]"

    def convert(self, value: typing.Any) -> typing.Any:
        items = value if isinstance(value, list) else [value]
        return [display(v) for v in items if v is not None]


class Bool(ParameterType):
    type_name = "System.Boolean"

    def convert(self, value: typing.Any) -> typing.Any:
        if isinstance(value, bool):
            return value
        if isinstance(value, int):
            return value != 0
        raise ConversionError(
            value, self.type_name,
            f"Cannot convert value \"{type(value).__name__ if not isinstance(value, str) else 'System.String'}\" "
            "to type \"System.Boolean\". Boolean parameters accept only Boolean values and numbers, such as $True, "
            "$False, 1 or 0.")


class Switch(Bool):
    type_name = "System.Management.Automation.SwitchParameter"


class NullableBool(Bool):
    """`$true`, `$false` or `$null` (three states, e.g. TNEFEnabled)."""

    type_name = "System.Nullable`1[System.Boolean]"
    accepts_null = True


class Int(ParameterType):
    type_name = "System.Int32"

    def __init__(self, minimum: int | None = None, maximum: int | None = None,
                 nullable: bool = False) -> None:
        self.minimum = minimum
        self.maximum = maximum
        self.accepts_null = nullable
        if nullable:
            self.type_name = "System.Nullable`1[System.Int32]"

    def parse(self, value: typing.Any) -> int:
        if isinstance(value, bool):
            return int(value)
        if isinstance(value, int):
            return value
        if isinstance(value, str) and re.fullmatch(r"\s*[+-]?\d+\s*", value):
            return int(value)
        raise ConversionError(
            value, self.type_name,
            f"Cannot convert value \"{display(value)}\" to type \"System.Int32\". Error: \"Input string was not in a "
            "correct format.\"")

    def check_range(self, number: int) -> int:
        if self.minimum is not None and number < self.minimum:
            raise ValidationError(
                f"The {number} argument is less than the minimum allowed range of {self.minimum}. Supply an argument "
                f"that is greater than or equal to {self.minimum} and then try the command again.")
        if self.maximum is not None and number > self.maximum:
            raise ValidationError(
                f"The {number} argument is greater than the maximum allowed range of {self.maximum}. Supply an "
                f"argument that is less than or equal to {self.maximum} and then try the command again.")
        return number

    def convert(self, value: typing.Any) -> typing.Any:
        return self.check_range(self.parse(value))


class Unlimited(Int):
    """`Unlimited<int>`: a number in range, or the word Unlimited (kept as the string 'Unlimited')."""

    type_name = "Microsoft.Exchange.Data.Unlimited`1[System.Int32]"

    def convert(self, value: typing.Any) -> typing.Any:
        if isinstance(value, str) and value.strip().lower() == "unlimited":
            return "Unlimited"
        try:
            number = self.parse(value)
        except ConversionError:
            raise ConversionError(
                value, self.type_name,
                f"Cannot convert value \"{display(value)}\" to type \"{self.type_name}\". Error: \"The value must be "
                "a number or \"Unlimited\".\"") from None
        return self.check_range(number)


class Enum(ParameterType):
    """A .NET enum: names match case-insensitively and come back in their canonical spelling."""

    def __init__(self, type_name: str, names: typing.Sequence[str],
                 numbers: typing.Mapping[int, str] | None = None) -> None:
        self.type_name = type_name
        self.names = tuple(names)
        self.numbers = dict(numbers or {})

    def convert(self, value: typing.Any) -> typing.Any:
        if isinstance(value, int) and not isinstance(value, bool) and value in self.numbers:
            return self.numbers[value]
        text = display(value)
        for name in self.names:
            if name.lower() == text.strip().lower():
                return name
        raise ConversionError(
            value, self.type_name,
            f"Cannot convert value \"{text}\" to type \"{self.type_name}\". Error: \"Unable to match the identifier "
            f"name {text} to a valid enumerator name. Specify one of the following enumerator names and try again:"
            f"\r\n{', '.join(self.names)}\"")


_TIMESPAN = re.compile(r"^\s*(?:(?P<d>\d+)\.)?(?P<h>\d{1,2}):(?P<m>\d{1,2})(?::(?P<s>\d{1,2})(?:\.\d+)?)?\s*$")


def format_timespan(seconds: int) -> str:
    days, rest = divmod(seconds, 86400)
    hours, rest = divmod(rest, 3600)
    minutes, secs = divmod(rest, 60)
    text = f"{hours:02d}:{minutes:02d}:{secs:02d}"
    return f"{days}.{text}" if days else text


def parse_timespan(text: str) -> int | None:
    match = _TIMESPAN.match(text)
    if not match:
        return None
    parts = {k: int(v) if v else 0 for k, v in match.groupdict().items()}
    if parts["h"] > 23 or parts["m"] > 59 or parts["s"] > 59:
        return None
    return parts["d"] * 86400 + parts["h"] * 3600 + parts["m"] * 60 + parts["s"]


class TimeSpan(ParameterType):
    """Exchange's EnhancedTimeSpan, written `[d.]hh:mm:ss`; kept in its canonical text form."""

    type_name = "Microsoft.Exchange.Data.EnhancedTimeSpan"

    def __init__(self, minimum: int = 0, maximum: int | None = None) -> None:
        self.minimum = minimum
        self.maximum = maximum

    def convert(self, value: typing.Any) -> typing.Any:
        seconds = parse_timespan(value) if isinstance(value, str) else None
        if seconds is None:
            raise ConversionError(
                value, self.type_name,
                f"Cannot convert value \"{display(value)}\" to type \"{self.type_name}\". Error: \"The TimeSpan "
                "value must be in the format dd.hh:mm:ss (days.hours:minutes:seconds).\"")
        if seconds < self.minimum or (self.maximum is not None and seconds > self.maximum):
            raise ValidationError(
                f"The value must be between {format_timespan(self.minimum)} and "
                f"{format_timespan(self.maximum or 0)}.")
        return format_timespan(seconds)


_LABEL = r"(?!-)[A-Za-z0-9-]{1,63}(?<!-)"
_DOMAIN = re.compile(rf"^{_LABEL}(?:\.{_LABEL})+$|^{_LABEL}$")


def is_domain(text: str) -> bool:
    return bool(_DOMAIN.match(text)) and len(text) <= 255


class SmtpDomain(ParameterType):
    """`contoso.com`; with wildcards also `*.contoso.com` and `*` (SmtpDomainWithSubdomains)."""

    def __init__(self, wildcards: bool = False) -> None:
        self.wildcards = wildcards
        self.type_name = ("Microsoft.Exchange.Data.SmtpDomainWithSubdomains" if wildcards
                          else "Microsoft.Exchange.Data.SmtpDomain")

    def convert(self, value: typing.Any) -> typing.Any:
        text = display(value).strip()
        bare = text[2:] if self.wildcards and text.startswith("*.") else text
        if (self.wildcards and text == "*") or is_domain(bare):
            return text.lower()
        raise ConversionError(
            value, self.type_name,
            f"Cannot convert value \"{text}\" to type \"{self.type_name}\". Error: \"\"{text}\" isn't a valid SMTP "
            "domain.\"")


_LOCAL_PART = re.compile(r"^[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]+(?:\.[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]+)*$")


def is_smtp_address(text: str) -> bool:
    local, at, domain = text.rpartition("@")
    return bool(at) and bool(_LOCAL_PART.match(local)) and is_domain(domain) and len(text) <= 320


class SmtpAddress(ParameterType):
    type_name = "Microsoft.Exchange.Data.SmtpAddress"

    def convert(self, value: typing.Any) -> typing.Any:
        text = display(value).strip()
        if is_smtp_address(text):
            return text
        raise ConversionError(
            value, self.type_name,
            f"Cannot convert value \"{text}\" to type \"{self.type_name}\". Error: \"The email address \"{text}\" "
            "isn't correct. Please use this format: user name, the @ sign, followed by the domain name. For "
            "example, tonysmith@contoso.com or tony.smith@contoso.com.\"")


def parse_ip_range(text: str) -> str | None:
    """An Exchange IPRange: single address, CIDR or `start-end`; canonical text or None."""
    text = text.strip()
    try:
        if "/" in text:
            return str(ipaddress.ip_network(text, strict=False))
        if "-" in text:
            start, end = (ipaddress.ip_address(p.strip()) for p in text.split("-", 1))
            if start.version != end.version or int(start) > int(end):
                return None
            return f"{start}-{end}"
        return str(ipaddress.ip_address(text))
    except ValueError:
        return None


class IPRange(ParameterType):
    type_name = "Microsoft.Exchange.Data.IPRange"

    def convert(self, value: typing.Any) -> typing.Any:
        text = display(value)
        canonical = parse_ip_range(text)
        if canonical is None:
            raise ConversionError(
                value, self.type_name,
                f"Cannot convert value \"{text}\" to type \"{self.type_name}\". Error: \"\"{text}\" isn't a valid "
                "IP address, IP address range, or CIDR notation.\"")
        return canonical


class Identity(ParameterType):
    """An identity parameter: a string, or an object piped or passed whose Identity/Name stands for it."""

    def __init__(self, type_name: str) -> None:
        self.type_name = type_name

    def convert(self, value: typing.Any) -> typing.Any:
        if isinstance(value, Record):
            return str(value.get("Identity") or value.get("Name") or value.to_string)
        if isinstance(value, list):
            if len(value) != 1:
                raise ConversionError(value, self.type_name,
                                      f"Cannot convert 'System.Object[]' to the type \"{self.type_name}\" required "
                                      "by parameter 'Identity'. Specified method is not supported.")
            return self.convert(value[0])
        return display(value)


@dataclasses.dataclass
class MultiValuedUpdate:
    """How a multi-valued property is to change: replaced outright, or values added and removed."""

    replace: list[typing.Any] | None = None
    add: list[typing.Any] = dataclasses.field(default_factory=list)
    remove: list[typing.Any] = dataclasses.field(default_factory=list)

    def apply(self, current: list[typing.Any], key: typing.Callable[[typing.Any], typing.Any] = str.lower,
              ) -> list[typing.Any]:
        """The new list; adding a present value or removing an absent one is silently ignored."""
        result = list(self.replace) if self.replace is not None else list(current)
        seen = {key(v) for v in result}
        for value in self.add:
            if key(value) not in seen:
                result.append(value)
                seen.add(key(value))
        removing = {key(v) for v in self.remove}
        return [v for v in result if key(v) not in removing]


class MultiValued(ParameterType):
    """A MultiValuedProperty parameter: a value, a list, `$null` (clear), or `@{Add=…; Remove=…}`."""

    accepts_null = True

    def __init__(self, element: ParameterType, max_count: int | None = None) -> None:
        self.element = element
        self.max_count = max_count
        self.type_name = f"Microsoft.Exchange.Data.MultiValuedProperty`1[{element.type_name}]"

    def _elements(self, value: typing.Any) -> list[typing.Any]:
        items = value if isinstance(value, list) else [value]
        return [self.element.convert(v) for v in items if v is not None]

    def bind(self, value: typing.Any) -> typing.Any:
        if value is None:
            return MultiValuedUpdate(replace=[])
        if isinstance(value, dict):
            update = MultiValuedUpdate()
            for key, item in value.items():
                op = str(key).strip().lower()
                if op in ("add", "+"):
                    update.add.extend(self._elements(item))
                elif op in ("remove", "-"):
                    update.remove.extend(self._elements(item))
                else:
                    raise ConversionError(
                        value, self.type_name,
                        f"Cannot convert the \"System.Collections.Hashtable\" value of type "
                        f"\"System.Collections.Hashtable\" to type \"{self.type_name}\". The hash table key "
                        f"\"{key}\" isn't valid. Valid keys are \"Add\" and \"Remove\" (or \"+\" and \"-\").")
            return update
        update = MultiValuedUpdate(replace=self._elements(value))
        if self.max_count is not None and len(update.replace or []) > self.max_count:
            raise ValidationError(f"The number of values can't exceed {self.max_count}.")
        return update
