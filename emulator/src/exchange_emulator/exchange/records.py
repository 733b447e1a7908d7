"""What Exchange cmdlets return, in neutral terms.

A `Record` is an object as a remote Exchange session delivers it: a list of .NET type names, ordered
properties and the string PowerShell shows for it. Values are Python natives (str, bool, int, None,
datetime, UUID) or `MultiValued` lists. Exchange value types that arrive as strings over remoting
(enums, `Unlimited`, time spans, identities) are strings here too. The PSRP layer turns records into
CLIXML; the WinRS shell formats them as text. Neither detail leaks into the model.
"""

from __future__ import annotations

import dataclasses
import typing

MVP_PREFIX = "Microsoft.Exchange.Data.MultiValuedProperty`1"
STRING_TYPE = "System.String, mscorlib, Version=4.0.0.0, Culture=neutral, PublicKeyToken=b77a5c561934e089"


@dataclasses.dataclass
class MultiValued:
    """An Exchange MultiValuedProperty; `element_type` is the assembly-qualified .NET element type."""

    values: list[typing.Any]
    element_type: str = STRING_TYPE

    @property
    def type_names(self) -> list[str]:
        return [f"{MVP_PREFIX}[[{self.element_type}]]", "Microsoft.Exchange.Data.MultiValuedPropertyBase",
                "System.Object"]


@dataclasses.dataclass
class Record:
    type_names: list[str]
    properties: dict[str, typing.Any]
    to_string: str

    def get(self, name: str, default: typing.Any = None) -> typing.Any:
        """Property lookup that is case-insensitive, as PowerShell's is."""
        if name in self.properties:
            return self.properties[name]
        lowered = name.lower()
        for key, value in self.properties.items():
            if key.lower() == lowered:
                return value
        return default


def ad_object_types(most_derived: str, *intermediate: str) -> list[str]:
    """Type names of an Exchange configuration object as remoting reports them."""
    return [most_derived, *intermediate, "Microsoft.Exchange.Data.Directory.ADConfigurationObject",
            "Microsoft.Exchange.Data.Directory.ADObject", "Microsoft.Exchange.Data.Directory.ADRawEntry",
            "System.Object"]
