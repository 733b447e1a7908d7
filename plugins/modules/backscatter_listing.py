#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: (c) 2026, mailhygiene.exchange contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
# ruff: noqa: UP009, E402

from __future__ import annotations

DOCUMENTATION = r"""
module: backscatter_listing
short_description: Check whether addresses are listed on ips.backscatterer.org and other DNS blocklists
version_added: 0.1.0
description:
  - Looks up IPv4 and IPv6 addresses, typically your Exchange servers' public sending addresses, in DNS blocklists
    (DNSBLs) as RFC 5782 defines them, by default in C(ips.backscatterer.org), which lists addresses that send
    misdirected bounces, auto-replies and sender callouts.
  - An A record in 127.0.0.0/8 for the reversed address under the zone means listed (its last octet is the list's
    code); no such name (NXDOMAIN) means not listed; the TXT record at the same name gives the reason.
  - An answer outside 127.0.0.0/8 is reported as an error, not as a listing; it comes from a resolver that replaces
    NXDOMAIN with an address of its own.
  - Runs on the controller, whatever the play's hosts are. Query a resolver of your own (I(nameservers)) rather
    than a public one, which blocklists often refuse and which learns which addresses you ask about.
author:
  - mailhygiene.exchange contributors (@mailhygiene)
extends_documentation_fragment:
  - mailhygiene.exchange.attributes.info_module
requirements:
  - dnspython >= 2.0
options:
  address:
    description:
      - One IPv4 or IPv6 address, or a list of them.
    type: list
    elements: str
    required: true
  zones:
    description:
      - The DNSBL zones to look the addresses up in.
    type: list
    elements: str
    default: [ips.backscatterer.org]
  nameservers:
    description:
      - IP addresses of the resolvers to ask, in order; the next is asked when one does not answer.
      - When not set, the resolvers of the controller's system (C(/etc/resolv.conf)).
    type: list
    elements: str
  port:
    description: The port of the nameservers.
    type: int
    default: 53
  timeout:
    description: Seconds to wait for each answer from each nameserver.
    type: float
    default: 5.0
  check_zone:
    description:
      - First run RFC 5782's self-test on each zone (its test entry C(127.0.0.2) must be listed, C(127.0.0.1) must
        not; C(::FFFF:7F00:2) and C(::FFFF:7F00:1) for IPv6 addresses) and fail when a zone does not pass, so that
        a dead zone or a refused resolver cannot read as "not listed".
    type: bool
    default: false
  fail_when_listed:
    description: Fail the task when an address is listed in a zone (the results are returned all the same).
    type: bool
    default: false
notes:
  - Delisting from C(ips.backscatterer.org) happens by itself some weeks after the last backscatter seen from the
    address; stop the backscatter first (the role mailhygiene.exchange.backscatter_baseline).
seealso:
  - name: RFC 5782, DNS Blacklists and Whitelists
    description: How DNSBLs are queried and answer.
    link: https://www.rfc-editor.org/rfc/rfc5782
"""

EXAMPLES = r"""
- name: Are our sending addresses on the backscatter list?
  mailhygiene.exchange.backscatter_listing:
    address: [203.0.113.25, 2001:db8::25]
    nameservers: [10.0.0.53]
  register: listing

- name: Fail the pipeline when an Edge server is listed anywhere we look
  mailhygiene.exchange.backscatter_listing:
    address: 203.0.113.25
    zones: [ips.backscatterer.org, bl.spamcop.net]
    nameservers: [10.0.0.53]
    check_zone: true
    fail_when_listed: true
"""

RETURN = r"""
listed:
  description: Whether any address is listed in any zone.
  returned: success
  type: bool
  sample: false
results:
  description: One entry per address and zone.
  returned: success
  type: list
  elements: dict
  contains:
    address:
      description: The address looked up.
      type: str
      sample: 203.0.113.25
    zone:
      description: The zone.
      type: str
      sample: ips.backscatterer.org
    query_name:
      description: The name queried.
      type: str
      sample: 25.113.0.203.ips.backscatterer.org
    listed:
      description: Whether the address is listed in the zone.
      type: bool
    codes:
      description: The last octet of each answer (the list's code, C(2) for C(127.0.0.2)); empty when not listed.
      type: list
      elements: int
      sample: [2]
    answers:
      description: The A records of the answer; empty when not listed.
      type: list
      elements: str
      sample: [127.0.0.2]
    reason:
      description: The TXT record given with a listing; null when not listed or when the zone gives none.
      type: str
zone_checks:
  description: With I(check_zone), the self-test of each zone for each IP version queried.
  returned: success
  type: list
  elements: dict
  sample:
    - {zone: ips.backscatterer.org, version: 4, test_entry_listed: true, never_listed_entry_listed: false, ok: true}
nameservers:
  description: The nameservers asked.
  returned: success
  type: list
  elements: str
"""

from ansible.module_utils.basic import AnsibleModule, missing_required_lib
from ansible_collections.mailhygiene.exchange.plugins.module_utils.dnsbl import (
    DEFAULT_ZONE,
    DNSPYTHON_IMPORT_ERROR,
    HAS_DNSPYTHON,
    BlocklistClient,
    DnsblError,
    check_listings,
)


ARGUMENT_SPEC = dict(
    address=dict(type="list", elements="str", required=True),
    zones=dict(type="list", elements="str", default=[DEFAULT_ZONE]),
    nameservers=dict(type="list", elements="str"),
    port=dict(type="int", default=53),
    timeout=dict(type="float", default=5.0),
    check_zone=dict(type="bool", default=False),
    fail_when_listed=dict(type="bool", default=False),
)


def main() -> None:
    module = AnsibleModule(argument_spec=ARGUMENT_SPEC, supports_check_mode=True)
    if not HAS_DNSPYTHON:
        module.fail_json(msg=missing_required_lib("dnspython"), exception=str(DNSPYTHON_IMPORT_ERROR))
    params = module.params
    try:
        client = BlocklistClient(params["nameservers"], port=params["port"], timeout=params["timeout"])
        listings, checks = check_listings(params["address"], params["zones"], client, check_zone=params["check_zone"])
    except DnsblError as error:
        module.fail_json(msg=str(error))
    listed = [item for item in listings if item.listed]
    result = dict(changed=False, listed=bool(listed), results=[item.as_dict() for item in listings],
                  zone_checks=[check.as_dict() for check in checks], nameservers=client.nameservers)
    if listed and params["fail_when_listed"]:
        module.fail_json(msg="listed: " + "; ".join(
            f"{item.address} on {item.zone} ({', '.join(item.answers)}{': ' + item.reason if item.reason else ''})"
            for item in listed), **result)
    module.exit_json(**result)


if __name__ == "__main__":
    main()
