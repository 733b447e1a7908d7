#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: (c) 2026, mailhygiene.exchange contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations

DOCUMENTATION = r"""
module: accepted_domain_info
short_description: Read Exchange accepted domains and whether their recipients are validated
version_added: 0.1.0
description:
  - Returns the accepted domains and, for each, whether recipient validation covers it (C(AddressBookEnabled)).
    Changes nothing.
extends_documentation_fragment:
  - mailhygiene.exchange.connection
  - mailhygiene.exchange.attributes.info_module
options: {}
seealso:
  - module: mailhygiene.exchange.accepted_domain
"""

EXAMPLES = r"""
- name: Which domains escape recipient validation?
  mailhygiene.exchange.accepted_domain_info:
  register: accepted
"""

RETURN = r"""
accepted_domains:
  description: The accepted domains.
  returned: success
  type: list
  elements: dict
  sample:
    - name: contoso.com
      domain_name: contoso.com
      domain_type: Authoritative
      address_book_enabled: true
      default: true
      recipients_validated: true
"""

from ansible_collections.mailhygiene.exchange.plugins.module_utils.module import InfoTask
from ansible_collections.mailhygiene.exchange.plugins.module_utils.resources.accepted_domain import gather


TASK = InfoTask(gather, "accepted_domains")


def main() -> None:
    TASK.run_as_module()


if __name__ == "__main__":
    main()
