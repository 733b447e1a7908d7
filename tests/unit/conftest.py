"""Unit tests import the collection as Ansible does: from an ansible_collections tree (the installed
copy `make test` builds), so they test what users install."""

from __future__ import annotations

import os
import sys

import pytest

path = os.environ.get("EXCHANGE_TEST_COLLECTIONS_PATH")
if not path:
    pytest.exit("EXCHANGE_TEST_COLLECTIONS_PATH is not set: run the tests with `make test`", returncode=2)
if path not in sys.path:
    sys.path.insert(0, path)
