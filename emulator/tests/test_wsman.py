"""WSMan: actions, faults shaped as Windows sends them, envelope limits, long-poll Receive, the catalogs."""

from __future__ import annotations

import contextlib
import re
import threading
import time
import typing

import pytest
import requests
from pypsrp.exceptions import WSManFaultError
from pypsrp.powershell import PowerShell, RunspacePool
from pypsrp.shell import Process, WinRS
from test_transport import SOAP_GET_CONFIG, basic_header

from clients import management_pool, run, wsman

SOAP_NS = ('xmlns:s="http://www.w3.org/2003/05/soap-envelope" '
           'xmlns:wsa="http://schemas.xmlsoap.org/ws/2004/08/addressing" '
           'xmlns:wsman="http://schemas.dmtf.org/wbem/wsman/1/wsman.xsd"')


def soap(port: int, body: bytes, path: str = "/wsman") -> requests.Response:
    return requests.post(f"http://127.0.0.1:{port}{path}", data=body, timeout=10,
                         headers={"Authorization": basic_header(), "Content-Type": "application/soap+xml"})


def fault_of(reply: requests.Response) -> tuple[str, str]:
    assert reply.status_code == 500
    code = re.search(rb'Code="(\d+)"', reply.content)
    subcode = re.search(rb"<s:Subcode><s:Value>([^<]+)<", reply.content)
    assert code and subcode, reply.content
    return code.group(1).decode(), subcode.group(1).decode()


def envelope(action: str, resource: str, extra: str = "", body: str = "") -> bytes:
    return (f"<s:Envelope {SOAP_NS}><s:Header><wsa:Action>{action}</wsa:Action>"
            "<wsa:MessageID>uuid:11111111-2222-3333-4444-555555555555</wsa:MessageID>"
            f"<wsman:ResourceURI>{resource}</wsman:ResourceURI>{extra}</s:Header><s:Body>{body}</s:Body>"
            "</s:Envelope>").encode()


@pytest.mark.parametrize("body", [b"<s:Envelope", b"not xml at all", b"<a/>",
                                  f"<s:Envelope {SOAP_NS}><s:Body/></s:Envelope>".encode()])
def test_malformed_soap_gets_a_fault_and_the_connection_survives(lab, body):
    port = lab.server("EX01")["port"]
    code, subcode = fault_of(soap(port, body))
    assert (code, subcode) == ("2150858817", "w:InvalidMessageInformationHeader")
    assert soap(port, SOAP_GET_CONFIG.encode()).status_code == 200


def test_fault_relates_to_the_request_message_id(lab):
    reply = soap(lab.server("EX01")["port"], envelope(
        "http://schemas.xmlsoap.org/ws/2004/09/transfer/Create", "http://schemas.microsoft.com/powershell/Nope",
        body="<rsp:Shell xmlns:rsp='http://schemas.microsoft.com/wbem/wsman/1/windows/shell'/>"))
    assert fault_of(reply) == ("2150858811", "w:DestinationUnreachable")
    assert b"<a:RelatesTo>uuid:11111111-2222-3333-4444-555555555555</a:RelatesTo>" in reply.content
    assert b"was not found in the WS-Management catalog" in reply.content


def test_unknown_action_is_not_supported(lab):
    reply = soap(lab.server("EX01")["port"], envelope("http://schemas.xmlsoap.org/ws/2004/09/enumeration/Enumerate",
                                                      "http://schemas.microsoft.com/wbem/wsman/1/windows/shell"))
    assert fault_of(reply) == ("2150858754", "a:ActionNotSupported")


def test_oversize_envelope_is_refused_before_parsing(lab):
    big = envelope("http://schemas.xmlsoap.org/ws/2004/09/transfer/Get",
                   "http://schemas.microsoft.com/wbem/wsman/1/config", body="<x>" + "A" * 600_000 + "</x>")
    code, subcode = fault_of(soap(lab.server("EX01")["port"], big))
    assert (code, subcode) == ("2150858909", "w:EncodingLimit")


@pytest.mark.parametrize("timeout", ["soon", "PT-1S"])
def test_bad_operation_timeout_is_refused(lab, timeout):
    reply = soap(lab.server("EX01")["port"], envelope(
        "http://schemas.xmlsoap.org/ws/2004/09/transfer/Get", "http://schemas.microsoft.com/wbem/wsman/1/config",
        extra=f"<wsman:OperationTimeout>{timeout}</wsman:OperationTimeout>"))
    assert fault_of(reply) == ("2150858767", "a:InvalidMessageInformationHeader")
    assert f"invalid timeout field in the SOAP header: {timeout}".encode() in reply.content


@pytest.mark.parametrize("path,configuration", [("PowerShell", "Microsoft.PowerShell"), ("wsman", "Microsoft.Exchange"),
                                                ("PowerShell", "Microsoft.Exchange.Nope")])
def test_a_configuration_on_the_wrong_endpoint_is_not_in_the_catalog(lab, path, configuration):
    """/PowerShell/ (IIS) serves only Microsoft.Exchange; /wsman (WinRM) has no Microsoft.Exchange (pypsrp#66)."""
    transport = wsman(lab.server("EX01")["port"], "basic", path=path)
    with pytest.raises(WSManFaultError) as failure:
        RunspacePool(transport, configuration_name=configuration).open()
    assert failure.value.code == 2150858811
    assert configuration in failure.value.reason


def test_unknown_shell_id_is_the_windows_shell_not_found_fault(lab):
    selector = ('<wsman:SelectorSet><wsman:Selector Name="ShellId">00000000-0000-0000-0000-000000000000'
                "</wsman:Selector></wsman:SelectorSet>")
    reply = soap(lab.server("EX01")["port"], envelope("http://schemas.xmlsoap.org/ws/2004/09/transfer/Delete",
                                                      "http://schemas.microsoft.com/wbem/wsman/1/windows/shell/cmd",
                                                      extra=selector))
    assert fault_of(reply) == ("2150858843", "w:InvalidSelectors")
    assert b"the shell was not found on the server" in reply.content


def test_a_request_without_shell_id_has_invalid_selectors(lab):
    shell = WinRS(wsman(lab.server("EX01")["port"], "basic", path="wsman"))
    shell.opened = True  # close() then sends a Delete without a ShellId selector
    with pytest.raises(WSManFaultError) as failure:
        shell.close()
    assert failure.value.code == 2150858843
    assert "invalid selectors" in failure.value.reason


def test_is_alive_and_max_payload_size(lab):
    transport = wsman(lab.server("EX01")["port"], "basic")
    pool = RunspacePool(transport, configuration_name="Microsoft.Exchange")
    pool.open()
    try:
        assert pool.is_alive() is True
        transport.update_max_payload_size()
        assert transport.max_envelope_size == 500 * 1024
    finally:
        pool.close()
    assert pool.is_alive() is False


def test_shell_ids_are_bound_to_their_resource_uri(lab):
    port = lab.server("EX01")["port"]
    pool = management_pool(port, "basic")
    pool.open()
    try:
        other = WinRS(wsman(port, "basic", path="wsman"), id=str(pool.id).upper())
        other.opened = True
        with pytest.raises(WSManFaultError) as failure:
            other.close()
        assert failure.value.code == 2150858843
    finally:
        pool.close()


@contextlib.contextmanager
def command_latency(lab, seconds: float) -> typing.Iterator[None]:
    """Every command waits `seconds` while the block runs; the lab is back to no latency afterwards."""
    lab.set_faults(command_latency=seconds)
    try:
        yield
    finally:
        lab.set_faults(command_latency=0)


def test_receive_long_polls_with_the_real_timed_out_fault(lab):
    """A command slower than OperationTimeout: pypsrp gets w:TimedOut Receives, retries, and succeeds."""
    with command_latency(lab, 2.5):
        transport = wsman(lab.server("EX01")["port"], "basic", operation_timeout=1, read_timeout=5)
        with RunspacePool(transport, configuration_name="Microsoft.Exchange") as pool:
            started = time.monotonic()
            ps, out = run(pool, ("Get-RemoteDomain", {"Identity": "Default"}))
            elapsed = time.monotonic() - started
        assert [str(o) for o in out] == ["Default"] and elapsed >= 2.5


def test_stop_a_running_pipeline(lab):
    with command_latency(lab, 3):
        with management_pool(lab.server("EX01")["port"], "basic") as pool:
            ps = PowerShell(pool)
            ps.add_cmdlet("Get-RemoteDomain")
            ps.begin_invoke()
            time.sleep(0.3)
            ps.stop()
            assert ps.state == 3  # Stopped


def test_several_pipelines_of_one_pool_run_at_once(lab):
    with command_latency(lab, 1):
        with management_pool(lab.server("EX01")["port"], "basic") as pool:
            pool.max_runspaces = 2
            first, second = PowerShell(pool), PowerShell(pool)
            first.add_cmdlet("Get-RemoteDomain")
            second.add_cmdlet("Get-AcceptedDomain")
            started = time.monotonic()
            first.begin_invoke()
            second.begin_invoke()
            first.end_invoke()
            second.end_invoke()
            elapsed = time.monotonic() - started
        assert first.state == second.state == 4
        assert elapsed < 1.9  # both waited their second of latency at the same time


def test_pipeline_input_binds_identity_by_property(lab):
    with management_pool(lab.server("EX01")["port"], "basic") as pool:
        ps = PowerShell(pool)
        ps.add_cmdlet("Get-RemoteDomain")
        domains = ps.invoke()
        ps = PowerShell(pool)
        ps.add_cmdlet("Get-RemoteDomain")
        names = ps.invoke(input=domains)
    assert [str(d) for d in names] == [str(d) for d in domains]


def test_winrs_process_over_the_host_endpoint(lab):
    """pypsrp's own WinRS client: the cmd shell with a powershell command line."""
    transport = wsman(lab.server("EX01")["port"], "basic", path="wsman")
    with WinRS(transport) as shell:
        process = Process(shell, "powershell", ["-NoProfile", "-Command", "Get-Service MSExchangeTransport"])
        process.invoke()
    assert process.rc == 0, process.stderr
    # The default table cuts the 18-wide Name column, as Windows PowerShell 5.1 does.
    assert b"MSExchangeTrans..." in process.stdout and b"Microsoft Exchange Transport" in process.stdout


def test_concurrent_clients_in_threads(lab):
    port = lab.server("EX02")["port"]
    failures: list[BaseException] = []

    def client() -> None:
        try:
            with management_pool(port, "ntlm") as pool:
                ps, out = run(pool, ("Get-RemoteDomain", {"Identity": "Default"}))
                assert [str(o) for o in out] == ["Default"]
        except BaseException as error:  # collected for the assertion below
            failures.append(error)

    threads = [threading.Thread(target=client) for _ in range(12)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert failures == []
