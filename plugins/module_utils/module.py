# -*- coding: utf-8 -*-
# Copyright: (c) 2026, mailhygiene.exchange contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""What a module of this collection is: its documentation, a Task (the resource, info gatherer or batch
it runs) and `main()`, which hands the task to the engine (docs/docsite/rst/architecture.rst, "The engine").

A task runs in one of two places, with the same results:
- in the host's persistent Exchange session (plugins/connection/exchange_session.py): the action plugin
  sends the task there and it runs on sessions opened by an earlier task of the play; this is the default;
- as an ordinary Ansible module process (`Task.run_as_module`): one task, its own sessions, closed when it
  ends. The action plugin takes this path when persistent sessions are turned off.
"""

from __future__ import annotations

import importlib.metadata
import platform
import traceback
import typing

from ansible.module_utils.ansible_release import __version__ as ANSIBLE_CORE_VERSION
from ansible.module_utils.basic import AnsibleModule, missing_required_lib

from .connection_options import CONNECTION_SPEC
from .errors import ExchangeError, ReplyLost, SessionError, TaskInputError
from .resources.base import Connections, Resource
from .session import HAS_PYPSRP, HAS_PYWINRM, PYPSRP_IMPORT_ERROR, Endpoint, wsman_options
from .values import InvalidValue

# Exchange's own "nothing changed" warning is expected whenever a Set-* had nothing to do.
UNCHANGED_WARNING = "The command completed successfully but no settings of"
# The client libraries whose versions a report of an unexpected error needs.
CLIENT_LIBRARIES = ("pypsrp", "pyspnego", "pywinrm")

Params = typing.Dict[str, typing.Any]
Result = typing.Dict[str, typing.Any]


class TaskFailed(Exception):
    """The task failed: `msg` for the user, `result` the keys reported with it."""

    def __init__(self, msg: str, **result: typing.Any) -> None:
        super().__init__(msg)
        self.msg = msg
        self.result = result
        # The session failed (not the task's input or Exchange's answer): a persistent session is dropped.
        self.session_failed = False


def missing_requirement(params: Params) -> typing.Optional[TaskFailed]:
    """What stops any Exchange task before it starts: a missing client library or server."""
    if not HAS_PYPSRP:
        return TaskFailed(missing_required_lib("pypsrp"), exception=str(PYPSRP_IMPORT_ERROR))
    if params.get("host_transport") == "winrm" and not HAS_PYWINRM:
        return TaskFailed(missing_required_lib("pywinrm") + " (host_transport=winrm)")
    if not params.get("server"):
        return TaskFailed("server: no Exchange server given. Set server (or EXCHANGE_SERVER), or run the task "
                          "against an inventory host (ansible_host).")
    return None


def endpoints(params: Params) -> typing.Tuple[Endpoint, Endpoint]:
    """The management and host endpoints the connection options describe."""
    options = wsman_options(params)
    host = Endpoint(params["server"], params["host_port"] or (5986 if params["host_protocol"] == "https" else 5985),
                    params["host_protocol"], params["host_path"], params["host_configuration_name"], dict(options))
    if params["management_endpoint"] == "host_snapin":
        # Edge Transport servers have no IIS and so no /PowerShell/: their Exchange cmdlets are reached
        # through the host endpoint with the Exchange snap-in added.
        management = Endpoint(host.server, host.port, host.protocol, host.path, host.configuration_name,
                              dict(options), snapin=True)
    else:
        management = Endpoint(params["server"], params["port"] or (443 if params["protocol"] == "https" else 80),
                              params["protocol"], params["path"], params["configuration_name"], options)
    return management, host


def connections_for(params: Params, check_mode: bool) -> Connections:
    """Sessions to the server the connection options name, opened on first use."""
    management, host = endpoints(params)
    return Connections(management, host, check_mode, host_transport=params["host_transport"],
                       retries=params["retries"], server_name=params.get("server_name"))


class TaskContext(object):
    """What the engine gets for one task: validated parameters, check mode, the server's connections
    (already open when the session persists), and the warnings to report."""

    def __init__(self, params: Params, check_mode: bool, connections: Connections) -> None:
        self.params = params
        self.check_mode = check_mode
        self.connections = connections
        self.warnings: typing.List[str] = []

    def warn(self, warning: str) -> None:
        self.warnings.append(warning)

    def exchange_warnings(self) -> None:
        for warning in self.connections.warnings:
            if not warning.startswith(UNCHANGED_WARNING):
                self.warn("Exchange: %s" % warning)


def failure(error: BaseException, **result: typing.Any) -> TaskFailed:
    """A failure as a message that says what failed and what to do. Only the typed errors are expected; any
    other exception is a bug, reported with its traceback and the versions of the client libraries."""
    if isinstance(error, TaskFailed):
        error.result = dict(result, **error.result)
        return error
    if isinstance(error, (InvalidValue, TaskInputError)):
        return TaskFailed(str(error), error_type=type(error).__name__, **result)
    if isinstance(error, (SessionError, ExchangeError)):
        failed = TaskFailed(str(error), error_type=type(error).__name__,
                            exception_type=getattr(error, "exception_type", None), **result)
        failed.session_failed = isinstance(error, SessionError)
        return failed
    versions = client_versions()
    return TaskFailed("unexpected error, a bug in mailhygiene.exchange: %s: %s. Please report it with the traceback "
                      "(shown with -vvv) and the versions: %s." % (
                          type(error).__name__, error, ", ".join("%s %s" % item for item in versions.items())),
                      exception="".join(traceback.format_exception(type(error), error, error.__traceback__)),
                      error_type=type(error).__name__, client_versions=versions, **result)


def client_versions() -> typing.Dict[str, str]:
    """ansible-core's, Python's and the client libraries' versions, as a bug report needs them."""
    versions = {"ansible-core": ANSIBLE_CORE_VERSION, "python": platform.python_version()}
    for name in CLIENT_LIBRARIES:
        try:
            versions[name] = importlib.metadata.version(name)
        except importlib.metadata.PackageNotFoundError:
            versions[name] = "not installed"
    return versions


class Task(object):
    """One module's work. Subclasses give the module's own options and run()."""

    result_key = ""

    def argument_spec(self) -> typing.Dict[str, typing.Any]:
        return {}

    def full_argument_spec(self) -> typing.Dict[str, typing.Any]:
        spec = dict(CONNECTION_SPEC)
        spec.update(self.argument_spec())
        return spec

    def run(self, context: TaskContext) -> Result:
        raise NotImplementedError

    def run_as_module(self) -> None:
        """Run as an ordinary Ansible module: parameters from Ansible, sessions of its own."""
        module = AnsibleModule(argument_spec=self.full_argument_spec(), supports_check_mode=True)
        problem = missing_requirement(module.params)
        if problem is not None:
            module.fail_json(msg=problem.msg, **problem.result)
        context = TaskContext(module.params, module.check_mode, connections_for(module.params, module.check_mode))
        try:
            with context.connections:
                result = self.run(context)
        except Exception as error:  # run() raises TaskFailed; anything else is a bug, reported as one
            failed = failure(error)
            for warning in context.warnings:
                module.warn(warning)
            module.fail_json(msg=failed.msg, **failed.result)
        for warning in context.warnings:
            module.warn(warning)
        module.exit_json(**result)


class ResourceTask(Task):
    """A single-object module: validate, read, plan, apply (not in check mode), read again, and report
    changed, the commands, the diff and the object."""

    def __init__(self, resource_class: typing.Type[Resource], result_key: str) -> None:
        self.resource_class = resource_class
        self.result_key = result_key

    def argument_spec(self) -> typing.Dict[str, typing.Any]:
        return self.resource_class.argument_spec()

    def run(self, context: TaskContext) -> Result:
        try:
            resource = self.resource_class(context.params)
        except Exception as error:  # InvalidValue: the parameters, before anything is sent
            raise failure(error) from None
        result: Result = {"changed": False}
        connections = context.connections
        try:
            plan = resource.plan(connections)
            result.update(changed=plan.changed, action=plan.action, commands=describe(plan.commands))
            for warning in plan.warnings:
                context.warn(warning)
            if plan.changed and not context.check_mode:
                try:
                    resource.apply(connections, plan)
                except ReplyLost as lost:
                    confirm_applied(resource, connections, lost)
                    context.warn(str(lost) + " Read back afterwards: the change is in place.")
                connections.forget()
            current = resource.current(connections) if not (context.check_mode and plan.changed) else plan.after
            result[self.result_key] = current
            result["diff"] = {"before": plan.before, "after": plan.after}
            context.exchange_warnings()
        except Exception as error:  # every failure becomes a message that says what to do
            raise failure(error, **result) from None
        return result


def confirm_applied(resource: Resource, connections: Connections, lost: ReplyLost) -> None:
    """After a change whose reply was lost: read the object again (never send the change again) and fail,
    naming the command, unless it reads as wanted."""
    connections.forget()
    again = resource.plan(connections)
    if again.changed:
        raise TaskFailed("%s Read back afterwards, it still differs: %s. Run the task again to apply it." % (
            lost, ", ".join("%s=%r (wanted %r)" % (key, again.before.get(key), value)
                            for key, value in sorted(again.after.items()) if again.before.get(key) != value)))


class InfoTask(Task):
    """An _info module: read, report, never change anything."""

    def __init__(self, gather: typing.Callable[[Connections, Params], typing.Any], result_key: str,
                 argument_spec: typing.Optional[typing.Dict[str, typing.Any]] = None) -> None:
        self.gather = gather
        self.result_key = result_key
        self.spec = argument_spec or {}

    def argument_spec(self) -> typing.Dict[str, typing.Any]:
        return dict(self.spec)

    def run(self, context: TaskContext) -> Result:
        try:
            return {"changed": False, self.result_key: self.gather(context.connections, context.params)}
        except Exception as error:
            raise failure(error, changed=False) from None


def describe(commands: typing.Iterable[typing.Any]) -> typing.List[str]:
    return [c.describe() for c in commands]
