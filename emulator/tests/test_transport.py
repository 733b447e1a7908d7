"""HTTP and authentication: the paths, the auth schemes, encryption rules, TLS, wrong credentials."""

from __future__ import annotations

import base64
import ssl
import urllib.request

import pytest
import requests
from pypsrp.exceptions import AuthenticationError, WinRMTransportError
from pypsrp.powershell import RunspacePool

from clients import PASSWORD, USER, management_pool, props, run, wsman

SOAP_GET_CONFIG = (
    '<s:Envelope xmlns:s="http://www.w3.org/2003/05/soap-envelope" '
    'xmlns:wsa="http://schemas.xmlsoap.org/ws/2004/08/addressing" '
    'xmlns:wsman="http://schemas.dmtf.org/wbem/wsman/1/wsman.xsd"><s:Header>'
    "<wsa:Action>http://schemas.xmlsoap.org/ws/2004/09/transfer/Get</wsa:Action>"
    "<wsa:MessageID>uuid:00000000-0000-0000-0000-000000000001</wsa:MessageID>"
    "<wsman:ResourceURI>http://schemas.microsoft.com/wbem/wsman/1/config</wsman:ResourceURI>"
    "</s:Header><s:Body/></s:Envelope>"
)


def basic_header(user: str = USER, password: str = PASSWORD) -> str:
    return "Basic " + base64.b64encode(f"{user}:{password}".encode()).decode()


def post(port: int, path: str = "/wsman", body: str = SOAP_GET_CONFIG, **headers: str) -> requests.Response:
    headers.setdefault("Content-Type", "application/soap+xml;charset=UTF-8")
    return requests.post(f"http://127.0.0.1:{port}{path}", data=body.encode(), headers=headers, timeout=10)


def test_unauthenticated_request_is_challenged_with_both_schemes(lab):
    reply = post(lab.server("EX01")["port"])
    assert reply.status_code == 401
    challenge = reply.raw.headers.getlist("WWW-Authenticate")
    assert challenge == ["Negotiate", 'Basic realm="WSMAN"']


@pytest.mark.parametrize("path", ["/PowerShell", "/PowerShell/", "/powershell/?serializationLevel=Full", "/wsman",
                                  "/WSMAN"])
def test_both_paths_answer_case_insensitively(lab, path):
    reply = post(lab.server("EX01")["port"], path, Authorization=basic_header())
    assert reply.status_code == 200
    assert b"<cfg:MaxEnvelopeSizekb>500</cfg:MaxEnvelopeSizekb>" in reply.content


def test_other_paths_are_not_found_and_get_is_not_allowed(lab):
    port = lab.server("EX01")["port"]
    assert post(port, "/ews/exchange.asmx", Authorization=basic_header()).status_code == 404
    assert requests.get(f"http://127.0.0.1:{port}/wsman", timeout=10).status_code == 405


@pytest.mark.parametrize("user", [USER, f"CONTOSO\\{USER}", f"{USER}@contoso.com", "ANSIBLE"])
def test_basic_accepts_the_forms_of_a_user_name(lab, user):
    assert post(lab.server("EX01")["port"], Authorization=basic_header(user)).status_code == 200


@pytest.mark.parametrize("user,password", [(USER, "wrong"), ("nobody", PASSWORD), ("OTHER\\ansible", PASSWORD)])
def test_wrong_basic_credentials_get_401(lab, user, password):
    assert post(lab.server("EX01")["port"], Authorization=basic_header(user, password)).status_code == 401


@pytest.mark.parametrize("auth", ["basic", "ntlm", "negotiate"])
def test_wrong_password_is_an_authentication_error_for_pypsrp(lab, auth):
    with pytest.raises(AuthenticationError):
        with management_pool(lab.server("EX01")["port"], auth, password="not-the-password"):
            pass


def test_sessions_are_owned_by_the_windows_name_of_the_user(lab):
    mark = lab.mark()
    with management_pool(lab.server("EX01")["port"], "ntlm") as pool:
        run(pool, ("Get-AcceptedDomain", {}))
    assert {e["user"] for e in lab.commands_since(mark)} == {"CONTOSO\\ansible"}


def test_plaintext_basic_is_refused_unless_the_lab_allows_unencrypted(lab_factory):
    strict = lab_factory(dict(_lab_with_auth(allow_unencrypted=False)))
    port = strict.server("EX01")["port"]
    assert post(port, Authorization=basic_header()).status_code == 401
    with pytest.raises((AuthenticationError, WinRMTransportError)):
        with management_pool(port, "basic"):
            pass
    # NTLM with message encryption is what a strict WinRM accepts over http.
    with management_pool(port, "ntlm") as pool:
        ps, out = run(pool, ("Get-RemoteDomain", {"Identity": "Default"}))
    assert [str(o) for o in out] == ["Default"]


def test_basic_can_be_switched_off(lab_factory):
    no_basic = lab_factory(_lab_with_auth(basic=False))
    reply = post(no_basic.server("EX01")["port"], Authorization=basic_header())
    assert reply.status_code == 401
    assert reply.raw.headers.getlist("WWW-Authenticate") == ["Negotiate"]


def test_https_with_a_generated_certificate(lab_factory, tmp_path):
    config = _lab_with_auth(allow_unencrypted=False)
    config["servers"][0]["https_port"] = 0
    secure = lab_factory(config)
    endpoint = secure.server("EX01")
    assert endpoint["https_port"]
    certificate = secure.endpoints["certificate"]
    context = ssl.create_default_context(cafile=certificate)
    request = urllib.request.Request(f"https://127.0.0.1:{endpoint['https_port']}/wsman", data=SOAP_GET_CONFIG.encode(),
                                     headers={"Authorization": basic_header(),
                                              "Content-Type": "application/soap+xml;charset=UTF-8"})
    with urllib.request.urlopen(request, context=context, timeout=10) as reply:
        assert b"MaxEnvelopeSizekb" in reply.read()
    # Over TLS plain Basic is fine even when unencrypted http is refused, as with WinRM's HTTPS listener.
    from pypsrp.wsman import WSMan

    transport = WSMan("127.0.0.1", port=endpoint["https_port"], username=USER, password=PASSWORD, ssl=True,
                      path="PowerShell", auth="basic", cert_validation=certificate)
    with RunspacePool(transport, configuration_name="Microsoft.Exchange") as pool:
        ps, out = run(pool, ("Get-RemoteDomain", {"Identity": "Default"}))
    assert props(out[0])["DomainName"] == "*"


def test_encrypted_negotiate_traffic_is_really_sealed(lab):
    """The WinRM encryption is real: the body on the wire is not the SOAP text."""
    transport = wsman(lab.server("EX01")["port"], "negotiate")
    with RunspacePool(transport, configuration_name="Microsoft.Exchange") as pool:
        run(pool, ("Get-RemoteDomain", {}))
    assert transport.transport.encryption is not None
    # After the pool is closed the client's sealing context can be used without desynchronising it.
    _, sealed = transport.transport.encryption.wrap_message(b"<s:Envelope>secret</s:Envelope>")
    assert b"secret" not in sealed and b"Encrypted Boundary" in sealed


def _lab_with_auth(**auth):
    from conftest import example_lab

    config = example_lab()
    config["auth"].update(auth)
    return config


def test_edge_servers_have_no_remote_powershell(lab):
    """Edge Transport runs no IIS: only the WinRM service answers; Exchange cmdlets need the snap-in there."""
    port = lab.server("EDGE01")["port"]
    assert lab.server("EDGE01")["management_url"] is None
    assert post(port, "/PowerShell/", Authorization=basic_header()).status_code == 404
    assert post(port, "/wsman", Authorization=basic_header()).status_code == 200
