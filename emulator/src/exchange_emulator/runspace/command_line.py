"""PLACEHOLDER: replaced by the WinRS command-line host."""
from __future__ import annotations

import typing


class CommandLineHost:
    def __init__(self, environment: typing.Any) -> None:
        self.environment = environment

    def run(self, line: str) -> tuple[bytes, bytes, int]:
        return b"", b"not implemented\r\n", 1
