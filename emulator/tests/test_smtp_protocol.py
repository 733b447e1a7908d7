"""The SMTP front's protocol: Exchange's banner and EHLO, RFC 5321 replies for bad input, the recipient
limit, a disabled connector, STARTTLS and AUTH, swaks as a second real client, a smart host that is down,
the standalone capture sink and the `outbound` listing, and lab file errors."""

from __future__ import annotations

import json
import pathlib
import re
import shutil
import socket
import subprocess
import sys
import typing

import pytest

from exchange_emulator.lab import LabError, parse_lab

from clients import management_pool, run
from conftest import smtp_lab

PARTNER = "sender@partner.example"


class RawSMTP:
    """Line-level access, for replies smtplib hides."""

    def __init__(self, address: tuple[str, int]) -> None:
        self.sock = socket.create_connection(address, timeout=10)
        self.file = self.sock.makefile("rwb")

    def reply(self) -> list[str]:
        lines = []
        while True:
            line = self.file.readline().decode().rstrip("\r\n")
            lines.append(line)
            if len(line) < 4 or line[3] != "-":
                return lines

    def command(self, text: str | bytes) -> list[str]:
        self.file.write((text.encode() if isinstance(text, str) else text) + b"\r\n")
        self.file.flush()
        return self.reply()

    def close(self) -> None:
        self.sock.close()


@pytest.fixture
def raw(smtp_front: typing.Any) -> typing.Iterator[typing.Callable[[str], RawSMTP]]:
    opened: list[RawSMTP] = []

    def connect(server: str) -> RawSMTP:
        client = RawSMTP(smtp_front.smtp_address(server))
        opened.append(client)
        return client

    yield connect
    for client in opened:
        client.close()


def test_banner_and_ehlo_like_exchange(smtp_front: typing.Any, raw: typing.Callable[[str], RawSMTP]) -> None:
    client = raw("EX01")
    [banner] = client.reply()
    assert banner.startswith("220 ex01.contoso.com Microsoft ESMTP MAIL Service ready at ")
    ehlo = client.command("EHLO client.example")
    assert ehlo[0] == "250-ex01.contoso.com Hello [127.0.0.1]"
    keywords = [line[4:].split(" ")[0] for line in ehlo[1:]]
    assert keywords == ["SIZE", "PIPELINING", "DSN", "ENHANCEDSTATUSCODES", "STARTTLS", "8BITMIME"]
    assert client.command("HELO client.example") == ["250 ex01.contoso.com Hello [127.0.0.1]"]


def test_protocol_errors(smtp_front: typing.Any, raw: typing.Callable[[str], RawSMTP]) -> None:
    client = raw("EX02")
    client.reply()
    assert client.command("MAIL FROM:<a@partner.example>") == ["503 5.5.1 Send hello first"]
    client.command("EHLO client.example")
    assert client.command("XYZZY") == ["500 5.3.3 Unrecognized command 'XYZZY'"]
    assert client.command("RCPT TO:<bob@contoso.com>") == ["503 5.5.1 Need mail command"]
    assert client.command("DATA") == ["503 5.5.1 Need mail command"]
    assert client.command("MAIL TO:<a@partner.example>")[0].startswith("501 5.5.4")
    assert client.command("MAIL FROM:<not an address>") == ["501 5.1.7 Invalid address"]
    assert client.command("MAIL FROM:<a@partner.example> FOO=1") == ["555 5.5.4 Unsupported option: FOO"]
    assert client.command("MAIL FROM:<a@partner.example>") == ["250 2.1.0 Sender OK"]
    assert client.command("MAIL FROM:<a@partner.example>") == ["503 5.5.1 Sender already specified"]
    assert client.command("DATA") == ["503 5.5.1 Need rcpt command"]
    assert client.command("RCPT TO:<@@>") == ["501 5.1.3 Invalid address"]
    assert client.command("RSET") == ["250 2.0.0 OK"]
    assert client.command(b"NOOP " + b"x" * 1100)[0].startswith("500 5.5.2")


def test_recipient_limit(smtp_front: typing.Any, raw: typing.Callable[[str], RawSMTP]) -> None:
    client = raw("EX01")  # MaxRecipientsPerMessage 5 in the lab file
    client.reply()
    client.command("EHLO client.example")
    client.command(f"MAIL FROM:<{PARTNER}>")
    replies = [client.command(f"RCPT TO:<bob{i}@fabrikam.com>")[0] for i in range(6)]
    assert replies[:5] == ["250 2.1.5 Recipient OK"] * 5
    assert replies[5] == "452 4.5.3 Too many recipients"


def test_disabled_connector_answers_421_and_custom_banner(smtp_front: typing.Any,
                                                          raw: typing.Callable[[str], RawSMTP]) -> None:
    with management_pool(smtp_front.server("EX01")["port"]) as pool:
        run(pool, ("Set-ReceiveConnector", {"Identity": "EX02\\Default Frontend EX02",
                                            "Banner": "220 mail.contoso.com"}))
        assert raw("EX02").reply() == ["220 mail.contoso.com"]
        run(pool, ("Set-ReceiveConnector", {"Identity": "EX02\\Default Frontend EX02", "Enabled": False}))
    client = raw("EX02")
    assert client.reply() == ["421 4.3.2 Service not available, closing transmission channel"]
    assert client.file.readline() == b""  # closed


def test_auth_needs_tls_and_a_lab_user(smtp_front: typing.Any, raw: typing.Callable[[str], RawSMTP]) -> None:
    import smtplib
    import ssl

    with smtplib.SMTP(*smtp_front.smtp_address("EX02")) as client:
        client.ehlo("x")
        assert not client.has_extn("auth")  # Basic needs TLS (BasicAuthRequireTLS)
        client.starttls(context=ssl._create_unverified_context())
        client.ehlo("x")
        assert client.has_extn("auth")
        with pytest.raises(smtplib.SMTPAuthenticationError):
            client.login("ansible", "wrong")
        client.login("ansible", "Password123!")
        # Authenticated clients may submit to any domain.
        client.mail("ansible@contoso.com")
        assert client.rcpt("someone@elsewhere.example")[0] == 250


def test_swaks_probe_gets_an_ndr(smtp_front: typing.Any) -> None:
    swaks = shutil.which("swaks")
    if swaks is None:
        pytest.skip("swaks is not installed (Debian package swaks)")
    host, port = smtp_front.smtp_address("EX02")
    result = subprocess.run([swaks, "--server", host, "--port", str(port), "--from", PARTNER, "--to",
                             "nobody@contoso.com", "--helo", "probe.partner.example",
                             "--header", "Subject: swaks probe"],
                            capture_output=True, text=True, timeout=60)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "<-  250 2.1.5 Recipient OK" in result.stdout
    assert "Queued mail for delivery" in result.stdout
    [ndr] = smtp_front.outbound_messages()
    assert ndr["Subject"] == "Undeliverable: swaks probe"
    assert ndr.get_payload()[2].get_content_type() == "message/rfc822"  # RET defaults to the full message


def test_smart_host_down_is_audited_not_fatal(lab_factory: typing.Callable[..., typing.Any]) -> None:
    closed = socket.socket()
    closed.bind(("127.0.0.1", 0))
    port = closed.getsockname()[1]
    closed.close()  # nothing listens there now
    lab = smtp_lab()
    lab["smtp"] = {"smart_host": f"127.0.0.1:{port}"}
    running = lab_factory(lab)
    assert running.endpoints["smtp"] == {"smart_host": f"127.0.0.1:{port}", "outbound_dir": None}
    mark = running.mark()
    import smtplib
    for _ in range(2):  # the server keeps answering after a failed relay
        with smtplib.SMTP(*running.smtp_address("EX02")) as client:
            client.sendmail(PARTNER, ["nobody@contoso.com"], b"Subject: x\r\n\r\nx\r\n")
    failed = running.smtp_events_since(mark, event="report_failed")
    assert len(failed) == 2 and "ConnectionRefusedError" in failed[0]["reason"]


def test_standalone_sink_and_outbound_listing(lab_factory: typing.Callable[..., typing.Any],
                                              tmp_path: pathlib.Path) -> None:
    sink_dir = tmp_path / "sink"
    process = subprocess.Popen([sys.executable, "-m", "exchange_emulator", "sink", "--listen", "127.0.0.1:0",
                                "--dir", str(sink_dir)], stdout=subprocess.PIPE, text=True)
    try:
        assert process.stdout is not None
        address = json.loads(process.stdout.readline())["listen"]
        lab = smtp_lab()
        lab["smtp"] = {"smart_host": address}
        running = lab_factory(lab)
        import smtplib
        with smtplib.SMTP(*running.smtp_address("EX02")) as client:
            client.sendmail(PARTNER, ["nobody@contoso.com", "carol@contoso.com"], b"Subject: two\r\n\r\nx\r\n")
        listing = subprocess.run([sys.executable, "-m", "exchange_emulator", "outbound", "--dir", str(sink_dir),
                                  "--json"], capture_output=True, text=True, check=True)
        [entry] = [json.loads(line) for line in listing.stdout.splitlines()]
        assert entry["from"] == "" and entry["to"] == [PARTNER] and entry["type"] == "ndr"
        assert [(r["recipient"], r["status"]) for r in entry["recipients"]] == \
            [("nobody@contoso.com", "5.1.1"), ("carol@contoso.com", "5.2.2")]
        assert running.outbound_messages() == []  # the built-in sink is not running
    finally:
        process.terminate()
        process.wait(timeout=10)


def test_builtin_sink_listing_from_the_state_directory(smtp_front: typing.Any) -> None:
    import smtplib
    with smtplib.SMTP(*smtp_front.smtp_address("EX02")) as client:
        client.sendmail(PARTNER, ["alice@contoso.com"], b"Subject: hi\r\nMessage-ID: <1@p>\r\n\r\nx\r\n")
    listing = subprocess.run([sys.executable, "-m", "exchange_emulator", "outbound", "--state",
                              str(smtp_front.state_dir)], capture_output=True, text=True, check=True)
    assert "auto_reply" in listing.stdout and "Automatic reply: hi" in listing.stdout


@pytest.mark.parametrize(("change", "message"), [
    (lambda lab: lab.update(smtp={"smart_host": "nowhere"}), "smtp.smart_host: expected HOST:PORT"),
    (lambda lab: lab.update(smtp={"relay": "x"}), "smtp: unknown field(s) relay"),
    (lambda lab: lab["servers"][0].update(smtp_port="25"), "servers[0].smtp_port: expected int"),
    (lambda lab: lab["organization"]["recipients"][0]["auto_reply"].update(external_audience="Some"),
     "organization.recipients[0]: auto_reply.external_audience: 'Some' is not one of All, Known, None"),
    (lambda lab: lab["organization"]["recipients"][1].update(mailbox_full="yes"),
     "organization.recipients[1].mailbox_full: expected bool"),
])
def test_lab_file_errors_name_the_field(change: typing.Callable[[dict[str, typing.Any]], None], message: str,
                                        tmp_path: pathlib.Path) -> None:
    from exchange_emulator.lab import initial_state

    lab = smtp_lab()
    change(lab)
    with pytest.raises(LabError, match=re.escape(message)):
        initial_state(parse_lab(lab))
