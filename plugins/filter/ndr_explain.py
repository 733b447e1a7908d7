# -*- coding: utf-8 -*-
# Copyright: (c) 2026, mailhygiene.exchange contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
# ruff: noqa: UP009
"""The ndr_explain filter: a status code, an SMTP reply or a delivery status report, explained (the table and
the parsing live in module_utils/ndr_codes.py, where modules can use them too)."""

from __future__ import annotations

import typing

from ansible.errors import AnsibleFilterError
from ansible_collections.mailhygiene.exchange.plugins.module_utils import ndr_codes


def ndr_explain(value: typing.Any) -> dict[str, typing.Any] | list[dict[str, typing.Any]]:
    """A dictionary for a status code or a reply; a list of dictionaries, one per recipient, for a report."""
    try:
        return ndr_codes.explain(value)
    except ndr_codes.NotAnNdr as error:
        raise AnsibleFilterError(f"ndr_explain: {error}") from error


class FilterModule:
    def filters(self) -> dict[str, typing.Callable[..., typing.Any]]:
        return {"ndr_explain": ndr_explain}
