#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: (c) 2026, mailhygiene.exchange contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations

DOCUMENTATION = r"""
module: remote_domain_info
short_description: Read Exchange remote domains
version_added: 0.1.0
description:
  - Returns the remote domains of the organisation (or of a standalone Edge server) with every setting
    M(mailhygiene.exchange.remote_domain) manages. Changes nothing.
extends_documentation_fragment:
  - mailhygiene.exchange.connection
  - mailhygiene.exchange.attributes.info_module
options:
  domain_name:
    description:
      - Only the remote domain of this domain (e.g. C(*) for the default one).
    type: str
seealso:
  - module: mailhygiene.exchange.remote_domain
"""

EXAMPLES = r"""
- name: Is the default remote domain still sending NDRs?
  mailhygiene.exchange.remote_domain_info:
    domain_name: "*"
  register: default_domain

- name: Fail when it is
  ansible.builtin.assert:
    that: not default_domain.remote_domains[0].ndr_enabled
"""

RETURN = r"""
remote_domains:
  description: The remote domains, with the options of M(mailhygiene.exchange.remote_domain).
  returned: success
  type: list
  elements: dict
  sample:
    - name: Default
      domain_name: "*"
      ndr_enabled: false
      delivery_report_enabled: false
"""

from ansible_collections.mailhygiene.exchange.plugins.module_utils.module import InfoTask
from ansible_collections.mailhygiene.exchange.plugins.module_utils.resources.remote_domain import gather


TASK = InfoTask(gather, "remote_domains", {"domain_name": {"type": "str"}})


def main() -> None:
    TASK.run_as_module()


if __name__ == "__main__":
    main()
