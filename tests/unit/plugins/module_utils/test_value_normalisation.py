"""Value normalisation per kind of setting, table-driven: the value a user gives, converted for sending, and the
value Exchange reports, normalised for comparison, compare equal exactly when they mean the same
(docs/docsite/rst/exchange_behaviour.rst, "How the modules compare values" and "Values as they arrive")."""

from __future__ import annotations

import pytest
from ansible.module_utils.common.arg_spec import ArgumentSpecValidator

from ansible_collections.mailhygiene.exchange.plugins.module_utils import values
from ansible_collections.mailhygiene.exchange.plugins.module_utils.batch import RESOURCES
from ansible_collections.mailhygiene.exchange.plugins.module_utils.desired_state import Setting, compare, desired_values

KINDS = ("bool", "choice", "int", "unlimited", "three_state", "charset", "timespan", "list", "str")


def setting(kind):
    if kind == "int":
        return Setting("option", "Property", "int", minimum=0, maximum=100)
    if kind == "unlimited":
        return Setting("option", "Property", "unlimited", minimum=1, maximum=132)
    if kind == "timespan":
        return Setting("option", "Property", "timespan", minimum=0, maximum=600)
    if kind == "list":
        return Setting("option", "Property", "list", maximum=10, element=values.ip_range)
    return Setting("option", "Property", kind, choices=("MimeHtmlText", "MimeText") if kind == "choice" else ())


# (kind, what the user gives, what Exchange reports, whether they are the same)
CASES = [
    ("bool", True, True, True),
    ("bool", False, None, False),
    ("choice", "MimeText", "mimetext", True),
    ("choice", "MimeText", "MimeHtmlText", False),
    ("int", 50, 50, True),
    ("int", 0, None, False),
    ("unlimited", "unlimited", "Unlimited", True),
    ("unlimited", "UNLIMITED", "Unlimited", True),
    ("unlimited", 78, "78", True),
    ("unlimited", "78", "78", True),
    ("unlimited", 78, "Unlimited", False),
    ("unlimited", "unlimited", "78", False),
    ("three_state", "unset", None, True),
    ("three_state", "true", True, True),
    ("three_state", "no", False, True),
    ("three_state", False, None, False),
    ("three_state", "unset", False, False),
    ("charset", "UTF-8", "utf-8", True),
    ("charset", "", None, True),
    ("charset", "", "", True),
    ("charset", "", "iso-8859-1", False),
    ("timespan", 5, "00:00:05", True),
    ("timespan", "0:0:5", "00:00:05", True),
    ("timespan", "00:10:00", "00:10:00", True),
    ("timespan", 600, "00:10:00", True),
    ("timespan", 0, "00:00:05", False),
    ("list", ["10.0.0.7/24", "10.0.1.10"], ["10.0.1.10", "10.0.0.0/24"], True),
    ("list", [" 10.0.0.1 - 10.0.0.20 "], ["10.0.0.1-10.0.0.20"], True),
    ("list", ["10.0.0.1"], [], False),
    ("str", "Contoso", "contoso", True),
]


@pytest.mark.parametrize("kind, given, reported, same", CASES)
def test_given_and_reported_values_compare(kind, given, reported, same):
    desired, modes = desired_values([setting(kind)], {"option": given, "option_mode": "replace"})
    difference = compare([setting(kind)], desired, {"Property": reported}, modes)
    assert difference.changed is not same


def test_every_kind_is_covered():
    assert sorted({case[0] for case in CASES}) == sorted(KINDS)


@pytest.mark.parametrize("kind, given, message", [
    ("int", 101, "option: 101 is not a number from 0 to 100."),
    ("int", True, "option: True is not a number from 0 to 100."),
    ("unlimited", 0, "option: 0 is not a number from 1 to 132 or 'unlimited'."),
    ("unlimited", "wide", "option: 'wide' is not a number from 1 to 132 or 'unlimited'."),
    ("three_state", "sometimes", "option: 'sometimes' is not one of true, false, unset."),
    ("charset", "utf 8", "option: 'utf 8' is not a character set name such as iso-8859-1 or utf-8."),
    ("timespan", "5 seconds", "option: '5 seconds' is not a time span; give seconds or hh:mm:ss, e.g. 00:00:05."),
    ("timespan", 601, "option: 601 is outside 00:00:00 to 00:10:00."),
    ("list", ["10.0.0.300"], "option: '10.0.0.300' is not an IP address, CIDR range (10.0.0.0/24) or address range"),
    ("list", ["10.0.0.%d" % i for i in range(11)], "option: at most 10 values are allowed, got 11."),
])
def test_bad_values_name_the_option_and_what_is_allowed(kind, given, message):
    with pytest.raises(values.InvalidValue) as failure:
        setting(kind).to_exchange(given)
    assert str(failure.value).startswith(message)


@pytest.mark.parametrize("kind, reported, shown", [
    ("unlimited", "Unlimited", "Unlimited"),
    ("unlimited", "78", 78),
    ("unlimited", 78, 78),
    ("charset", "ISO-8859-1", "iso-8859-1"),
    ("charset", "", None),
    ("list", None, []),
    ("timespan", "00:00:05", "00:00:05"),
    ("three_state", None, None),
])
def test_reported_values_as_the_modules_return_them(kind, reported, shown):
    assert setting(kind).normalise_actual(reported) == shown


@pytest.mark.parametrize("kind", sorted(RESOURCES))
def test_every_resource_setting_has_a_known_kind_and_a_valid_argument_spec(kind):
    resource = RESOURCES[kind]
    assert all(s.kind in KINDS for s in resource.settings), [s.option for s in resource.settings if s.kind not in KINDS]
    spec = resource.argument_spec()
    required = {name: "x.contoso.com" for name, option in spec.items() if option.get("required")}
    result = ArgumentSpecValidator(spec).validate(required)
    assert result.error_messages == []


@pytest.mark.parametrize("value, comparable", [
    ("  Unlimited ", "unlimited"),
    ("1.00:00:00", 86400),
    ("10:00", "10:00"),  # not a time span Exchange writes: compared as text
    (["b", "A"], ["a", "b"]),
    (None, None),
    (7, 7),
])
def test_comparable_forms(value, comparable):
    assert values.comparable(value) == comparable
