# -*- coding: utf-8 -*-
# Copyright: (c) 2026, mailhygiene.exchange contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations


class ModuleDocFragment(object):

    # The modules that change Exchange settings.
    DOCUMENTATION = r"""
attributes:
  check_mode:
    support: full
    description: Computes the change and sends no command that changes anything.
  diff_mode:
    support: full
    description: Shows the managed options before and after.
  idempotent:
    support: full
    description: A second run with the same options reports no change and sends no changing command.
notes:
  - An option that names an Exchange property is compared and changed only when it is set; when it is not set, the
    property is left as it is.
"""

    # The _info modules, which only read.
    INFO_MODULE = r"""
attributes:
  check_mode:
    support: full
    description: Reads only; runs the same in check mode.
  diff_mode:
    support: none
    description: Reads only; there is nothing to show before and after.
  idempotent:
    support: full
    description: Never changes anything.
"""
