"""recipient_filter, accepted_domain, transport_config, receive_connector and their _info modules."""

from __future__ import annotations


def test_recipient_filter(ansible):
    lab = ansible.lab
    mark = lab.mark()
    module = "mailhygiene.exchange.recipient_filter"
    run = ansible.play([
        {"name": "plan", module: {"recipient_validation_enabled": True, "blocked_recipients": ["a@contoso.com"]},
         "check_mode": True},
        {"name": "apply", module: {"recipient_validation_enabled": True, "blocked_recipients": ["a@contoso.com"]}},
        {"name": "again", module: {"recipient_validation_enabled": True, "blocked_recipients": ["A@contoso.com"]}},
        {"name": "append", module: {"blocked_recipients": ["b@contoso.com"]}},
        {"name": "replace", module: {"blocked_recipients": ["b@contoso.com"], "blocked_recipients_mode": "replace"}},
        {"name": "read", "mailhygiene.exchange.recipient_filter_info": {}},
    ], diff=True)
    assert run.returncode == 0, run.output
    assert run.task("plan")["changed"]
    assert run.task("apply")["commands"] == [
        "Set-RecipientFilterConfig -RecipientValidationEnabled:$true -BlockedRecipients @{Add=@('a@contoso.com')}"]
    assert not run.task("again")["changed"]  # addresses compare case-insensitively
    assert run.task("append")["recipient_filter"]["blocked_recipients"] == ["a@contoso.com", "b@contoso.com"]
    assert run.task("replace")["commands"] == ["Set-RecipientFilterConfig -BlockedRecipients @{Remove=@('a@contoso.com')}"]
    assert run.task("read")["recipient_filter"]["blocked_recipients"] == ["b@contoso.com"]
    assert [e["command"] for e in lab.mutating_since(mark)] == ["Set-RecipientFilterConfig"] * 3


def test_recipient_filter_bad_input(ansible):
    lab = ansible.lab
    mark = lab.mark()
    run = ansible.play([
        {"name": "address", "mailhygiene.exchange.recipient_filter": {"blocked_recipients": ["not-an-address"]},
         "ignore_errors": True},
        {"name": "too many", "mailhygiene.exchange.recipient_filter": {
            "blocked_recipients": ["u%d@contoso.com" % i for i in range(801)]}, "ignore_errors": True},
    ])
    assert "blocked_recipients: 'not-an-address' is not a valid SMTP address" in run.task("address")["msg"]
    assert "blocked_recipients: at most 800 values are allowed, got 801" in run.task("too many")["msg"]
    assert lab.commands_since(mark) == []


def test_accepted_domain(ansible):
    lab = ansible.lab
    module = "mailhygiene.exchange.accepted_domain"
    run = ansible.play([
        {"name": "relay", module: {"domain_name": "relay.example", "domain_type": "InternalRelay"}},
        {"name": "validate", module: {"domain_name": "relay.example", "address_book_enabled": True}},
        {"name": "again", module: {"domain_name": "relay.example", "address_book_enabled": True,
                                   "domain_type": "InternalRelay"}},
        {"name": "read", "mailhygiene.exchange.accepted_domain_info": {}},
        {"name": "default", module: {"domain_name": "contoso.com", "state": "absent"}, "ignore_errors": True},
        {"name": "remove", module: {"domain_name": "relay.example", "state": "absent"}},
    ])
    assert run.task("relay")["accepted_domain"]["address_book_enabled"] is False
    assert run.task("validate")["changed"] and not run.task("again")["changed"]
    relay = next(d for d in run.task("read")["accepted_domains"] if d["domain_name"] == "relay.example")
    assert relay["recipients_validated"] is True
    assert "is the default accepted domain and cannot be removed" in run.task("default")["msg"]
    assert run.task("remove")["action"] == "remove"
    assert not any(d["DomainName"] == "relay.example" for d in lab.state()["directory"]["AcceptedDomain"])


def test_transport_config_ranges(ansible):
    module = "mailhygiene.exchange.transport_config"
    run = ansible.play([
        {"name": "add", module: {"internal_smtp_servers": ["10.0.1.10", "10.0.2.0/24", "10.0.3.1-10.0.3.9"]}},
        {"name": "same", module: {"internal_smtp_servers": ["10.0.2.0/24"]}},
        {"name": "bad", module: {"internal_smtp_servers": ["10.0.0.300"]}, "ignore_errors": True},
        {"name": "exact", module: {"internal_smtp_servers": ["10.0.1.10"], "internal_smtp_servers_mode": "replace"}},
    ])
    added = run.task("add")["transport_config"]["internal_smtp_servers"]
    assert added == ["10.0.1.10", "10.0.2.0/24", "10.0.3.1-10.0.3.9"]
    assert not run.task("same")["changed"]
    assert "internal_smtp_servers: '10.0.0.300' is not an IP address" in run.task("bad")["msg"]
    assert run.task("exact")["transport_config"]["internal_smtp_servers"] == ["10.0.1.10"]


def test_receive_connector_tarpit(ansible):
    lab = ansible.lab
    module = "mailhygiene.exchange.receive_connector"
    run = ansible.play([
        {"name": "seconds", module: {"name": "Default Frontend EX01", "tarpit_interval": 10}},
        {"name": "same as text", module: {"name": "EX01\\Default Frontend EX01", "tarpit_interval": "00:00:10"}},
        {"name": "too long", module: {"name": "Default Frontend EX01", "tarpit_interval": "00:11:00"},
         "ignore_errors": True},
        {"name": "missing", module: {"name": "Nope", "tarpit_interval": 5}, "ignore_errors": True},
    ], diff=True)
    assert run.task("seconds")["receive_connector"]["tarpit_interval"] == "00:00:10"
    assert not run.task("same as text")["changed"]
    assert "tarpit_interval: 00:11:00 is outside 00:00:00 to 00:10:00" in run.task("too long")["msg"]
    assert "no receive connector 'Nope' on this server" in run.task("missing")["msg"]
    connectors = lab.state()["servers"][0]["ReceiveConnectors"]
    assert next(c for c in connectors if c["Name"] == "Default Frontend EX01")["TarpitInterval"] == "00:00:10"
