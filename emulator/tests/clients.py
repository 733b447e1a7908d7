"""Unmodified clients (pypsrp, pywinrm) pointed at an emulated server, as tests use them."""

from __future__ import annotations

import contextlib
import typing

from pypsrp.powershell import PowerShell, RunspacePool
from pypsrp.wsman import WSMan

USER = "ansible"
PASSWORD = "Password123!"


def wsman(port: int, auth: str = "basic", path: str = "PowerShell", username: str = USER,
          password: str = PASSWORD, **kwargs: typing.Any) -> WSMan:
    encryption = "never" if auth == "basic" else "auto"
    return WSMan("127.0.0.1", port=port, username=username, password=password, ssl=False, path=path, auth=auth,
                 encryption=encryption, cert_validation=False, **kwargs)


def management_pool(port: int, auth: str = "basic", **kwargs: typing.Any) -> RunspacePool:
    return RunspacePool(wsman(port, auth, **kwargs), configuration_name="Microsoft.Exchange")


def host_pool(port: int, auth: str = "ntlm", **kwargs: typing.Any) -> RunspacePool:
    return RunspacePool(wsman(port, auth, path="wsman", **kwargs), configuration_name="Microsoft.PowerShell")


def run(pool: RunspacePool, *commands: tuple[str, dict[str, typing.Any]],
        statements: bool = False) -> tuple[PowerShell, list[typing.Any]]:
    """Invoke commands (name, {parameter: value}) as one pipeline, or one statement each."""
    ps = PowerShell(pool)
    for name, parameters in commands:
        ps.add_cmdlet(name)
        for key, value in parameters.items():
            if key.startswith("_"):
                ps.add_argument(value)
            else:
                ps.add_parameter(key, value)
        if statements:
            ps.add_statement()
    output = ps.invoke()
    return ps, output


def props(obj: typing.Any) -> dict[str, typing.Any]:
    """Properties of a deserialised object, adapted and extended."""
    return {**getattr(obj, "adapted_properties", {}), **getattr(obj, "extended_properties", {})}


SNAPIN = "Microsoft.Exchange.Management.PowerShell.SnapIn"


@contextlib.contextmanager
def edge_pool(port: int, auth: str = "ntlm", **kwargs: typing.Any) -> typing.Iterator[RunspacePool]:
    """An Edge server's Exchange cmdlets: no IIS there, so the host endpoint with the Exchange snap-in."""
    with host_pool(port, auth, **kwargs) as pool:
        ps, _ = run(pool, ("Add-PSSnapin", {"Name": SNAPIN}))
        assert not ps.had_errors, ps.streams.error
        yield pool


def exchange_pool(lab: typing.Any, server: str, auth: str = "ntlm") -> typing.ContextManager[RunspacePool]:
    """Where an administrator runs a server's Exchange cmdlets: remote PowerShell, or the snap-in on Edge."""
    endpoint = lab.server(server)
    if endpoint["role"] == "Edge":
        return edge_pool(endpoint["port"], auth)
    return management_pool(endpoint["port"], auth)
