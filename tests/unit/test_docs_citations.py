"""Comments and docs cite the collection's documentation as `docs/docsite/rst/<page>.rst, "<section title>"`.
Every such citation must name a page and a section that exist, every :ref: in the pages a label they define,
and extra-docs.yml only pages that exist; so a renamed section is noticed where it is cited."""

from __future__ import annotations

import pathlib
import re

import pytest
import yaml

ROOT = pathlib.Path(__file__).resolve().parents[2]
DOCSITE = ROOT / "docs" / "docsite"
PAGES = DOCSITE / "rst"
CITATION = re.compile(r'docs/docsite/rst/([a-z_]+)\.rst(?:`\]\([^)]*\))?,\s+"([^"]+)"')
# Where citations may be; emulator/ and bench/ are in the repository, not in the built collection.
SEARCHED = ("plugins", "roles", "tests", "docs", "emulator/src", "emulator/tests", "emulator/README.md",
            "emulator/pyproject.toml", "bench", "README.md")
SUFFIXES = {".py", ".md", ".rst", ".yml", ".yaml", ".toml"}
UNDERLINE = re.compile(r"^([=\-*~^\"'`#+])\1+$")


def section_titles(page: pathlib.Path) -> set:
    lines = page.read_text(encoding="utf-8").splitlines()
    return {lines[i].strip() for i in range(len(lines) - 1)
            if lines[i].strip() and UNDERLINE.match(lines[i + 1]) and len(lines[i + 1]) >= len(lines[i].strip())}


def citations():
    found = []
    for entry in SEARCHED:
        base = ROOT / entry
        files = [base] if base.is_file() else sorted(p for p in base.rglob("*") if p.suffix in SUFFIXES) \
            if base.is_dir() else []
        for path in files:
            if "captures" in path.parts or path == pathlib.Path(__file__).resolve():
                continue
            text = path.read_text(encoding="utf-8", errors="replace")
            # A comment's citation may be split after the comma; join such lines before matching.
            text = re.sub(r",\s*\n\s*(?:#\s*)?\"", ', "', text)
            for match in CITATION.finditer(text):
                found.append((str(path.relative_to(ROOT)), match.group(1), match.group(2)))
    return found


CITATIONS = citations()


def test_the_code_cites_the_docs():
    assert len(CITATIONS) >= 10, "the citation pattern no longer matches the code's citations"


@pytest.mark.parametrize("where, page, title", CITATIONS, ids=["%s:%s" % (w, t) for w, _p, t in CITATIONS])
def test_citation_names_an_existing_section(where, page, title):
    path = PAGES / (page + ".rst")
    assert path.is_file(), "%s cites %s, which does not exist" % (where, path.relative_to(ROOT))
    titles = section_titles(path)
    assert title in titles, "%s cites section %r of %s; its sections: %s" % (where, title, path.name, sorted(titles))


def test_refs_and_toctree_resolve():
    labels, refs = set(), []
    for page in PAGES.glob("*.rst"):
        text = page.read_text(encoding="utf-8")
        labels.update(re.findall(r"^\.\. _([^:]+):$", text, re.MULTILINE))
        refs.extend((page.name, ref) for ref in re.findall(r":ref:`(?:[^<`]*<)?([^>`]+)>?`", text))
    assert [(page, ref) for page, ref in refs if ref not in labels] == []
    with open(DOCSITE / "extra-docs.yml", encoding="utf-8") as handle:
        toctree = [entry for section in yaml.safe_load(handle)["sections"] for entry in section["toctree"]]
    assert sorted(toctree) == sorted(p.stem for p in PAGES.glob("*.rst"))
