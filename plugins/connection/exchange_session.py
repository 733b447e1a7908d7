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
  - You do not set this as a host's connection. The collection's action plugin starts it on the playbook run's
    first task of this collection (through Ansible's own C(ansible-connection) helper), and every task, on every
    host, talks to it directly. One helper process serves all hosts of the run; it runs each task in a thread of
    its own, so the hosts' tasks run at the same time. Ansible closes the sessions at the end of the play and on
    the C(reset_connection) meta task; the helper process itself ends after the idle timeout. The host's own
    connection (for example C(ansible.builtin.psrp)) stays what the inventory says, for every other task.
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
        C(ansible-playbook) that started it ending or being killed. Hosts with different values get different
        helpers.
    type: int
    default: 60
    vars:
      - name: exchange_session_idle_timeout
  persistent_command_timeout:
    description:
      - The longest one task may take, in seconds (an agent install with a transport restart included). After it
        the task fails, saying so; a command already sent may still finish on the server.
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
import itertools
import json
import os
import signal
import socket
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
Result = typing.Dict[str, typing.Any]


class Server(object):
    """A server's open sessions for one set of connection options, used by one task at a time."""

    def __init__(self, connections: Connections) -> None:
        self.connections = connections
        self.in_use = threading.Lock()
        self.close_after_task = False  # a reset came while a task used it


class RunningTask(object):
    """A task started by start_task: its result once done."""

    def __init__(self) -> None:
        self.done = threading.Event()
        self.result: Result = {}


class Connection(ConnectionBase):  # type: ignore[misc]  # ansible-core has no type information
    """Runs this collection's tasks, for every host of a playbook run, on sessions that outlive them. Lives in an
    `ansible-connection` process, which serves one request at a time on its socket (JSON-RPC): start_task starts
    a task in a thread of its own and returns at once, and the worker that started it asks task_result until the
    task is done, so that the tasks of many hosts run at the same time."""

    transport = "mailhygiene.exchange.exchange_session"
    has_pipelining = False

    def __init__(self, play_context: typing.Any, *args: typing.Any, **kwargs: typing.Any) -> None:
        super().__init__(play_context, *args, **kwargs)
        self._messages: typing.List[typing.Tuple[str, str]] = []
        self._conn_closed = False
        self._lock = threading.Lock()  # guards _servers and _tasks
        # One Server per server and set of connection options: sessions are never shared between users or
        # credentials.
        self._servers: typing.Dict[str, Server] = {}
        self._tasks: typing.Dict[str, RunningTask] = {}  # by id, until its result is given
        self._task_ids = itertools.count(1)
        self._results_listener: typing.Optional[socket.socket] = None
        self._results_path = ""
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
    def start_task(self, module: str, params: Result, check_mode: bool, environment: typing.Dict[str, str]
                   ) -> Result:
        """Validate a module's parameters and start its task on the server's open sessions. Returns the task's
        id to ask task_result with, or at once the result of a task that cannot start."""
        self._set_environment(environment)
        task = importlib.import_module(MODULES + module).TASK
        validation = ArgumentSpecValidator(task.full_argument_spec()).validate(params)
        if validation.error_messages:
            message = validation.errors.msg
            if isinstance(validation.errors[0], UnsupportedError):
                message = "Unsupported parameters for (mailhygiene.exchange.%s) module: %s" % (module, message)
            return {"result": {"failed": True, "msg": message}}
        params = validation.validated_parameters
        problem = missing_requirement(params)
        if problem is not None:
            return {"result": dict(problem.result, failed=True, msg=problem.msg)}
        task_id, running = str(next(self._task_ids)), RunningTask()
        with self._lock:
            self._tasks[task_id] = running
        threading.Thread(target=self._run_task, name="task-%s" % task_id, daemon=True,
                         args=(running, task, params, check_mode, environment, validation._no_log_values)).start()
        return {"task": task_id, "results": self._listen_for_waiters()}

    def task_result(self, task_id: str, wait: float = 0) -> Result:
        """A task's result once it is done ({"result": ...}, given once), after waiting for it up to `wait` seconds;
        {"running": true} before; {"lost": true} for a task this helper does not know (it was started by a helper
        that has ended). Called with a wait only on the waiters' socket (below), never on ansible-connection's,
        which serves one request at a time."""
        with self._lock:
            running = self._tasks.get(task_id)
        if running is None:
            return {"lost": True}
        if not running.done.wait(wait):
            return {"running": True}
        with self._lock:
            self._tasks.pop(task_id, None)
        return {"result": running.result}

    def _listen_for_waiters(self) -> str:
        """The socket on which the workers wait for their tasks' results, beside ansible-connection's: a thread per
        waiting worker, so that waiting costs no polling. Same directory (only this user's), same lifetime."""
        path = "%s.results" % self._socket_path
        with self._lock:
            if self._results_listener is None:
                if os.path.exists(path):
                    os.unlink(path)
                listener = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
                listener.bind(path)
                listener.listen(64)
                self._results_listener, self._results_path = listener, path
                threading.Thread(target=self._accept_waiters, args=(listener,), daemon=True).start()
        return path

    def _accept_waiters(self, listener: socket.socket) -> None:
        while True:
            try:
                waiter, _address = listener.accept()
            except OSError:  # closed: the helper ends
                return
            threading.Thread(target=self._answer_waiter, args=(waiter,), daemon=True).start()

    def _answer_waiter(self, waiter: socket.socket) -> None:
        """One question ("<task id> <seconds to wait>\n"), one answer (JSON), then the connection closes."""
        with waiter:
            try:
                question = waiter.makefile("r", encoding="utf-8").readline().split()
                reply = self.task_result(question[0], min(float(question[1]), 60.0))
                waiter.sendall(json.dumps(reply, default=str).encode("utf-8"))
            except (OSError, ValueError, IndexError):
                pass  # the worker went away (interrupted): its result stays until the helper ends

    def _run_task(self, running: RunningTask, task: typing.Any, params: Result, check_mode: bool,
                  environment: typing.Dict[str, str], no_log_values: typing.Set[str]) -> None:
        context: typing.Optional[TaskContext] = None
        try:
            key = session_key(params, environment)
            server = self._take_server(key, params, check_mode)
            try:
                server.connections.start_task(check_mode)
                context = TaskContext(params, check_mode, server.connections)
                result = task.run(context)
            except Exception as error:  # TaskFailed as it is; anything else is a bug, reported with its traceback
                failed = failure(error)
                result = dict(failed.result, failed=True, msg=failed.msg)
                # The sessions may be unusable: the next task starts afresh.
                server.close_after_task = server.close_after_task or failed.session_failed
            finally:
                try:
                    if server.close_after_task:
                        self._forget(key, server)
                finally:
                    server.in_use.release()
        except Exception as error:  # opening the server's sessions failed in a way no task expects: a bug
            failed = failure(error)
            result = dict(failed.result, failed=True, msg=failed.msg)
        if context is not None and context.warnings:
            result["warnings"] = context.warnings
        result["invocation"] = {"module_args": params}
        running.result = typing.cast(Result, remove_values(result, no_log_values))
        running.done.set()

    def _take_server(self, key: str, params: Result, check_mode: bool) -> Server:
        """The server's sessions for these connection options, for this task alone: two inventory hosts may name
        the same server with the same credentials, and a session serves one command at a time."""
        while True:
            with self._lock:
                server = self._servers.get(key)
                if server is None:
                    server = self._servers[key] = Server(connections_for(params, check_mode))
            server.in_use.acquire()
            with self._lock:
                if self._servers.get(key) is server:  # not closed while this task waited for it
                    return server
            server.in_use.release()

    def _forget(self, key: str, server: Server) -> None:
        with self._lock:
            if self._servers.get(key) is server:
                del self._servers[key]
        server.connections.close()

    @staticmethod
    def _set_environment(environment: typing.Dict[str, str]) -> None:
        """The task's EXCHANGE_* and Kerberos variables, as a module process would have inherited them. They are
        the same for every task of this helper: the environment is part of its socket's name
        (plugins/plugin_utils/controller.py)."""
        for name in [n for n in os.environ if n.startswith(SESSION_ENVIRONMENT) or n.lower() in SESSION_ENVIRONMENT]:
            if name not in environment:
                del os.environ[name]
        os.environ.update(environment)

    # ---------------------------------------------------------------------------- lifetime
    def _connect(self) -> "Connection":
        self._connected = True  # sessions open on a task's first use
        return self

    def _close_sessions(self) -> None:
        """Close every server's sessions; one a task is using closes when its task ends."""
        with self._lock:
            servers = list(self._servers.items())
        for key, server in servers:
            if server.in_use.acquire(blocking=False):
                try:
                    self._forget(key, server)
                finally:
                    server.in_use.release()
            else:
                server.close_after_task = True

    def reset(self) -> None:
        """End of play (once per host) and meta: reset_connection: close the sessions (the servers see them end).
        The helper itself stays for the next play's tasks until the idle timeout: ending it here would race a next
        task that reuses its socket path."""
        self._close_sessions()

    def close(self) -> None:
        """The helper ends (idle timeout, or the playbook's end): close what is still open."""
        self._close_sessions()
        listener, self._results_listener = self._results_listener, None
        if listener is not None:
            listener.close()
            try:
                os.unlink(self._results_path)
            except OSError:
                pass
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
