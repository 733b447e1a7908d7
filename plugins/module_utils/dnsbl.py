# -*- coding: utf-8 -*-
# Copyright: (c) 2026, mailhygiene.exchange contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
# ruff: noqa: UP009
"""DNS blocklist look-ups as RFC 5782 defines them: is an address listed in a DNSBL zone, with which codes
and why. Queries go to the nameservers given (or the system's), over UDP, and over TCP when an answer is
truncated. No Ansible imports: the backscatter_listing module reports what this finds."""

from __future__ import annotations

import dataclasses
import ipaddress
import math
import typing

from .values import is_domain

try:
    import dns.exception
    import dns.flags
    import dns.message
    import dns.query
    import dns.rcode
    import dns.rdatatype
    import dns.resolver
    HAS_DNSPYTHON = True
    DNSPYTHON_IMPORT_ERROR: ImportError | None = None
except ImportError as error:  # reported by the module with missing_required_lib
    HAS_DNSPYTHON = False
    DNSPYTHON_IMPORT_ERROR = error

DEFAULT_ZONE = "ips.backscatterer.org"
# RFC 5782: a listing is an A record in 127.0.0.0/8; anything else is not an answer a DNSBL gives.
LISTING_NETWORK = ipaddress.ip_network("127.0.0.0/8")
# RFC 5782 section 5: every IPv4 zone lists 127.0.0.2 and never 127.0.0.1; IPv6 zones use ::FFFF:7F00:2 / :1.
TEST_LISTED = {4: ipaddress.ip_address("127.0.0.2"), 6: ipaddress.ip_address("::ffff:7f00:2")}
TEST_NOT_LISTED = {4: ipaddress.ip_address("127.0.0.1"), 6: ipaddress.ip_address("::ffff:7f00:1")}

# typing.Union: evaluated at import, and module_utils must import on the older Pythons ansible-test checks.
Address = typing.Union[ipaddress.IPv4Address, ipaddress.IPv6Address]  # noqa: UP007


class DnsblError(Exception):
    """A look-up that gave no usable answer; the message says which input or nameserver, and what to do."""


class InvalidInput(DnsblError):
    """An address, zone or nameserver that cannot be queried."""


class LookupFailed(DnsblError):
    """No nameserver answered (timeout, SERVFAIL, REFUSED, unreachable)."""


class HijackedAnswer(DnsblError):
    """An answer outside 127.0.0.0/8: the resolver rewrites NXDOMAIN into an address of its own."""


class ZoneCheckFailed(DnsblError):
    """The zone does not answer RFC 5782's test entries as it must."""


@dataclasses.dataclass
class Listing:
    """Whether one address is listed in one zone."""

    address: str
    zone: str
    query_name: str
    listed: bool
    codes: list[int]        # the last octet of each answer (2 for 127.0.0.2)
    answers: list[str]      # the A records, as given
    reason: str | None      # the TXT record(s), when listed

    def as_dict(self) -> dict[str, typing.Any]:
        return dataclasses.asdict(self)


@dataclasses.dataclass
class ZoneCheck:
    """RFC 5782's self-test of a zone: its test entry is listed, its never-listed entry is not."""

    zone: str
    version: int
    test_entry_listed: bool
    never_listed_entry_listed: bool

    @property
    def ok(self) -> bool:
        return self.test_entry_listed and not self.never_listed_entry_listed

    def as_dict(self) -> dict[str, typing.Any]:
        return dict(dataclasses.asdict(self), ok=self.ok)


def parse_address(value: typing.Any) -> Address:
    """An IPv4 or IPv6 address (not a network, not a name)."""
    try:
        return ipaddress.ip_address(str(value).strip())
    except ValueError:
        raise InvalidInput(f"address: {value!r} is not an IPv4 or IPv6 address; expected one address such as "
                           "192.0.2.25 or 2001:db8::25 (no networks, no host names)") from None


def parse_zone(value: typing.Any) -> str:
    """A DNSBL zone: a domain name such as ips.backscatterer.org."""
    zone = str(value).strip().rstrip(".").lower()
    if not is_domain(zone):
        raise InvalidInput(f"zones: {value!r} is not a DNS zone; expected a domain name such as {DEFAULT_ZONE}")
    return zone


def parse_nameserver(value: typing.Any) -> str:
    """A nameserver is given by its IP address (a name would need a resolver to find it)."""
    try:
        return str(ipaddress.ip_address(str(value).strip()))
    except ValueError:
        raise InvalidInput(f"nameservers: {value!r} is not an IP address; expected the address of a resolver, "
                           "such as 127.0.0.1 or 10.0.0.53") from None


def query_name(address: Address, zone: str) -> str:
    """RFC 5782 section 2.1 and 2.4: the octets (IPv4) or nibbles (IPv6) in reverse order, under the zone."""
    if address.version == 4:
        labels = str(address).split(".")
    else:
        labels = list(address.exploded.replace(":", ""))
    return ".".join(reversed(labels)) + "." + zone


class BlocklistClient:
    """Asks nameservers about DNSBL entries. Each query tries the nameservers in order until one answers."""

    def __init__(self, nameservers: typing.Sequence[str] | None = None, port: int = 53, timeout: float = 5.0) -> None:
        if not HAS_DNSPYTHON:
            raise DnsblError(f"dnspython is needed for DNS look-ups: {DNSPYTHON_IMPORT_ERROR}")
        if not 1 <= int(port) <= 65535:
            raise InvalidInput(f"port: {port!r} is not a port; expected 1 to 65535 (53 for DNS)")
        if float(timeout) <= 0 or math.isnan(float(timeout)):
            raise InvalidInput(f"timeout: {timeout!r} must be more than 0 seconds")
        self.nameservers = [parse_nameserver(ns) for ns in nameservers] if nameservers else system_nameservers()
        self.port = int(port)
        self.timeout = float(timeout)

    def lookup(self, address: Address, zone: str) -> Listing:
        name = query_name(address, zone)
        answers = self._addresses(name)
        reason = None
        if answers:
            texts = self._query(name, "TXT")[1]
            reason = " ".join(texts) if texts else None
        return Listing(address=str(address), zone=zone, query_name=name, listed=bool(answers),
                       codes=[int(str(a).rsplit(".", 1)[1]) for a in answers], answers=[str(a) for a in answers],
                       reason=reason)

    def check_zone(self, zone: str, version: int = 4) -> ZoneCheck:
        return ZoneCheck(zone=zone, version=version,
                         test_entry_listed=bool(self._addresses(query_name(TEST_LISTED[version], zone))),
                         never_listed_entry_listed=bool(self._addresses(query_name(TEST_NOT_LISTED[version], zone))))

    def _addresses(self, name: str) -> list[ipaddress.IPv4Address]:
        """The A records of a name; an answer outside 127.0.0.0/8 is an error, not a listing."""
        nameserver, texts = self._query(name, "A")
        answers = sorted(ipaddress.IPv4Address(text) for text in texts)  # an RRset has no order
        outside = [str(a) for a in answers if a not in LISTING_NETWORK]
        if outside:
            raise HijackedAnswer(
                f"nameserver {nameserver} answered {name} with {', '.join(outside)}, outside 127.0.0.0/8: a blocklist "
                "never answers that, so this resolver replaces 'no such name' with an address of its own (NXDOMAIN "
                "hijacking) and every result from it would read as listed; query a resolver that does not "
                "(nameservers)")
        return answers

    def _query(self, name: str, rdtype: str) -> tuple[str, list[str]]:
        """(the nameserver that answered, the records' texts); NXDOMAIN and no data are an empty list."""
        failures = []
        for nameserver in self.nameservers:
            try:
                response = self._exchange(dns.message.make_query(name, rdtype), nameserver)
            except dns.exception.Timeout:
                failures.append(f"{nameserver} port {self.port}: no answer within {self.timeout:g} s")
                continue
            except (OSError, dns.exception.DNSException) as error:
                failures.append(f"{nameserver} port {self.port}: {error.__class__.__name__}: {error}")
                continue
            rcode = response.rcode()
            if rcode == dns.rcode.NXDOMAIN:
                return nameserver, []
            if rcode != dns.rcode.NOERROR:
                failures.append(f"{nameserver} port {self.port}: answered {dns.rcode.to_text(rcode)}")
                continue
            wanted = dns.rdatatype.from_text(rdtype)
            texts: list[str] = []
            for rrset in response.answer:
                if rrset.rdtype == wanted:
                    texts.extend(_record_text(rdata) for rdata in rrset)
            return nameserver, texts
        raise LookupFailed(f"no nameserver answered {rdtype} {name}: {'; '.join(failures)}. A blocklist often "
                           "refuses queries from public resolvers; check that the nameservers are reachable and "
                           "resolve the zone")

    def _exchange(self, query: typing.Any, nameserver: str) -> typing.Any:
        """UDP first; TCP when the answer did not fit (truncated, RFC 7766)."""
        response = dns.query.udp(query, nameserver, timeout=self.timeout, port=self.port)
        if response.flags & dns.flags.TC:
            response = dns.query.tcp(query, nameserver, timeout=self.timeout, port=self.port)
        return response


def _record_text(rdata: typing.Any) -> str:
    if rdata.rdtype == dns.rdatatype.TXT:
        return b"".join(rdata.strings).decode("utf-8", "replace")
    return str(rdata.to_text())


def system_nameservers() -> list[str]:
    """The resolvers of the system (resolv.conf), when the user names none."""
    try:
        nameservers = [str(ns) for ns in dns.resolver.Resolver().nameservers]
    except dns.exception.DNSException as error:
        raise LookupFailed(f"no nameservers given and the system's cannot be read ({error}); set nameservers") from None
    if not nameservers:
        raise LookupFailed("no nameservers given and the system has none configured; set nameservers")
    return nameservers


def check_listings(addresses: typing.Sequence[typing.Any], zones: typing.Sequence[typing.Any], client: BlocklistClient,
                   check_zone: bool = False) -> tuple[list[Listing], list[ZoneCheck]]:
    """Every address looked up in every zone; with check_zone, each zone's self-test first (for the IP versions
    queried), so a dead zone or a resolver that is refused cannot pass for "not listed"."""
    parsed = [parse_address(a) for a in addresses]
    if not parsed:
        raise InvalidInput("address: no address given; expected one address or a list, such as 192.0.2.25")
    parsed_zones = [parse_zone(z) for z in zones]
    if not parsed_zones:
        raise InvalidInput(f"zones: no zone given; expected a list of DNSBL zones such as [{DEFAULT_ZONE}]")
    checks = []
    if check_zone:
        for zone in parsed_zones:
            for version in sorted({a.version for a in parsed}):
                check = client.check_zone(zone, version)
                checks.append(check)
                if not check.ok:
                    raise ZoneCheckFailed(_zone_check_problem(check))
    listings = [client.lookup(address, zone) for address in parsed for zone in parsed_zones]
    return listings, checks


def _zone_check_problem(check: ZoneCheck) -> str:
    listed, not_listed = TEST_LISTED[check.version], TEST_NOT_LISTED[check.version]
    if not check.test_entry_listed:
        return (f"zone {check.zone} failed RFC 5782's self-test: its test entry {listed} is not listed, so the zone "
                "does not answer (misspelt, retired, or refusing this resolver) and 'not listed' would mean nothing")
    return (f"zone {check.zone} failed RFC 5782's self-test: {not_listed}, which no zone may list, is listed, so the "
            "zone lists everything (a retired list that answers every query) and 'listed' would mean nothing")
