"""The basic path: each supported authentication opens a runspace pool and reads a remote domain."""

import pytest

from clients import management_pool, props, run


@pytest.mark.parametrize("auth", ["basic", "ntlm", "negotiate"])
def test_get_remote_domain_over_each_auth(lab, auth):
    port = lab.server("EX01")["port"]
    with management_pool(port, auth) as pool:
        ps, out = run(pool, ("Get-RemoteDomain", {"Identity": "Default"}))
    assert ps.state == 4 and not ps.had_errors
    assert [str(o) for o in out] == ["Default"]
    assert props(out[0])["DomainName"] == "*"
