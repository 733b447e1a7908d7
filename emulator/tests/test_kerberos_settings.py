"""Lab file authentication settings: per-path flags and the Kerberos keytab, with errors that name the field.
Needs no KDC: what each path offers is checked on the wire with a lab that has no Kerberos."""

from __future__ import annotations

import pytest
import requests

from exchange_emulator.http.auth import AuthSettings
from exchange_emulator.lab import LabError, parse_lab

from conftest import example_lab


def with_auth(auth):
    config = example_lab()
    config["auth"] = auth
    return config


@pytest.mark.parametrize("auth,message", [
    ({"kerberos": True}, "auth.kerberos_keytab and auth.kerberos_realm: required when kerberos is true"),
    ({"paths": {"/PowerShell": {"kerberos": True}}}, "auth.kerberos_keytab and auth.kerberos_realm"),
    ({"paths": {"/owa": {"basic": False}}}, "auth.paths: '/owa' is not one of /PowerShell, /wsman"),
    ({"paths": {"/wsman": {"digest": True}}}, "auth.paths['/wsman']: unknown field(s) digest"),
    ({"ntlm": "yes"}, "auth.ntlm: expected bool, got str"),
    ({"kerberos_keytab": 5, "kerberos_realm": "X", "kerberos": True}, "auth.kerberos_keytab: expected str"),
])
def test_auth_errors_name_the_field(auth, message):
    with pytest.raises(LabError) as failure:
        parse_lab(with_auth(auth))
    assert message in str(failure.value)


def test_paths_inherit_the_lab_wide_flags():
    lab = parse_lab(with_auth({"basic": False, "allow_unencrypted": True, "kerberos": True,
                               "kerberos_keytab": "k.keytab", "kerberos_realm": "contoso.com",
                               "paths": {"/PowerShell/": {"ntlm": False}}}))
    assert lab.auth.for_path("/powershell") == AuthSettings(basic=False, allow_unencrypted=True, ntlm=False,
                                                            kerberos=True)
    assert lab.auth.for_path("/wsman") == lab.auth.default and lab.auth.kerberos.realm == "CONTOSO.COM"


def test_a_path_without_basic_or_ntlm_answers_with_a_new_challenge(lab_factory):
    config = example_lab()
    config["auth"] = {"basic": True, "negotiate": True, "allow_unencrypted": True,
                      "paths": {"/PowerShell": {"basic": False}}}
    lab = lab_factory(config)
    port = lab.server("EX01")["port"]
    refused = requests.post(f"http://127.0.0.1:{port}/PowerShell", data=b"x", auth=("ansible", "Password123!"),
                            timeout=10)
    assert refused.status_code == 401 and refused.headers["WWW-Authenticate"] == "Negotiate"
    accepted = requests.post(f"http://127.0.0.1:{port}/wsman", data=b"", auth=("ansible", "Password123!"),
                             timeout=10)
    assert accepted.status_code == 200
