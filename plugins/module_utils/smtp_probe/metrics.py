# -*- coding: utf-8 -*-  # noqa: UP009
# Copyright: (c) 2026, mailhygiene.exchange contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""What the probes measured: the metrics, the tarpit delay, the verdict, and the fail_on thresholds.

A metric is a share (numerator of denominator) with the probes behind each side, or None with the
reason it could not be measured: backscatter can only be seen by sending messages (send) and watching
what comes back (capture).
"""

from __future__ import annotations

import dataclasses
import statistics
import typing

from .client import ProbeResult
from .reports import Report

EMISSION = "backscatter_emission_rate"
COVERAGE = "rcpt_rejection_coverage"
BOUNCE = "accept_then_bounce_ratio"
FALSE_REJECTION = "false_rejection_rate"

# fail_on: which side of each threshold fails.
THRESHOLD_SIDES = {EMISSION: "max", BOUNCE: "max", FALSE_REJECTION: "max", COVERAGE: "min"}

DESCRIPTIONS = {
    EMISSION: "forged-sender probes that caused a report or automatic reply to the forged sender",
    COVERAGE: "nonexistent recipients refused at RCPT",
    BOUNCE: "nonexistent recipients of forged-sender probes accepted and then bounced to the forged sender",
    FALSE_REJECTION: "valid recipients refused",
}

# Unknown-recipient outcomes.
REJECTED_AT_RCPT = "rejected_at_rcpt"
REJECTED_AT_DATA = "rejected_at_data"
ACCEPTED = "accepted"


@dataclasses.dataclass(frozen=True)
class Metric:
    value: float | None
    numerator: int = 0
    denominator: int = 0
    probes: tuple[str, ...] = ()          # the probes counted in the numerator
    other_probes: tuple[str, ...] = ()    # the probes of the denominator that are not
    reason: str | None = None          # why value is None

    @staticmethod
    def share(counted: typing.Sequence[str], others: typing.Sequence[str],
              empty_reason: str) -> "Metric":
        total = len(counted) + len(others)
        if not total:
            return Metric(None, reason=empty_reason)
        return Metric(round(len(counted) / total, 4), len(counted), total, tuple(counted), tuple(others))

    def as_dict(self) -> dict[str, typing.Any]:
        return dataclasses.asdict(self) | {"probes": list(self.probes), "other_probes": list(self.other_probes)}


@dataclasses.dataclass(frozen=True)
class LatencyStats:
    count: int
    mean: float | None
    max: float | None

    @staticmethod
    def of(latencies: typing.Sequence[float]) -> "LatencyStats":
        if not latencies:
            return LatencyStats(0, None, None)
        return LatencyStats(len(latencies), round(statistics.fmean(latencies), 3), round(max(latencies), 3))


@dataclasses.dataclass(frozen=True)
class Measurement:
    metrics: dict[str, Metric]
    unknown_outcomes: dict[str, int]
    rcpt_rejected_latency: LatencyStats
    rcpt_accepted_latency: LatencyStats
    verdict: str
    backscatter: bool | None

    @property
    def tarpit_delay(self) -> float | None:
        """How much longer a rejection takes than an acceptance, on average."""
        if self.rcpt_rejected_latency.mean is None or self.rcpt_accepted_latency.mean is None:
            return None
        return round(self.rcpt_rejected_latency.mean - self.rcpt_accepted_latency.mean, 3)

    def tarpit(self) -> dict[str, typing.Any]:
        return {"rcpt_rejected": dataclasses.asdict(self.rcpt_rejected_latency),
                "rcpt_accepted": dataclasses.asdict(self.rcpt_accepted_latency),
                "added_delay": self.tarpit_delay}


def unknown_outcome(result: ProbeResult, accepted_at_rcpt: bool, send: bool) -> str:
    if not accepted_at_rcpt:
        return REJECTED_AT_RCPT
    if send and result.message_refused:
        return REJECTED_AT_DATA
    return ACCEPTED


def _bounced(report: Report, result: ProbeResult, address: str) -> bool:
    """A report of a failure for this recipient: a DSN that names it (or names no recipient of ours
    but carries the token), with Action failed or none given."""
    if report.kind not in ("dsn", "other") or report.token != result.probe.token:
        return False
    if report.recipient and report.recipient.lower() != address.lower():
        return False
    return report.action in (None, "failed")


def measure(results: typing.Sequence[ProbeResult], reports: typing.Sequence[Report], send: bool,
            capture: bool, sender: str, not_measured: str | None = None) -> Measurement:
    """The measurement of a run. `not_measured` overrides the reason backscatter was not measured."""
    outcomes = {REJECTED_AT_RCPT: 0, REJECTED_AT_DATA: 0, ACCEPTED: 0}
    rejected_rcpt: list[str] = []
    other_unknown: list[str] = []
    refused_valid: list[str] = []
    accepted_valid: list[str] = []
    bounced: list[str] = []
    unbounced: list[str] = []
    emitting: list[str] = []
    silent: list[str] = []
    rejected_latency: list[float] = []
    accepted_latency: list[float] = []
    to_sender = [r for r in reports if r.token and r.sent_to(sender)]
    for result in results:
        probe_id = result.probe.id
        for rcpt in result.rcpt:
            (accepted_latency if rcpt.reply.positive else rejected_latency).append(rcpt.reply.latency)
            accepted = rcpt.reply.positive
            if rcpt.exists:
                refused = not accepted or (send and result.message_refused)
                (refused_valid if refused else accepted_valid).append(probe_id)
                continue
            outcome = unknown_outcome(result, accepted, send)
            outcomes[outcome] += 1
            (rejected_rcpt if outcome == REJECTED_AT_RCPT else other_unknown).append(probe_id)
            if result.probe.forged:
                was_bounced = any(_bounced(r, result, rcpt.address) for r in to_sender)
                (bounced if was_bounced else unbounced).append(probe_id)
        if result.probe.forged:
            emitted = any(r.token == result.probe.token for r in to_sender)
            (emitting if emitted else silent).append(probe_id)

    reason = not_measured or _backscatter_reason(send, capture)
    metrics = {
        COVERAGE: Metric.share(rejected_rcpt, other_unknown, "no probe with a nonexistent recipient ran"),
        FALSE_REJECTION: Metric.share(refused_valid, accepted_valid, (
            "no probe with a valid recipient ran (valid_recipients not given, or probes.valid and "
            "probes.valid_and_unknown are 0)")),
    }
    if reason:
        metrics[EMISSION] = Metric(None, reason=reason)
        metrics[BOUNCE] = Metric(None, reason=reason)
    else:
        metrics[EMISSION] = Metric.share(emitting, silent, "no probe with the forged sender ran")
        metrics[BOUNCE] = Metric.share(bounced, unbounced, "no forged-sender probe with a nonexistent recipient ran")
    verdict, backscatter = _verdict(metrics, outcomes)
    return Measurement(metrics, outcomes, LatencyStats.of(rejected_latency), LatencyStats.of(accepted_latency),
                       verdict, backscatter)


def _backscatter_reason(send: bool, capture: bool) -> str | None:
    if not send and not capture:
        return "needs send=true and capture: without a message nothing can bounce, and without capture nothing is seen"
    if not send:
        return "needs send=true: probes stopped after RCPT TO, so no message was accepted that could bounce"
    if not capture:
        return "needs capture: reports went to the sender's domain, where this run does not watch"
    return None


def _verdict(metrics: dict[str, Metric], outcomes: dict[str, int]
             ) -> tuple[str, bool | None]:
    emission, bounce = metrics[EMISSION], metrics[BOUNCE]
    total = sum(outcomes.values())
    rejected, at_data, accepted = outcomes[REJECTED_AT_RCPT], outcomes[REJECTED_AT_DATA], outcomes[ACCEPTED]
    emits = emission.value is not None and emission.value > 0
    if not total:
        verdict = "no nonexistent recipient probed"
    elif rejected == total:
        verdict = "rejects unknown recipients at RCPT"
    elif not accepted:
        verdict = f"rejects unknown recipients ({rejected} of {total} at RCPT, the rest at DATA)"
    else:
        part = f"rejects {rejected + at_data} of {total} unknown recipients, " if rejected + at_data else ""
        if emission.value is None:
            verdict = f"{part}accepts unknown recipients: backscatter not measured ({emission.reason})"
        elif bounce.value:
            verdict = f"{part}accepts and bounces: backscatter"
        elif emits:
            verdict = f"{part}accepts unknown recipients and sends automatic replies: backscatter"
        else:
            verdict = f"{part}accepts silently: NDRs suppressed"
        return verdict, (None if emission.value is None else emits)
    if emits:
        return verdict + ", but sends reports or automatic replies to forged senders: backscatter", True
    if not total:
        return verdict, None if emission.value is None else False
    # Every nonexistent recipient was refused during the conversation: nothing was accepted that could bounce.
    return verdict, False


def check_thresholds(measurement: Measurement, fail_on: typing.Mapping[str, float | None]
                     ) -> list[str]:
    """The breached thresholds, each as a sentence naming the threshold, the measured value and the
    probes behind it. A threshold on a metric that could not be measured is breached too: a gate must
    not pass on what it did not see."""
    breaches = []
    for name, limit in fail_on.items():
        if limit is None:
            continue
        metric = measurement.metrics[name]
        side = THRESHOLD_SIDES[name]
        if metric.value is None:
            breaches.append(f"fail_on.{name} ({side} {limit}): not measured: {metric.reason}")
            continue
        if side == "max" and metric.value > limit:
            breaches.append(
                f"fail_on.{name}: measured {metric.value}, above the maximum {limit}: {metric.numerator} of "
                f"{metric.denominator} {DESCRIPTIONS[name]} ({', '.join(metric.probes)})")
        elif side == "min" and metric.value < limit:
            breaches.append(
                f"fail_on.{name}: measured {metric.value}, below the minimum {limit}: {metric.numerator} of "
                f"{metric.denominator} {DESCRIPTIONS[name]}; not refused in {', '.join(metric.other_probes)}")
    return breaches
