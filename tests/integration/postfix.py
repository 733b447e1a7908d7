"""A throwaway Postfix on loopback, for tests that need a real MTA nobody here wrote (the SMTP probe must
classify Postfix correctly, not only our emulator).

Each instance gets its own configuration, queue and data directories in a temporary directory and runs
in the foreground (`postfix -c DIR start-fg`), so the test owns the process; it is always stopped with
`postfix -c DIR stop`, because killing the foreground wrapper can leave its master process running.
Postfix logs to syslog by default, which test machines lack: `maillog_file = /dev/stdout` puts every
log line on the process's output, which the instance keeps for assertions.
"""

from __future__ import annotations

import dataclasses
import pathlib
import re
import shutil
import socket
import subprocess
import tempfile
import threading
import time

import pytest

from conftest import free_port

SYSTEM_MASTER_CF = pathlib.Path("/etc/postfix/master.cf")

# What each behaviour sets in main.cf. The valid recipients are listed in DIR/etc/recipients and
# delivered to the discard transport, so a probe with send=true never writes into a real mailbox.
BEHAVIOURS: dict[str, dict[str, str]] = {
    # Unknown recipients get 550 5.1.1 at RCPT TO: nothing is accepted, nothing bounces.
    "reject_at_rcpt": {
        "local_recipient_maps": "texthash:{etc}/recipients",
        "smtpd_recipient_restrictions": "reject_unlisted_recipient, reject_unauth_destination",
    },
    # No recipient table: every local part is accepted, and local(8) bounces the unknown ones to the
    # envelope sender through the relay host (the probe's capture listener).
    "accept_and_bounce": {
        "local_recipient_maps": "",
        "smtpd_recipient_restrictions": "reject_unauth_destination",
    },
    # Every recipient gets a temporary 450 4.7.1, as a greylisting policy answers; one sender is refused
    # at MAIL FROM.
    "greylisting": {
        "local_recipient_maps": "texthash:{etc}/recipients",
        "smtpd_recipient_restrictions": "check_recipient_access regexp:{etc}/greylist, reject_unauth_destination",
        "smtpd_sender_restrictions": "check_sender_access regexp:{etc}/senders",
        "smtpd_delay_reject": "no",
    },
}

# A sender refused at MAIL FROM (with smtpd_delay_reject = no, which the test sets where it needs it).
REFUSED_SENDERS_MAP = "/^refused-sender@/ 550 5.7.1 Sender address rejected: Access denied\n"
GREYLIST_MAP = "/./ 450 4.7.1 Recipient address rejected: Greylisted, please try again in 300 seconds\n"


def postfix_or_skip() -> str:
    path = shutil.which("postfix") or (str(pathlib.Path("/usr/sbin/postfix")) if pathlib.Path(
        "/usr/sbin/postfix").exists() else None)
    if not path:
        pytest.skip("postfix is not installed: install the Debian package `postfix` (`make system-packages` "
                    "installs it with the other test packages of bindep.txt)")
    return path


@dataclasses.dataclass
class PostfixSettings:
    behaviour: str                 # a key of BEHAVIOURS
    domain: str = "probe.test"
    valid_users: tuple[str, ...] = ("valid", "postmaster")
    relay_port: int | None = None   # where bounces go: [127.0.0.1]:relay_port
    extra: dict[str, str] = dataclasses.field(default_factory=dict)


class PostfixInstance:
    """One Postfix instance on 127.0.0.1:port; use as a context manager (it stops on every exit)."""

    def __init__(self, settings: PostfixSettings) -> None:
        self.binary = postfix_or_skip()
        self.settings = settings
        # Its own directory straight under the system temp directory: the postfix user must be able to
        # reach data_directory, and pytest's tmp_path parents are readable by their owner only.
        self.base = pathlib.Path(tempfile.mkdtemp(prefix="postfix-"))
        self.base.chmod(0o755)
        self.etc = self.base / "etc"
        self.port = free_port()
        self.process: subprocess.Popen[str] | None = None
        self._log: list[str] = []
        self._log_lock = threading.Lock()
        self._reader: threading.Thread | None = None

    # ------------------------------------------------------------------------------------ configuration
    def _main_cf(self) -> str:
        s = self.settings
        values = {
            "compatibility_level": "3.6",
            "queue_directory": str(self.base / "queue"),
            "data_directory": str(self.base / "data"),
            "maillog_file": "/dev/stdout",
            "inet_interfaces": "127.0.0.1",
            "inet_protocols": "ipv4",
            "myhostname": f"mx.{s.domain}",
            "mydomain": s.domain,
            "mydestination": s.domain,
            # The probe connects from 127.0.0.1: keep it outside mynetworks, as an outside sender is.
            "mynetworks": "127.0.0.2/32",
            "relayhost": f"[127.0.0.1]:{s.relay_port}" if s.relay_port else "",
            "smtp_dns_support_level": "disabled",
            "disable_dns_lookups": "yes",
            "alias_maps": "",
            "alias_database": "",
            "transport_maps": "texthash:{etc}/transport",
            "biff": "no",
            # A local part that happens to be a system account (nobody, root) is delivered nowhere.
            "mailbox_command": "/bin/true",
            "smtpd_helo_required": "no",
            # Retry and deliver quickly: a test waits for the bounce.
            "queue_run_delay": "1s",
            "minimal_backoff_time": "1s",
            "maximal_backoff_time": "2s",
            "smtp_connect_timeout": "5s",
            "smtpd_error_sleep_time": "0",
            "smtpd_soft_error_limit": "100",
            "smtpd_hard_error_limit": "200",
            "smtpd_client_connection_rate_limit": "0",
            "anvil_rate_time_unit": "60s",
        }
        values.update(BEHAVIOURS[s.behaviour])
        values.update(s.extra)
        return "".join(f"{k} = {v.format(etc=self.etc)}\n" for k, v in values.items())

    def _master_cf(self) -> str:
        """The system master.cf without chroot (a chroot would need copies of /etc files) and with smtpd on
        our loopback port."""
        lines = []
        for line in SYSTEM_MASTER_CF.read_text(encoding="utf-8").splitlines():
            fields = line.split()
            if not fields or line[0] in "# \t":
                lines.append(line)
                continue
            if fields[0] == "smtp" and fields[1] == "inet":
                lines.append(f"127.0.0.1:{self.port} inet n - n - - smtpd")
                continue
            if len(fields) >= 8:
                fields[4] = "n"
            lines.append(" ".join(fields))
        return "\n".join(lines) + "\n"

    def write_configuration(self) -> None:
        self.etc.mkdir(parents=True)
        (self.base / "queue").mkdir()
        (self.base / "data").mkdir()
        shutil.chown(self.base / "data", "postfix", "postfix")
        (self.etc / "main.cf").write_text(self._main_cf(), encoding="utf-8")
        (self.etc / "master.cf").write_text(self._master_cf(), encoding="utf-8")
        s = self.settings
        (self.etc / "recipients").write_text("".join(f"{u} x\n" for u in s.valid_users), encoding="utf-8")
        (self.etc / "transport").write_text("".join(f"{u}@{s.domain} discard:\n" for u in s.valid_users),
                                            encoding="utf-8")
        (self.etc / "greylist").write_text(GREYLIST_MAP, encoding="utf-8")
        (self.etc / "senders").write_text(REFUSED_SENDERS_MAP, encoding="utf-8")
        self._postfix("post-install", "create-missing")
        self._postfix("check")

    def _postfix(self, *args: str) -> None:
        done = subprocess.run([self.binary, "-c", str(self.etc), *args], capture_output=True, text=True,
                              timeout=60, check=False)
        if done.returncode != 0:
            raise RuntimeError(f"postfix {' '.join(args)} failed ({done.returncode}): {done.stdout}{done.stderr}")

    # ------------------------------------------------------------------------------------ life cycle
    def start(self) -> None:
        self.write_configuration()
        self.process = subprocess.Popen([self.binary, "-c", str(self.etc), "start-fg"], stdout=subprocess.PIPE,
                                        stderr=subprocess.STDOUT, text=True)
        self._reader = threading.Thread(target=self._read_log, daemon=True)
        self._reader.start()
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                self.stop()
                raise RuntimeError(f"postfix start-fg exited with {self.process.returncode}:\n{self.log()}")
            try:
                with socket.create_connection(("127.0.0.1", self.port), timeout=1) as sock:
                    if sock.recv(512).startswith(b"220"):
                        return
            except OSError:
                pass
            time.sleep(0.1)
        self.stop()
        raise RuntimeError(f"postfix did not answer on 127.0.0.1:{self.port} within 30 s:\n{self.log()}")

    def _read_log(self) -> None:
        assert self.process is not None and self.process.stdout is not None
        for line in self.process.stdout:
            with self._log_lock:
                self._log.append(line.rstrip("\n"))

    def stop(self) -> None:
        if self.process is None:
            return
        subprocess.run([self.binary, "-c", str(self.etc), "stop"], capture_output=True, timeout=60, check=False)
        try:
            self.process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait(timeout=10)
        self._kill_leftover_master()
        if self._reader is not None:
            self._reader.join(timeout=5)
        shutil.rmtree(self.base, ignore_errors=True)

    def _kill_leftover_master(self) -> None:
        """If `postfix stop` did not end the master (it should), end it by the pid in its own pid file."""
        pid_file = self.base / "queue" / "pid" / "master.pid"
        try:
            pid = int(pid_file.read_text().strip())
        except (OSError, ValueError):
            return
        try:
            with open(f"/proc/{pid}/cmdline", "rb") as cmdline:
                if b"master" not in cmdline.read():
                    return
        except OSError:
            return
        subprocess.run(["kill", "-TERM", str(pid)], check=False)

    def __enter__(self) -> "PostfixInstance":
        self.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop()

    # ------------------------------------------------------------------------------------ log
    def log(self) -> str:
        with self._log_lock:
            return "\n".join(self._log)

    def mark(self) -> int:
        with self._log_lock:
            return len(self._log)

    def log_since(self, mark: int) -> list[str]:
        with self._log_lock:
            return list(self._log[mark:])

    def wait_for_log(self, pattern: str, timeout: float = 20.0, since: int = 0) -> str:
        regex = re.compile(pattern)
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            for line in self.log_since(since):
                if regex.search(line):
                    return line
            time.sleep(0.1)
        raise AssertionError(f"no Postfix log line matching {pattern!r} within {timeout} s:\n{self.log()}")

    def queued_messages(self, since: int = 0) -> list[str]:
        """cleanup(8) lines: one per message that entered the queue."""
        return [line for line in self.log_since(since) if "postfix/cleanup" in line and "message-id=" in line]
