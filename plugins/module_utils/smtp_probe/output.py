# -*- coding: utf-8 -*-  # noqa: UP009
# Copyright: (c) 2026, mailhygiene.exchange contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""A run as the module returns it: plain dicts and lists."""

from __future__ import annotations

import typing

from .client import ProbeResult
from .metrics import ACCEPTED, REJECTED_AT_DATA, REJECTED_AT_RCPT, unknown_outcome
from .replies import Reply
from .reports import Report
from .runner import RunResult


def _reply(reply: Reply | None) -> dict[str, typing.Any] | None:
    return reply.as_dict() if reply is not None else None


def _outcome(result: ProbeResult, send: bool) -> str:
    """One word for the whole probe, from the nonexistent recipient's side when there is one."""
    unknown = [r for r in result.rcpt if not r.exists]
    if unknown:
        return unknown_outcome(result, unknown[0].reply.positive, send)
    if not result.accepted_recipients:
        return REJECTED_AT_RCPT
    return REJECTED_AT_DATA if send and result.message_refused else ACCEPTED


def probe_dict(result: ProbeResult, send: bool, reports: typing.Sequence[Report]) -> dict[str, typing.Any]:
    probe = result.probe
    return {
        "id": probe.id,
        "kind": probe.kind,
        "token": probe.token,
        "sender": probe.sender,
        "tls": result.tls,
        "connect": _reply(result.banner),
        "ehlo": _reply(result.ehlo),
        "mail": _reply(result.mail),
        "rcpt": [dict(r.reply.as_dict(), recipient=r.address, exists=r.exists) for r in result.rcpt],
        "data": _reply(result.data),
        "data_end": _reply(result.data_end),
        "rset": _reply(result.rset),
        "outcome": _outcome(result, send),
        "reports": sum(1 for r in reports if r.token == probe.token),
    }


def report_dict(report: Report, probe_ids: typing.Mapping[str, str], sender: str) -> dict[str, typing.Any]:
    return {
        "probe": probe_ids.get(report.token or ""),
        "kind": report.kind,
        "mail_from": report.mail_from,
        "rcpt_to": list(report.rcpt_tos),
        "to_forged_sender": report.sent_to(sender),
        "subject": report.subject,
        "recipient": report.recipient,
        "action": report.action,
        "status": report.status,
        "diagnostic": report.diagnostic,
    }


def run_dict(run: RunResult) -> dict[str, typing.Any]:
    settings = run.settings
    measurement = run.measurement
    probe_ids = {p.token: p.id for p in settings.plan.probes}
    capture = None
    if settings.capture is not None:
        capture = {"host": settings.capture.host, "port": run.capture_port, "window": settings.capture.window,
                   "waited": run.waited, "received": len(run.reports)}
    return {
        "changed": False,
        "verdict": measurement.verdict,
        "backscatter": measurement.backscatter,
        "metrics": {name: metric.as_dict() for name, metric in sorted(measurement.metrics.items())},
        "tarpit": measurement.tarpit(),
        "unknown_recipients": dict(measurement.unknown_outcomes),
        "probes": [probe_dict(r, settings.send, run.reports) for r in run.results],
        "skipped_probes": [{"kind": s.kind, "count": s.count, "reason": s.reason} for s in settings.plan.skipped],
        "reports": [report_dict(r, probe_ids, settings.sender) for r in run.reports],
        "unattributed_reports": sum(1 for r in run.reports if r.token is None),
        "capture": capture,
        "run_id": settings.plan.run_id,
        "send": settings.send,
        "server": {"host": settings.target.host, "port": settings.target.port, "helo": settings.target.helo},
    }
