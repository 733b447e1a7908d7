"""host_transport=winrm: the connection options as pywinrm takes them (checked by building a real
pywinrm Session and Protocol with them), and powershell.exe's CLIXML stderr decoded."""

from __future__ import annotations

import pytest
import winrm

from ansible_collections.mailhygiene.exchange.plugins.module_utils.errors import InvalidSettings
from ansible_collections.mailhygiene.exchange.plugins.module_utils.session import clixml_errors, winrs_options

BASE = {"username": "ansible@CONTOSO.COM", "password": "secret", "auth": "kerberos", "cert_validation": True,
        "connection_timeout": 30, "read_timeout": 30, "operation_timeout": 20, "encryption": "auto",
        "reconnection_retries": 0, "reconnection_backoff": 2.0, "no_proxy": False}


def transport(**options):
    kwargs = winrs_options(dict(BASE, **options))
    credentials = (options.get("username", BASE["username"]), "secret")
    session = winrm.Session("http://ex01.contoso.com:5985/wsman", auth=credentials, **kwargs)
    return kwargs, session.protocol.transport


def test_kerberos_settings_reach_pywinrm():
    wire = transport(negotiate_hostname_override="ex01.contoso.com", negotiate_delegate=True,
                     encryption="always")[1]
    assert wire.auth_method == "kerberos" and wire.service == "WSMAN"
    assert wire.kerberos_hostname_override == "ex01.contoso.com" and wire.kerberos_delegation is True
    assert wire.message_encryption == "always"


@pytest.mark.parametrize("username,expected", [("ansible@CONTOSO.COM", "kerberos"), (None, "kerberos"),
                                               ("CONTOSO\\ansible", "ntlm"), ("ansible", "ntlm")])
def test_negotiate_is_kerberos_for_a_principal_or_a_ticket(username, expected):
    assert transport(auth="negotiate", username=username)[1].auth_method == expected


def test_certificate_proxy_and_credssp_reach_pywinrm(tmp_path):
    cert, key = tmp_path / "c.pem", tmp_path / "k.pem"
    cert.write_text("x")
    key.write_text("x")
    wire = transport(auth="certificate", certificate_pem=str(cert), certificate_key_pem=str(key),
                     proxy="http://proxy:3128", cert_validation="/etc/ca.pem")[1]
    assert (wire.cert_pem, wire.cert_key_pem) == (str(cert), str(key)) and wire.proxy == "http://proxy:3128"
    assert wire.message_encryption == "never" and wire.ca_trust_path == "/etc/ca.pem"
    wire = transport(auth="credssp", credssp_disable_tlsv1_2=True, no_proxy=True)[1]
    assert wire.credssp_disable_tlsv1_2 is True and wire.proxy is None
    with pytest.raises(InvalidSettings, match="credssp_minimum_version: not supported with host_transport=winrm"):
        transport(auth="credssp", credssp_minimum_version=5)


def test_clixml_stderr_is_decoded_with_pypsrp():
    stderr = ('#< CLIXML\r\n<Objs Version="1.1.0.1" xmlns="http://schemas.microsoft.com/powershell/2004/04">'
              '<S S="Error">Set-RemoteDomain : The operation couldn_x0027_t be performed_x000D__x000A_</S>'
              '<S S="Error">    + CategoryInfo : NotSpecified_x000D__x000A_</S>'
              '<S S="progress">ignored</S></Objs>').encode()
    assert clixml_errors(stderr) == ("Set-RemoteDomain : The operation couldn't be performed\n"
                                     "    + CategoryInfo : NotSpecified")
    assert clixml_errors(b"plain failure\r\n") == "plain failure"
