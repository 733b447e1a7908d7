"""HTTP authentication as WinRM and IIS do it: Basic, Negotiate (SPNEGO, raw NTLM or raw Kerberos tokens) and
Kerberos. NTLM goes through pyspnego's acceptor; Kerberos through python-gssapi with the lab's keytab
(gssapi_acceptor). Negotiate and Kerberos authenticate a TCP connection, not a request: the context and the
user live with the connection, and later requests on it carry no Authorization header.

Settings can differ per URL path, as IIS's per-virtual-directory settings do: a default Exchange install accepts
only Kerberos on /PowerShell/ (its Kerberos-only module answers an NTLM or Basic attempt with a new 401 that
offers Negotiate alone), while WinRM's /wsman also takes NTLM.
"""

from __future__ import annotations

import base64
import binascii
import dataclasses
import logging
import pathlib
import typing

import spnego
import spnego.exceptions

log = logging.getLogger(__name__)

NTLM_SIGNATURE = b"NTLMSSP\x00"


class Credentials(typing.Protocol):
    """The lab's users: checks passwords, and names users the way Windows does (DOMAIN\\user)."""

    def check_password(self, username: str, password: str) -> str | None: ...

    def canonical(self, principal: str) -> str | None: ...


@dataclasses.dataclass
class AuthSettings:
    basic: bool = True
    negotiate: bool = True  # the Negotiate scheme (and the bare NTLM scheme, when ntlm is on)
    allow_unencrypted: bool = False  # WinRM's AllowUnencrypted: plain SOAP over http
    ntlm: bool = True  # NTLM, raw or inside SPNEGO
    kerberos: bool = False  # Kerberos, raw or inside SPNEGO, and the Kerberos scheme; needs KerberosSettings

    FIELDS: typing.ClassVar[tuple[str, ...]] = ("basic", "negotiate", "allow_unencrypted", "ntlm", "kerberos")

    def merged(self, overrides: dict[str, bool]) -> AuthSettings:
        return dataclasses.replace(self, **overrides)


@dataclasses.dataclass
class KerberosSettings:
    keytab: pathlib.Path  # keys of HOST/, HTTP/ and WSMAN/<fqdn> for the lab's servers
    realm: str


@dataclasses.dataclass
class AuthPolicy:
    """The lab's settings, with per-path overrides ("/powershell", "/wsman"; lower case, no trailing slash)."""

    default: AuthSettings
    paths: dict[str, AuthSettings] = dataclasses.field(default_factory=dict)
    kerberos: KerberosSettings | None = None

    def for_path(self, path: str) -> AuthSettings:
        return self.paths.get(path.lower().rstrip("/"), self.default)


@dataclasses.dataclass
class ConnectionAuth:
    """What one TCP connection has established."""

    user: str | None = None
    scheme: str | None = None
    context: typing.Any = None  # a pyspnego context (NTLM) or a KerberosAcceptor: wrap_winrm, unwrap_winrm
    path: str | None = None  # where the connection authenticated; another path must authenticate again
    mechanism: str | None = None  # "ntlm" or "kerberos" once complete

    def reset(self) -> None:
        self.user, self.scheme, self.context, self.path, self.mechanism = None, None, None, None, None


@dataclasses.dataclass
class AuthResult:
    status: int  # 200 when authenticated, 401 to challenge or refuse
    headers: list[tuple[str, str]]

    @property
    def authenticated(self) -> bool:
        return self.status == 200


def ntlm_acceptor(scheme: str) -> spnego.ContextProxy:
    return spnego.server(hostname="localhost", service="http",
                         protocol="negotiate" if scheme == "negotiate" else "ntlm")


class Authenticator:
    def __init__(self, policy: AuthPolicy | AuthSettings, credentials: Credentials) -> None:
        self.policy = policy if isinstance(policy, AuthPolicy) else AuthPolicy(policy)
        self.credentials = credentials

    @property
    def settings(self) -> AuthSettings:
        return self.policy.default

    def challenge_headers(self, settings: AuthSettings) -> list[tuple[str, str]]:
        headers = []
        if settings.negotiate and (settings.ntlm or settings.kerberos):
            headers.append(("WWW-Authenticate", "Negotiate"))
        if settings.kerberos and settings.ntlm:
            # WinRM's listener offers the bare Kerberos scheme too; Exchange's Kerberos-only /PowerShell/ does not.
            headers.append(("WWW-Authenticate", "Kerberos"))
        if settings.basic:
            headers.append(("WWW-Authenticate", 'Basic realm="WSMAN"'))
        return headers

    def authenticate(self, authorization: str | None, connection: ConnectionAuth, path: str = "",
                     service_names: frozenset[str] = frozenset()) -> AuthResult:
        settings = self.policy.for_path(path)
        if not authorization:
            same_rules = self.policy.for_path(connection.path or "") is settings
            if connection.user is not None and connection.scheme != "basic" and same_rules:
                return AuthResult(200, [])
            connection.reset()
            return AuthResult(401, self.challenge_headers(settings))
        scheme, _, token = authorization.partition(" ")
        lowered = scheme.lower()
        if lowered == "basic" and settings.basic:
            return self._basic(token.strip(), connection, settings, path)
        if (lowered == "negotiate" and settings.negotiate) or (lowered == "ntlm" and settings.ntlm) \
                or (lowered == "kerberos" and settings.kerberos):
            return self._negotiate(scheme, lowered, token.strip(), connection, settings, path, service_names)
        log.info("%s authentication is not accepted on %s", scheme, path or "/")
        connection.reset()
        return AuthResult(401, self.challenge_headers(settings))

    def _basic(self, token: str, connection: ConnectionAuth, settings: AuthSettings, path: str) -> AuthResult:
        try:
            username, _, password = base64.b64decode(token, validate=True).decode("utf-8").partition(":")
        except (binascii.Error, UnicodeDecodeError):
            connection.reset()
            return AuthResult(401, self.challenge_headers(settings))
        user = self.credentials.check_password(username, password)
        if user is None:
            log.info("Basic authentication failed for %r", username)
            connection.reset()
            return AuthResult(401, self.challenge_headers(settings))
        connection.user, connection.scheme, connection.context, connection.path = user, "basic", None, path
        return AuthResult(200, [])

    def _new_context(self, lowered: str, token: bytes, settings: AuthSettings,
                     service_names: frozenset[str]) -> typing.Any:
        """The acceptor for the first token of an exchange, chosen by what the token is; None to refuse."""
        if token.startswith(NTLM_SIGNATURE) or lowered == "ntlm":
            return ntlm_acceptor(lowered) if settings.ntlm else None
        if settings.kerberos and self.policy.kerberos is not None:
            from .gssapi_acceptor import KerberosAcceptor

            return KerberosAcceptor(self.policy.kerberos.keytab, service_names)
        return ntlm_acceptor(lowered) if settings.ntlm and lowered == "negotiate" else None

    def _negotiate(self, scheme: str, lowered: str, token: str, connection: ConnectionAuth, settings: AuthSettings,
                   path: str, service_names: frozenset[str]) -> AuthResult:
        refused: tuple[type[Exception], ...] = (spnego.exceptions.SpnegoError, binascii.Error, ValueError)
        try:
            data = base64.b64decode(token)
            if connection.context is None or connection.context.complete:
                connection.reset()
                connection.context = self._new_context(lowered, data, settings, service_names)
                if connection.context is None:
                    log.info("%s token refused on %s: the mechanism is not enabled there", scheme, path or "/")
                    return AuthResult(401, self.challenge_headers(settings))
                first = True
            else:
                first = False
            try:
                reply = connection.context.step(data)
            except refused:
                # SPNEGO that offers only NTLM reaches the Kerberos acceptor first: let NTLM have it.
                if not (first and settings.ntlm and lowered == "negotiate"
                        and getattr(connection.context, "mechanism", None) == "kerberos"):
                    raise
                connection.context = ntlm_acceptor(lowered)
                reply = connection.context.step(data)
        except refused as error:
            log.info("%s authentication failed on %s: %s", scheme, path or "/", error)
            connection.reset()
            return AuthResult(401, self.challenge_headers(settings))
        encoded = base64.b64encode(reply or b"").decode()
        if not connection.context.complete:
            return AuthResult(401, [("WWW-Authenticate", f"{scheme} {encoded}")])
        principal = connection.context.client_principal or ""
        mechanism = getattr(connection.context, "mechanism", None) or connection.context.negotiated_protocol
        if mechanism == "kerberos" and not settings.kerberos:
            log.info("Kerberos is not accepted on %s", path or "/")
            connection.reset()
            return AuthResult(401, self.challenge_headers(settings))
        user = self.credentials.canonical(principal)
        if user is None:
            log.info("%r is not a user of this lab", principal)
            connection.reset()
            return AuthResult(401, self.challenge_headers(settings))
        # A Kerberos client is audited under its principal (user@REALM), as the ticket names it.
        connection.user = principal if mechanism == "kerberos" else user
        connection.scheme, connection.path, connection.mechanism = lowered, path, mechanism
        # The last token (SPNEGO accept-completed, or Kerberos's AP-REP) is the server's proof: mutual auth.
        return AuthResult(200, [("WWW-Authenticate", f"{scheme} {encoded}")] if reply else [])
