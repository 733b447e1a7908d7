"""Stream merging (PowerShell's `2>&1`; PSRP's MergeError/MergeWarning/…/MergePreviousResults) with an
unmodified pypsrp client: a command's merged error and warning records go into its output, as Windows sends
them (ErrorRecord and WarningRecord objects in PIPELINE_OUTPUT), to the next command of the statement or
out to the client; without merging nothing changes. The contract test `merge_commands` compares the same
against a recording of Windows."""

from __future__ import annotations

import typing

import pytest
from psrpcore import Command
from psrpcore.types import PipelineResultTypes, PSObject, add_note_property
from pypsrp.messages import ErrorRecordMessage, WarningRecord
from pypsrp.powershell import PowerShell, RunspacePool

from exchange_emulator.psrp.shell import stream_merging
from exchange_emulator.runspace.model import StreamMerging

from clients import management_pool

NOT_FOUND = "The operation couldn't be performed because object 'Missing' couldn't be found on 'DC01.contoso.com'."
UNCHANGED = "The command completed successfully but no settings of 'Default' have been modified."
TASK = "Microsoft.Exchange.Management.SystemConfigurationTasks.GetRemoteDomain"


@pytest.fixture(scope="module")
def pool(lab: typing.Any) -> typing.Iterator[RunspacePool]:
    with management_pool(lab.server("EX01")["port"]) as opened:
        yield opened


def missing(pool: RunspacePool) -> PowerShell:
    return PowerShell(pool).add_cmdlet("Get-RemoteDomain").add_parameter("Identity", "Missing")


def add_unchanged(ps: PowerShell) -> PowerShell:
    """Set-RemoteDomain Default setting NDREnabled to the value it has: a warning that nothing changed."""
    current = PowerShell(ps.runspace_pool).add_cmdlet("Get-RemoteDomain").add_parameter("Identity", "Default")
    ndr_enabled = current.invoke()[0].adapted_properties["NDREnabled"]
    return ps.add_cmdlet("Set-RemoteDomain").add_parameter("Identity", "Default") \
        .add_parameter("NDREnabled", ndr_enabled)


def unchanged(pool: RunspacePool) -> PowerShell:
    return add_unchanged(PowerShell(pool))


def assert_not_found(record: typing.Any) -> None:
    assert isinstance(record, ErrorRecordMessage)
    assert record.exception.adapted_properties["Message"] == NOT_FOUND
    assert record.exception.types[0] == "Microsoft.Exchange.Configuration.Tasks.ManagementObjectNotFoundException"
    assert record.fq_error.endswith("," + TASK)
    assert record.activity == "Get-RemoteDomain"
    assert record.reason == "ManagementObjectNotFoundException"


def test_merged_error_is_output(pool: RunspacePool) -> None:
    ps = missing(pool).merge_error("output")
    output = ps.invoke()
    assert len(output) == 1
    record = output[0]
    assert_not_found(record)
    # As Windows writes a merged error: marked for the error stream (first), InvocationInfo as an object, not
    # flattened. pypsrp has no attribute for those: its records keep the XML they came from.
    assert record._xml.startswith('<Obj RefId="0"><TN RefId="0"><T>System.Management.Automation.ErrorRecord</T>'
                                  '<T>System.Object</T></TN><MS><B N="writeErrorStream">true</B>')
    assert record.invocation is False
    assert record.invocation_info is not None
    assert record.invocation_info.adapted_properties["MyCommand"] == "Get-RemoteDomain"
    assert str(record) == NOT_FOUND
    assert ps.streams.error == []


def test_merged_warning_is_output(pool: RunspacePool) -> None:
    ps = unchanged(pool).merge_warning("output")
    output = ps.invoke()
    assert len(output) == 1
    record = output[0]
    assert isinstance(record, WarningRecord)
    assert record.message == UNCHANGED
    assert record._xml.startswith(
        '<Obj RefId="0"><TN RefId="0"><T>System.Management.Automation.WarningRecord</T>'
        '<T>System.Management.Automation.InformationalRecord</T><T>System.Object</T></TN>'
        '<MS><B N="WriteWarningStream">true</B>')
    assert record.invocation is False
    assert ps.streams.warning == []


def test_merge_all_sends_every_record_to_output(pool: RunspacePool) -> None:
    ps = missing(pool).merge_all("output")
    ps.add_statement()
    domain = ps.add_cmdlet("Get-RemoteDomain").add_parameter("Identity", "Default")
    domain.add_cmdlet("Select-Object").add_parameter("ExpandProperty", "DomainName").add_statement()
    add_unchanged(ps).merge_all("output")
    output = ps.invoke()
    assert [type(o) for o in output] == [ErrorRecordMessage, str, WarningRecord]
    assert output[1] == "*"
    assert_not_found(output[0])
    assert output[2].message == UNCHANGED
    assert ps.streams.error == [] and ps.streams.warning == []


def test_without_merging_nothing_changes(pool: RunspacePool) -> None:
    ps = missing(pool)
    assert ps.invoke() == []
    assert len(ps.streams.error) == 1
    assert_not_found(ps.streams.error[0])

    ps = unchanged(pool)
    assert ps.invoke() == []
    assert [w.message for w in ps.streams.warning] == [UNCHANGED]

    ps = missing(pool).merge_all("none")
    assert ps.invoke() == [] and len(ps.streams.error) == 1


def test_merged_error_flows_to_the_next_command(pool: RunspacePool) -> None:
    ps = missing(pool).merge_error("output")
    output = ps.add_cmdlet("Measure-Object").invoke()
    assert [o.adapted_properties["Count"] for o in output] == [1]
    assert ps.streams.error == []

    ps = missing(pool).merge_error("output")
    output = ps.add_cmdlet("Select-Object").invoke()
    assert len(output) == 1
    assert_not_found(output[0])
    assert ps.streams.error == []


def test_merge_previous_claims_earlier_errors_as_input(pool: RunspacePool) -> None:
    # MergePreviousResults (what hosts set on Out-Default): the earlier commands' errors come in as input.
    ps = missing(pool).add_cmdlet("Select-Object").merge_previous(True)
    output = ps.invoke()
    assert len(output) == 1
    assert_not_found(output[0])
    assert ps.streams.error == []

    # The first command of a statement has no earlier commands: nothing to claim.
    ps = missing(pool).merge_previous(True)
    assert ps.invoke() == [] and len(ps.streams.error) == 1


def test_merged_to_null_goes_nowhere(pool: RunspacePool) -> None:
    ps = unchanged(pool).merge_warning("null")
    assert ps.invoke() == []
    assert ps.streams.warning == []


def test_error_action_still_applies_to_merged_errors(pool: RunspacePool) -> None:
    ps = missing(pool).add_parameter("ErrorAction", "SilentlyContinue").merge_error("output")
    assert ps.invoke() == []
    assert ps.streams.error == []


def test_merged_records_are_audited(lab: typing.Any, pool: RunspacePool) -> None:
    mark = lab.mark()
    missing(pool).merge_error("output").invoke()
    unchanged(pool).merge_warning("output").invoke()
    entries = [e for e in lab.commands_since(mark) if e["command"] != "Get-RemoteDomain" or
               e["parameters"].get("Identity") == "Missing"]
    assert [(e["command"], e["outcome"]) for e in entries] == [("Get-RemoteDomain", "error"),
                                                                ("Set-RemoteDomain", "completed")]
    assert entries[1]["warnings"] == 1


def test_psrp_merge_settings_as_windows_applies_them() -> None:
    command = Command("Get-RemoteDomain")
    assert stream_merging(command) == StreamMerging()
    command.redirect_all(PipelineResultTypes.Output)
    assert stream_merging(command) == StreamMerging("Output", "Output", "Output", "Output", "Output")
    # Windows merges errors into the output only: MergeError=Null leaves them in the error stream.
    command.redirect_all(PipelineResultTypes.Null)
    assert stream_merging(command) == StreamMerging(None, "Null", "Null", "Null", "Null")
    command.merge_unclaimed = True
    assert stream_merging(command).unclaimed_errors


def test_psrp_merge_settings_of_an_older_client() -> None:
    # Before protocol 2.2 a client sends only MergeMyResult/MergeToResult (Error → Output), no MergeError.
    def command(merge_my: PipelineResultTypes, merge_to: PipelineResultTypes) -> Command:
        obj = PSObject()
        for name, value in (("Cmd", "Get-RemoteDomain"), ("IsScript", False), ("UseLocalScope", None), ("Args", []),
                            ("MergeMyResult", merge_my), ("MergeToResult", merge_to),
                            ("MergePreviousResults", PipelineResultTypes.none)):
            add_note_property(obj, name, value)
        return Command.FromPSObjectForRemoting(obj)

    assert stream_merging(command(PipelineResultTypes.Error, PipelineResultTypes.Output)) == StreamMerging("Output")
    assert stream_merging(command(PipelineResultTypes.none, PipelineResultTypes.none)) == StreamMerging()
