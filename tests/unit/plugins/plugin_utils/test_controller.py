"""The action plugin reads the session helper's timeouts from the host's variables itself, without loading the
connection plugin's option definitions: its table must say what the plugin's documentation says."""

from __future__ import annotations

import yaml

from ansible_collections.mailhygiene.exchange.plugins.connection import exchange_session
from ansible_collections.mailhygiene.exchange.plugins.plugin_utils.controller import SESSION_TIMEOUTS


def test_session_timeouts_match_the_plugin_documentation():
    options = yaml.safe_load(exchange_session.DOCUMENTATION)["options"]
    for option, (variable, default) in SESSION_TIMEOUTS.items():
        assert [v["name"] for v in options[option]["vars"]] == [variable]
        assert options[option]["default"] == default
        assert options[option]["type"] == "int"
    # Every option a task reads is in the table; the others only matter when the helper starts.
    assert {name for name, spec in options.items() if spec["type"] == "int"} == set(SESSION_TIMEOUTS)
