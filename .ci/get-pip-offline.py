"""Stands in for the get-pip script ansible-test downloads from ci-files.testing.ansible.com, a host CI
cannot reach (only the package registries are). It bootstraps pip from the standard library's ensurepip,
then installs the versions ansible-test asked for from PyPI."""

import ensurepip
import os
import subprocess
import sys

# ensurepip points PIP_CONFIG_FILE at /dev/null for its own run; the install below needs the machine's
# pip configuration (index, certificates) back.
environment = dict(os.environ)
ensurepip.bootstrap(upgrade=True)
requested = [arg for arg in sys.argv[1:] if not arg.startswith("-")]
if requested:
    subprocess.check_call([sys.executable, "-m", "pip", "install", "--disable-pip-version-check", *requested],
                          env=environment)
