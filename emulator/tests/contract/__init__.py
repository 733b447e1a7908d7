"""Contract tests' tooling: decode recorded real-Windows WinRM traffic (pypsrp's fixtures, under
tests/captures) and the emulator's traffic for the same flow into one normalised form, to compare.

- `clixml`: CLIXML (MS-PSRP 2.2.5) into plain Python values, keeping type names.
- `psrp`: PSRP fragments (MS-PSRP 2.2.4) into messages (2.2.1) and their essentials.
- `flow`: SOAP request/response pairs into a normalised `Flow`; loads capture files.
- `recorder`: records the emulator's request/response pairs at the WSMan layer.
- `compare`: views of a flow that must agree with Windows, and the allow-list of known differences.
"""
