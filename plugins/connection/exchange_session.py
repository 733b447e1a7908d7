# -*- coding: utf-8 -*-
# Copyright: (c) 2026, mailhygiene.exchange contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations

DOCUMENTATION = r"""
name: exchange_session
short_description: One Exchange session per host for a whole play (used by this collection's modules)
version_added: 0.2.0
description:
  - Keeps a server's Exchange remote PowerShell sessions (the management endpoint, and the host endpoint when a
    task needs it) open between tasks, so every task of this collection on that host in a play runs on the same
    session instead of opening its own. Opening an Exchange session costs seconds and is throttled.
  - You do not set this as a host's connection. The collection's action plugin starts it on a host's first task
    (through Ansible's own C(ansible-connection) helper) and talks to it directly on later tasks. Ansible closes
    the sessions at the end of the play and on the C(reset_connection) meta task; the helper process itself ends after
    the idle timeout. The host's own connection (for example C(ansible.builtin.psrp)) stays what the inventory
    says, for every other task.
  - A session is never shared between different servers, endpoints, users or credentials (including Kerberos
    ticket caches); each set of connection options gets its own.
  - Turn it off per host or group with the variable C(exchange_persistent_session=false); each task then opens
    and closes its own sessions.
author:
  - mailhygiene.exchange contributors (@mailhygiene)
options:
  persistent_connect_timeout:
    description:
      - Idle timeout in seconds. When no task has used the helper for this long, its sessions are closed and it
        ends; the next task starts a new one. The helper also ends, closing its sessions, within a second of the
        C(ansible-playbook) that started it ending or being killed.
    type: int
    default: 60
    vars:
      - name: exchange_session_idle_timeout
  persistent_command_timeout:
    description:
      - The longest one task may take in the session, in seconds (an agent install with a transport restart
        included).
    type: int
    default: 3600
    vars:
      - name: exchange_session_task_timeout
  persistent_log_messages:
    description:
      - Log every request and reply of the helper to Ansible's log (C(log_path)). They contain passwords; for
        debugging only.
    type: bool
    default: false
    vars:
      - name: exchange_session_log_messages
"""

import importlib
import os
import signal
import threading
import time
import typing

from ansible.module_utils.common.arg_spec import ArgumentSpecValidator
from ansible.module_utils.errors import UnsupportedError
from ansible.module_utils.common.parameters import remove_values
from ansible.plugins.connection import ConnectionBase
from ansible_collections.mailhygiene.exchange.plugins.module_utils.connection_options import (
    SESSION_ENVIRONMENT, session_key,
)
from ansible_collections.mailhygiene.exchange.plugins.module_utils.module import (
    TaskContext, connections_for, failure, missing_requirement,
)
from ansible_collections.mailhygiene.exchange.plugins.module_utils.resources.base import Connections

MODULES = "ansible_collections.mailhygiene.exchange.plugins.modules."


class Connection(ConnectionBase):  # type: ignore[misc]  # ansible-core has no type information
    """Runs this collection's tasks on sessions that outlive them. Lives in an `ansible-connection` process;
    its public methods are called over that process's socket (JSON-RPC)."""

    transport = "mailhygiene.exchange.exchange_session"
    has_pipelining = False

    def __init__(self, play_context: typing.Any, *args: typing.Any, **kwargs: typing.Any) -> None:
        super().__init__(play_context, *args, **kwargs)
        self._messages: typing.List[typing.Tuple[str, str]] = []
        self._conn_closed = False
        # One set of sessions per set of connection options: never shared between users or credentials.
        self._servers: typing.Dict[str, Connections] = {}
        playbook = kwargs.get("ansible_playbook_pid")
        if playbook:
            threading.Thread(target=self._end_with_playbook, args=(int(playbook),), daemon=True).start()

    @staticmethod
    def _end_with_playbook(pid: int) -> None:
        """End the helper, closing its sessions, as soon as the ansible-playbook that started it is gone (a run
        that was killed or interrupted), rather than after the idle timeout."""
        while True:
            time.sleep(1)
            try:
                os.kill(pid, 0)
            except ProcessLookupError:
                # ansible-connection ends its helper on SIGTERM, and closes the connection (this plugin) first.
                os.kill(os.getpid(), signal.SIGTERM)
                return
            except PermissionError:  # alive, as another user
                pass

    # ---------------------------------------------------------------------------- tasks
    def run_task(self, module: str, params: typing.Dict[str, typing.Any], check_mode: bool,
                 environment: typing.Dict[str, str]) -> typing.Dict[str, typing.Any]:
        """Validate a module's parameters and run its task on this server's open sessions; return what the
        module would have returned."""
        self._set_environment(environment)
        task = importlib.import_module(MODULES + module).TASK
        validation = ArgumentSpecValidator(task.full_argument_spec()).validate(params)
        no_log_values = validation._no_log_values
        if validation.error_messages:
            message = validation.errors.msg
            if isinstance(validation.errors[0], UnsupportedError):
                message = "Unsupported parameters for (mailhygiene.exchange.%s) module: %s" % (module, message)
            return {"failed": True, "msg": message}
        params = validation.validated_parameters
        problem = missing_requirement(params)
        if problem is not None:
            return dict(problem.result, failed=True, msg=problem.msg)
        key = session_key(params, environment)
        connections = self._servers.get(key)
        if connections is None:
            connections = self._servers[key] = connections_for(params, check_mode)
        connections.start_task(check_mode)
        context = TaskContext(params, check_mode, connections)
        try:
            result = task.run(context)
        except Exception as error:  # TaskFailed as it is; anything else is a bug, reported with its traceback
            failed = failure(error)
            result = dict(failed.result, failed=True, msg=failed.msg)
            if failed.session_failed:  # the sessions may be unusable: the next task starts afresh
                self._servers.pop(key).close()
        if context.warnings:
            result["warnings"] = context.warnings
        result["invocation"] = {"module_args": params}
        return typing.cast(typing.Dict[str, typing.Any], remove_values(result, no_log_values))

    @staticmethod
    def _set_environment(environment: typing.Dict[str, str]) -> None:
        """The task's EXCHANGE_* and Kerberos variables, as a module process would have inherited them."""
        for name in [n for n in os.environ if n.startswith(SESSION_ENVIRONMENT) or n.lower() in SESSION_ENVIRONMENT]:
            if name not in environment:
                del os.environ[name]
        os.environ.update(environment)

    # ---------------------------------------------------------------------------- lifetime
    def _connect(self) -> "Connection":
        self._connected = True  # sessions open on a task's first use
        return self

    def _close_sessions(self) -> None:
        servers, self._servers = self._servers, {}
        for connections in servers.values():
            connections.close()

    def reset(self) -> None:
        """End of play and meta: reset_connection: close every session (the server sees them end). The helper
        itself stays for the next play's tasks until the idle timeout: ending it here would race a next task
        that reuses its socket path."""
        self._close_sessions()

    def close(self) -> None:
        """The helper ends (idle timeout, or the playbook's end): close what is still open."""
        self._close_sessions()
        self._conn_closed = True
        self._connected = False

    def pop_messages(self) -> typing.List[typing.Tuple[str, str]]:
        messages, self._messages = self._messages, []
        return messages

    # What a persistent connection must offer; this one only runs tasks.
    def exec_command(self, cmd: str, in_data: typing.Optional[bytes] = None, sudoable: bool = True
                     ) -> typing.Tuple[int, bytes, bytes]:
        raise NotImplementedError("exchange_session runs this collection's tasks only; it is not a host connection")

    def put_file(self, in_path: str, out_path: str) -> None:
        raise NotImplementedError("exchange_session transfers no files")

    def fetch_file(self, in_path: str, out_path: str) -> None:
        raise NotImplementedError("exchange_session transfers no files")
