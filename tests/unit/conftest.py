"""Unit tests import the collection as Ansible does, from an ansible_collections tree:

- EXCHANGE_TEST_COLLECTIONS_PATH set (`make test-collection`): the copy installed from the built tarball,
  so the tests test what users install;
- under `ansible-test units`, the tree ansible-test runs in (its collection loader is already active);
- otherwise (plain `pytest tests/unit` in a clone): this checkout, through a temporary
  ansible_collections/mailhygiene/exchange link to it.
"""

from __future__ import annotations

import atexit
import importlib.util
import os
import pathlib
import shutil
import sys
import tempfile

COLLECTION = "ansible_collections.mailhygiene.exchange"
ROOT = pathlib.Path(__file__).resolve().parents[2]


def _importable() -> bool:
    try:
        return importlib.util.find_spec(COLLECTION) is not None
    except ImportError:
        return False


def _use_checkout() -> None:
    parents = ROOT.parents
    if ROOT.name == "exchange" and parents[0].name == "mailhygiene" and parents[1].name == "ansible_collections":
        sys.path.insert(0, str(parents[2]))
        return
    tree = pathlib.Path(tempfile.mkdtemp(prefix="mailhygiene-unit-"))
    atexit.register(shutil.rmtree, tree, True)
    (tree / "ansible_collections" / "mailhygiene").mkdir(parents=True)
    (tree / "ansible_collections" / "mailhygiene" / "exchange").symlink_to(ROOT, target_is_directory=True)
    sys.path.insert(0, str(tree))


installed = os.environ.get("EXCHANGE_TEST_COLLECTIONS_PATH")
if installed:
    if installed not in sys.path:
        sys.path.insert(0, installed)
elif not _importable():
    _use_checkout()
