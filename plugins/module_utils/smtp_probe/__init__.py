# -*- coding: utf-8 -*-  # noqa: UP009
# Copyright: (c) 2026, mailhygiene.exchange contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The SMTP probe of the smtp_probe module: measures from the outside whether a mail server rejects
nonexistent recipients during the SMTP conversation or accepts them and sends reports (backscatter).

replies   SMTP replies with their enhanced status codes and latency, and what a temporary failure means
plan      which probes to run: kinds, tokens, senders, recipients, the test message
client    one probe over one SMTP connection (smtplib)
capture   the SMTP listener that receives the reports during the window (aiosmtpd, optional)
reports   which probe a received report or automatic reply belongs to (email parsing only)
metrics   the measurements, the verdict and the fail_on thresholds
runner    the whole run: listener, paced probes, window, metrics

Nothing here imports Ansible, so every part can be tested alone.
"""
