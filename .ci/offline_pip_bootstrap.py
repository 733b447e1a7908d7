"""Put the stand-in get-pip script (get-pip-offline.py) where ansible-test looks for its cached bootstrap
script, under the pip version this ansible-test asks for. Usage: python offline_pip_bootstrap.py HOME_DIR"""

import pathlib
import re
import shutil
import sys

import ansible_test

source = pathlib.Path(ansible_test.__file__).parent / "_internal" / "python_requirements.py"
versions = set(re.findall(r"pip='([0-9.]+)'", source.read_text())) or {"24.2"}
cache = pathlib.Path(sys.argv[1]) / ".ansible" / "test" / "cache"
cache.mkdir(parents=True, exist_ok=True)
for version in versions:
    shutil.copy(pathlib.Path(__file__).with_name("get-pip-offline.py"), cache / f"get_pip_{version.replace('.', '_')}.py")
