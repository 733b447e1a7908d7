# -*- coding: utf-8 -*-
# Copyright: (c) 2026, mailhygiene.exchange contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Exchange values, normalised so that what the user wants and what Exchange reports compare equal when
they mean the same
(docs/docsite/rst/exchange_behaviour.rst, "How the modules compare values"):
case-insensitive names and charsets, `Unlimited` as a value,
three-state booleans, time spans, IP ranges, multi-valued lists.

Each kind converts a user's value (validating it, with a message that names the option) into the value
to send, and normalises a value read back for comparison.
"""

from __future__ import annotations

import ipaddress
import re
import typing


class InvalidValue(ValueError):
    """A user value that cannot be sent; the message names the option and what is allowed."""


_LABEL = r"(?!-)[A-Za-z0-9-]{1,63}(?<!-)"
_DOMAIN = re.compile(r"^%s(?:\.%s)+$" % (_LABEL, _LABEL))
_LOCAL = re.compile(r"^[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]+(?:\.[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]+)*$")
_TIMESPAN = re.compile(r"^(?:(\d+)\.)?(\d{1,2}):(\d{1,2}):(\d{1,2})$")
TRUE_WORDS = ("true", "yes", "on", "1")
FALSE_WORDS = ("false", "no", "off", "0")
UNSET_WORDS = ("unset", "null", "none", "")


def is_domain(text: str) -> bool:
    return bool(_DOMAIN.match(text)) and len(text) <= 255


def domain_name(option: str, value: typing.Any, wildcards: bool = False) -> str:
    """An SMTP domain (`contoso.com`); with wildcards also `*.contoso.com` and `*`."""
    text = str(value).strip().rstrip(".").lower()
    bare = text[2:] if wildcards and text.startswith("*.") else text
    if (wildcards and text == "*") or is_domain(bare):
        return text
    allowed = "a domain such as contoso.com" + (", *.contoso.com or *" if wildcards else "")
    raise InvalidValue("%s: %r is not a valid domain name; expected %s." % (option, value, allowed))


def smtp_address(option: str, value: typing.Any) -> str:
    text = str(value).strip()
    local, at, domain = text.rpartition("@")
    if at and _LOCAL.match(local) and is_domain(domain.lower()):
        return local + "@" + domain.lower()
    raise InvalidValue("%s: %r is not a valid SMTP address; expected user@domain, e.g. info@contoso.com."
                       % (option, value))


def ip_range(option: str, value: typing.Any) -> str:
    """An Exchange IPRange: one address, CIDR (10.0.0.0/24) or start-end (10.0.0.1-10.0.0.20)."""
    text = str(value).strip()
    try:
        if "/" in text:
            return str(ipaddress.ip_network(text, strict=False))
        if "-" in text:
            start, end = (ipaddress.ip_address(part.strip()) for part in text.split("-", 1))
            if start.version == end.version and int(start) <= int(end):
                return "%s-%s" % (start, end)
            raise ValueError("bad range")
        return str(ipaddress.ip_address(text))
    except ValueError:
        raise InvalidValue("%s: %r is not an IP address, CIDR range (10.0.0.0/24) or address range "
                           "(10.0.0.1-10.0.0.20)." % (option, value)) from None


def timespan_seconds(option: str, value: typing.Any, minimum: int = 0, maximum: typing.Optional[int] = None) -> int:
    """A time span given as seconds or [d.]hh:mm:ss, within bounds."""
    if isinstance(value, bool):
        raise InvalidValue("%s: expected seconds or hh:mm:ss, got %r." % (option, value))
    if isinstance(value, int) or (isinstance(value, str) and value.strip().isdigit()):
        seconds = int(value)
    else:
        match = _TIMESPAN.match(str(value).strip())
        if not match or int(match.group(3)) > 59 or int(match.group(4)) > 59 or int(match.group(2)) > 23:
            raise InvalidValue("%s: %r is not a time span; give seconds or hh:mm:ss, e.g. 00:00:05." % (option, value))
        days, hours, minutes, secs = (int(g or 0) for g in match.groups())
        seconds = ((days * 24 + hours) * 60 + minutes) * 60 + secs
    if seconds < minimum or (maximum is not None and seconds > maximum):
        raise InvalidValue("%s: %s is outside %s to %s."
                           % (option, value, format_timespan(minimum), format_timespan(maximum or 0)))
    return seconds


def format_timespan(seconds: int) -> str:
    days, rest = divmod(seconds, 86400)
    hours, rest = divmod(rest, 3600)
    minutes, secs = divmod(rest, 60)
    text = "%02d:%02d:%02d" % (hours, minutes, secs)
    return "%d.%s" % (days, text) if days else text


def parse_timespan(text: typing.Any) -> typing.Optional[int]:
    """Seconds of a time span as Exchange reports it; None if it is not one."""
    try:
        return timespan_seconds("", text)
    except InvalidValue:
        return None


def three_state(option: str, value: typing.Any) -> typing.Optional[bool]:
    """true, false, or unset (Exchange's $null)."""
    if value is None or isinstance(value, bool):
        return value
    text = str(value).strip().lower()
    if text in TRUE_WORDS:
        return True
    if text in FALSE_WORDS:
        return False
    if text in UNSET_WORDS:
        return None
    raise InvalidValue("%s: %r is not one of true, false, unset." % (option, value))


def unlimited_int(option: str, value: typing.Any, minimum: int, maximum: int) -> typing.Union[int, str]:
    """A number in range, or `unlimited` (sent and compared as Exchange's 'Unlimited')."""
    if isinstance(value, str) and value.strip().lower() == "unlimited":
        return "Unlimited"
    try:
        number = int(value)
    except (TypeError, ValueError):
        raise InvalidValue("%s: %r is not a number from %d to %d or 'unlimited'." % (option, value, minimum, maximum)) \
            from None
    if isinstance(value, bool) or not minimum <= number <= maximum:
        raise InvalidValue("%s: %r is not a number from %d to %d or 'unlimited'." % (option, value, minimum, maximum))
    return number


def bounded_int(option: str, value: typing.Any, minimum: int, maximum: int) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or not minimum <= value <= maximum:
        raise InvalidValue("%s: %r is not a number from %d to %d." % (option, value, minimum, maximum))
    return int(value)


def charset(option: str, value: typing.Any) -> typing.Optional[str]:
    """A MIME charset name, compared case-insensitively (Exchange reads them back lower-case)."""
    if value is None:
        return None
    text = str(value).strip()
    if not text:
        return None
    if not re.match(r"^[A-Za-z0-9][A-Za-z0-9_.:+-]{0,39}$", text):
        raise InvalidValue("%s: %r is not a character set name such as iso-8859-1 or utf-8." % (option, value))
    return text.lower()


# ------------------------------------------------------------------------------------------ comparison
def comparable(value: typing.Any) -> typing.Any:
    """Normalise a value (desired or reported) for comparison."""
    if isinstance(value, str):
        lowered = value.strip().lower()
        if lowered == "unlimited":
            return "unlimited"
        seconds = parse_timespan(value) if ":" in value else None
        return seconds if seconds is not None else lowered
    if isinstance(value, (list, tuple, set)):
        return sorted(comparable(v) for v in value)
    return value


def same(desired: typing.Any, actual: typing.Any) -> bool:
    return bool(comparable(desired) == comparable(actual))


def list_delta(desired: typing.Sequence[typing.Any], actual: typing.Sequence[typing.Any], mode: str
               ) -> typing.Tuple[typing.List[typing.Any], typing.List[typing.Any]]:
    """(to add, to remove) for a multi-valued property: `append` only adds, `replace` also removes."""
    actual_keys = {comparable(v) for v in actual}
    desired_keys = {comparable(v) for v in desired}
    add = [v for v in desired if comparable(v) not in actual_keys]
    remove = [v for v in actual if comparable(v) not in desired_keys] if mode == "replace" else []
    return add, remove
