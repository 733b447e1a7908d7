"""The role's README documents exactly what meta/argument_specs.yml declares: every option with its type,
default and choices, and no variable the argument specification lacks. The README has one variables
table for both entry points (main and verify), so their argument specifications must declare the same
options."""

from __future__ import annotations

import pathlib
import re

import pytest
import yaml

ROLE = pathlib.Path(__file__).resolve().parents[2] / "roles" / "backscatter_baseline"
README = ROLE / "README.md"
HEADER = ["Variable", "Type", "Default", "Choices", "Description"]
# Names of the role's prefix that the README may mention without being options: the facts it returns.
NOT_OPTIONS = {"backscatter_baseline_result", "backscatter_baseline_probe_result"}
# The role's entry points (tasks/<name>.yml) that the README's variables table documents.
ENTRY_POINTS = ["main", "verify"]


def load_yaml(path):
    with open(path, encoding="utf-8") as handle:
        return yaml.safe_load(handle)


def options(entry_point="main"):
    return load_yaml(ROLE / "meta" / "argument_specs.yml")["argument_specs"][entry_point]["options"]


def cells(line):
    """The cells of a Markdown table row (a pipe written as \\| belongs to its cell)."""
    parts = re.split(r"(?<!\\)\|", line.strip())
    return [part.strip() for part in parts[1:-1]]


def code_spans(text):
    return re.findall(r"`([^`]*)`", text)


def plain(text):
    return " ".join(text.replace("`", "").split())


def variables_table():
    """The README's variables table: {name: {column: cell}}."""
    lines = README.read_text(encoding="utf-8").splitlines()
    starts = [i for i, line in enumerate(lines) if line.startswith("|") and cells(line) == HEADER]
    assert len(starts) == 1, "README.md needs exactly one table with the columns %s" % " | ".join(HEADER)
    rows = {}
    for line in lines[starts[0] + 2:]:
        if not line.startswith("|"):
            break
        row = dict(zip(HEADER, cells(line), strict=False))
        names = code_spans(row["Variable"])
        assert len(names) == 1, "a row of the variables table must name one variable in backticks: %r" % line
        assert names[0] not in rows, "%s is documented twice" % names[0]
        rows[names[0]] = row
    return rows


def expected_type(spec):
    kind = spec.get("type", "str")
    return "%s of %s" % (kind, spec["elements"]) if "elements" in spec else kind


def test_the_entry_points_are_the_role_task_files():
    declared = set(load_yaml(ROLE / "meta" / "argument_specs.yml")["argument_specs"])
    assert declared == set(ENTRY_POINTS), "argument_specs entry points: %s" % sorted(declared)
    for entry_point in ENTRY_POINTS:
        assert (ROLE / "tasks" / (entry_point + ".yml")).is_file(), "no tasks/%s.yml" % entry_point


@pytest.mark.parametrize("entry_point", ENTRY_POINTS)
def test_every_option_is_documented_and_nothing_else(entry_point):
    documented, declared = set(variables_table()), set(options(entry_point))
    assert not declared - documented, "%s options missing from README.md: %s" % (entry_point, sorted(declared - documented))
    assert not documented - declared, "README.md documents variables the %s argument_specs lacks: %s" % (
        entry_point, sorted(documented - declared))


@pytest.mark.parametrize("entry_point", ENTRY_POINTS)
@pytest.mark.parametrize("name", sorted(options()))
def test_type_default_and_choices_match(entry_point, name):
    spec, row = options(entry_point).get(name), variables_table().get(name)
    assert spec is not None, "%s is not an option of the %s entry point" % (name, entry_point)
    assert row is not None, "%s is not in the README's variables table" % name
    assert plain(row["Type"]) == expected_type(spec), "%s: type" % name
    if spec.get("required"):
        assert "required" in row["Default"].lower(), "%s is required; its Default cell must say so" % name
    else:
        spans = code_spans(row["Default"])
        assert spans, "%s: the Default cell must give the default as YAML in backticks" % name
        assert yaml.safe_load(spans[0]) == spec.get("default"), "%s: default" % name
    assert [str(c) for c in code_spans(row["Choices"])] == [str(c) for c in spec.get("choices", [])], "%s: choices" % name
    assert row["Description"], "%s has no description" % name


def test_no_other_role_variable_is_mentioned():
    """Any backscatter_baseline_* name in the README (outside the table too) must be an option."""
    mentioned = set(re.findall(r"\bbackscatter_baseline_[a-z0-9][a-z0-9_]*", README.read_text(encoding="utf-8")))
    unknown = mentioned - set(options()) - NOT_OPTIONS
    assert not unknown, "README.md mentions variables the role does not have: %s" % sorted(unknown)


def test_role_defaults_are_the_documented_ones():
    """defaults/main.yml holds the values argument_specs (and so the README) declares."""
    defaults = load_yaml(ROLE / "defaults" / "main.yml")
    assert set(defaults) == set(options())
    for name, spec in options().items():
        assert defaults[name] == spec.get("default"), "%s: defaults/main.yml and argument_specs disagree" % name
