"""HTTP authentication as WinRM and IIS do it: Basic, and Negotiate (SPNEGO or raw NTLM) through a
pyspnego acceptor. Negotiate authenticates a TCP connection, not a request: the context and the user
live with the connection, and later requests on it carry no Authorization header.

Kerberos is a later issue; a GSSAPI acceptor plugs in where `negotiate_acceptor` creates contexts.
"""

from __future__ import annotations

import base64
import binascii
import dataclasses
import logging
import typing

import spnego
import spnego.exceptions

log = logging.getLogger(__name__)


class Credentials(typing.Protocol):
    """The lab's users: checks passwords, and names users the way Windows does (DOMAIN\\user)."""

    def check_password(self, username: str, password: str) -> str | None: ...

    def canonical(self, principal: str) -> str | None: ...


@dataclasses.dataclass
class AuthSettings:
    basic: bool = True
    negotiate: bool = True
    allow_unencrypted: bool = False  # WinRM's AllowUnencrypted: plain SOAP over http


@dataclasses.dataclass
class ConnectionAuth:
    """What one TCP connection has established."""

    user: str | None = None
    scheme: str | None = None
    context: spnego.ContextProxy | None = None

    def reset(self) -> None:
        self.user, self.scheme, self.context = None, None, None


@dataclasses.dataclass
class AuthResult:
    status: int  # 200 when authenticated, 401 to challenge or refuse
    headers: list[tuple[str, str]]

    @property
    def authenticated(self) -> bool:
        return self.status == 200


def negotiate_acceptor(scheme: str) -> spnego.ContextProxy:
    return spnego.server(hostname="localhost", service="http",
                         protocol="negotiate" if scheme == "negotiate" else "ntlm")


class Authenticator:
    def __init__(self, settings: AuthSettings, credentials: Credentials) -> None:
        self.settings = settings
        self.credentials = credentials

    def challenge_headers(self) -> list[tuple[str, str]]:
        headers = []
        if self.settings.negotiate:
            headers.append(("WWW-Authenticate", "Negotiate"))
        if self.settings.basic:
            headers.append(("WWW-Authenticate", 'Basic realm="WSMAN"'))
        return headers

    def authenticate(self, authorization: str | None, connection: ConnectionAuth) -> AuthResult:
        if not authorization:
            if connection.user is not None and connection.scheme != "basic":
                return AuthResult(200, [])
            connection.reset()
            return AuthResult(401, self.challenge_headers())
        scheme, _, token = authorization.partition(" ")
        lowered = scheme.lower()
        if lowered == "basic" and self.settings.basic:
            return self._basic(token.strip(), connection)
        if lowered in ("negotiate", "ntlm") and self.settings.negotiate:
            return self._negotiate(scheme, lowered, token.strip(), connection)
        connection.reset()
        return AuthResult(401, self.challenge_headers())

    def _basic(self, token: str, connection: ConnectionAuth) -> AuthResult:
        try:
            username, _, password = base64.b64decode(token, validate=True).decode("utf-8").partition(":")
        except (binascii.Error, UnicodeDecodeError):
            connection.reset()
            return AuthResult(401, self.challenge_headers())
        user = self.credentials.check_password(username, password)
        if user is None:
            log.info("Basic authentication failed for %r", username)
            connection.reset()
            return AuthResult(401, self.challenge_headers())
        connection.user, connection.scheme, connection.context = user, "basic", None
        return AuthResult(200, [])

    def _negotiate(self, scheme: str, lowered: str, token: str, connection: ConnectionAuth) -> AuthResult:
        if connection.context is None or connection.context.complete:
            connection.reset()
            connection.context = negotiate_acceptor(lowered)
        try:
            reply = connection.context.step(base64.b64decode(token))
        except (spnego.exceptions.SpnegoError, binascii.Error, ValueError) as error:
            log.info("Negotiate authentication failed: %s", error)
            connection.reset()
            return AuthResult(401, self.challenge_headers())
        encoded = base64.b64encode(reply or b"").decode()
        if not connection.context.complete:
            return AuthResult(401, [("WWW-Authenticate", f"{scheme} {encoded}")])
        user = self.credentials.canonical(connection.context.client_principal or "")
        if user is None:
            connection.reset()
            return AuthResult(401, self.challenge_headers())
        connection.user, connection.scheme = user, lowered
        # SPNEGO ends with accept-completed and a mechListMIC the client checks.
        return AuthResult(200, [("WWW-Authenticate", f"{scheme} {encoded}")] if reply else [])
