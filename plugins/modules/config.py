#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: (c) 2026, mailhygiene.exchange contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations

DOCUMENTATION = r"""
module: config
short_description: Apply many Exchange settings to one server in one session
version_added: 0.1.0
description:
  - Applies a list of resources (remote domains, the recipient filter, accepted domains, transport settings, receive
    connectors, transport agents, the anti-spam agents) to one server through one session per endpoint. Each object
    type is read once, only differing parameters are sent, and a rerun with nothing to change sends no
    C(Set-*) command at all.
  - Opening an Exchange remote session takes seconds and is throttled (18 concurrent sessions per account by
    default); a baseline of ten settings costs one session per server this way instead of ten.
  - Each item takes the options of the module of its I(kind); every item is validated before anything is sent.
  - Returns per-item results (changed, action, commands, diff, errors) and a summary.
extends_documentation_fragment:
  - mailhygiene.exchange.connection
  - mailhygiene.exchange.attributes
options:
  resources:
    description:
      - The desired state, one dictionary per object. C(kind) is one of C(remote_domain), C(recipient_filter),
        C(accepted_domain), C(transport_config), C(receive_connector), C(transport_agent), C(antispam_agents); the
        other keys are that module's options (without the connection options, which apply to the whole batch).
      - An object may appear only once. Items are applied in the order given.
    type: list
    elements: dict
    required: true
  continue_on_error:
    description:
      - Go on with the next items when one fails (the task still fails at the end). By default the first failure
        stops the batch.
    type: bool
    default: false
  verify:
    description:
      - After applying, plan every item again against what Exchange reports (read once more per object type) and fail
        when anything still differs. Ignored in check mode.
    type: bool
    default: false
seealso:
  - module: mailhygiene.exchange.remote_domain
  - module: mailhygiene.exchange.recipient_filter
  - module: mailhygiene.exchange.antispam_agents
"""

EXAMPLES = r"""
- name: A backscatter baseline for one Edge server, in one session
  mailhygiene.exchange.config:
    resources:
      - kind: remote_domain
        domain_name: "*"
        ndr_diagnostic_info_enabled: false
        delivery_report_enabled: false
      - kind: remote_domain
        name: Fabrikam
        domain_name: fabrikam.com
        ndr_enabled: true
        delivery_report_enabled: true
      - kind: recipient_filter
        enabled: true
        recipient_validation_enabled: true
      - kind: receive_connector
        name: "Default internal receive connector EDGE01"
        tarpit_interval: "00:00:05"
"""

RETURN = r"""
changed:
  description: Whether any item changed (or, in check mode, would change).
  returned: always
  type: bool
results:
  description: One result per item, in the order given.
  returned: always
  type: list
  elements: dict
  contains:
    kind:
      description: The item's kind.
      type: str
    item:
      description: The item's kind and identity.
      type: str
    status:
      description:
        - C(applied), C(planned) (check mode), C(failed), C(skipped) (after an earlier failure), or C(drift) (with
          I(verify), still different after applying).
      type: str
    changed:
      description: Whether the item changed (would change, in check mode).
      type: bool
    action:
      description: C(none), C(create), C(update), C(remove) or C(replace).
      type: str
    commands:
      description: The commands sent (in check mode, that would be sent), as readable text.
      type: list
      elements: str
    diff:
      description: The item's managed options before and after.
      type: dict
    current:
      description: The object afterwards (in check mode, as it would be).
      type: dict
    msg:
      description: Why the item failed.
      type: str
summary:
  description:
    - How many items there were, changed, unchanged and failed.
    - C(sessions_opened) counts the sessions this task opened, C(sessions_reused) those an earlier task of the play
      opened on this server and this task used (see the README, "Sessions").
  returned: always
  type: dict
  sample:
    total: 4
    changed: 1
    unchanged: 3
    failed: 0
    sessions_opened: 1
    sessions_reused: 0
"""

from ansible_collections.mailhygiene.exchange.plugins.module_utils.batch import BatchTask

TASK = BatchTask()


def main() -> None:
    TASK.run_as_module()


if __name__ == "__main__":
    main()
