"""WS-Management faults, shaped as Windows' WinRM service sends them (codes and texts from recorded
Windows traffic where we have it: emulator/tests/captures/pypsrp)."""

from __future__ import annotations

from xml.sax.saxutils import escape, quoteattr

NS_F = "http://schemas.microsoft.com/wbem/wsman/1/wsmanfault"
DETAIL = "http://schemas.dmtf.org/wbem/wsman/1/wsman/faultDetail/"
INVALID_SELECTORS = ("The WS-Management service cannot process the request because the request contained invalid "
                     "selectors for the resource. ")
# Faults raised by the WinRS plug-in (the shell table) are wrapped in a ProviderFault naming it.
SHELL_PROVIDER = ("Shell provider", r"%systemroot%\system32\WsmSvc.dll")


class WSManFault(Exception):
    """A SOAP fault with Microsoft's WSManFault detail, answered with HTTP 500."""

    def __init__(self, code: int, subcode: str, reason: str, sender: bool = True, detail: str = "",
                 message: str | None = None, provider: tuple[str, str] | None = None) -> None:
        super().__init__(reason)
        self.code = code
        self.subcode = subcode
        self.reason = reason  # s:Reason
        self.message = reason if message is None else message  # f:WSManFault/f:Message (often the reason again)
        self.sender = sender
        self.detail = detail
        self.provider = provider  # (name, path) of the WSMan plug-in whose f:ProviderFault wraps the message

    def to_xml(self, machine: str) -> str:
        value = "s:Sender" if self.sender else "s:Receiver"
        detail = f"<w:FaultDetail>{DETAIL}{self.detail}</w:FaultDetail>" if self.detail else ""
        message = self._wsman_fault(machine, escape(self.message))
        if self.provider is not None:
            name, path = self.provider
            message = self._wsman_fault(
                machine, f"<f:ProviderFault provider={quoteattr(name)} path={quoteattr(path)}>{message}"
                         "</f:ProviderFault>")
        return (
            f"<s:Fault><s:Code><s:Value>{value}</s:Value><s:Subcode><s:Value>{escape(self.subcode)}</s:Value>"
            f'</s:Subcode></s:Code><s:Reason><s:Text xml:lang="en-US">{escape(self.reason)}</s:Text></s:Reason>'
            f"<s:Detail>{detail}{message}</s:Detail></s:Fault>"
        )

    def _wsman_fault(self, machine: str, content: str) -> str:
        return (f"<f:WSManFault xmlns:f={quoteattr(NS_F)} Code=\"{self.code}\" Machine={quoteattr(machine)}>"
                f"<f:Message>{content}</f:Message></f:WSManFault>")

    # -- recorded from Windows -------------------------------------------------------------------
    @classmethod
    def timed_out(cls) -> "WSManFault":
        return cls(2150858793, "w:TimedOut", "The WS-Management service cannot complete the operation within the "
                   "time specified in OperationTimeout.  ", sender=False)

    @classmethod
    def invalid_selectors(cls, from_shell_provider: bool = False) -> "WSManFault":
        """Selectors naming nothing. A Get of a shell that does not exist comes from the Shell provider, and its
        message is wrapped in an f:ProviderFault (test_psrp_is_alive_invalid_selectors.yml)."""
        return cls(2150858843, "w:InvalidSelectors", INVALID_SELECTORS, detail="UnexpectedSelectors",
                   provider=SHELL_PROVIDER if from_shell_provider else None)

    @classmethod
    def unknown_command(cls) -> "WSManFault":
        """A CommandId the shell does not have (test_psrp_receive_failure.yml, test_winrs_bad_cmd_id.yml)."""
        return cls(2150858843, "w:InvalidSelectors", INVALID_SELECTORS, detail="UnexpectedSelectors",
                   message="The Windows Remote Shell received a request to perform an operation on a command "
                           "identifier that does not exist. Either the command has completed execution or the client "
                           "specified an invalid command identifier. ")

    @classmethod
    def invalid_timeout(cls, value: str) -> "WSManFault":
        """A negative OperationTimeout (pypsrp's timeout=-1 sends PT-1S: test_psrp_is_alive_other_wsman_error.yml)."""
        return cls(2150858767, "a:InvalidMessageInformationHeader", "The WS-Management service cannot process the "
                   "request. The request contains one or more invalid SOAP headers. ",
                   message="The WS-Management service cannot process the request. The XML contains an invalid "
                           f"timeout field in the SOAP header: {value}. ")

    @classmethod
    def shell_not_found(cls, shell_id: str) -> "WSManFault":
        return cls(2150858843, "w:InvalidSelectors", f"The request for the Windows Remote Shell with ShellId "
                   f"{shell_id} failed because the shell was not found on the server. Possible causes are: the "
                   "specified ShellId is incorrect or the shell no longer exists on the server. Provide the correct "
                   "ShellId or create a new shell and retry the operation. ")

    @classmethod
    def unknown_resource(cls, resource_uri: str) -> "WSManFault":
        # pypsrp#41, pywinrm#273: an unregistered configuration name, or the wrong endpoint for it.
        return cls(2150858811, "w:DestinationUnreachable", f"The WS-Management service cannot process the request. "
                   f"The resource URI ({resource_uri}) was not found in the WS-Management catalog. The catalog "
                   "contains the metadata that describes resources, or logical endpoints.",
                   detail="InvalidResourceURI")

    # -- documented shapes ------------------------------------------------------------------------
    @classmethod
    def action_not_supported(cls, action: str) -> "WSManFault":
        return cls(2150858754, "a:ActionNotSupported", f"The WS-Management service cannot process the request "
                   f"because the action is not supported: {action}", detail="ActionMismatch")

    @classmethod
    def malformed(cls, why: str) -> "WSManFault":
        return cls(2150858817, "w:InvalidMessageInformationHeader", "The WS-Management service cannot process the "
                   f"request because the SOAP envelope is invalid. {why}")

    @classmethod
    def envelope_too_large(cls, size: int, limit: int) -> "WSManFault":
        return cls(2150858909, "w:EncodingLimit", f"The WS-Management service cannot process the request because the "
                   f"request envelope size ({size} bytes) exceeds the maximum envelope size the service allows "
                   f"({limit} bytes, MaxEnvelopeSizekb).", detail="MaxEnvelopeSize")

    @classmethod
    def response_too_large(cls, limit: int) -> "WSManFault":
        return cls(2150858909, "w:EncodingLimit", "The WS-Management service cannot process the request because the "
                   f"response would exceed the MaxEnvelopeSize of {limit} bytes the client allowed.",
                   sender=False, detail="MaxEnvelopeSize")

    @classmethod
    def invalid_parameter(cls, why: str) -> "WSManFault":
        return cls(2150858882, "w:InvalidParameter", f"The WS-Management service cannot process the request. {why}")

    @classmethod
    def quota_shells(cls, limit: int) -> "WSManFault":
        # The text Windows shows when a user's concurrent shells exceed the quota (Exchange's throttling
        # policy sets it to PowerShellMaxConcurrency, 18 by default). The code is unconfirmed.
        return cls(2150859173, "w:QuotaLimit", "The WS-Management service cannot process the request. This user is "
                   f"allowed a maximum number of {limit} concurrent shells, which has been exceeded. Close existing "
                   "shells or raise the quota for this user. ")

    @classmethod
    def internal_error(cls, why: str) -> "WSManFault":
        return cls(2147500037, "w:InternalError", f"The Exchange emulator failed to process the request: {why}",
                   sender=False)
