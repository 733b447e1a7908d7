"""The accepting side of Kerberos (raw, or wrapped in SPNEGO) over python-gssapi (MIT krb5), with the keys of a
keytab the lab names, and the WinRM message sealing that goes with it.

The keytab is given through GSSAPI's credential store, not KRB5_KTNAME, so one emulator process can hold
several. A completed context also says which service principal the ticket was for (`target`): a site accepts
only its own server's names, as each Windows computer account has only its own keys.
"""

from __future__ import annotations

import dataclasses
import pathlib

import gssapi
from gssapi.raw import IOV, IOVBufferType, unwrap_iov, wrap_iov
from gssapi.raw.misc import GSSError


class KerberosRefused(ValueError):
    """A token the acceptor will not take: bad, for another service, or from outside the realm."""


@dataclasses.dataclass
class WrapResult:
    """What encryption.wrap needs: the GSS header (signature), the sealed data and the padding added to it."""

    header: bytes
    data: bytes
    padding_length: int


class KerberosAcceptor:
    """One security context: step it with the client's tokens until complete."""

    def __init__(self, keytab: pathlib.Path, service_names: frozenset[str]) -> None:
        self.service_names = service_names  # lower-case "service/fqdn@REALM" this site answers to
        try:
            credentials = gssapi.Credentials(usage="accept", store={"keytab": str(keytab)})
        except GSSError as error:
            raise KerberosRefused(f"cannot use the keytab {keytab}: {error}") from None
        self._context = gssapi.SecurityContext(creds=credentials, usage="accept")

    def step(self, token: bytes) -> bytes | None:
        try:
            reply: bytes | None = self._context.step(token)
            complete = self._context.complete  # python-gssapi raises a failed step's error here too
        except GSSError as error:
            raise KerberosRefused(str(error)) from None
        if complete:
            target = str(self._context.target_name).lower()
            if target not in self.service_names:
                raise KerberosRefused(f"the ticket is for {target}, not for this server "
                                      f"({', '.join(sorted(self.service_names))})")
        return reply

    @property
    def complete(self) -> bool:
        return bool(self._context.complete)

    @property
    def client_principal(self) -> str | None:
        return str(self._context.initiator_name) if self._context.complete else None

    @property
    def target(self) -> str | None:
        return str(self._context.target_name) if self._context.complete else None

    @property
    def mechanism(self) -> str:
        return "kerberos"

    # MS-WSMV 2.2.9.1.2: the GSS header goes in front of the sealed SOAP, padding (if any) after it.
    def wrap_winrm(self, data: bytes) -> WrapResult:
        buffers = IOV(IOVBufferType.header, data, IOVBufferType.padding, std_layout=False)
        wrap_iov(self._context, buffers, confidential=True)
        padding = buffers[2].value or b""
        return WrapResult(buffers[0].value or b"", (buffers[1].value or b"") + padding, len(padding))

    def unwrap_winrm(self, header: bytes, data: bytes) -> bytes:
        buffers = IOV((IOVBufferType.header, False, header), data, IOVBufferType.data, std_layout=False)
        try:
            unwrap_iov(self._context, buffers)
        except GSSError as error:
            raise KerberosRefused(f"cannot unseal the message: {error}") from None
        return bytes(buffers[1].value or b"")
