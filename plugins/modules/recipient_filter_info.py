#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: (c) 2026, mailhygiene.exchange contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations

DOCUMENTATION = r"""
module: recipient_filter_info
short_description: Read the Exchange recipient filter configuration
version_added: 0.1.0
description:
  - Returns the recipient filter configuration of the organisation, or of the Edge server connected to.
    Changes nothing.
extends_documentation_fragment:
  - mailhygiene.exchange.connection
  - mailhygiene.exchange.attributes.info_module
options: {}
seealso:
  - module: mailhygiene.exchange.recipient_filter
"""

EXAMPLES = r"""
- name: Read the recipient filter
  mailhygiene.exchange.recipient_filter_info:
  register: filter
"""

RETURN = r"""
recipient_filter:
  description: The configuration, with the options of M(mailhygiene.exchange.recipient_filter).
  returned: success
  type: dict
  sample:
    enabled: true
    recipient_validation_enabled: true
    blocked_recipients: []
"""

from ansible_collections.mailhygiene.exchange.plugins.module_utils.module import InfoTask
from ansible_collections.mailhygiene.exchange.plugins.module_utils.resources.recipient_filter import gather


TASK = InfoTask(gather, "recipient_filter")


def main() -> None:
    TASK.run_as_module()


if __name__ == "__main__":
    main()
