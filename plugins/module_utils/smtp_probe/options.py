# -*- coding: utf-8 -*-  # noqa: UP009
# Copyright: (c) 2026, mailhygiene.exchange contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The module's options: checked before any connection is made, then turned into RunSettings."""

from __future__ import annotations

import re
import typing

from .client import Target
from .metrics import BOUNCE, EMISSION, THRESHOLD_SIDES
from .plan import KINDS, Plan, build_plan
from .runner import CaptureSettings, RunSettings

MAX_PROBES = 9999  # a probe token ends in a four-digit counter (plan.py)
LABEL = r"[A-Za-z0-9_](?:[A-Za-z0-9_-]{0,61}[A-Za-z0-9])?"
HOST_NAME = re.compile(rf"^(?=.{{1,253}}$){LABEL}(?:\.{LABEL})*\.?$")
ADDRESS = re.compile(r"^[^@\s<>\"(),:;\[\]\\]{1,64}@[^@\s<>]+$")


def _address_error(field: str, value: str) -> str | None:
    if not ADDRESS.match(value) or not HOST_NAME.match(value.rsplit("@", 1)[1]):
        return f"{field}: {value!r} is not an email address (local-part@domain, without <> or spaces)"
    return None


def validate(params: typing.Mapping[str, typing.Any]) -> list[str]:
    """Every problem with the options, each naming the field and what it accepts."""
    errors = []
    if not params["host"] or any(c.isspace() for c in params["host"]):
        errors.append("host: give the SMTP server's host name or IP address")
    for field, value, low in (("port", params["port"], 1),
                              ("capture.port", (params.get("capture") or {}).get("port", 25), 1)):
        if not low <= value <= 65535:
            errors.append(f"{field}: {value} is not a TCP port (1 to 65535)")
    if params["timeout"] <= 0:
        errors.append(f"timeout: {params['timeout']} must be a number of seconds above 0")
    if params["rate_limit"] <= 0:
        errors.append(f"rate_limit: {params['rate_limit']} must be probes per second above 0 (for example 0.5)")
    if params["helo"] is not None and not HOST_NAME.match(params["helo"]):
        errors.append(f"helo: {params['helo']!r} is not a host name (the controller's fully qualified name)")
    if not HOST_NAME.match(params["recipient_domain"] or ""):
        errors.append(f"recipient_domain: {params['recipient_domain']!r} is not a domain name (an accepted domain "
                      "of the server, for example contoso.com)")
    sender_error = _address_error("sender", params["sender"] or "")
    if sender_error:
        errors.append(sender_error + "; the null sender is probed by probes.null_sender_unknown")
    for index, recipient in enumerate(params["valid_recipients"] or []):
        error = _address_error(f"valid_recipients[{index}]", recipient)
        if error:
            errors.append(error)
    counts = params["probes"] or {}
    for kind in KINDS:
        if (counts.get(kind) or 0) < 0:
            errors.append(f"probes.{kind}: {counts[kind]} must be 0 or more")
    if sum(max(counts.get(kind) or 0, 0) for kind in KINDS) > MAX_PROBES:
        errors.append(f"probes: {sum(counts.get(k) or 0 for k in KINDS)} probes in all; at most {MAX_PROBES}")
    capture = params.get("capture")
    if capture is not None and capture["window"] < 0:
        errors.append(f"capture.window: {capture['window']} must be seconds, 0 or more")
    for name, limit in (params.get("fail_on") or {}).items():
        if limit is None:
            continue
        if not 0 <= limit <= 1:
            errors.append(f"fail_on.{name}: {limit} must be a share between 0 and 1 (it is the "
                          f"{THRESHOLD_SIDES[name]}imum allowed)")
        elif name in (EMISSION, BOUNCE) and not (params["send"] and capture is not None):
            errors.append(f"fail_on.{name} can only be measured with send=true and capture: set both, or remove "
                          "the threshold")
    return errors


def plan_from(params: typing.Mapping[str, typing.Any]) -> Plan:
    counts = {k: v for k, v in (params["probes"] or {}).items() if v is not None}
    return build_plan(counts, params["recipient_domain"], params["valid_recipients"] or [], params["sender"])


def run_settings(params: typing.Mapping[str, typing.Any], helo: str, check_mode: bool, plan: Plan) -> RunSettings:
    """Check mode never sends DATA (the RCPT probes change nothing and still run)."""
    target = Target(host=params["host"], port=params["port"], helo=helo, timeout=float(params["timeout"]),
                    starttls=params["starttls"], validate_certs=params["validate_certs"])
    capture = params.get("capture")
    capture_settings = None
    if capture is not None:
        capture_settings = CaptureSettings(capture["host"], capture["port"], float(capture["window"]))
    not_measured = None
    if check_mode and params["send"]:
        not_measured = "check mode: no DATA was sent, so no message was accepted that could bounce"
    return RunSettings(target=target, plan=plan, send=bool(params["send"]) and not check_mode,
                       sender=params["sender"], rate_limit=float(params["rate_limit"]), capture=capture_settings,
                       not_measured=not_measured)
