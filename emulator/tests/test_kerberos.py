"""Kerberos against the emulator: a real MIT KDC on loopback (the kerberos_realm fixture), the emulator's
GSSAPI acceptor with the lab's keytab, and unmodified clients (pypsrp, pywinrm, raw pyspnego tokens).

Skipped with a reason naming the packages when the KDC tools or the gssapi package are missing."""

from __future__ import annotations

import base64
import pathlib
import typing

import pytest
import requests

from exchange_emulator.kerberos import missing_requirements

pytestmark = pytest.mark.skipif(missing_requirements() is not None,
                                reason=f"Kerberos tests need a local KDC: {missing_requirements()}")

USER = "ansible"
PASSWORD = "Password123!"
EX01 = "ex01.contoso.com"


@pytest.fixture(autouse=True)
def krb5_environment(kerberos_realm: typing.Any, monkeypatch: pytest.MonkeyPatch, tmp_path: pathlib.Path) -> None:
    """The clients in this process find the realm through KRB5_CONFIG, never /etc/krb5.conf."""
    monkeypatch.setenv("KRB5_CONFIG", str(kerberos_realm.krb5_conf))
    monkeypatch.setenv("KRB5CCNAME", f"FILE:{tmp_path}/ccache")  # empty unless a test runs kinit


@pytest.fixture(scope="module")
def lab(exchange_kerberos_lab: typing.Any) -> typing.Any:
    return exchange_kerberos_lab


def pool(lab: typing.Any, auth: str = "kerberos", server: str = "EX01", https: bool = False,
         path: str = "PowerShell", **kwargs: typing.Any) -> typing.Any:
    from pypsrp.powershell import RunspacePool
    from pypsrp.wsman import WSMan

    endpoint = lab.server(server)
    options: dict[str, typing.Any] = {"username": f"{USER}@CONTOSO.COM", "password": PASSWORD,
                                      "negotiate_service": "WSMAN"}  # pypsrp's own default is host/
    options.update(kwargs)
    wsman = WSMan("127.0.0.1", port=endpoint["https_port" if https else "port"], ssl=https, path=path, auth=auth,
                  cert_validation=False, negotiate_hostname_override=endpoint["fqdn"].lower(), **options)
    configuration = "Microsoft.Exchange" if path == "PowerShell" else "Microsoft.PowerShell"
    return RunspacePool(wsman, configuration_name=configuration)


def exchange_servers(runspace: typing.Any) -> list[str]:
    from pypsrp.powershell import PowerShell

    ps = PowerShell(runspace)
    ps.add_cmdlet("Get-ExchangeServer")
    output = ps.invoke()
    assert not ps.had_errors, ps.streams.error
    return sorted(str(o) for o in output)


def audited_users(lab: typing.Any, mark: int) -> set[str]:
    return {e["user"] for e in lab.commands_since(mark)}


# ------------------------------------------------------------------------------------ real clients
@pytest.mark.parametrize("auth", ["kerberos", "negotiate"])
def test_pypsrp_over_http_seals_every_message_with_kerberos(lab, auth):
    # The lab refuses plain SOAP over http (allow_unencrypted false): an answer means the body was sealed.
    mark = lab.mark()
    with pool(lab, auth) as runspace:
        assert "EX01" in exchange_servers(runspace)
    assert audited_users(lab, mark) == {"ansible@CONTOSO.COM"}


def test_pypsrp_over_https_needs_no_message_encryption(lab):
    mark = lab.mark()
    with pool(lab, "kerberos", https=True, encryption="never") as runspace:
        assert "EX01" in exchange_servers(runspace)
    assert audited_users(lab, mark) == {"ansible@CONTOSO.COM"}


def test_pypsrp_with_a_ticket_from_kinit_and_no_password(lab, kerberos_realm):
    assert kerberos_realm.kinit(USER, PASSWORD).returncode == 0  # into KRB5CCNAME (this test's own cache)
    mark = lab.mark()
    with pool(lab, "kerberos", username=None, password=None) as runspace:
        assert "EX01" in exchange_servers(runspace)
    assert audited_users(lab, mark) == {"ansible@CONTOSO.COM"}


@pytest.mark.parametrize("https", [False, True], ids=["http-sealed", "https"])
def test_pywinrm_kerberos_through_winrs(lab, kerberos_realm, https):
    import winrm

    assert kerberos_realm.kinit(USER, PASSWORD).returncode == 0  # pywinrm's Kerberos uses the ticket cache only
    endpoint = lab.server("EX01")
    url = (f"https://127.0.0.1:{endpoint['https_port']}/wsman" if https
           else f"http://127.0.0.1:{endpoint['port']}/wsman")
    mark = lab.mark()
    session = winrm.Session(url, auth=(None, None), transport="kerberos", kerberos_hostname_override=EX01,
                            server_cert_validation="ignore", message_encryption="never" if https else "always")
    response = session.run_ps("Add-PSSnapin Microsoft.Exchange.Management.PowerShell.SnapIn; "
                              "Get-ExchangeServer | Select-Object -ExpandProperty Name")
    assert response.status_code == 0, response.std_err
    assert "EX01" in response.std_out.decode()
    assert audited_users(lab, mark) == {"ansible@CONTOSO.COM"}


# ------------------------------------------------------------------------------------ the acceptor itself
def negotiate(lab: typing.Any, token: bytes, server: str = "EX01", path: str = "wsman",
              scheme: str = "Negotiate") -> requests.Response:
    url = f"http://127.0.0.1:{lab.server(server)['port']}/{path}"
    return requests.post(url, data=b"", headers={"Authorization": f"{scheme} {base64.b64encode(token).decode()}",
                                                 "Content-Type": "application/soap+xml;charset=UTF-8"}, timeout=10)


def kerberos_client(service: str = "WSMAN", hostname: str = EX01) -> typing.Any:
    import spnego

    return spnego.client(f"{USER}@CONTOSO.COM", PASSWORD, hostname=hostname, service=service,
                         protocol="kerberos")


def test_mutual_authentication_token_proves_the_server_holds_the_key(lab):
    client = kerberos_client()
    response = negotiate(lab, client.step())
    assert response.status_code == 200
    scheme, _, token = response.headers["WWW-Authenticate"].partition(" ")
    assert scheme == "Negotiate" and token
    client.step(base64.b64decode(token))  # the AP-REP: raises if it was not made with the service key
    assert client.complete


def test_a_tampered_ticket_is_refused(lab):
    token = bytearray(kerberos_client().step())
    token[len(token) // 2] ^= 0xFF  # inside the encrypted part of the ticket or authenticator
    response = negotiate(lab, bytes(token))
    assert response.status_code == 401
    assert "Negotiate" in response.headers["WWW-Authenticate"]


def test_a_ticket_for_another_server_is_refused(lab):
    # EX02's keys are in the same keytab, but EX01 answers only for its own principals.
    response = negotiate(lab, kerberos_client("WSMAN", "ex02.contoso.com").step(), server="EX01")
    assert response.status_code == 401
    accepted = negotiate(lab, kerberos_client("WSMAN", "ex02.contoso.com").step(), server="EX02")
    assert accepted.status_code == 200


def test_a_ticket_for_a_service_outside_the_keytab_is_refused(lab, kerberos_realm, tmp_path):
    kerberos_realm.add_services("other.contoso.com", tmp_path / "elsewhere.keytab")
    response = negotiate(lab, kerberos_client("WSMAN", "other.contoso.com").step())
    assert response.status_code == 401


def test_exchange_default_powershell_accepts_kerberos_only(lab):
    from pypsrp.exceptions import AuthenticationError

    url = f"http://127.0.0.1:{lab.server('EX01')['port']}/PowerShell"
    basic = requests.post(url, data=b"x", auth=(USER, PASSWORD), timeout=10)
    assert basic.status_code == 401
    assert basic.headers["WWW-Authenticate"] == "Negotiate"  # no Basic, no Kerberos scheme, no NTLM offered
    with pytest.raises(AuthenticationError):
        with pool(lab, "ntlm", username=USER):
            pass
    # WinRM's /wsman on the same server still takes NTLM, and offers every scheme.
    with pool(lab, "ntlm", username=USER, path="wsman") as runspace:
        assert runspace.state  # opened
    challenge = requests.post(url.replace("PowerShell", "wsman"), data=b"", timeout=10).headers
    assert challenge["WWW-Authenticate"].split(", ")[:2] == ["Negotiate", "Kerberos"]


@pytest.mark.parametrize("lookups,asked_for", [("false", "WSMAN/127.0.0.1@CONTOSO.COM"),
                                               ("true", "WSMAN/localhost@CONTOSO.COM")])
def test_rdns_and_canonicalisation_decide_the_name_asked_for(kerberos_realm, tmp_path, monkeypatch, lookups,
                                                             asked_for):
    # With MIT's defaults (both true) an address is turned into a name by reverse DNS (/etc/hosts here): the
    # principal asked for is then not the one the inventory implies. The realm's krb5.conf turns both off, and
    # inventories that use addresses set negotiate_hostname_override instead.
    import spnego
    import spnego.exceptions

    conf = tmp_path / "krb5.conf"
    conf.write_text(kerberos_realm.krb5_conf.read_text()
                    .replace("rdns = false", f"rdns = {lookups}")
                    .replace("dns_canonicalize_hostname = false", f"dns_canonicalize_hostname = {lookups}"))
    monkeypatch.setenv("KRB5_CONFIG", str(conf))
    client = spnego.client(f"{USER}@CONTOSO.COM", PASSWORD, hostname="127.0.0.1", service="WSMAN",
                           protocol="kerberos")
    with pytest.raises(spnego.exceptions.SpnegoError) as failure:
        client.step()
    assert f"Server {asked_for} not found in Kerberos database" in str(failure.value)
