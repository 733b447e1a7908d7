"""validates_recipients: where the role's SMTP probe expects every nonexistent recipient to be refused at
RCPT TO. It must agree with the recipient filter the baseline writes (baseline_resources)."""

from __future__ import annotations

import pytest

from ansible_collections.mailhygiene.exchange.plugins.filter.baseline import baseline_resources, validates_recipients

BASE = {"default_domain": {}, "partner_domain": {}, "partners": [], "validated_domains": [], "internal_relays": [],
        "tarpit_interval": None, "mailbox_connector": "Default Frontend {server}",
        "edge_connector": "Default internal receive connector {server}"}
MAILBOX = {"name": "EX01", "is_edge": False, "edge_subscribed": False, "accepted_domains": []}
SUBSCRIBED_EDGE = {"name": "EDGE01", "is_edge": True, "edge_subscribed": True, "accepted_domains": []}
STANDALONE_EDGE = {"name": "EDGE02", "is_edge": True, "edge_subscribed": False, "accepted_domains": []}


def settings(**values):
    defaults = {"recipient_filter_on_mailbox": False, "recipient_validation": True, "recipient_validation_edge": True}
    return {**BASE, **defaults, **values}


@pytest.mark.parametrize("server, values, expected", [
    (SUBSCRIBED_EDGE, {}, True),                                             # rfc, seed
    (SUBSCRIBED_EDGE, {"recipient_validation_edge": False}, False),          # stig
    (STANDALONE_EDGE, {}, False),                                            # no recipient data without EdgeSync
    (MAILBOX, {}, False),                                                    # no filter on Mailbox by default
    (MAILBOX, {"recipient_filter_on_mailbox": True}, True),                  # the opt-in
    (MAILBOX, {"recipient_filter_on_mailbox": True, "recipient_validation": False}, False),
])
def test_validates_recipients(server, values, expected):
    assert validates_recipients(settings(**values), server) is expected


@pytest.mark.parametrize("server, values", [
    (SUBSCRIBED_EDGE, {}), (SUBSCRIBED_EDGE, {"recipient_validation_edge": False}), (STANDALONE_EDGE, {}),
    (MAILBOX, {"recipient_filter_on_mailbox": True}),
    (MAILBOX, {"recipient_filter_on_mailbox": True, "recipient_validation": False}),
])
def test_agrees_with_the_recipient_filter_the_baseline_writes(server, values):
    items = baseline_resources(settings(**values), server, organization_host=True)
    written = [i["recipient_validation_enabled"] for i in items if i["kind"] == "recipient_filter"]
    assert written == [validates_recipients(settings(**values), server)]
