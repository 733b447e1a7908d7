"""What the Exchange behaviour tests (test_exchange_*.py) share: calling one command through an open pool,
reading error records as a client does, and proving that a refused command changed nothing.

Everything goes through the real protocol with unmodified pypsrp (`PowerShell.add_cmdlet().add_parameter()`);
nothing of the emulator is mocked.
"""

from __future__ import annotations

import dataclasses
import typing
import xml.etree.ElementTree as ET

from pypsrp.complex_objects import PSInvocationState
from pypsrp.powershell import PowerShell, RunspacePool

from clients import props

# System.Management.Automation.ErrorCategory, by value (ErrorRecord.category arrives as its number).
CATEGORIES = (
    "NotSpecified", "OpenError", "CloseError", "DeviceError", "DeadlockDetected", "InvalidArgument", "InvalidData",
    "InvalidOperation", "InvalidResult", "InvalidType", "MetadataError", "NotImplemented", "NotInstalled",
    "ObjectNotFound", "OperationStopped", "OperationTimeout", "SyntaxError", "ParserError", "PermissionDenied",
    "ResourceBusy", "ResourceExists", "ResourceUnavailable", "ReadError", "WriteError", "FromStdErr", "SecurityError",
    "ProtocolError", "ConnectionError", "AuthenticationError", "LimitsExceeded", "QuotaExceeded", "NotEnabled",
)
UNCHANGED = "The command completed successfully but no settings of '{}' have been modified."
RESTART = "The following service restart is required for the change(s) to take effect : {}"


def lab_dict(*servers: dict[str, typing.Any], users: list[dict[str, typing.Any]] | None = None,
             **organization: typing.Any) -> dict[str, typing.Any]:
    """A lab file's content for `lab_factory`: Contoso with these servers, Basic auth allowed over http."""
    return {
        "organization": {"name": "Contoso", "domain": "contoso.com", **organization},
        "servers": [{"version": "2019", "port": 0, **server} for server in servers],
        "users": users or [{"name": "ansible", "password": "Password123!"}],
        "auth": {"basic": True, "negotiate": True, "allow_unencrypted": True},
    }


@dataclasses.dataclass
class Result:
    ps: PowerShell
    output: list[typing.Any]

    @property
    def completed(self) -> bool:
        return bool(self.ps.state == PSInvocationState.COMPLETED)

    @property
    def failed(self) -> bool:
        return bool(self.ps.state == PSInvocationState.FAILED)

    @property
    def had_errors(self) -> bool:
        return bool(self.ps.had_errors)

    @property
    def errors(self) -> list[typing.Any]:
        return list(self.ps.streams.error)

    @property
    def error(self) -> typing.Any:
        assert len(self.ps.streams.error) == 1, [str(e) for e in self.ps.streams.error]
        return self.ps.streams.error[0]

    @property
    def warnings(self) -> list[str]:
        return [w.message for w in self.ps.streams.warning]

    @property
    def objects(self) -> list[dict[str, typing.Any]]:
        return [props(o) for o in self.output]

    @property
    def one(self) -> dict[str, typing.Any]:
        assert len(self.output) == 1, [str(o) for o in self.output]
        return props(self.output[0])

    def clean(self) -> Result:
        """Assert the command completed without errors or warnings; return self for chaining."""
        assert self.completed, (self.ps.state, [str(e) for e in self.errors])
        assert not self.errors, [str(e) for e in self.errors]
        assert not self.warnings, self.warnings
        return self


def call(pool: RunspacePool, name: str, *arguments: typing.Any, **parameters: typing.Any) -> Result:
    """One command: positional arguments, then named parameters, as pypsrp sends them."""
    ps = PowerShell(pool)
    ps.add_cmdlet(name)
    for value in arguments:
        ps.add_argument(value)
    for key, value in parameters.items():
        ps.add_parameter(key, value)
    return Result(ps, ps.invoke())


def pipeline(pool: RunspacePool, *commands: tuple[str, dict[str, typing.Any]]) -> Result:
    ps = PowerShell(pool)
    for name, parameters in commands:
        ps.add_cmdlet(name)
        for key, value in parameters.items():
            ps.add_parameter(key, value)
    return Result(ps, ps.invoke())


def multi(value: typing.Any) -> list[typing.Any]:
    """The values of a multi-valued property. Exchange's MultiValuedProperty is a type pypsrp does not know,
    so it hands back the serialised list (<LST>…</LST>) as text; read the values from it."""
    if isinstance(value, list):
        return value
    lists = [ET.fromstring(text) for text in getattr(value, "property_sets", []) if str(text).startswith("<LST")]
    assert lists, f"not a multi-valued property: {value!r}"
    return [item.text for item in lists[0]]


def comparable(properties: dict[str, typing.Any]) -> dict[str, typing.Any]:
    """An object's properties with multi-valued ones as lists, so that two reads compare equal."""
    return {k: multi(v) if getattr(v, "property_sets", None) else v for k, v in properties.items()}


# ---------------------------------------------------------------------------------------------- error records
def exception_types(record: typing.Any) -> list[str]:
    """The .NET type chain of the record's exception, most derived first."""
    return list(record.exception.types)


def exception_type(record: typing.Any) -> str:
    return exception_types(record)[0]


def exception_message(record: typing.Any) -> str:
    return str(record.exception.adapted_properties["Message"])


def category(record: typing.Any) -> str:
    return CATEGORIES[record.category]


def assert_exchange_error(record: typing.Any, short_type: str, task: str, server: str | None = None) -> None:
    """An Exchange task's error record
    (docs/docsite/rst/exchange_behaviour.rst, "Errors and warnings"): the type, the category line and the
    `[Server=…,RequestId=…,TimeStamp=…] [FailureCategory=Cmdlet-<Type>] …,<task>` FullyQualifiedErrorId."""
    assert exception_type(record).rsplit(".", 1)[-1] == short_type, exception_types(record)
    assert record.reason == short_type
    assert record.message.endswith(f"], {short_type}"), record.message
    assert record.fq_error.startswith("[Server=" + (f"{server}," if server else "")), record.fq_error
    assert ",RequestId=" in record.fq_error and ",TimeStamp=" in record.fq_error
    assert f"] [FailureCategory=Cmdlet-{short_type}] " in record.fq_error, record.fq_error
    assert record.fq_error.endswith("," + task), record.fq_error


def assert_binding_error(record: typing.Any, error_id: str, task: str, parameter: str | None = None,
                         reason: str = "ParameterBindingException") -> None:
    """PowerShell's parameter binder refused the command; the message names the parameter."""
    assert record.fq_error == f"{error_id},{task}", record.fq_error
    assert record.reason == reason, record.reason
    assert "System.Management.Automation.ParameterBindingException" in exception_types(record)
    if parameter is not None:
        assert f"'{parameter}'" in exception_message(record), exception_message(record)


# ---------------------------------------------------------------------------------------------- state and audit
def refused(lab: typing.Any, pool: RunspacePool, name: str, *arguments: typing.Any,
            **parameters: typing.Any) -> typing.Any:
    """Run a command that must fail (terminating), and prove it changed nothing: the state is the same
    before and after, and the audit log records the command as failed. Returns its error record."""
    before = lab.state()
    mark = lab.mark()
    result = call(pool, name, *arguments, **parameters)
    assert result.failed, f"{name} should have failed: {result.ps.state}, output {result.objects}"
    assert result.had_errors
    assert not result.output
    assert lab.state() == before
    entries = lab.commands_since(mark)
    assert [e["outcome"] for e in entries] == ["failed"], entries
    assert entries[0]["errors"] == [exception_type(result.error)]
    if "System.Management.Automation.ParameterBindingException" in exception_types(result.error):
        assert entries[0]["mutates"] is False  # refused by the binder: the cmdlet never ran
    return result.error


def rejected(lab: typing.Any, pool: RunspacePool, name: str, *arguments: typing.Any,
             **parameters: typing.Any) -> typing.Any:
    """Like `refused`, for a non-terminating error: the pipeline completes, the error stream holds the
    record (pypsrp's had_errors stays false), nothing changes, and the audit log says `error`."""
    before = lab.state()
    mark = lab.mark()
    result = call(pool, name, *arguments, **parameters)
    assert result.completed, (result.ps.state, [str(e) for e in result.errors])
    assert not result.had_errors
    assert not result.output
    assert lab.state() == before
    entries = lab.commands_since(mark)
    assert [e["outcome"] for e in entries] == ["error"], entries
    return result.error


def unchanged(lab: typing.Any, pool: RunspacePool, identity: str, name: str, *arguments: typing.Any,
              **parameters: typing.Any) -> None:
    """A Set-* whose values are the current ones: Exchange's warning, no output, no write."""
    before = lab.state()
    result = call(pool, name, *arguments, **parameters)
    assert result.completed and not result.errors, [str(e) for e in result.errors]
    assert result.warnings == [UNCHANGED.format(identity)]
    assert not result.output
    assert lab.state() == before
