"""The verbose stream: Exchange's tasks report their phases when asked with -Verbose."""

import re

from clients import management_pool, run


def test_exchange_cmdlets_write_verbose_only_when_asked(lab):
    with management_pool(lab.server("EX01")["port"]) as pool:
        quiet, _ = run(pool, ("Get-RemoteDomain", {"Identity": "Default"}))
        loud, out = run(pool, ("Get-RemoteDomain", {"Identity": "Default", "Verbose": True}))
    assert quiet.streams.verbose == []
    lines = [v.message for v in loud.streams.verbose]
    assert [line.split(" : ", 1)[1] for line in lines] == ["Beginning processing &", "Ending processing &"]
    assert all(re.match(r"^\[\d\d:\d\d:\d\d\.\d{3} GMT\] Get-RemoteDomain : ", line) for line in lines)
    assert [str(o) for o in out] == ["Default"]
