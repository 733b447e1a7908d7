"""Each supported authentication, with unmodified pypsrp: create, read, change and remove a remote domain,
and read it back each time."""

import pytest

from clients import management_pool, props, run


@pytest.mark.parametrize("auth", ["basic", "ntlm", "negotiate"])
def test_remote_domain_lifecycle_over_each_auth(lab, auth):
    port = lab.server("EX01")["port"]
    name = f"Smoke-{auth}"
    with management_pool(port, auth) as pool:
        ps, out = run(pool, ("New-RemoteDomain", {"Name": name, "DomainName": f"{auth}.smoke.example"}))
        assert ps.state == 4 and not ps.streams.error and props(out[0])["DomainName"] == f"{auth}.smoke.example"
        ps, out = run(pool, ("Get-RemoteDomain", {"Identity": name}))
        assert props(out[0])["NDREnabled"] is True
        ps, out = run(pool, ("Set-RemoteDomain", {"Identity": name, "NDREnabled": False}))
        assert out == [] and not ps.streams.warning
        ps, out = run(pool, ("Get-RemoteDomain", {"Identity": name}))
        assert props(out[0])["NDREnabled"] is False
        ps, out = run(pool, ("Remove-RemoteDomain", {"Identity": name, "Confirm": False}))
        assert ps.state == 4 and not ps.streams.error
        ps, out = run(pool, ("Get-RemoteDomain", {"Identity": name}))
        assert out == [] and "ManagementObjectNotFoundException" in ps.streams.error[0].fq_error
