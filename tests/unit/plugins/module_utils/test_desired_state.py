"""Comparing only the keys the user set; lists with append/replace; the before/after for --diff."""

from __future__ import annotations

import pytest

from ansible_collections.mailhygiene.exchange.plugins.module_utils.desired_state import (
    Setting, compare, desired_values,
)
from ansible_collections.mailhygiene.exchange.plugins.module_utils.resources.remote_domain import SETTINGS
from ansible_collections.mailhygiene.exchange.plugins.module_utils.values import InvalidValue, smtp_address

BLOCKED = Setting("blocked_recipients", "BlockedRecipients", "list", maximum=3, element=smtp_address)
ACTUAL = {"NDREnabled": True, "DeliveryReportEnabled": True, "LineWrapSize": "Unlimited", "TNEFEnabled": None,
          "CharacterSet": "iso-8859-1"}


def test_only_set_options_are_compared():
    desired, modes = desired_values(SETTINGS, {"ndr_enabled": False, "delivery_report_enabled": None})
    difference = compare(SETTINGS, desired, ACTUAL, modes)
    assert difference.parameters == {"NDREnabled": False}
    assert difference.before == {"ndr_enabled": True} and difference.after == {"ndr_enabled": False}


def test_equal_values_in_other_spellings_are_no_change():
    desired, modes = desired_values(SETTINGS, {"line_wrap_size": "unlimited", "character_set": "ISO-8859-1",
                                               "tnef_enabled": "unset"})
    assert not compare(SETTINGS, desired, ACTUAL, modes).changed


def test_three_state_false_differs_from_unset():
    desired, modes = desired_values(SETTINGS, {"tnef_enabled": False})
    assert compare(SETTINGS, desired, ACTUAL, modes).parameters == {"TNEFEnabled": False}


def test_list_append_adds_only_missing_values():
    desired, modes = desired_values([BLOCKED], {"blocked_recipients": ["A@x.com", "c@x.com"]})
    difference = compare([BLOCKED], desired, {"BlockedRecipients": ["a@x.com", "b@x.com"]}, modes)
    assert difference.parameters == {"BlockedRecipients": {"Add": ["c@x.com"]}}
    assert difference.after == {"blocked_recipients": ["a@x.com", "b@x.com", "c@x.com"]}


def test_list_replace_adds_and_removes():
    desired, modes = desired_values([BLOCKED], {"blocked_recipients": ["c@x.com"], "blocked_recipients_mode": "replace"})
    difference = compare([BLOCKED], desired, {"BlockedRecipients": ["a@x.com"]}, modes)
    assert difference.parameters == {"BlockedRecipients": {"Add": ["c@x.com"], "Remove": ["a@x.com"]}}


def test_list_limits_and_elements_are_validated():
    with pytest.raises(InvalidValue, match="at most 3 values"):
        desired_values([BLOCKED], {"blocked_recipients": ["a@x.com", "b@x.com", "c@x.com", "d@x.com"]})
    with pytest.raises(InvalidValue, match="blocked_recipients: 'x' is not a valid SMTP address"):
        desired_values([BLOCKED], {"blocked_recipients": ["x"]})


def test_new_objects_send_every_set_option():
    desired, modes = desired_values(SETTINGS, {"ndr_enabled": True})
    assert compare(SETTINGS, desired, None, modes).parameters == {"NDREnabled": True}
