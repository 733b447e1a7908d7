"""The batch's validation of items, before anything is sent."""

from __future__ import annotations

import pytest

from ansible_collections.mailhygiene.exchange.plugins.module_utils.batch import RESOURCES, build, label
from ansible_collections.mailhygiene.exchange.plugins.module_utils.values import InvalidValue


def test_every_resource_kind_is_offered():
    assert sorted(RESOURCES) == ["accepted_domain", "antispam_agents", "receive_connector", "recipient_filter",
                                 "remote_domain", "transport_agent", "transport_config"]


def test_items_become_resources_with_labels():
    resources = build([{"kind": "remote_domain", "domain_name": "*", "ndr_enabled": False},
                       {"kind": "recipient_filter", "recipient_validation_enabled": True},
                       {"kind": "transport_agent", "name": "Recipient Filter Agent", "enabled": True}])
    assert [label(r) for r in resources] == ["remote_domain *", "recipient_filter",
                                             "transport_agent Recipient Filter Agent"]


@pytest.mark.parametrize("items,message", [
    (["not a dict"], "resources[0]: expected a dictionary"),
    ([{"domain_name": "*"}], "resources[0].kind: None is not one of"),
    ([{"kind": "remote_domain"}], "resources[0] (remote_domain): missing required arguments: domain_name"),
    ([{"kind": "remote_domain", "domain_name": "*", "ndr_enabled": "perhaps"}], "ndr_enabled"),
    ([{"kind": "remote_domain", "domain_name": "*", "state": "absent"}], "cannot be removed"),
    ([{"kind": "recipient_filter"}, {"kind": "recipient_filter"}], "resources[1]: recipient_filter is already given"),
    ([{"kind": "antispam_agents", "restart": "sometimes"}], "restart"),
])
def test_bad_items_name_the_item(items, message):
    with pytest.raises(InvalidValue) as failure:
        build(items)
    assert message in str(failure.value)
