# -*- coding: utf-8 -*-  # noqa: UP009
# Copyright: (c) 2026, mailhygiene.exchange contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""A whole probe run: start the capture listener, run the probes paced by the rate limit, wait for
reports during the window, read them and measure."""

from __future__ import annotations

import dataclasses
import time
import typing

from .capture import CaptureListener
from .client import ProbeFailure, ProbeResult, Target, run_probe
from .metrics import Measurement, measure
from .plan import Plan
from .reports import Report, read_report

POLL_INTERVAL = 0.2


@dataclasses.dataclass(frozen=True)
class CaptureSettings:
    host: str
    port: int
    window: float


@dataclasses.dataclass(frozen=True)
class RunSettings:
    target: Target
    plan: Plan
    send: bool
    sender: str
    rate_limit: float                       # probes per second
    capture: CaptureSettings | None = None
    not_measured: str | None = None   # why backscatter is not measured although asked (check mode)


@dataclasses.dataclass
class RunResult:
    settings: RunSettings
    results: list[ProbeResult]
    reports: list[Report]
    measurement: Measurement
    failure: ProbeFailure | None = None
    capture_port: int | None = None
    waited: float = 0.0                     # seconds spent in the capture window


def run(settings: RunSettings) -> RunResult:
    listener = None
    if settings.capture is not None:
        listener = CaptureListener(settings.capture.host, settings.capture.port).start()
    reports: list[Report] = []
    try:
        results, failure = _run_probes(settings)
        waited = 0.0
        if listener is not None and settings.capture is not None and failure is None:
            waited = _wait_for_reports(listener, results, settings, settings.capture.window, reports)
        if listener is not None:
            _read_new_reports(listener, settings, reports)
    finally:
        if listener is not None:
            listener.stop()
    measurement = measure(results, reports, settings.send, settings.capture is not None, settings.sender,
                          settings.not_measured)
    return RunResult(settings, results, reports, measurement, failure,
                     listener.port if listener is not None else None, round(waited, 3))


def _run_probes(settings: RunSettings) -> tuple[list[ProbeResult], ProbeFailure | None]:
    """Runs the probes in plan order, starting at most rate_limit probes per second; stops at the first
    failure (the rest would fail the same way)."""
    interval = 1.0 / settings.rate_limit
    results: list[ProbeResult] = []
    next_start = time.monotonic()
    for probe in settings.plan.probes:
        pause = next_start - time.monotonic()
        if pause > 0:
            time.sleep(pause)
        next_start = time.monotonic() + interval
        try:
            results.append(run_probe(settings.target, probe, settings.send))
        except ProbeFailure as failure:
            return results, failure
    return results, None


def _read_new_reports(listener: CaptureListener, settings: RunSettings, reports: list[Report]) -> None:
    """Appends to `reports` the messages received since it was last brought up to date (each message is read
    once, however often the window polls)."""
    tokens = [p.token for p in settings.plan.probes]
    reports.extend(read_report(m, tokens) for m in listener.messages()[len(reports):])


def _wait_for_reports(listener: CaptureListener, results: typing.Sequence[ProbeResult], settings: RunSettings,
                      window: float, reports: list[Report]) -> float:
    """Waits up to the window after the last probe. Ends at once when no message was accepted (nothing can
    come back), and early when every accepted forged-sender message with a nonexistent recipient has been
    reported on (more reports would not change the verdict). Messages to valid recipients alone can only
    cause automatic replies, which may take the whole window."""
    started = time.monotonic()
    accepted = [r for r in results if r.probe.forged and r.message_accepted]
    if not accepted:
        return 0.0
    expected = {r.probe.token for r in accepted if any(not x.exists and x.reply.positive for x in r.rcpt)}
    waits_for_replies = len(expected) < len(accepted)
    deadline = started + window
    while time.monotonic() < deadline:
        _read_new_reports(listener, settings, reports)
        seen = {r.token for r in reports if r.sent_to(settings.sender)}
        if not waits_for_replies and expected <= seen:
            break
        time.sleep(POLL_INTERVAL)
    return time.monotonic() - started
