#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: (c) 2026, mailhygiene.exchange contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations

DOCUMENTATION = r"""
module: recipient_filter
short_description: Configure the Exchange recipient filter (recipient validation, blocked recipients)
version_added: 0.1.0
description:
  - Sets the recipient filter configuration (C(Set-RecipientFilterConfig)) of the organisation, or of an Edge server
    (each Edge keeps its own).
  - With recipient validation, mail to recipients that do not exist is rejected during the SMTP conversation
    (C(550 5.1.1)) instead of being accepted and bounced later, which is what causes backscatter.
  - It acts only where the Recipient Filter agent is installed and enabled (see M(mailhygiene.exchange.antispam_agents)),
    and it validates only accepted domains whose C(AddressBookEnabled) is true
    (see M(mailhygiene.exchange.accepted_domain)).
  - Microsoft advises against the recipient filter on Mailbox servers (one unknown recipient rejects the whole
    message there); it is meant for Edge servers.
  - I(blocked_recipients) is changed with Exchange's add/remove, never by rewriting the list.
extends_documentation_fragment:
  - mailhygiene.exchange.connection
  - mailhygiene.exchange.attributes
options:
  enabled:
    description:
      - Whether the Recipient Filter agent acts at all. (Exchange property C(Enabled).)
    type: bool
  external_mail_enabled:
    description:
      - Filter mail from unauthenticated senders. (Exchange property C(ExternalMailEnabled).)
    type: bool
  internal_mail_enabled:
    description:
      - Filter mail from authenticated senders. (Exchange property C(InternalMailEnabled).)
    type: bool
  block_list_enabled:
    description:
      - Reject the addresses in blocked_recipients. (Exchange property C(BlockListEnabled).)
    type: bool
  recipient_validation_enabled:
    description:
      - Reject recipients that do not exist in the directory at RCPT TO. (Exchange property
        C(RecipientValidationEnabled).)
    type: bool
  blocked_recipients:
    description:
      - BlockedRecipients (Exchange property C(BlockedRecipients).)
      - Values are compared case-insensitively; I(blocked_recipients_mode) decides what happens to values not
        listed.
    type: list
    elements: str
  blocked_recipients_mode:
    description:
      - C(append) adds the values of I(blocked_recipients) that are missing; C(replace) also removes the
        values not listed.
    type: str
    choices: [append, replace]
    default: append
seealso:
  - module: mailhygiene.exchange.recipient_filter_info
  - module: mailhygiene.exchange.antispam_agents
"""

EXAMPLES = r"""
- name: Reject unknown recipients at RCPT TO
  mailhygiene.exchange.recipient_filter:
    enabled: true
    recipient_validation_enabled: true

- name: Block two addresses, keep the ones already blocked
  mailhygiene.exchange.recipient_filter:
    block_list_enabled: true
    blocked_recipients:
      - noreply@contoso.com
      - old-ceo@contoso.com

- name: Exactly these blocked recipients
  mailhygiene.exchange.recipient_filter:
    blocked_recipients: [noreply@contoso.com]
    blocked_recipients_mode: replace
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
recipient_filter:
  description: The recipient filter configuration afterwards (in check mode, as it would be).
  returned: success
  type: dict
  sample:
    enabled: true
    external_mail_enabled: true
    internal_mail_enabled: false
    block_list_enabled: false
    recipient_validation_enabled: true
    blocked_recipients: []
"""

from ansible_collections.mailhygiene.exchange.plugins.module_utils.module import ResourceTask
from ansible_collections.mailhygiene.exchange.plugins.module_utils.resources.recipient_filter import RecipientFilter


TASK = ResourceTask(RecipientFilter, "recipient_filter")


def main() -> None:
    TASK.run_as_module()


if __name__ == "__main__":
    main()
