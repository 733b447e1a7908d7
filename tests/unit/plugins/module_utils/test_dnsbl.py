"""DNSBL query names (RFC 5782 sections 2.1, 2.4 and 5) and input validation."""

from __future__ import annotations

import ipaddress
import re

import pytest
from ansible_collections.mailhygiene.exchange.plugins.module_utils import dnsbl


@pytest.mark.parametrize(("address", "zone", "name"), [
    # RFC 5782's own examples
    ("192.168.42.23", "dnsbl.example", "23.42.168.192.dnsbl.example"),
    ("2001:db8:1:2:3:4:567:89ab", "ugly.example",
     "b.a.9.8.7.6.5.0.4.0.0.0.3.0.0.0.2.0.0.0.1.0.0.0.8.b.d.0.1.0.0.2.ugly.example"),
    ("203.0.113.25", "ips.backscatterer.org", "25.113.0.203.ips.backscatterer.org"),
    # compressed forms are expanded to all 32 nibbles
    ("2001:db8::25", "bl.example", "5.2.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.8.b.d.0.1.0.0.2.bl.example"),
    ("::1", "bl.example", "1" + ".0" * 31 + ".bl.example"),
])
def test_query_name(address: str, zone: str, name: str) -> None:
    assert dnsbl.query_name(dnsbl.parse_address(address), zone) == name


def test_rfc5782_test_entries() -> None:
    assert dnsbl.query_name(dnsbl.TEST_LISTED[4], "z.example") == "2.0.0.127.z.example"
    assert dnsbl.query_name(dnsbl.TEST_NOT_LISTED[4], "z.example") == "1.0.0.127.z.example"
    assert dnsbl.query_name(dnsbl.TEST_LISTED[6], "z.example") == \
        "2.0.0.0.0.0.f.7.f.f.f.f" + ".0" * 20 + ".z.example"


@pytest.mark.parametrize("value", ["192.0.2.300", "192.0.2.0/24", "mail.contoso.com", "", "2001:db8::g"])
def test_bad_address_is_named(value: str) -> None:
    with pytest.raises(dnsbl.InvalidInput, match="^" + re.escape(f"address: {value!r} is not an IPv4 or IPv6 address")):
        dnsbl.parse_address(value)


@pytest.mark.parametrize(("value", "zone"), [("ips.backscatterer.org", "ips.backscatterer.org"),
                                             ("BL.SpamCop.net.", "bl.spamcop.net")])
def test_zone_is_normalised(value: str, zone: str) -> None:
    assert dnsbl.parse_zone(value) == zone


@pytest.mark.parametrize("value", ["not a zone", "localhost", "-bad.example", ""])
def test_bad_zone_is_named(value: str) -> None:
    with pytest.raises(dnsbl.InvalidInput, match=r"^zones: .* is not a DNS zone; expected a domain name such as "
                                                 r"ips\.backscatterer\.org"):
        dnsbl.parse_zone(value)


def test_nameserver_must_be_an_address() -> None:
    assert dnsbl.parse_nameserver(" 10.0.0.53 ") == "10.0.0.53"
    with pytest.raises(dnsbl.InvalidInput, match=r"^nameservers: 'dns\.example\.net' is not an IP address"):
        dnsbl.parse_nameserver("dns.example.net")


@pytest.mark.parametrize(("port", "timeout", "message"), [(0, 1, "port: 0 is not a port"),
                                                          (70000, 1, "port: 70000 is not a port"),
                                                          (53, 0, "timeout: 0 must be more than 0 seconds")])
def test_client_settings_are_checked(port: int, timeout: float, message: str) -> None:
    with pytest.raises(dnsbl.InvalidInput, match=message):
        dnsbl.BlocklistClient(["127.0.0.1"], port=port, timeout=timeout)


@pytest.mark.parametrize(("listed", "never_listed", "ok"), [(True, False, True), (False, False, False),
                                                            (True, True, False)])
def test_zone_check_passes_only_with_both_test_entries_right(listed: bool, never_listed: bool, ok: bool) -> None:
    assert dnsbl.ZoneCheck("z.example", 4, listed, never_listed).ok is ok


def test_listing_network_is_loopback() -> None:
    assert ipaddress.ip_address("127.0.0.2") in dnsbl.LISTING_NETWORK
    assert ipaddress.ip_address("198.51.100.80") not in dnsbl.LISTING_NETWORK
