"""psrpcore's server runspace pool, with the corrections real clients need (shared/reference/
psrp-prototype/NOTES.md §5)."""

from __future__ import annotations

import typing

import psrpcore
from psrpcore import ServerPipeline
from psrpcore.types import ErrorRecord, PSInvocationState


class EmulatorRunspacePool(psrpcore.ServerRunspacePool):
    @staticmethod
    def _case_insensitive_ci(event: typing.Any) -> None:
        # pypsrp writes <I64 N="CI"> in Set{Max,Min}Runspaces; PowerShell reads property names
        # case-insensitively, psrpcore reads `.ci`.
        obj = event._ps_object
        if not hasattr(obj, "ci") and hasattr(obj, "CI"):
            psrpcore.types.add_note_property(obj, "ci", obj.CI)

    def _process_SetMaxRunspaces(self, event: psrpcore.SetMaxRunspacesEvent) -> None:
        self._case_insensitive_ci(event)
        super()._process_SetMaxRunspaces(event)

    def _process_SetMinRunspaces(self, event: psrpcore.SetMinRunspacesEvent) -> None:
        self._case_insensitive_ci(event)
        super()._process_SetMinRunspaces(event)


def start_silently(pipeline: ServerPipeline) -> None:
    """Mark a pipeline running without a PipelineState(Running) message: Windows never sends one."""
    pipeline._change_state(PSInvocationState.Running, emit=False)


def fail(pipeline: ServerPipeline, record: ErrorRecord) -> None:
    """End a pipeline in Failed with a terminating error (psrpcore 0.3 has no public API for this)."""
    pipeline._change_state(PSInvocationState.Failed, error=record)


def is_finished(pipeline: ServerPipeline | None) -> bool:
    return pipeline is None or pipeline.state in (
        PSInvocationState.Completed, PSInvocationState.Failed, PSInvocationState.Stopped)
