# -*- coding: utf-8 -*-
# Copyright: (c) 2026, mailhygiene.exchange contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The batch: many resources of one server in one session (docs/docsite/rst/architecture.rst, "The batch").

Every item is validated before anything is sent. Then each object type is read once, every item is
planned against those reads, the plans are applied in the order given, and each object type is read
once more for the report. A rerun with nothing to do sends reads only.
"""

from __future__ import annotations

import typing

from ansible.module_utils.common.arg_spec import ArgumentSpecValidator

from .desired_state import Plan
from .errors import ExchangeError, ReplyLost, SessionError, TaskInputError
from .module import Task, TaskContext, TaskFailed, confirm_applied, failure
from .resources.accepted_domain import AcceptedDomain
from .resources.antispam_agents import AntispamAgents
from .resources.base import Connections, Resource
from .resources.receive_connector import ReceiveConnector
from .resources.recipient_filter import RecipientFilter
from .resources.remote_domain import RemoteDomain
from .resources.transport_agent import TransportAgent
from .resources.transport_config import TransportConfig
from .values import InvalidValue

RESOURCES: typing.Dict[str, typing.Type[Resource]] = {
    cls.kind: cls for cls in (RemoteDomain, RecipientFilter, AcceptedDomain, TransportConfig, ReceiveConnector,
                              TransportAgent, AntispamAgents)
}


def label(resource: Resource) -> str:
    """How an item is named in results and diffs: its kind and identity."""
    identity = (getattr(resource, "domain_name", None) or getattr(resource, "identity", None)
                or getattr(resource, "name", None))
    return "%s %s" % (resource.kind, identity) if identity else resource.kind


def build(items: typing.Sequence[typing.Any]) -> typing.List[Resource]:
    """Validate every item (kind, options, values, duplicates); raise InvalidValue naming the item."""
    resources: typing.List[Resource] = []
    seen: typing.Dict[str, int] = {}
    for index, item in enumerate(items):
        where = "resources[%d]" % index
        if not isinstance(item, dict):
            raise InvalidValue("%s: expected a dictionary with a kind, got %r." % (where, item))
        params = dict(item)
        kind = params.pop("kind", None)
        if kind not in RESOURCES:
            raise InvalidValue("%s.kind: %r is not one of %s." % (where, kind, ", ".join(sorted(RESOURCES))))
        resource_class = RESOURCES[kind]
        spec = resource_class.argument_spec()
        known = set(spec) | {alias for option in spec.values() for alias in option.get("aliases", [])}
        unknown = sorted(set(params) - known)
        if unknown:
            raise InvalidValue("%s (%s): unknown option(s) %s; a %s item takes: %s." % (
                where, kind, ", ".join(unknown), kind, ", ".join(sorted(spec))))
        validation = ArgumentSpecValidator(spec).validate(params)
        if validation.error_messages:
            raise InvalidValue("%s (%s): %s" % (where, kind, "; ".join(validation.error_messages)))
        try:
            resource = resource_class(validation.validated_parameters)
        except InvalidValue as error:
            raise InvalidValue("%s (%s): %s" % (where, kind, error)) from None
        name = label(resource).lower()
        if name in seen:
            raise InvalidValue("%s: %s is already given by resources[%d]; give each object once."
                               % (where, label(resource), seen[name]))
        seen[name] = index
        resources.append(resource)
    return resources


class ItemResult(object):
    def __init__(self, resource: Resource) -> None:
        self.resource = resource
        self.plan: typing.Optional[Plan] = None
        self.error: typing.Optional[str] = None
        self.state = "pending"  # planned, applied, failed, skipped
        self.current: typing.Any = None

    def as_dict(self) -> typing.Dict[str, typing.Any]:
        result: typing.Dict[str, typing.Any] = {"kind": self.resource.kind, "item": label(self.resource),
                                                "status": self.state}
        if self.plan is not None:
            result.update(changed=self.plan.changed, action=self.plan.action,
                          commands=[c.describe() for c in self.plan.commands],
                          diff={"before": self.plan.before, "after": self.plan.after}, warnings=self.plan.warnings)
        else:
            result["changed"] = False
        if self.error is not None:
            result["msg"] = self.error
        if self.current is not None:
            result["current"] = self.current
        return result


def run(connections: Connections, resources: typing.List[Resource], check_mode: bool,
        continue_on_error: bool, verify: bool = False) -> typing.List[ItemResult]:
    results = [ItemResult(r) for r in resources]
    for item in results:  # plan everything against one read of each object type
        try:
            item.plan = item.resource.plan(connections)
            item.state = "planned"
        except (InvalidValue, TaskInputError) as error:  # this item's input; other errors fail the task
            item.state, item.error = "failed", str(error)
            if not continue_on_error:
                break
    failed = any(i.state == "failed" for i in results)
    if check_mode or (failed and not continue_on_error):
        for item in results:
            if item.state == "pending":
                item.state = "skipped"
            elif item.state == "planned" and item.plan is not None:
                item.current = item.plan.after
        return results
    changed_any = False
    for item in results:
        if item.state != "planned" or item.plan is None:
            continue
        if item.plan.changed:
            try:
                try:
                    item.resource.apply(connections, item.plan)
                except ReplyLost as lost:
                    confirm_applied(item.resource, connections, lost)
                    item.plan.warnings.append(str(lost) + " Read back afterwards: the change is in place.")
                changed_any = True
            except (TaskFailed, InvalidValue, TaskInputError, ExchangeError, SessionError) as error:
                # the item failed; a bug (any other exception) fails the task, with its traceback
                item.state, item.error = "failed", failure(error).msg
                if not continue_on_error:
                    break
                continue
        item.state = "applied"
    if changed_any:
        connections.forget()
    for item in results:
        if item.state == "applied":
            item.current = item.resource.current(connections)
            if verify:
                check_applied(connections, item)
        elif item.state == "planned":
            item.state = "skipped"
    return results


def check_applied(connections: Connections, item: ItemResult) -> None:
    """Plan the item again against what was read back: anything still to do is drift that the change did
    not fix (another writer, or a setting Exchange did not keep)."""
    again = item.resource.plan(connections)
    if again.changed:
        item.state = "drift"
        item.error = "still differs after applying: %s" % ", ".join(
            "%s=%r (wanted %r)" % (key, again.before.get(key), value)
            for key, value in again.after.items() if again.before.get(key) != value)


class BatchTask(Task):
    """The config module: every item validated before anything is sent, then run() in one session."""

    result_key = "results"

    def argument_spec(self) -> typing.Dict[str, typing.Any]:
        return {
            "resources": {"type": "list", "elements": "dict", "required": True},
            "continue_on_error": {"type": "bool", "default": False},
            "verify": {"type": "bool", "default": False},
        }

    def run(self, context: TaskContext) -> typing.Dict[str, typing.Any]:
        params = context.params
        try:
            resources = build(params["resources"])
        except Exception as error:  # InvalidValue names the item
            raise failure(error) from None
        result: typing.Dict[str, typing.Any] = {"changed": False, "results": []}
        connections = context.connections
        try:
            items = run(connections, resources, context.check_mode, params["continue_on_error"],
                        verify=params["verify"])
            result["results"] = [item.as_dict() for item in items]
            context.exchange_warnings()
        except Exception as error:
            raise failure(error, **result) from None
        changed = [i for i in items if i.plan is not None and i.plan.changed and i.state in ("applied", "planned")]
        failed = [i for i in items if i.state in ("failed", "drift")]
        unchanged = [i for i in items if i.plan is not None and not i.plan.changed]
        result["changed"] = bool(changed)
        result["summary"] = {"total": len(items), "changed": len(changed), "failed": len(failed),
                             "unchanged": len(unchanged),
                             "sessions_opened": connections.sessions_opened,
                             "sessions_reused": connections.sessions_reused}
        result["diff"] = [{"before_header": label(i.resource), "after_header": label(i.resource),
                           "before": i.plan.before, "after": i.plan.after} for i in changed if i.plan is not None]
        for item in items:
            for warning in item.plan.warnings if item.plan is not None else []:
                context.warn("%s: %s" % (label(item.resource), warning))
        if failed:
            raise TaskFailed("; ".join("%s: %s" % (label(i.resource), i.error) for i in failed), **result)
        return result
