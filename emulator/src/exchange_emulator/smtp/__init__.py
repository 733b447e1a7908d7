"""The SMTP front door of each emulated server: recipient validation, tarpit, NDRs, delivery reports and
automatic replies as the server's live configuration dictates, relayed to a smart host or a capture sink.

    policy.py    what the configuration says (pure functions over the Exchange model)
    session.py   the SMTP protocol as Exchange speaks it (aiosmtpd subclass)
    server.py    the listeners, the decisions per command, the audit log
    reports.py   RFC 3464 reports and RFC 3834 automatic replies
    outbound.py  relaying to the smart host
    sink.py      the capture sink
"""
