"""backscatter_listing through ansible-playbook, against real DNS servers on loopback (dns_server.py)."""

from __future__ import annotations

import types
import typing

import pytest
from dns_server import HIJACK_ADDRESS, DnsServer

ZONE = "ips.backscatterer.org"
OTHER_ZONE = "bl.example.net"
LISTED_V4 = "192.0.2.25"        # listed on ZONE, with a reason
LISTED_V6 = "2001:db8::25"      # listed on ZONE, code 3
CLEAN_V4 = "192.0.2.99"         # listed nowhere
LONG_REASON = "Backscatter seen from this address; " * 20  # an answer too long for UDP: sent again over TCP

RECORDS = {
    # RFC 5782 test entries of ZONE: 127.0.0.2 listed, 127.0.0.1 not.
    f"2.0.0.127.{ZONE}": {"A": ["127.0.0.2"], "TXT": ["RFC 5782 test entry"]},
    f"25.2.0.192.{ZONE}": {"A": ["127.0.0.2"], "TXT": ["Backscatter from 192.0.2.25, see the list's lookup page"]},
    # 2001:db8::25, nibbles reversed
    "5.2.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.8.b.d.0.1.0.0.2." + ZONE: {"A": ["127.0.0.3"]},
    # the IPv6 test entry ::ffff:7f00:2
    "2.0.0.0.0.0.f.7.f.f.f.f.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0." + ZONE: {"A": ["127.0.0.2"]},
    f"25.2.0.192.{OTHER_ZONE}": {"A": ["127.0.0.4", "127.0.0.10"], "TXT": [LONG_REASON]},
    # OTHER_ZONE is broken: it has no test entry, and lists 127.0.0.1
    f"1.0.0.127.{OTHER_ZONE}": {"A": ["127.0.0.2"]},
}


@pytest.fixture(scope="module")
def exchange_lab() -> typing.Any:
    """No emulator lab: the module runs on the controller; the playbooks target localhost."""
    return types.SimpleNamespace(endpoints={"servers": []}, username="", password="")


@pytest.fixture(scope="module")
def dnsbl() -> typing.Iterator[DnsServer]:
    with DnsServer(RECORDS) as server:
        yield server


def listing(ansible: typing.Any, check: bool = False, **args: typing.Any) -> typing.Any:
    args.setdefault("nameservers", ["127.0.0.1"])  # never the machine's resolvers
    run = ansible.play([{"name": "listing", "mailhygiene.exchange.backscatter_listing": args}], hosts="localhost",
                       module_defaults=False, check=check)
    return run, run.task("listing", host="localhost")


def test_listed_and_not_listed_ipv4_and_ipv6(ansible, dnsbl):
    run, result = listing(ansible, address=[LISTED_V4, LISTED_V6, CLEAN_V4], nameservers=["127.0.0.1"],
                          port=dnsbl.port, timeout=2)
    assert run.returncode == 0, run.output
    assert result["listed"] is True and result["changed"] is False
    by_address = {r["address"]: r for r in result["results"]}
    assert by_address[LISTED_V4] == {
        "address": LISTED_V4, "zone": ZONE, "query_name": f"25.2.0.192.{ZONE}", "listed": True, "codes": [2],
        "answers": ["127.0.0.2"], "reason": "Backscatter from 192.0.2.25, see the list's lookup page"}
    assert by_address[LISTED_V6]["listed"] is True and by_address[LISTED_V6]["codes"] == [3]
    assert by_address[LISTED_V6]["reason"] is None  # the zone gives no TXT for it
    assert by_address[CLEAN_V4] == {"address": CLEAN_V4, "zone": ZONE, "query_name": f"99.2.0.192.{ZONE}",
                                    "listed": False, "codes": [], "answers": [], "reason": None}
    # TXT is asked only for listed addresses
    assert not [q for q in dnsbl.queries if q.rdtype == "TXT" and q.name.startswith("99.")]


def test_not_listed_anywhere_and_check_mode(ansible, dnsbl):
    run, result = listing(ansible, check=True, address=CLEAN_V4, zones=[ZONE, OTHER_ZONE],
                          nameservers=["127.0.0.1"], port=dnsbl.port, fail_when_listed=True)
    assert run.returncode == 0, run.output
    assert result["listed"] is False and [r["zone"] for r in result["results"]] == [ZONE, OTHER_ZONE]


def test_fail_when_listed_names_address_zone_and_reason(ansible, dnsbl):
    run, result = listing(ansible, address=[LISTED_V4], zones=[ZONE, OTHER_ZONE], nameservers=["127.0.0.1"],
                          port=dnsbl.port, fail_when_listed=True)
    assert run.returncode != 0
    assert result["msg"].startswith(f"listed: {LISTED_V4} on {ZONE} (127.0.0.2: Backscatter from 192.0.2.25")
    other = result["results"][1]
    # The long TXT answer came truncated over UDP and whole over TCP.
    assert other["codes"] == [4, 10] and other["reason"] == LONG_REASON
    assert any(q.transport == "tcp" and q.rdtype == "TXT" for q in dnsbl.queries)


def test_zone_self_test(ansible, dnsbl):
    run, result = listing(ansible, address=[CLEAN_V4, LISTED_V6], nameservers=["127.0.0.1"], port=dnsbl.port,
                          check_zone=True)
    assert run.returncode == 0, run.output
    assert result["zone_checks"] == [
        {"zone": ZONE, "version": 4, "test_entry_listed": True, "never_listed_entry_listed": False, "ok": True},
        {"zone": ZONE, "version": 6, "test_entry_listed": True, "never_listed_entry_listed": False, "ok": True}]
    run, result = listing(ansible, address=[CLEAN_V4], zones=[OTHER_ZONE], nameservers=["127.0.0.1"],
                          port=dnsbl.port, check_zone=True)
    assert run.returncode != 0
    assert result["msg"].startswith(f"zone {OTHER_ZONE} failed RFC 5782's self-test: its test entry 127.0.0.2 is "
                                    "not listed")


def test_hijacking_resolver_is_an_error_not_a_listing(ansible):
    with DnsServer(behaviour="hijack") as hijacker:
        run, result = listing(ansible, address=CLEAN_V4, nameservers=["127.0.0.1"], port=hijacker.port)
    assert run.returncode != 0
    assert f"nameserver 127.0.0.1 answered 99.2.0.192.{ZONE} with {HIJACK_ADDRESS}, outside 127.0.0.0/8" in \
        result["msg"]
    assert "results" not in result


@pytest.mark.parametrize(("behaviour", "problem"), [
    ("silent", "no answer within 0.3 s"),
    ("servfail", "answered SERVFAIL"),
])
def test_unanswered_queries_name_the_nameserver(ansible, behaviour, problem):
    with DnsServer(behaviour=behaviour) as broken:
        run, result = listing(ansible, address=CLEAN_V4, nameservers=["127.0.0.1"], port=broken.port, timeout=0.3)
    assert run.returncode != 0
    assert result["msg"].startswith(f"no nameserver answered A 99.2.0.192.{ZONE}: 127.0.0.1 port {broken.port}: "
                                    f"{problem}")


def test_next_nameserver_is_asked_when_one_fails(ansible, dnsbl):
    # Nothing listens on 127.0.0.9 (the server is bound to 127.0.0.1): the first nameserver fails, the second answers.
    run, result = listing(ansible, address=LISTED_V4, nameservers=["127.0.0.9", "127.0.0.1"], port=dnsbl.port,
                          timeout=0.3)
    assert run.returncode == 0, run.output
    assert result["listed"] is True


@pytest.mark.parametrize(("args", "message"), [
    ({"address": "192.0.2.300"}, "address: '192.0.2.300' is not an IPv4 or IPv6 address"),
    ({"address": "mail.contoso.com"}, "address: 'mail.contoso.com' is not an IPv4 or IPv6 address"),
    ({"address": "192.0.2.0/24"}, "address: '192.0.2.0/24' is not an IPv4 or IPv6 address"),
    ({"address": CLEAN_V4, "zones": ["not a zone"]}, "zones: 'not a zone' is not a DNS zone"),
    ({"address": CLEAN_V4, "nameservers": ["dns.example.net"]}, "nameservers: 'dns.example.net' is not an IP address"),
    ({"address": CLEAN_V4, "nameservers": ["127.0.0.1"], "port": 0}, "port: 0 is not a port"),
    ({"address": CLEAN_V4, "nameservers": ["127.0.0.1"], "timeout": 0}, "timeout: 0.0 must be more than 0 seconds"),
])
def test_bad_input(ansible, args, message):
    run, result = listing(ansible, **args)
    assert run.returncode != 0
    assert message in result["msg"]
