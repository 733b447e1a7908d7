"""What every Exchange configuration object shares: AD properties, the record shape, the Set-* rules."""

from __future__ import annotations

import datetime
import typing

from . import errors
from .cmdlet import Invocation, Parameter
from .organization import Obj, ServerContext, find_by_identity, new_guid, utc_now
from .parameters import Identity, MultiValuedUpdate, String
from .records import MultiValued, Record, ad_object_types

DOMAIN_CONTROLLER = Parameter("DomainController", String())


def ad_properties(ctx: ServerContext, obj: Obj, object_category: str, object_class: typing.Sequence[str],
                  exchange_version: str = "0.10 (14.0.100.0)") -> dict[str, typing.Any]:
    """The trailing properties every directory object carries on Get-*, in Exchange's order."""
    changed = parse_time(obj["WhenChanged"])
    created = parse_time(obj["WhenCreated"])
    domain = ctx.organization["Domain"]
    return {
        "AdminDisplayName": obj.get("AdminDisplayName", ""),
        "ExchangeVersion": exchange_version,
        "Name": obj["Name"],
        "DistinguishedName": obj["DistinguishedName"],
        "Identity": obj.get("Identity", obj["Name"]),
        "Guid": obj["Guid"],
        "ObjectCategory": f"{domain}/Configuration/Schema/{object_category}",
        "ObjectClass": MultiValued(list(object_class)),
        "WhenChanged": changed.astimezone(),
        "WhenCreated": created.astimezone(),
        "WhenChangedUTC": changed,
        "WhenCreatedUTC": created,
        "OrganizationId": "",
        "Id": obj.get("Identity", obj["Name"]),
        "OriginatingServer": ctx.domain_controller,
        "IsValid": True,
        "ObjectState": "Unchanged",
    }


def new_ad_object(ctx: ServerContext, name: str, *container: str) -> Obj:
    now = utc_now()
    return {
        "Name": name,
        "Guid": new_guid(),
        "DistinguishedName": ctx.distinguished_name(name, *container),
        "WhenCreated": now,
        "WhenChanged": now,
    }


def parse_time(text: str) -> datetime.datetime:
    return datetime.datetime.fromisoformat(text)


def record(type_name: str, intermediate: typing.Sequence[str], properties: dict[str, typing.Any],
           to_string: str) -> Record:
    return Record(ad_object_types(type_name, *intermediate), properties, to_string)


def resolve(inv: Invocation, objects: list[Obj], identity: str) -> Obj | None:
    """The one object `identity` names, or None after writing Exchange's non-terminating error."""
    found = find_by_identity(objects, identity)
    if not found:
        inv.error(errors.object_not_found(identity, inv.context.domain_controller))
        return None
    if len(found) > 1:
        inv.error(errors.object_ambiguous(identity))
        return None
    return found[0]


def identities(inv: Invocation, key: str = "Identity") -> list[str]:
    """The identities a Get/Set/Remove acts on: the parameter, or each object piped in."""
    if inv.params.get(key) is not None:
        return [inv.params[key]]
    converter = Identity("")
    return [converter.convert(item) for item in inv.input if item is not None]


def each_resolved(inv: Invocation, objects: list[Obj]) -> typing.Iterator[Obj]:
    """The objects a Set-* or Remove-* acts on: the one each identity names. An identity that names no
    object, or several, has its error written (non-terminating) and is passed over."""
    for identity in identities(inv):
        obj = resolve(inv, objects, identity)
        if obj is not None:
            yield obj


def remove_objects(inv: Invocation, objects: list[Obj], what: str,
                   refusal: typing.Callable[[Obj], errors.CmdletError | None]) -> None:
    """A Remove-* cmdlet: each object the identities name is removed, after ShouldProcess, unless `refusal`
    gives the error Exchange refuses to remove it with (a terminating one)."""
    for obj in each_resolved(inv, objects):
        refused = refusal(obj)
        if refused is not None:
            raise refused
        if inv.should_process(f'Removing {what} "{obj["Name"]}".'):
            objects.remove(obj)


def make_sole(ctx: ServerContext, objects: list[Obj], obj: Obj, flag: str) -> None:
    """`obj` now holds `flag` (e.g. the default accepted domain): every other object that held it loses it."""
    for other in objects:
        if other is not obj and other[flag]:
            other[flag] = False
            ctx.touch(other)


def singleton(ctx: ServerContext, noun: str, create: typing.Callable[[ServerContext], Obj],
              write: bool = False) -> Obj:
    """An organisation's one configuration object of `noun` (e.g. the transport config), created with its
    defaults on first use."""
    container = ctx.directory(noun, write=write)
    if noun not in container:
        container[noun] = create(ctx)
    return typing.cast(Obj, container[noun])


def get_objects(inv: Invocation, objects: list[Obj], to_record: typing.Callable[[ServerContext, Obj], Record]) -> None:
    """A Get-* cmdlet: every object, or those each identity names (by Name, GUID or DN). An identity that
    matches nothing is an error, unless it is a wildcard."""
    ctx = inv.context
    if inv.params.get("Identity") is None and not inv.input:
        for obj in objects:
            inv.write(to_record(ctx, obj))
        return
    for identity in identities(inv):
        found = find_by_identity(objects, identity)
        if not found and "*" not in identity:
            inv.error(errors.object_not_found(identity, ctx.domain_controller))
        for obj in found:
            inv.write(to_record(ctx, obj))


def unchanged_warning(identity: str) -> str:
    return f"The command completed successfully but no settings of '{identity}' have been modified."


def apply(obj: Obj, inv: Invocation, names: typing.Iterable[str],
          key: typing.Callable[[typing.Any], typing.Any] = lambda v: v) -> list[str]:
    """Copy the bound parameters in `names` onto `obj`; return the names whose value differs.

    Multi-valued parameters arrive as `MultiValuedUpdate`s and are merged with the current list.
    Values are compared after `key` (e.g. case-folding where Exchange compares case-insensitively).
    """
    changed = []
    for name in names:
        if name not in inv.params:
            continue
        value = inv.params[name]
        if isinstance(value, MultiValuedUpdate):
            value = value.apply(list(obj.get(name) or []), key=lambda v: str(v).lower())
            if [str(v).lower() for v in value] != [str(v).lower() for v in obj.get(name) or []]:
                changed.append(name)
                obj[name] = value
            continue
        if key(obj.get(name)) != key(value):
            changed.append(name)
            obj[name] = value
    return changed


def commit(inv: Invocation, obj: Obj, updated: Obj, identity: str, description: str) -> bool:
    """Finish a Set-*: warn when nothing differs (Exchange writes nothing then), else ask ShouldProcess
    and store `updated` in place of `obj`. Returns whether the object was changed."""
    if updated == obj:
        inv.warn(unchanged_warning(identity))
        return False
    if not inv.should_process(description):
        return False
    inv.context.touch(updated)
    obj.clear()
    obj.update(updated)
    return True
