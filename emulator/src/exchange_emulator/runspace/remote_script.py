"""Script text sent to the host endpoint over PSRP (pypsrp's `PowerShell.add_script`): run with the
language of the WinRS shell, in the pool's runspace (snap-ins added before stay added).

As PowerShell runs a script pipeline: output goes to the pipeline's output (or the next command), each
error to the error stream, and a statement whose command fails ends that statement only; an error made
script-terminating by -ErrorAction Stop fails the pipeline with that error; text that does not parse fails
it with a ParseException before anything runs.
"""

from __future__ import annotations

import typing

from .language.interpreter import Interpreter, StatementFailure
from .language.parser import parse_script
from .language.syntax import Extent, ScriptSyntaxError
from .language.values import ScriptRuntimeError
from .model import ErrorRecordInfo, InvocationDetails, PipelineSink, TerminatingError
from .runspace import Runspace, ScriptOutcome
from .script_commands import CommandPipelines, PipelineRun


class RemoteScriptHost(CommandPipelines):
    def __init__(self, runspace: Runspace, sink: PipelineSink, stopped: typing.Callable[[], bool]) -> None:
        def same_session(observed: typing.Any) -> Runspace:
            inner = Runspace(runspace.configuration, observed)
            inner.session = runspace.session
            return inner

        super().__init__(runspace.environment, same_session)
        self.sink = sink
        self.stopped = stopped
        self.outcome = ScriptOutcome()
        self.stopping: ErrorRecordInfo | None = None

    def report(self, record: ErrorRecordInfo, run: PipelineRun, index: int) -> None:
        self.outcome.error_types.append(record.exception_type)
        self.sink.error(record)

    def report_failure(self, failure: StatementFailure) -> bool:
        run = typing.cast(PipelineRun, failure.context)
        index = self.command_index(failure.record, run)
        if self.ends_script(failure.record, run, index):
            self.stopping = failure.record
            return True
        self.report(failure.record, run, index)
        return False

    def report_runtime_error(self, error: ScriptRuntimeError, extent: Extent) -> None:
        self.outcome.error_types.append(error.record.exception_type)
        self.sink.error(error.record)

    def warning(self, message: str, invocation: InvocationDetails | None) -> None:
        self.outcome.warnings += 1
        self.sink.warning(message, invocation)

    def verbose(self, message: str, invocation: InvocationDetails | None) -> None:
        self.sink.verbose(message, invocation)

    def information(self, message: str, source: str) -> None:
        self.sink.information(message, source)

    def host_line(self, text: str) -> None:
        self.sink.host_line(text)


def run_script(runspace: Runspace, text: str, sink: PipelineSink, next_stage: list[typing.Any] | None,
               stopped: typing.Callable[[], bool]) -> ScriptOutcome:
    try:
        statements = parse_script(text)
    except ScriptSyntaxError as refused:
        raise TerminatingError(refused.record()) from None
    host = RemoteScriptHost(runspace, sink, stopped)
    output = next_stage.append if next_stage is not None else sink.output
    Interpreter(host).run(statements, output)
    if host.stopping is not None:
        raise TerminatingError(host.stopping)
    return host.outcome
