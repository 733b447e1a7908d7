"""WinRM message encryption over HTTP (MS-WSMV 2.2.9.1): multipart/encrypted bodies sealed with the
connection's security context.

    --Encrypted Boundary\r\n
    \tContent-Type: application/HTTP-SPNEGO-session-encrypted\r\n
    \tOriginalContent: type=application/soap+xml;charset=UTF-8;Length=<plaintext length>\r\n
    --Encrypted Boundary\r\n
    \tContent-Type: application/octet-stream\r\n
    <int32 LE signature length><signature><sealed SOAP>--Encrypted Boundary--\r\n

The reply mirrors the request's protocol string (pywinrm insists on the SPNEGO one).
"""

from __future__ import annotations

import re
import struct
import typing

BOUNDARY = b"Encrypted Boundary"
SPNEGO_PROTOCOL = "application/HTTP-SPNEGO-session-encrypted"


class SecurityContext(typing.Protocol):
    def wrap_winrm(self, data: bytes) -> typing.Any: ...

    def unwrap_winrm(self, header: bytes, data: bytes) -> bytes: ...


class EncryptionError(ValueError):
    pass


def is_encrypted(content_type: str) -> bool:
    return content_type.lower().startswith(("multipart/encrypted", "multipart/x-multi-encrypted"))


def protocol_of(content_type: str) -> str:
    match = re.search(r'protocol="([^"]+)"', content_type)
    return match.group(1) if match else SPNEGO_PROTOCOL


def unwrap(body: bytes, content_type: str, context: SecurityContext) -> bytes:
    match = re.search(r'boundary="([^"]+)"', content_type)
    boundary = match.group(1).encode() if match else BOUNDARY
    # Some senders write "-- Encrypted Boundary" (with a space); accept both.
    separator = re.compile(rb"--\s*" + re.escape(boundary) + rb"(?:--)?\r\n")
    parts = [p for p in separator.split(body) if p]
    if not parts or len(parts) % 2:
        raise EncryptionError("the multipart/encrypted body does not have header and payload parts")
    plain = b""
    for header, payload in zip(parts[0::2], parts[1::2], strict=True):
        length = re.search(rb"Length=(\d+)", header)
        if not length:
            raise EncryptionError("an encrypted part has no OriginalContent Length")
        prefix = b"\tContent-Type: application/octet-stream\r\n"
        if payload.startswith(prefix):
            payload = payload[len(prefix):]
        if len(payload) < 4:
            raise EncryptionError("an encrypted part is truncated")
        signature_length = struct.unpack("<i", payload[:4])[0]
        if signature_length < 0 or signature_length > len(payload) - 4:
            raise EncryptionError("an encrypted part has a bad signature length")
        try:
            data = context.unwrap_winrm(payload[4:4 + signature_length], payload[4 + signature_length:])
        except Exception as error:
            raise EncryptionError(f"the encrypted part could not be unsealed: {error}") from None
        if len(data) != int(length.group(1)):
            raise EncryptionError(f"decrypted length {len(data)} differs from the advertised "
                                  f"{length.group(1).decode()}")
        plain += data
    return plain


def wrap(message: bytes, protocol: str, context: SecurityContext) -> bytes:
    sealed = context.wrap_winrm(message)
    return bytes(
        b"--" + BOUNDARY + b"\r\n"
        + b"\tContent-Type: " + protocol.encode() + b"\r\n"
        + b"\tOriginalContent: type=application/soap+xml;charset=UTF-8;Length=%d\r\n"
        % (len(message) + sealed.padding_length)
        + b"--" + BOUNDARY + b"\r\n"
        + b"\tContent-Type: application/octet-stream\r\n"
        + struct.pack("<i", len(sealed.header)) + sealed.header + sealed.data
        + b"--" + BOUNDARY + b"--\r\n"
    )


def content_type(protocol: str) -> str:
    return f'multipart/encrypted;protocol="{protocol}";boundary="{BOUNDARY.decode()}"'
