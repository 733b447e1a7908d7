#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: (c) 2026, mailhygiene.exchange contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations

DOCUMENTATION = r"""
module: remote_domain
short_description: Manage an Exchange remote domain (NDRs, delivery reports, automatic replies)
version_added: 0.1.0
description:
  - Creates, updates or removes a remote domain of an Exchange organisation, the per-domain policy for
    non-delivery reports, delivery reports, out-of-office and automatic replies and message format.
  - The remote domain is found by its domain (C(DomainName)), by listing remote domains; Exchange's C(-Identity)
    matches names, never domains.
  - A remote domain's domain cannot be changed. When I(name) names an existing remote domain of another domain, that
    one is removed and created again for I(domain_name); the result reports I(action=replace).
  - The default remote domain (C(*), named C(Default)) can be updated but never removed.
  - Only the options you set are compared and changed; the C(--diff) output shows them before and after.
  - C(AllowedOOFType) and C(IsInternal) share storage in Exchange; they are never sent in one call, and setting them to
    contradicting values is refused.
extends_documentation_fragment:
  - mailhygiene.exchange.connection
  - mailhygiene.exchange.attributes
options:
  domain_name:
    description:
      - The domain, e.g. C(contoso.com), C(*.contoso.com) for a domain and its subdomains, or C(*) for the default
        remote domain.
      - C(contoso.com) and C(*.contoso.com) cannot both exist.
    type: str
    required: true
  name:
    description:
      - The remote domain's name (its identity in Exchange), at most 64 characters.
      - Defaults to I(domain_name) for a new remote domain. For an existing one, a different I(name) renames it.
    type: str
  state:
    description:
      - C(present) creates or updates the remote domain, C(absent) removes it.
    type: str
    choices: [present, absent]
    default: present
  ndr_enabled:
    description:
      - Send non-delivery reports to senders in this domain. Switched off, Exchange still generates the NDR
        and then silently deletes it, so a sender whose mail was accepted learns nothing. (Exchange property
        C(NDREnabled).)
    type: bool
  ndr_diagnostic_info_enabled:
    description:
      - Include diagnostic details (server names, the SMTP conversation) in those NDRs. (Exchange property
        C(NDRDiagnosticInfoEnabled).)
    type: bool
  delivery_report_enabled:
    description:
      - Send delivery receipts requested by senders in this domain (not NDRs). (Exchange property
        C(DeliveryReportEnabled).)
    type: bool
  auto_reply_enabled:
    description:
      - Allow automatic replies (Outlook rules). (Exchange property C(AutoReplyEnabled).)
    type: bool
  auto_forward_enabled:
    description:
      - Allow automatic forwarding to this domain. (Exchange property C(AutoForwardEnabled).)
    type: bool
  allowed_oof_type:
    description:
      - Which out-of-office replies may be sent. Stored together with is_internal (InternalLegacy means
        internal). (Exchange property C(AllowedOOFType).)
    type: str
    choices: [External, ExternalLegacy, InternalLegacy, None]
  is_internal:
    description:
      - Treat the domain as internal (e.g. cross-premises). (Exchange property C(IsInternal).)
    type: bool
  target_delivery_domain:
    description:
      - Use this domain for cross-forest delivery; never on * or a wildcard domain. Setting it clears it on
        every other remote domain. (Exchange property C(TargetDeliveryDomain).)
    type: bool
  meeting_forward_notification_enabled:
    description:
      - Send meeting forward notifications to this domain. (Exchange property
        C(MeetingForwardNotificationEnabled).)
    type: bool
  content_type:
    description:
      - Content type of outgoing messages to this domain. (Exchange property C(ContentType).)
    type: str
    choices: [MimeHtmlText, MimeText, MimeHtml]
  display_sender_name:
    description:
      - Show the sender's display name. (Exchange property C(DisplaySenderName).)
    type: bool
  character_set:
    description:
      - MIME character set for messages without one, e.g. iso-8859-1 (compared case-insensitively; an empty
        string clears it). (Exchange property C(CharacterSet).)
    type: raw
  non_mime_character_set:
    description:
      - Character set for non-MIME messages (compared case-insensitively; an empty string clears it).
        (Exchange property C(NonMimeCharacterSet).)
    type: raw
  byte_encoder_type_for_7bit_charsets:
    description:
      - Transfer encoding for 7-bit character sets. (Exchange property C(ByteEncoderTypeFor7BitCharsets).)
    type: str
    choices: [Use7Bit, UseQP, UseBase64, UseQPHtmlDetectTextPlain, UseBase64HtmlDetectTextPlain, UseQPHtml7BitTextPlain, UseBase64Html7BitTextPlain, Undefined]
  preferred_internet_code_page_for_shift_jis:
    description:
      - Code page for Shift-JIS messages. (Exchange property C(PreferredInternetCodePageForShiftJis).)
    type: str
    choices: [Undefined, Iso2022Jp, Esc2022Jp, Sio2022Jp]
  required_charset_coverage:
    description:
      - Percentage of characters that must fit a preferred character set (0 to 100). (Exchange property
        C(RequiredCharsetCoverage).)
    type: int
  tnef_enabled:
    description:
      - Rich text (TNEF) to this domain, C(true) (always), C(false) (never) or C(unset) (follow the sender's
        client setting). (Exchange property C(TNEFEnabled).)
    type: raw
  line_wrap_size:
    description:
      - Line length of outgoing messages, 1 to 132, or C(unlimited). (Exchange property C(LineWrapSize).)
    type: raw
  trusted_mail_inbound_enabled:
    description:
      - Treat mail from this domain as trusted (skips anti-spam). (Exchange property
        C(TrustedMailInboundEnabled).)
    type: bool
  trusted_mail_outbound_enabled:
    description:
      - Mark mail to this domain as trusted. (Exchange property C(TrustedMailOutboundEnabled).)
    type: bool
  use_simple_display_name:
    description:
      - Show senders' simple display names. (Exchange property C(UseSimpleDisplayName).)
    type: bool
  message_count_threshold:
    description:
      - Number of messages queued for this domain above which Exchange raises an event. (Exchange property
        C(MessageCountThreshold).)
    type: int
seealso:
  - module: mailhygiene.exchange.remote_domain_info
  - module: mailhygiene.exchange.config
  - name: Set-RemoteDomain
    description: Microsoft's reference for the cmdlet and its parameters.
    link: https://learn.microsoft.com/powershell/module/exchange/set-remotedomain
"""

EXAMPLES = r"""
- name: No NDRs or delivery reports to the whole Internet
  mailhygiene.exchange.remote_domain:
    domain_name: "*"
    ndr_enabled: false
    delivery_report_enabled: false
    auto_reply_enabled: false

- name: A partner that still gets NDRs, without our diagnostic details
  mailhygiene.exchange.remote_domain:
    name: Fabrikam
    domain_name: fabrikam.com
    ndr_enabled: true
    ndr_diagnostic_info_enabled: false
    delivery_report_enabled: true

- name: Against a host of the inventory, with explicit connection settings
  mailhygiene.exchange.remote_domain:
    server: ex01.contoso.com
    auth: kerberos
    username: svc-ansible@CONTOSO.COM
    password: "{{ exchange_password }}"
    domain_name: partner.example
    tnef_enabled: unset
    line_wrap_size: unlimited
  delegate_to: localhost

- name: Remove a remote domain
  mailhygiene.exchange.remote_domain:
    domain_name: old-partner.example
    state: absent
"""

RETURN = r"""
action:
  description: What was done (or, in check mode, would be done).
  returned: always
  type: str
  choices: [none, create, update, remove, replace]
  sample: update
commands:
  description:
    - The commands sent, or in check mode the commands that would be sent, as readable text (not for execution).
  returned: always
  type: list
  elements: str
  sample: ["Set-RemoteDomain -Identity 'Default' -NDREnabled:$false"]
remote_domain:
  description:
    - The remote domain afterwards, with every setting this module manages; in check mode, the state it would have.
    - Absent (null) when the remote domain does not exist.
  returned: success
  type: dict
  sample:
    name: Default
    domain_name: "*"
    ndr_enabled: false
    ndr_diagnostic_info_enabled: true
    delivery_report_enabled: false
    auto_reply_enabled: false
    allowed_oof_type: External
    tnef_enabled: null
    line_wrap_size: Unlimited
diff:
  description: The managed options before and after.
  returned: always
  type: dict
"""

from ansible_collections.mailhygiene.exchange.plugins.module_utils.module import ResourceTask
from ansible_collections.mailhygiene.exchange.plugins.module_utils.resources.remote_domain import RemoteDomain


TASK = ResourceTask(RemoteDomain, "remote_domain")


def main() -> None:
    TASK.run_as_module()


if __name__ == "__main__":
    main()
