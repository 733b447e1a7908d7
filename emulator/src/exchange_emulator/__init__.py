"""exchange-emulator: a WinRM/PSRP server that emulates Microsoft Exchange for tests."""

__version__ = "0.1.0"
