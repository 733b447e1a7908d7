"""Every module's documentation (DOCUMENTATION with its doc fragments) and the argument spec it runs with
describe the same options: names, types, elements, choices, defaults, required, aliases and sub-options. The
Exchange modules' spec comes from the engine (Task.full_argument_spec(): the connection options and the
resource's settings), so a setting added to a resource and not documented, or documented differently, fails
here. Secret-looking options must say whether they are logged (no_log), and a secret shows no default."""

from __future__ import annotations

import importlib
import pathlib
import re
import typing

import pytest
import yaml

COLLECTION = "ansible_collections.mailhygiene.exchange.plugins"
MODULES = sorted(path.stem for path in (pathlib.Path(__file__).resolve().parents[4] / "plugins" / "modules").glob("*.py")
                 if not path.name.startswith("_"))
# Option names that look like secrets (ansible-test's validate-modules asks no_log of these too).
SECRET_WORDS = re.compile(r"(^|_)(pass|password|passwd|secret|token|key|credential)s?(_|$)")

Spec = typing.Dict[str, typing.Dict[str, typing.Any]]


def documented_options(module: typing.Any) -> Spec:
    """The module's options as ansible-doc shows them: its own, merged with those of its doc fragments."""
    doc = yaml.safe_load(module.DOCUMENTATION)
    options = dict(doc.get("options") or {})
    for fragment in doc.get("extends_documentation_fragment") or []:
        namespace, name, file_name, *variable = fragment.split(".")
        if (namespace, name) != ("mailhygiene", "exchange"):
            continue
        fragment_class = importlib.import_module("%s.doc_fragments.%s" % (COLLECTION, file_name)).ModuleDocFragment
        text = getattr(fragment_class, variable[0].upper() if variable else "DOCUMENTATION")
        for option, described in (yaml.safe_load(text).get("options") or {}).items():
            options.setdefault(option, described)
    return options


def argument_spec(module: typing.Any) -> Spec:
    task = getattr(module, "TASK", None)
    if task is not None:
        return typing.cast(Spec, task.full_argument_spec())
    return typing.cast(Spec, module.ARGUMENT_SPEC)


def disagreements(documented: Spec, specified: Spec, where: str = "") -> typing.List[str]:
    """What the documentation and the spec say differently, one line per difference."""
    found = ["%s%s: documented, not in the argument spec" % (where, name) for name in sorted(set(documented) - set(specified))]
    found += ["%s%s: in the argument spec, not documented" % (where, name) for name in sorted(set(specified) - set(documented))]
    for name in sorted(set(documented) & set(specified)):
        doc, spec = documented[name], specified[name]
        pairs = {
            "type": (doc.get("type", "str"), spec.get("type", "str")),
            "elements": (doc.get("elements"), spec.get("elements")),
            "choices": (doc.get("choices"), spec.get("choices")),
            "default": (doc.get("default"), spec.get("default")),
            "required": (bool(doc.get("required")), bool(spec.get("required"))),
            "aliases": (sorted(doc.get("aliases") or []), sorted(spec.get("aliases") or [])),
        }
        found += ["%s%s.%s: documented %r, argument spec %r" % (where, name, key, said, runs)
                  for key, (said, runs) in pairs.items() if said != runs]
        if SECRET_WORDS.search(name) and "no_log" not in spec:
            found.append("%s%s: looks like a secret; the argument spec must say no_log (true or false)" % (where, name))
        if spec.get("no_log") and "default" in doc:
            found.append("%s%s: no_log, yet the documentation shows a default" % (where, name))
        fallback = spec.get("fallback")
        if fallback:
            described = " ".join(doc.get("description") or [])
            found += ["%s%s: falls back to the environment variable %s, which the documentation does not name"
                      % (where, name, variable) for variable in fallback[1] if "C(%s)" % variable not in described]
        if "suboptions" in doc or "options" in spec:
            found += disagreements(doc.get("suboptions") or {}, spec.get("options") or {}, "%s%s." % (where, name))
    return found


def test_every_module_is_checked():
    assert len(MODULES) >= 15 and "remote_domain" in MODULES and "smtp_probe" in MODULES


@pytest.mark.parametrize("name", MODULES)
def test_documentation_and_argument_spec_agree(name):
    module = importlib.import_module("%s.modules.%s" % (COLLECTION, name))
    assert disagreements(documented_options(module), argument_spec(module)) == []


def test_a_disagreement_is_found():
    """The comparison can fail: each kind of difference is reported, naming the option."""
    documented = {"state": {"type": "str", "choices": ["present", "absent"], "default": "present",
                            "description": ["What to do."]},
                  "only_documented": {"type": "bool"},
                  "password": {"type": "str", "default": "x"},
                  "probes": {"type": "dict", "suboptions": {"count": {"type": "int"}}}}
    specified = {"state": {"type": "str", "choices": ["present"], "default": "absent",
                           "fallback": (None, ["EXCHANGE_STATE"])},
                 "only_specified": {"type": "bool"},
                 "password": {"type": "str", "no_log": True},
                 "probes": {"type": "dict", "options": {"count": {"type": "float"}}}}
    assert disagreements(documented, specified) == [
        "only_documented: documented, not in the argument spec",
        "only_specified: in the argument spec, not documented",
        "password.default: documented 'x', argument spec None",
        "password: no_log, yet the documentation shows a default",
        "probes.count.type: documented 'int', argument spec 'float'",
        "state.choices: documented ['present', 'absent'], argument spec ['present']",
        "state.default: documented 'present', argument spec 'absent'",
        "state: falls back to the environment variable EXCHANGE_STATE, which the documentation does not name",
    ]
