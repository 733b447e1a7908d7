# -*- coding: utf-8 -*-
# Copyright: (c) 2026, mailhygiene.exchange contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Sessions with Exchange: open a PowerShell Remoting runspace pool (pypsrp), run commands, turn
streams into results and typed errors, retry what is safe to retry, always close.

Two endpoints (docs/docsite/rst/architecture.rst, "The two endpoints"): the management endpoint
(`/PowerShell/`, `Microsoft.Exchange`, NoLanguage) for Exchange cmdlets, and the host endpoint (`/wsman`,
`Microsoft.PowerShell`) for what must run on the server itself. The host endpoint can also be reached
through WinRS with pywinrm (`host_transport: winrm`), rendering the same commands as PowerShell text with
strict quoting.

Errors are told apart by the exception type Exchange reports, never by English message text.
"""

from __future__ import annotations

import base64
import random
import time
import typing
import xml.etree.ElementTree as ET

from . import versions
from .commands import Command, ensure_allowed, render
from .errors import (
    AuthenticationFailed, EndpointNotFound, ExchangeError, InvalidSettings, KerberosFailed, KerberosKdcUnreachable,
    KerberosNoCredentials, KerberosRealmUnknown, KerberosTicketExpired, KerberosUnknownService, KerberosWrongPassword,
    NoExchangeSnapin, ReplyLost, SessionError, Throttled, Unreachable, error_from_record, kerberos_error_class,
)

try:
    import requests
    from pypsrp.complex_objects import GenericComplexObject
    from pypsrp.exceptions import AuthenticationError, WinRMTransportError, WSManFaultError
    from pypsrp.powershell import PowerShell, RunspacePool
    from pypsrp.serializer import Serializer
    from pypsrp.wsman import WSMan
    from spnego.exceptions import CredentialsExpiredError, NoCredentialError, SpnegoError
    HAS_PYPSRP = True
    PYPSRP_IMPORT_ERROR = None
except ImportError as error:  # reported by the module with missing_required_lib
    HAS_PYPSRP = False
    PYPSRP_IMPORT_ERROR = error

Krb5Error: typing.Optional[typing.Type[Exception]]
try:  # pyspnego's Kerberos extra: raised while getting a ticket with a password
    from krb5 import Krb5Error as _Krb5Error
    Krb5Error = _Krb5Error
except ImportError:
    Krb5Error = None

try:  # pywinrm's Kerberos extra (pykerberos): what host_transport=winrm fails with
    from kerberos import GSSError as PyKerberosError
except ImportError:
    PyKerberosError = None

try:
    import winrm
    HAS_PYWINRM = True
except ImportError:
    HAS_PYWINRM = False

# WSMan fault codes that mean: wrong endpoint, too many sessions for this user, or a shell (session) the server
# no longer has (it timed out, IIS recycled, the service restarted): the request was refused, nothing ran.
FAULT_RESOURCE_NOT_FOUND = 2150858811
FAULT_QUOTA = 2150859173
FAULT_SHELL_GONE = 2150858843
TRANSIENT_HTTP = (500, 502, 503, 504)


class Result(object):
    """What a pipeline produced: output objects as plain data, warnings, non-terminating errors."""

    def __init__(self, objects: typing.List[typing.Any], warnings: typing.List[str],
                 errors: typing.List[ExchangeError]) -> None:
        self.objects = objects
        self.warnings = warnings
        self.errors = errors


# -------------------------------------------------------------------------------------------- values
def _clixml_value(element: ET.Element) -> typing.Any:
    tag = element.tag
    if tag == "Nil":
        return None
    if tag == "B":
        return (element.text or "").lower() == "true"
    if tag in ("I32", "I64", "I16", "U32", "U64", "By", "SB"):
        return int(element.text or 0)
    if tag in ("LST", "IE", "STK", "QUE"):
        return [_clixml_value(child) for child in element]
    if tag == "Obj":
        for child in element:
            if child.tag in ("LST", "IE"):
                return _clixml_value(child)
        text = element.find("ToString")
        return text.text if text is not None else None
    return element.text or ""


def to_native(value: typing.Any) -> typing.Any:
    """A deserialised value as plain data: multi-valued properties become lists, objects dicts."""
    if HAS_PYPSRP and isinstance(value, GenericComplexObject):
        for raw in value.property_sets:
            if isinstance(raw, str) and raw.lstrip().startswith("<"):
                return _clixml_value(ET.fromstring(raw))
        properties = dict(value.adapted_properties)
        properties.update(value.extended_properties)
        if properties:
            return {k: to_native(v) for k, v in properties.items()}
        return str(value) if value.to_string is not None else None
    if isinstance(value, dict):
        return {str(k): to_native(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [to_native(v) for v in value]
    return value


def object_properties(obj: typing.Any) -> typing.Dict[str, typing.Any]:
    """An output object's properties (adapted and extended) as plain data."""
    if HAS_PYPSRP and isinstance(obj, GenericComplexObject):
        properties = dict(obj.adapted_properties)
        properties.update(obj.extended_properties)
        native = {k: to_native(v) for k, v in properties.items()}
        if obj.to_string is not None:
            native.setdefault("_ToString", str(obj))
        return native
    return {"_Value": to_native(obj)}


# -------------------------------------------------------------------------------------------- settings
class Endpoint(object):
    """Where and how to connect: host, port, path, configuration and the pypsrp WSMan options."""

    def __init__(self, server: str, port: int, protocol: str, path: str, configuration_name: str,
                 options: typing.Dict[str, typing.Any], snapin: bool = False) -> None:
        self.server = server
        self.port = port
        self.protocol = protocol
        self.path = path
        self.configuration_name = configuration_name
        self.options = options
        # Exchange cmdlets through the host endpoint: the Exchange snap-in is added when the session opens.
        self.snapin = snapin

    def same_place(self, other: "Endpoint") -> bool:
        return (self.url, self.configuration_name) == (other.url, other.configuration_name)

    @property
    def url(self) -> str:
        return "%s://%s:%s/%s" % (self.protocol, self.server, self.port, self.path.strip("/"))

    def wsman(self) -> typing.Any:
        options = dict(self.options)
        if options.get("encryption") == "auto" and options.get("auth") in ("basic", "certificate"):
            # These cannot seal messages; "auto" then means "not". Over http the server must allow
            # unencrypted traffic (WinRM's AllowUnencrypted), which production servers should not.
            options["encryption"] = "never"
        try:
            return WSMan(self.server, port=self.port, path=self.path, ssl=self.protocol == "https", **options)
        except ValueError as error:
            raise InvalidSettings("The connection settings for %s cannot work together: %s" % (self.url, error)) \
                from None


def wsman_options(params: typing.Dict[str, typing.Any]) -> typing.Dict[str, typing.Any]:
    """pypsrp WSMan keyword arguments from module parameters (names as ansible.builtin.psrp's)."""
    options: typing.Dict[str, typing.Any] = {
        "username": params.get("username"),
        "password": params.get("password"),
        "auth": params["auth"],
        "cert_validation": params.get("ca_cert") or params["cert_validation"] != "ignore",
        "connection_timeout": params["connection_timeout"],
        "read_timeout": params["read_timeout"],
        "operation_timeout": params["operation_timeout"],
        "encryption": params["message_encryption"],
        "reconnection_retries": params["reconnection_retries"],
        "reconnection_backoff": params["reconnection_backoff"],
        "no_proxy": params["ignore_proxy"],
    }
    if params.get("proxy"):
        options["proxy"] = params["proxy"]
    for name in ("negotiate_delegate", "negotiate_hostname_override", "negotiate_send_cbt", "negotiate_service",
                 "certificate_pem", "certificate_key_pem", "credssp_auth_mechanism", "credssp_disable_tlsv1_2",
                 "credssp_minimum_version"):
        if params.get(name) is not None:
            options[name] = params[name]
    return options


# -------------------------------------------------------------------------------------------- sessions
class Session(object):
    """A runspace pool on one endpoint: opened once, used by one or many tasks, always closed.

    A session that outlives a task can be dropped by the server in between. When the server answers that it
    no longer has the session, nothing ran: the pool is opened again and the commands sent again. When a
    changing command's reply is lost on the way, it is never sent again (ReplyLost).
    """

    def __init__(self, endpoint: Endpoint, check_mode: bool, retries: int = 3, backoff: float = 1.0,
                 sleep: typing.Callable[[float], None] = time.sleep) -> None:
        self.endpoint = endpoint
        self.check_mode = check_mode
        self.retries = retries
        self.backoff = backoff
        self.sleep = sleep
        self.pool: typing.Any = None
        self.reopened = 0
        # The Exchange snap-in this session added (management_endpoint=host_snapin), once known.
        self.snapin: typing.Optional[str] = None

    def __enter__(self) -> "Session":
        self.open()
        return self

    def __exit__(self, *exc_info: typing.Any) -> None:
        self.close()

    def open(self) -> None:
        """Open the runspace pool; opening changes nothing, so transient failures are retried."""
        def attempt() -> None:
            pool = RunspacePool(self.endpoint.wsman(), configuration_name=self.endpoint.configuration_name)
            pool.open()
            self.pool = pool
        self._with_retries(attempt, idempotent=True, reopen=False)
        if self.endpoint.snapin:
            self.add_snapin()

    def add_snapin(self) -> None:
        """Add the server's Exchange snap-in. Which one (2013 and later, 2010 or 2007) is asked once per session, of
        the snap-ins registered on the server; the server's version is not known before the cmdlets are there."""
        if self.snapin is None:
            registered = self.run(Command("Get-PSSnapin", {"Registered": True, "Name": versions.SNAPIN_PATTERN}))
            names = [str(o.get("Name") or o.get("_Value") or "") for o in registered.objects]
            self.snapin = versions.choose_snapin(names)
            if self.snapin is None:
                found = ", ".join(n for n in names if n) or "none"
                raise NoExchangeSnapin(
                    "management_endpoint=host_snapin: %s has no Exchange management snap-in registered (%s; found: "
                    "%s). Run the tasks against a server with the Exchange Management Tools installed (Exchange 2007 "
                    "or later), or use management_endpoint=remote_powershell for Exchange 2010 and later Mailbox "
                    "and Client Access servers." % (self.endpoint.url, ", ".join(versions.SNAPIN_PREFERENCE), found))
        self.run(Command("Add-PSSnapin", {"Name": self.snapin}))

    def close(self) -> None:
        pool, self.pool = self.pool, None
        if pool is not None:
            try:
                pool.close()
            except Exception:  # the session is over either way; the server times it out
                pass

    def run(self, *commands: Command, pipe: bool = True) -> Result:
        """Run commands as one pipeline (`pipe`) or as statements; raise the first error, typed.

        Non-terminating errors (had_errors false) are raised too: callers that expect "not found"
        catch ObjectNotFound.
        """
        result = self.run_collecting(*commands, pipe=pipe)
        if result.errors:
            raise result.errors[0]
        return result

    def run_collecting(self, *commands: Command, pipe: bool = True) -> Result:
        """Like run, but non-terminating errors are returned in the result instead of raised."""
        ensure_allowed(commands, self.check_mode)
        idempotent = all(c.idempotent for c in commands)

        def attempt() -> Result:
            ps = PowerShell(self.pool)
            for command in commands:
                ps.add_cmdlet(command.name)
                for key, value in command.parameters.items():
                    ps.add_parameter(key, value)
                if not pipe:
                    ps.add_statement()
            output = ps.invoke()
            errors = [error_from_record(record, commands) for record in ps.streams.error]
            warnings = [str(w.message) if hasattr(w, "message") else str(w) for w in ps.streams.warning]
            return Result([object_properties(o) for o in output], warnings, errors)

        try:
            return typing.cast(Result, self._with_retries(attempt, idempotent))
        except SessionError as error:
            if idempotent or not (error.transient or isinstance(error, ReplyLost)):
                raise
            raise ReplyLost("The reply to %s from %s was lost (%s): it may or may not have been applied, so it "
                            "was not sent again." % ("; ".join(c.describe() for c in commands), self.endpoint.url,
                                                     error)) from error

    # ------------------------------------------------------------------------------- failures
    def _with_retries(self, attempt: typing.Callable[[], typing.Any], idempotent: bool, reopen: bool = True
                      ) -> typing.Any:
        delay = self.backoff
        for tries_left in range(self.retries, -1, -1):
            try:
                return attempt()
            except Exception as error:
                dropped = self._dropped(error) if reopen else None
                if dropped is not None and tries_left and (dropped == "refused" or idempotent):
                    self._reopen()
                    continue
                if dropped == "context":
                    raise ReplyLost("the server no longer accepts the session's security context, HTTP %s"
                                    % getattr(error, "code", "?")) from error
                failure = classify(error, self.endpoint)
                if failure is None:
                    raise
                if not (failure.transient and idempotent and tries_left):
                    raise failure from error
                self.sleep(delay * random.uniform(0.5, 1.5))  # jitter: forks that failed together retry apart
                delay *= 2
        raise AssertionError("unreachable")

    @staticmethod
    def _dropped(error: BaseException) -> typing.Optional[str]:
        """Whether the server dropped an open session: "refused" when it says it no longer has the shell (the
        request did not run), "context" when it no longer accepts the connection's security context (after a
        restart, an IIS recycle, or a connection lost mid-request: whether the request ran is unknown)."""
        if not HAS_PYPSRP:
            return None
        if isinstance(error, WSManFaultError) and error.code == FAULT_SHELL_GONE:
            return "refused"
        if isinstance(error, WinRMTransportError) and error.code in (400, 401):
            return "context"
        return None

    def _reopen(self) -> None:
        """A new session (new connection, new authentication) in place of one the server dropped."""
        self.pool = None
        self.reopened += 1
        self.open()


def classify(error: BaseException, endpoint: Endpoint) -> typing.Optional[SessionError]:
    """A transport or protocol failure as a SessionError that says what to do; None if not one."""
    where = "%s (configuration %s)" % (endpoint.url, endpoint.configuration_name)
    if not HAS_PYPSRP:
        return None
    kerberos = kerberos_failure(error, endpoint)
    if kerberos is not None:
        return kerberos
    if isinstance(error, SpnegoError):
        return AuthenticationFailed(
            "Authentication to %s could not start with auth '%s': %s. Give a username and password, or for Kerberos "
            "a ticket on the controller (kinit) and a krb5.conf that knows the realm." % (
                where, endpoint.options.get("auth"), error))
    if isinstance(error, AuthenticationError):
        return AuthenticationFailed(
            "Authentication to %s failed with auth '%s'. Check the username and password, that the account "
            "may log on to the endpoint, and that the endpoint accepts this authentication method (Exchange's "
            "/PowerShell virtual directory normally accepts Kerberos only)." % (where, endpoint.options.get("auth")))
    if isinstance(error, WSManFaultError):
        if error.code == FAULT_RESOURCE_NOT_FOUND:
            return EndpointNotFound(
                "%s does not serve the configuration %s. The management endpoint is http(s)://<server>/PowerShell/ "
                "(port 80/443) with Microsoft.Exchange; the host endpoint is http(s)://<server>:5985|5986/wsman with "
                "Microsoft.PowerShell. WSMan fault: %s" % (endpoint.url, endpoint.configuration_name, error.reason))
        if error.code == FAULT_QUOTA:
            return Throttled(
                "Exchange refused a new session at %s: the account has too many open remote PowerShell sessions "
                "(throttling policy PowerShellMaxConcurrency, 18 by default). Fewer of this account's sessions may "
                "be open on this server at once: lower forks (or serial, or use throttle) where several forks reach "
                "the same server, close other sessions of the account, or raise the policy's limit. WSMan fault: %s"
                % (where, error.reason))
        return None
    if isinstance(error, WinRMTransportError):
        if error.code == 404 and not endpoint.snapin and endpoint.configuration_name == "Microsoft.Exchange":
            return EndpointNotFound(
                "%s answered HTTP 404: there is no remote PowerShell endpoint at that path. Edge Transport servers "
                "have none (they run no IIS), nor has Exchange 2007 (remote PowerShell came with Exchange 2010); "
                "manage them through the host endpoint with the Exchange snap-in: set "
                "management_endpoint=host_snapin (for example the host variable exchange_management_endpoint)." % where)
        if error.code in TRANSIENT_HTTP:
            return Unreachable("%s answered HTTP %s: %s" % (where, error.code, error.response_text[:200]),
                               transient=True)
        return Unreachable("%s answered HTTP %s. Check the port, path and protocol." % (where, error.code))
    if isinstance(error, requests.exceptions.RequestException):
        return Unreachable(
            "Cannot reach %s: %s. Check the server name, port and protocol, and that a firewall lets the "
            "controller connect." % (where, error), transient=True)
    return None


KERBEROS_ADVICE = {
    KerberosNoCredentials:
        "there is no Kerberos ticket and no password. Give a password (ansible_password, exchange_password, "
        "--ask-pass or EXCHANGE_PASSWORD) with a user principal (ansible_user: user@REALM), or run kinit (kinit "
        "-kt <keytab> user@REALM unattended) in the environment of ansible-playbook (KRB5CCNAME)",
    KerberosWrongPassword:
        "the KDC refused the password of %(user)s. Check ansible_password (or exchange_password) for that principal",
    KerberosTicketExpired:
        "the Kerberos ticket in the cache (KRB5CCNAME) has expired. Renew it (kinit, or kinit -R within its renewable "
        "life) or give a password so the modules get their own ticket",
    KerberosUnknownService:
        "the KDC has no service principal %(spn)s. Connect by the server's FQDN as its computer account knows it, "
        "or set negotiate_hostname_override (exchange_negotiate_hostname_override) to that FQDN when the inventory "
        "uses an IP address or an alias, and negotiate_service (WSMAN by default; MIT realms spell names "
        "case-sensitively) to the service class the server registered",
    KerberosKdcUnreachable:
        "no KDC of the realm answered. Check the kdc lines of the realm in krb5.conf (KRB5_CONFIG), DNS SRV records "
        "when dns_lookup_kdc is on, and that a firewall lets the controller reach port 88",
    KerberosRealmUnknown:
        "krb5.conf (KRB5_CONFIG) does not know the realm of %(user)s. Add the realm to [realms] (with its kdc) and "
        "[domain_realm], or set dns_lookup_kdc = true, or spell the realm in upper case (user@CONTOSO.COM)",
}


def kerberos_failure(error: BaseException, endpoint: Endpoint,
                     cls: typing.Optional[typing.Type[KerberosFailed]] = None) -> typing.Optional[KerberosFailed]:
    """A Kerberos failure on the controller, typed by its krb5 error code or GSSAPI status, never its text."""
    if cls is None and Krb5Error is not None and isinstance(error, Krb5Error):
        cls = kerberos_error_class(getattr(error, "err_code", None))
    elif cls is None and isinstance(error, SpnegoError):
        base = getattr(error, "base_error", None)
        cls = kerberos_error_class(getattr(base, "min_code", None))
        if cls is None and isinstance(error, CredentialsExpiredError):
            cls = KerberosTicketExpired  # GSS_S_CREDENTIALS_EXPIRED: the cached ticket-granting ticket is too old
        elif cls is None and isinstance(error, NoCredentialError) and \
                endpoint.options.get("auth") in ("kerberos", "negotiate") and not endpoint.options.get("password"):
            cls = KerberosNoCredentials
    if cls is None:
        return None
    service = endpoint.options.get("negotiate_service") or "WSMAN"
    host = endpoint.options.get("negotiate_hostname_override") or endpoint.server
    details = {"user": endpoint.options.get("username") or "the user", "spn": "%s/%s" % (service, host)}
    return cls("Kerberos authentication to %s (configuration %s) failed: %s. (%s)" % (
        endpoint.url, endpoint.configuration_name, KERBEROS_ADVICE[cls] % details, error))


# -------------------------------------------------------------------------------------------- WinRS
def winrs_transport(options: typing.Dict[str, typing.Any]) -> str:
    """pywinrm's transport for the auth option. pywinrm has no Negotiate: negotiate is Kerberos when the user is
    a principal (user@REALM) or absent (a ticket in the cache), NTLM otherwise, as SPNEGO would pick."""
    auth = options["auth"]
    if auth == "negotiate":
        username = options.get("username") or ""
        return "kerberos" if not username or "@" in username else "ntlm"
    return {"basic": "basic", "ntlm": "ntlm", "kerberos": "kerberos", "credssp": "credssp",
            "certificate": "certificate"}[auth]


def winrs_options(options: typing.Dict[str, typing.Any]) -> typing.Dict[str, typing.Any]:
    """pywinrm Session keyword arguments from the pypsrp WSMan options (wsman_options), so both transports honour
    the same connection settings: encryption, Kerberos names and delegation, client certificate, proxy, CredSSP."""
    kwargs: typing.Dict[str, typing.Any] = {
        "transport": winrs_transport(options),
        "server_cert_validation": "validate" if options["cert_validation"] else "ignore",
        "read_timeout_sec": max(options["read_timeout"], options["operation_timeout"] + 10),
        "operation_timeout_sec": options["operation_timeout"],
        "message_encryption": options.get("encryption", "auto"),
        # pywinrm's default service class is HTTP; WSMAN as pypsrp and ansible.builtin.psrp ask for.
        "service": options.get("negotiate_service") or "WSMAN",
        "kerberos_delegation": bool(options.get("negotiate_delegate")),
        "send_cbt": options.get("negotiate_send_cbt", True),
    }
    if kwargs["transport"] in ("basic", "certificate") and kwargs["message_encryption"] == "auto":
        kwargs["message_encryption"] = "never"  # they cannot seal; as Endpoint.wsman decides for pypsrp
    if isinstance(options["cert_validation"], str):
        kwargs["ca_trust_path"] = options["cert_validation"]
    if options.get("negotiate_hostname_override"):
        kwargs["kerberos_hostname_override"] = options["negotiate_hostname_override"]
    if options.get("certificate_pem"):
        kwargs["cert_pem"] = options["certificate_pem"]
        kwargs["cert_key_pem"] = options.get("certificate_key_pem")
    if options.get("no_proxy"):
        kwargs["proxy"] = None
    elif options.get("proxy"):
        kwargs["proxy"] = options["proxy"]
    if options.get("credssp_disable_tlsv1_2") is not None:
        kwargs["credssp_disable_tlsv1_2"] = options["credssp_disable_tlsv1_2"]
    unsupported = [name for name in ("credssp_auth_mechanism", "credssp_minimum_version")
                   if options.get(name) is not None]
    if unsupported:
        # pywinrm's Session does not pass these on to its CredSSP transport.
        raise InvalidSettings("%s: not supported with host_transport=winrm (pywinrm takes only "
                              "credssp_disable_tlsv1_2); remove it, or use host_transport=psrp"
                              % ", ".join(unsupported))
    return kwargs


def winrs_kerberos_failure(error: BaseException, endpoint: Endpoint) -> typing.Optional[KerberosFailed]:
    """A Kerberos failure under pywinrm, typed by the krb5 minor status of the pykerberos GSSError that pywinrm
    wraps (its args are ((message, major), (message, minor)))."""
    cause: typing.Optional[BaseException] = error
    while cause is not None:
        if PyKerberosError is not None and isinstance(cause, PyKerberosError):
            try:
                minor = int(cause.args[1][1])
            except (IndexError, TypeError, ValueError):
                return None
            cls = kerberos_error_class(minor)
            failure = kerberos_failure(cause, endpoint, cls) if cls is not None else None
            if failure is not None and cls is KerberosNoCredentials:
                failure.message += " host_transport=winrm (pywinrm) takes its ticket from the cache only: run kinit."
                failure.args = (failure.message,)
            return failure
        cause = cause.__cause__ or cause.__context__
    return None


def clixml_errors(stderr: bytes) -> str:
    """The error lines of powershell.exe's CLIXML stderr (`#< CLIXML` then <Objs>), decoded with pypsrp's
    serializer (it undoes the _xHHHH_ escapes); plain text when stderr is not CLIXML."""
    text = stderr.decode("utf-8", "replace")
    header = "#< CLIXML"
    if not text.startswith(header):
        return text.strip()
    try:
        root = ET.fromstring(text[len(header):].strip())
    except ET.ParseError:
        return text.strip()
    serializer = Serializer()
    lines = []
    for element in root.iter():
        if element.tag.rsplit("}", 1)[-1] == "S" and element.get("S") == "Error":
            element.tag = "S"
            lines.append(str(serializer.deserialize(element)))
    return "".join(lines).replace("\r\n", "\n").strip()


class WinRSSession(object):
    """The host endpoint through WinRS and powershell.exe (pywinrm), for sites that allow only that.

    The same Command objects are rendered as PowerShell text with literal quoting and sent as
    -EncodedCommand; errors come back as CLIXML on stderr.
    """

    def __init__(self, endpoint: Endpoint, check_mode: bool) -> None:
        self.endpoint = endpoint
        self.check_mode = check_mode
        self.commands_sent = 0
        # No user or password (Kerberos from the ticket cache) is passed as None, as pywinrm expects.
        credentials = typing.cast(typing.Tuple[str, str], (endpoint.options.get("username"),
                                                           endpoint.options.get("password")))
        self.protocol = winrm.Session(endpoint.url, auth=credentials, **winrs_options(endpoint.options))

    def __enter__(self) -> "WinRSSession":
        return self

    def __exit__(self, *exc_info: typing.Any) -> None:
        pass

    def run(self, *commands: Command, pipe: bool = False) -> Result:
        ensure_allowed(commands, self.check_mode)
        script = (" | " if pipe else "; ").join(render(c) for c in commands)
        encoded = base64.b64encode(script.encode("utf-16-le")).decode()
        try:
            response = self.protocol.run_cmd("powershell.exe", ["-NoProfile", "-NonInteractive", "-EncodedCommand",
                                                                encoded])
        except Exception as error:
            kerberos = winrs_kerberos_failure(error, self.endpoint)
            if kerberos is not None:
                raise kerberos from error
            raise Unreachable("Cannot run powershell.exe through WinRS at %s: %s" % (self.endpoint.url, error),
                              transient=False) from error
        self.commands_sent += len(commands)
        stdout = response.std_out.decode("utf-8", "replace")
        warnings = [line[len("WARNING: "):] for line in stdout.splitlines() if line.startswith("WARNING: ")]
        if response.status_code != 0:
            message = clixml_errors(response.std_err)
            raise ExchangeError("powershell.exe on %s failed (exit code %s): %s"
                                % (self.endpoint.server, response.status_code, message.strip()))
        output = [line for line in stdout.splitlines() if line.strip() and not line.startswith("WARNING: ")]
        return Result([{"_Value": line} for line in output], warnings, [])

    run_collecting = run
