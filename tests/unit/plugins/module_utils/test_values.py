"""Normalisation of Exchange values and validation of user input."""

from __future__ import annotations

import pytest

from ansible_collections.mailhygiene.exchange.plugins.module_utils import values
from ansible_collections.mailhygiene.exchange.plugins.module_utils.values import InvalidValue


@pytest.mark.parametrize("text,wildcards,expected", [
    ("Contoso.COM", False, "contoso.com"), ("contoso.com.", False, "contoso.com"), ("*", True, "*"),
    ("*.Contoso.com", True, "*.contoso.com"),
])
def test_domain_names(text, wildcards, expected):
    assert values.domain_name("d", text, wildcards) == expected


@pytest.mark.parametrize("text,wildcards", [("*", False), ("contoso", False), ("-bad.com", False),
                                            ("a..b.com", False), ("*.*.com", True), ("con toso.com", False)])
def test_bad_domain_names_name_the_option(text, wildcards):
    with pytest.raises(InvalidValue, match=r"^d: "):
        values.domain_name("d", text, wildcards)


def test_smtp_addresses():
    assert values.smtp_address("a", "Info@Contoso.COM") == "Info@contoso.com"
    for bad in ("info", "info@", "@contoso.com", "in fo@contoso.com", "a@b"):
        with pytest.raises(InvalidValue, match="not a valid SMTP address"):
            values.smtp_address("a", bad)


@pytest.mark.parametrize("text,expected", [("10.0.0.1", "10.0.0.1"), ("10.0.0.7/24", "10.0.0.0/24"),
                                           ("10.0.0.1 - 10.0.0.20", "10.0.0.1-10.0.0.20"), ("fe80::1", "fe80::1")])
def test_ip_ranges(text, expected):
    assert values.ip_range("r", text) == expected


@pytest.mark.parametrize("text", ["10.0.0.256", "10.0.0.9-10.0.0.1", "10.0.0.1-fe80::1", "host.example"])
def test_bad_ip_ranges(text):
    with pytest.raises(InvalidValue, match=r"^r: "):
        values.ip_range("r", text)


@pytest.mark.parametrize("value,seconds", [(5, 5), ("5", 5), ("00:00:05", 5), ("0:01:00", 60), ("1.00:00:00", 86400)])
def test_time_spans(value, seconds):
    assert values.timespan_seconds("t", value) == seconds


@pytest.mark.parametrize("value", ["00:00:60", "soon", True, -1])
def test_bad_time_spans(value):
    with pytest.raises(InvalidValue):
        values.timespan_seconds("t", value, 0, 600)


def test_time_span_bounds():
    with pytest.raises(InvalidValue, match="outside 00:00:00 to 00:10:00"):
        values.timespan_seconds("t", 601, 0, 600)
    assert values.format_timespan(90061) == "1.01:01:01"


@pytest.mark.parametrize("value,expected", [(True, True), ("no", False), ("unset", None), ("NULL", None), (None, None)])
def test_three_state(value, expected):
    assert values.three_state("x", value) is expected


def test_unlimited():
    assert values.unlimited_int("w", "UNLIMITED", 1, 132) == "Unlimited"
    assert values.unlimited_int("w", "72", 1, 132) == 72
    for bad in (0, 133, "lots", True):
        with pytest.raises(InvalidValue, match="from 1 to 132 or 'unlimited'"):
            values.unlimited_int("w", bad, 1, 132)


def test_comparison_rules():
    assert values.same("ISO-8859-1", "iso-8859-1")
    assert values.same("Unlimited", "unlimited")
    assert values.same("0:00:05", "00:00:05")
    assert values.same(["B@x.com", "a@x.com"], ["a@x.com", "b@x.com"])
    assert not values.same(True, None)


def test_list_delta_append_and_replace():
    assert values.list_delta(["a", "B"], ["b", "c"], "append") == (["a"], [])
    assert values.list_delta(["a", "B"], ["b", "c"], "replace") == (["a"], ["c"])
