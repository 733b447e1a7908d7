#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: (c) 2026, mailhygiene.exchange contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations

DOCUMENTATION = r"""
module: accepted_domain
short_description: Manage an Exchange accepted domain and whether its recipients are validated
version_added: 0.1.0
description:
  - Creates, updates or removes an accepted domain, found by its domain (C(DomainName)).
  - Recipient validation (M(mailhygiene.exchange.recipient_filter)) covers only accepted domains with
    I(address_book_enabled=true); Exchange makes that the default for C(Authoritative) domains and not for relay
    domains, whose recipients Exchange does not know.
  - The default accepted domain cannot be removed.
extends_documentation_fragment:
  - mailhygiene.exchange.connection
  - mailhygiene.exchange.attributes
options:
  domain_name:
    description:
      - The domain, e.g. C(contoso.com), or C(*.contoso.com) for the domain and its subdomains.
    type: str
    required: true
  name:
    description:
      - The accepted domain's name. Defaults to I(domain_name) when creating; a different name renames it.
    type: str
  state:
    description:
      - C(present) creates or updates the accepted domain, C(absent) removes it.
    type: str
    choices: [present, absent]
    default: present
  domain_type:
    description:
      - DomainType (Exchange property C(DomainType).)
    type: str
    choices: [Authoritative, InternalRelay, ExternalRelay]
  address_book_enabled:
    description:
      - Recipients in this domain are in the address book, so recipient validation applies to them. (Exchange
        property C(AddressBookEnabled).)
    type: bool
seealso:
  - module: mailhygiene.exchange.accepted_domain_info
"""

EXAMPLES = r"""
- name: Validate recipients of the main domain
  mailhygiene.exchange.accepted_domain:
    domain_name: contoso.com
    address_book_enabled: true

- name: A relay domain, whose recipients live elsewhere
  mailhygiene.exchange.accepted_domain:
    domain_name: fabrikam.com
    domain_type: InternalRelay
"""

RETURN = r"""
action:
  description: What was done (or, in check mode, would be done).
  returned: always
  type: str
  sample: update
commands:
  description: The commands sent, or in check mode the commands that would be sent, as readable text.
  returned: always
  type: list
  elements: str
diff:
  description: The managed options before and after.
  returned: always
  type: dict
accepted_domain:
  description: The accepted domain afterwards (in check mode, as it would be); null when absent.
  returned: success
  type: dict
  sample:
    name: contoso.com
    domain_name: contoso.com
    domain_type: Authoritative
    address_book_enabled: true
    default: true
"""

from ansible_collections.mailhygiene.exchange.plugins.module_utils.module import ResourceTask
from ansible_collections.mailhygiene.exchange.plugins.module_utils.resources.accepted_domain import AcceptedDomain


TASK = ResourceTask(AcceptedDomain, "accepted_domain")


def main() -> None:
    TASK.run_as_module()


if __name__ == "__main__":
    main()
