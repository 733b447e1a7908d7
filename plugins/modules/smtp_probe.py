#!/usr/bin/python
# -*- coding: utf-8 -*-  # noqa: UP009
# Copyright: (c) 2026, mailhygiene.exchange contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

# ruff: noqa: E402 (an Ansible module imports after its documentation)

from __future__ import annotations

DOCUMENTATION = r"""
module: smtp_probe
short_description: Measure from the outside whether a mail server rejects unknown recipients or produces backscatter
version_added: 0.1.0
description:
  - Talks SMTP to any mail server (Exchange, Postfix, anything) from the Ansible controller, as a sending server
    would, and measures how it treats mail to recipients that do not exist. It never uses PowerShell, and it runs
    on the controller whatever the host's connection is.
  - Each probe is one SMTP connection. C(forged_unknown) sends from the forged I(sender) to a nonexistent
    recipient, C(null_sender_unknown) from the null sender C(<>), C(valid_and_unknown) to one valid and one
    nonexistent recipient in one transaction, C(valid) to a valid recipient. Every probe has its own token, in
    the nonexistent recipient's local part (C(nonexistent-probe-TOKEN@recipient_domain)) and in the test
    message's subject, Message-ID and body.
  - Every reply (code, enhanced status code, text) to the greeting, EHLO, MAIL, each RCPT and DATA is recorded
    with its latency; a tarpit shows as latency on the rejections.
  - With I(send=false) (the default) every probe ends with RSET after the RCPTs, so nothing is delivered. With
    I(send=true) the probes complete DATA with a small, clearly labelled test message, which is the only way to
    see a server that accepts and then bounces.
  - With I(capture) the module listens for the reports and automatic replies that come back to the forged
    sender during a window after the last probe, and attributes each to its probe by the token (the recipient
    named in an RFC 3464 report, or the Message-ID or subject an automatic reply refers to). Reports reach the
    listener only if mail to the sender's domain is routed to it (see the collection's docs/smtp-probe.md).
  - The module changes nothing and always reports C(changed=false). With I(fail_on) it is a gate.
  - See docs/smtp-probe.md in the collection for running it safely against production servers.
author:
  - mailhygiene.exchange contributors (@mailhygiene)
extends_documentation_fragment:
  - mailhygiene.exchange.attributes.info_module
attributes:
  check_mode:
    support: full
    description: Runs the RCPT probes (they change nothing) but never sends DATA, whatever I(send) says.
options:
  host:
    description:
      - The SMTP server to probe (host name or IP address), for example an Edge Transport server or the address
        your MX record points to.
    type: str
    required: true
  port:
    description:
      - The SMTP port (a receive connector's port).
    type: int
    default: 25
  helo:
    description:
      - The name the probe gives in EHLO/HELO.
      - Defaults to the controller's fully qualified domain name.
    type: str
  timeout:
    description:
      - Seconds to wait for the connection and for each reply. Must be longer than the server's tarpit interval,
        which delays every rejection.
    type: float
    default: 30
  starttls:
    description:
      - C(auto) upgrades to TLS when the server offers STARTTLS, C(always) fails when it does not, C(never)
        stays in plain text.
    type: str
    choices: [auto, always, never]
    default: auto
  validate_certs:
    description:
      - Verify the server's certificate against the controller's CAs and I(host).
      - The default is C(false), as sending servers do with opportunistic STARTTLS (RFC 3207); most receive
        connectors present certificates no public CA signed.
    type: bool
    default: false
  recipient_domain:
    description:
      - An accepted domain of the server. The nonexistent recipients are made up in it.
    type: str
    required: true
  valid_recipients:
    description:
      - Addresses that exist on the server (test mailboxes). Probes of kind C(valid) and C(valid_and_unknown)
        need one and are skipped, and reported as skipped, without.
      - With I(send=true) these mailboxes receive the test messages.
    type: list
    elements: str
    default: []
  sender:
    description:
      - The forged sender of all probes except C(null_sender_unknown); reports and automatic replies from a
        server that produces backscatter go to it.
      - The default is at C(example.net), a domain reserved for documentation (RFC 2606) that receives no mail,
        so a dry run sends nothing to anybody.
      - With I(send=true), name an address at a domain whose mail you can watch (a mailbox you read, or a domain
        whose MX points to the I(capture) listener); never a real third party's address.
    type: str
    default: backscatter-probe@example.net
  probes:
    description:
      - How many probes of each kind to run. They run interleaved, one kind after the other.
    type: dict
    default: {}
    suboptions:
      forged_unknown:
        description: Forged sender to a nonexistent recipient.
        type: int
        default: 3
      null_sender_unknown:
        description: Null sender C(MAIL FROM:<>) to a nonexistent recipient.
        type: int
        default: 1
      valid_and_unknown:
        description: One valid and one nonexistent recipient in one transaction (needs I(valid_recipients)).
        type: int
        default: 1
      valid:
        description: A valid recipient (needs I(valid_recipients)).
        type: int
        default: 1
  send:
    description:
      - C(false) ends every probe with RSET after RCPT TO; nothing is delivered and nothing can bounce.
      - C(true) completes DATA with a small test message labelled as such, which measures accept-then-bounce.
      - Ignored in check mode, which never sends DATA.
    type: bool
    default: false
  capture:
    description:
      - Listen for the reports that come back, on the controller, during the probes and for I(capture.window)
        seconds after the last one. Needs the Python package aiosmtpd on the controller.
      - Without it, C(backscatter_emission_rate) and C(accept_then_bounce_ratio) are null, with the reason.
    type: dict
    suboptions:
      host:
        description:
          - The address the listener binds to. The server (or the MX of the sender's domain) must reach it.
        type: str
        default: 0.0.0.0
      port:
        description:
          - The port the listener binds to. Ports below 1024 need root or C(CAP_NET_BIND_SERVICE); a higher port
            with port 25 forwarded to it works too.
        type: int
        default: 25
      window:
        description:
          - Seconds to wait for reports after the last probe. The wait ends early when nothing was accepted, or
            when every accepted forged-sender message to a nonexistent recipient has been reported on (unless
            valid recipients were probed, whose automatic replies may take the whole window).
        type: float
        default: 60
  rate_limit:
    description:
      - At most this many probes start per second. Keep it low against production servers.
    type: float
    default: 1.0
  fail_on:
    description:
      - Thresholds that fail the task, naming the threshold, the measured value and the probes behind it.
        A threshold on a metric that was not measured fails too.
      - Shares are between 0 and 1.
    type: dict
    suboptions:
      backscatter_emission_rate:
        description: Maximum share of forged-sender probes that caused a report or automatic reply to the
          forged sender. Needs I(send=true) and I(capture).
        type: float
      accept_then_bounce_ratio:
        description: Maximum share of nonexistent recipients (of forged-sender probes) that were accepted and
          then bounced. Needs I(send=true) and I(capture).
        type: float
      rcpt_rejection_coverage:
        description: Minimum share of nonexistent recipients refused at RCPT TO.
        type: float
      false_rejection_rate:
        description: Maximum share of valid recipients refused.
        type: float
notes:
  - Run it from the controller against servers you are allowed to test; many probes to nonexistent recipients
    look like a directory harvest attack, so keep I(rate_limit) and the counts low.
  - Tokens are random per run, so every run probes new recipient addresses.
requirements:
  - aiosmtpd (only with I(capture))
seealso:
  - module: mailhygiene.exchange.recipient_filter
  - module: mailhygiene.exchange.remote_domain
"""

EXAMPLES = r"""
- name: Does the Edge server reject unknown recipients at RCPT? (nothing is delivered)
  mailhygiene.exchange.smtp_probe:
    host: edge01.contoso.com
    recipient_domain: contoso.com
    valid_recipients: [probe-mailbox@contoso.com]
    fail_on:
      rcpt_rejection_coverage: 1.0
      false_rejection_rate: 0.0

- name: Prove it on the wire, reports captured on the controller
  mailhygiene.exchange.smtp_probe:
    host: mail.contoso.com
    recipient_domain: contoso.com
    sender: probe@bounces.example.org   # bounces.example.org's MX points to this controller
    send: true
    capture:
      port: 2525                       # port 25 of the controller forwarded here
      window: 300
    rate_limit: 0.2
    fail_on:
      backscatter_emission_rate: 0.0
  register: probe

- name: Show the verdict
  ansible.builtin.debug:
    msg: "{{ probe.verdict }} (backscatter: {{ probe.backscatter }})"
"""

RETURN = r"""
verdict:
  description: One line on what the server does with unknown recipients.
  returned: success
  type: str
  sample: "accepts and bounces: backscatter"
backscatter:
  description:
    - C(true) when reports or automatic replies went to the forged sender; C(false) when none came back, or
      when every nonexistent recipient was refused during the conversation (nothing accepted, nothing to
      bounce); null when it could not be told (accepted, but not measured without I(send) and I(capture)).
  returned: success
  type: bool
  sample: true
metrics:
  description:
    - C(backscatter_emission_rate), C(rcpt_rejection_coverage), C(accept_then_bounce_ratio) and
      C(false_rejection_rate), each a dict with C(value) (a share between 0 and 1, or null), C(numerator),
      C(denominator), C(probes) (the probes counted in the numerator), C(other_probes) (the rest of the
      denominator) and C(reason) (why the value is null).
  returned: success
  type: dict
  sample:
    rcpt_rejection_coverage:
      value: 0.5
      numerator: 1
      denominator: 2
      probes: [p1-forged_unknown]
      other_probes: [p2-null_sender_unknown]
      reason: null
tarpit:
  description: Latency of RCPT rejections and acceptances (C(count), C(mean), C(max) seconds), and C(added_delay),
    the mean extra time a rejection takes.
  returned: success
  type: dict
  sample:
    rcpt_rejected: {count: 4, mean: 5.01, max: 5.02}
    rcpt_accepted: {count: 2, mean: 0.01, max: 0.01}
    added_delay: 5.0
unknown_recipients:
  description: How many nonexistent recipients were C(rejected_at_rcpt), C(rejected_at_data) and C(accepted).
  returned: success
  type: dict
probes:
  description:
    - One entry per probe that ran, with C(id), C(kind), C(token), C(sender), C(tls), the replies C(connect),
      C(ehlo), C(mail), C(data), C(data_end) (after the message) and C(rset) (each C(code), C(enhanced_status),
      C(text), C(latency) or null), C(rcpt) (one reply per recipient, with C(recipient) and C(exists)),
      C(outcome) and the number of C(reports) attributed to it.
  returned: always
  type: list
  elements: dict
skipped_probes:
  description: Probe kinds that did not run, with C(count) and C(reason).
  returned: success
  type: list
  elements: dict
reports:
  description:
    - Every message the capture listener received, with C(probe) (null when no token matched), C(kind) (C(dsn),
      C(auto_reply), C(other), C(unattributed)), C(mail_from), C(rcpt_to), C(to_forged_sender), C(subject), and
      for reports C(recipient), C(action), C(status), C(diagnostic).
  returned: success
  type: list
  elements: dict
unattributed_reports:
  description: Received messages that carried no token of this run.
  returned: success
  type: int
capture:
  description: Where the listener listened (C(host), C(port)), the C(window), how long it C(waited), and how many
    messages it C(received); null without I(capture).
  returned: success
  type: dict
send:
  description: Whether DATA was sent (false in check mode).
  returned: success
  type: bool
run_id:
  description: The random part of this run's tokens.
  returned: success
  type: str
server:
  description: The probed C(host), C(port), and the C(helo) name used.
  returned: success
  type: dict
error:
  description: On failure, what failed (C(unreachable), C(refused), C(timeout), C(tls), C(disconnected),
    C(greylisting), C(rate_limiting), C(temporary), C(sender_refused), C(helo_refused),
    C(connection_refused_by_policy), C(capture), C(thresholds)).
  returned: failure
  type: str
"""

import socket
import traceback

from ansible.module_utils.basic import AnsibleModule, missing_required_lib
from ansible_collections.mailhygiene.exchange.plugins.module_utils.smtp_probe.capture import (
    AIOSMTPD_IMPORT_ERROR,
    HAS_AIOSMTPD,
    CaptureError,
)
from ansible_collections.mailhygiene.exchange.plugins.module_utils.smtp_probe.metrics import check_thresholds
from ansible_collections.mailhygiene.exchange.plugins.module_utils.smtp_probe.options import (
    plan_from,
    run_settings,
    validate,
)
from ansible_collections.mailhygiene.exchange.plugins.module_utils.smtp_probe.output import run_dict
from ansible_collections.mailhygiene.exchange.plugins.module_utils.smtp_probe.runner import run

ARGUMENT_SPEC = {
    "host": {"type": "str", "required": True},
    "port": {"type": "int", "default": 25},
    "helo": {"type": "str"},
    "timeout": {"type": "float", "default": 30},
    "starttls": {"type": "str", "choices": ["auto", "always", "never"], "default": "auto"},
    "validate_certs": {"type": "bool", "default": False},
    "recipient_domain": {"type": "str", "required": True},
    "valid_recipients": {"type": "list", "elements": "str", "default": []},
    "sender": {"type": "str", "default": "backscatter-probe@example.net"},
    "probes": {"type": "dict", "default": {}, "options": {
        "forged_unknown": {"type": "int", "default": 3},
        "null_sender_unknown": {"type": "int", "default": 1},
        "valid_and_unknown": {"type": "int", "default": 1},
        "valid": {"type": "int", "default": 1},
    }},
    "send": {"type": "bool", "default": False},
    "capture": {"type": "dict", "options": {
        "host": {"type": "str", "default": "0.0.0.0"},
        "port": {"type": "int", "default": 25},
        "window": {"type": "float", "default": 60},
    }},
    "rate_limit": {"type": "float", "default": 1.0},
    "fail_on": {"type": "dict", "options": {
        "backscatter_emission_rate": {"type": "float"},
        "accept_then_bounce_ratio": {"type": "float"},
        "rcpt_rejection_coverage": {"type": "float"},
        "false_rejection_rate": {"type": "float"},
    }},
}


def main() -> None:
    module = AnsibleModule(argument_spec=ARGUMENT_SPEC, supports_check_mode=True)
    params = module.params
    errors = validate(params)
    if errors:
        module.fail_json(msg="; ".join(errors), error="input")
    if params["capture"] is not None and not HAS_AIOSMTPD:
        module.fail_json(msg=missing_required_lib("aiosmtpd") + " (for capture)", error="capture",
                         exception=str(AIOSMTPD_IMPORT_ERROR))
    plan = plan_from(params)
    if not plan.probes:
        skipped = ", ".join(f"probes.{s.kind} ({s.reason})" for s in plan.skipped) or "every count is 0"
        module.fail_json(msg=f"probes: no probe to run: {skipped}. Set probes.forged_unknown above 0, or give "
                             "valid_recipients.", error="input")
    helo = params["helo"] or socket.getfqdn()
    settings = run_settings(params, helo, module.check_mode, plan)
    try:
        result = run(settings)
    except CaptureError as error:
        module.fail_json(msg=f"capture: {error}", error="capture")
        return
    except Exception as error:  # a bug: say so, with the traceback
        module.fail_json(msg=f"unexpected error: {error}", exception=traceback.format_exc())
        return
    output = run_dict(result)
    if result.failure is not None:
        module.fail_json(msg=str(result.failure), error=result.failure.kind, **output)
    breaches = check_thresholds(result.measurement, params["fail_on"] or {})
    if breaches:
        module.fail_json(msg=f"{result.measurement.verdict}. " + " ".join(b + "." for b in breaches),
                         error="thresholds", breaches=breaches, **output)
    module.exit_json(**output)


if __name__ == "__main__":
    main()
