"""Stands in for the get-pip script ansible-test downloads from ci-files.testing.ansible.com, a host CI
cannot reach (only the package registries are). It bootstraps pip from the standard library's ensurepip,
then installs the versions ansible-test asked for from PyPI."""

import ensurepip
import subprocess
import sys

ensurepip.bootstrap(upgrade=True)
requested = [arg for arg in sys.argv[1:] if not arg.startswith("-")]
if requested:
    subprocess.check_call([sys.executable, "-m", "pip", "install", "--disable-pip-version-check", *requested])
