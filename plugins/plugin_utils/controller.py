# -*- coding: utf-8 -*-
# Copyright: (c) 2026, mailhygiene.exchange contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Runs every module of this collection on the controller, whatever the play's connection is, with the
connection options the task did not set taken from the host's inventory (README.md, "Inventory").

Inventory values are resolved exactly as the ansible.builtin.psrp connection plugin resolves them
(its option definitions and variable precedence: ansible_host, ansible_user, ansible_password,
ansible_psrp_*), so a play `hosts: exchange` with the psrp inventory users already have just works.
Host variables named `exchange_<option>` (exchange_port, exchange_protocol, …) set this collection's
own options per host and win over the psrp ones.
The task then runs on the controller, in one of two ways:
- in the host's persistent Exchange session (plugins/connection/exchange_session.py, the default): one helper
  process for the whole playbook run, started through Ansible's `ansible-connection` on the run's first task
  and then reached directly over its socket, so a task costs no new process, no import of the PowerShell
  Remoting client and, after the host's first task, no new Exchange session. The helper runs each task in a
  thread of its own, so the hosts' tasks run at the same time. Ansible closes the sessions at the end of the
  play (the socket is recorded in the task's `_ansible_socket` argument, where the strategy looks for
  persistent connections) and on reset_connection; the helper itself ends with ansible-playbook or after its
  idle timeout (docs/performance.md);
- as an ordinary module process with the controller's Python (ansible_playbook_python), with sessions of
  its own, when the host variable exchange_persistent_session is false.
"""

from __future__ import annotations

import copy
import errno
import fcntl
import hashlib
import json
import os
import socket
import sys
import time
import typing

from ansible import constants as C
from ansible.errors import AnsibleActionFail
from ansible.module_utils.connection import Connection, ConnectionError
from ansible.module_utils.parsing.convert_bool import boolean
from ansible.plugins.action import ActionBase
from ansible.plugins.loader import connection_loader
from ansible.utils.path import unfrackpath
from ansible_collections.mailhygiene.exchange.plugins.module_utils.connection_options import (
    CONNECTION_OPTIONS, session_environment,
)

SESSION_PLUGIN = "mailhygiene.exchange.exchange_session"
# The session plugin's options a task needs: option -> (host variable, default), as its documentation says
# (tests/unit/plugins/plugin_utils/test_controller.py compares them).
SESSION_TIMEOUTS = {"persistent_connect_timeout": ("exchange_session_idle_timeout", 60),
                    "persistent_command_timeout": ("exchange_session_task_timeout", 3600)}

# psrp connection option -> module option. Port, protocol, path and configuration name of an inventory
# describe the WinRM listener: the host endpoint. The management endpoint has Exchange's defaults.
PSRP_OPTIONS = {
    "remote_addr": "server",
    "remote_user": "username",
    "remote_password": "password",
    "port": "host_port",
    "protocol": "host_protocol",
    "path": "host_path",
    "configuration_name": "host_configuration_name",
    "auth": "auth",
    "cert_validation": "cert_validation",
    "ca_cert": "ca_cert",
    "connection_timeout": "connection_timeout",
    "read_timeout": "read_timeout",
    "operation_timeout": "operation_timeout",
    "reconnection_retries": "reconnection_retries",
    "reconnection_backoff": "reconnection_backoff",
    "message_encryption": "message_encryption",
    "proxy": "proxy",
    "ignore_proxy": "ignore_proxy",
    "certificate_pem": "certificate_pem",
    "certificate_key_pem": "certificate_key_pem",
    "credssp_auth_mechanism": "credssp_auth_mechanism",
    "credssp_disable_tlsv1_2": "credssp_disable_tlsv1_2",
    "credssp_minimum_version": "credssp_minimum_version",
    "negotiate_delegate": "negotiate_delegate",
    "negotiate_hostname_override": "negotiate_hostname_override",
    "negotiate_send_cbt": "negotiate_send_cbt",
    "negotiate_service": "negotiate_service",
}


class RunLocally(ActionBase):  # type: ignore[misc]  # ansible-core has no type information
    """Runs the module on the controller with the controller's Python, whatever the host's connection is
    (a module that talks to the host over the network, as smtp_probe does, must not run on Windows)."""

    TRANSFERS_FILES = False
    _VALID_ARGS: typing.FrozenSet[str] = frozenset()  # the module validates its own arguments
    _supports_async = False

    def _local_connection(self) -> typing.Any:
        """A connection to the controller itself, free of the host's connection settings."""
        play_context = copy.copy(self._play_context)
        play_context.connection = "local"
        play_context.become = False
        connection = connection_loader.get("ansible.builtin.local", play_context)
        connection.set_options(var_options={})
        connection.set_become_plugin(None)
        return connection

    def _run_locally(self, args: typing.Dict[str, typing.Any], task_vars: typing.Dict[str, typing.Any]
                     ) -> typing.Dict[str, typing.Any]:
        self._connection = self._local_connection()
        # The host's shell, temporary directory, become and connection settings are for the host, not for
        # the controller.
        host_only = ("ansible_shell", "ansible_remote_tmp", "ansible_become", "ansible_connection")
        local_vars = {k: v for k, v in task_vars.items() if not k.startswith(host_only)}
        local_vars["ansible_python_interpreter"] = task_vars.get("ansible_playbook_python", sys.executable)
        try:
            return typing.cast(typing.Dict[str, typing.Any], self._execute_module(
                module_name=self._task.resolved_action, module_args=args, task_vars=local_vars))
        finally:
            self._remove_tmp_path(self._connection._shell.tmpdir)

    def _module_args(self, args: typing.Dict[str, typing.Any], task_vars: typing.Dict[str, typing.Any]
                     ) -> typing.Dict[str, typing.Any]:
        """The module's arguments: the task's, as they are."""
        return args

    def run(self, tmp: typing.Any = None, task_vars: typing.Optional[typing.Dict[str, typing.Any]] = None
            ) -> typing.Dict[str, typing.Any]:
        task_vars = task_vars or {}
        result: typing.Dict[str, typing.Any] = super().run(tmp, task_vars)
        result.update(self._run_locally(self._module_args(dict(self._task.args), task_vars), task_vars))
        return result


class RunOnController(RunLocally):
    """RunLocally, with the Exchange connection options the task did not set taken from the inventory."""

    def _inventory_options(self, task_vars: typing.Dict[str, typing.Any]) -> typing.Dict[str, typing.Any]:
        """Connection options from the host's variables, as the psrp connection plugin would read them."""
        # Loading the plugin files its option definitions under its load name; by the short name they are
        # filed under "psrp", where the lookups below find them (by its FQCN they would be elsewhere).
        connection_loader.get("psrp", class_only=True)
        variables = self._plugin_variables("psrp", task_vars)
        options, origins = C.config.get_plugin_options_and_origins("connection", "psrp", variables=variables)
        found = {}
        for psrp_name, module_name in PSRP_OPTIONS.items():
            origin = str(origins.get(psrp_name, "default"))
            # The inventory host name is the psrp plugin's default address, not a setting: it comes after
            # EXCHANGE_SERVER (see run()).
            if origin.startswith("var") and origin != "var: inventory_hostname" and options.get(psrp_name) is not None:
                found[module_name] = options[psrp_name]
        if "host_port" in found and "host_protocol" not in found:
            # As the psrp plugin decides: 5985 is http, any other port https.
            found["host_protocol"] = "http" if int(found["host_port"]) == 5985 else "https"
        return found

    def _plugin_variables(self, load_name: str, task_vars: typing.Dict[str, typing.Any]) -> typing.Dict[str, typing.Any]:
        """The host's values of the variables a loaded connection plugin reads its options from, templated."""
        names = C.config.get_plugin_vars("connection", load_name)
        return {name: self._templar.template(task_vars[name]) for name in names if name in task_vars}

    def _command_line_credentials(self) -> typing.Dict[str, typing.Any]:
        """The user and password given to ansible-playbook (-u, --ask-pass, --connection-password-file; what an
        Automation Platform machine credential sets)."""
        found = {}
        if self._play_context.remote_user:
            found["username"] = self._play_context.remote_user
        if self._play_context.password:
            found["password"] = self._play_context.password
        return found

    def _exchange_variables(self, task_vars: typing.Dict[str, typing.Any]) -> typing.Dict[str, typing.Any]:
        """Connection options set for the host as `exchange_<option>` variables (e.g. exchange_port)."""
        return {name: self._templar.template(task_vars["exchange_" + name]) for name in CONNECTION_OPTIONS
                if "exchange_" + name in task_vars}

    def _module_args(self, args: typing.Dict[str, typing.Any], task_vars: typing.Dict[str, typing.Any]
                     ) -> typing.Dict[str, typing.Any]:
        try:
            # Precedence: the task (and module_defaults), exchange_* host variables, the psrp connection's
            # host variables, the command line's user and password; then EXCHANGE_* environment variables (in
            # the module), the inventory host name for the server, and the defaults.
            for source in (self._exchange_variables(task_vars), self._inventory_options(task_vars),
                           self._command_line_credentials()):
                for name, value in source.items():
                    if args.get(name) is None:
                        args[name] = value
            if args.get("server") is None and not os.environ.get("EXCHANGE_SERVER"):
                args["server"] = task_vars.get("inventory_hostname")
        except Exception as error:  # an inventory that cannot be read is the user's to fix
            raise AnsibleActionFail("cannot read the connection settings of host %s from its inventory: %s"
                                    % (task_vars.get("inventory_hostname"), error)) from error
        return args

    # ------------------------------------------------------------------------------- persistent sessions
    def run(self, tmp: typing.Any = None, task_vars: typing.Optional[typing.Dict[str, typing.Any]] = None
            ) -> typing.Dict[str, typing.Any]:
        task_vars = task_vars or {}
        result: typing.Dict[str, typing.Any] = ActionBase.run(self, tmp, task_vars)
        args = self._module_args({k: v for k, v in self._task.args.items() if not k.startswith("_ansible_")},
                                 task_vars)
        if not boolean(self._templar.template(task_vars.get("exchange_persistent_session", True)), strict=False):
            result.update(self._run_locally(args, task_vars))
            return result
        result.update(self._run_in_session(args, task_vars))
        return result

    def _task_environment(self) -> typing.Dict[str, str]:
        """The controller's environment with the task's `environment:` over it: what a module process would
        see, reduced to what a session depends on."""
        environment = dict(os.environ)
        for layer in self._task.environment or []:
            layer = self._templar.template(layer)
            if isinstance(layer, dict):
                environment.update({str(k): str(v) for k, v in layer.items()})
        return session_environment(environment)

    def _run_in_session(self, args: typing.Dict[str, typing.Any], task_vars: typing.Dict[str, typing.Any]
                        ) -> typing.Dict[str, typing.Any]:
        environment = self._task_environment()
        module = self._task.resolved_action.rsplit(".", 1)[-1]
        options = self._session_timeouts(task_vars)
        play_context = self._session_play_context(environment, options)
        socket_path = self._socket_path(play_context)
        try:
            if not self._socket_alive(socket_path):
                socket_path = self._start_session(play_context, task_vars, socket_path)
            # Recorded where the strategy collects persistent connections, so it closes the sessions when the play
            # ends (and meta: reset_connection finds it).
            self._task.args["_ansible_socket"] = socket_path
            helper = Connection(socket_path)
            reply = helper.start_task(module, args, bool(self._task.check_mode), environment)
            return self._result_of(helper, reply, options)
        except ConnectionError as error:
            raise AnsibleActionFail("the Exchange session helper for %s failed: %s" % (args.get("server"), error)) from error

    @staticmethod
    def _result_of(helper: Connection, reply: typing.Dict[str, typing.Any], options: typing.Dict[str, int]
                   ) -> typing.Dict[str, typing.Any]:
        """Wait for the task the helper runs, on the helper's socket for waiters (one question, answered when the
        task is done or after a few seconds). Between two questions, ask on ansible-connection's socket, which
        tells whether the helper still knows the task and keeps it from its idle timeout."""
        timeout = int(options["persistent_command_timeout"])
        ask_every = max(0.5, min(10.0, int(options["persistent_connect_timeout"]) / 2.0))
        deadline = time.monotonic() + timeout
        task_id, waiters = str(reply.get("task")), str(reply.get("results"))
        while "result" not in reply:
            if reply.get("lost"):
                raise AnsibleActionFail("the Exchange session helper ended while the task ran (its idle timeout, "
                                        "exchange_session_idle_timeout, or the helper was killed)")
            if time.monotonic() > deadline:
                raise AnsibleActionFail("the task did not end within %d s (exchange_session_task_timeout); it may "
                                        "still run on the server" % timeout)
            reply = _wait_for_task(waiters, task_id, ask_every)
            if "result" not in reply:
                reply = helper.task_result(task_id)
        return typing.cast(typing.Dict[str, typing.Any], reply["result"])

    def _session_timeouts(self, task_vars: typing.Dict[str, typing.Any]) -> typing.Dict[str, int]:
        """The helper's idle and task timeouts from the host's variables. Read directly (SESSION_TIMEOUTS): the
        plugin's option definitions would cost every task a parse of its documentation."""
        return {option: int(self._templar.template(task_vars.get(variable, default)))
                for option, (variable, default) in SESSION_TIMEOUTS.items()}

    def _session_play_context(self, environment: typing.Dict[str, str], options: typing.Dict[str, int]) -> typing.Any:
        """The play context the helper is started with. Ansible names a helper's socket after the address, port,
        user and connection of its play context, and the ansible-playbook process. One helper serves every host
        of the run; the user field carries a digest of what must be the same for all its tasks (the session
        environment, which the helper's process shares, and its idle timeout). No secret is in it."""
        play_context = copy.copy(self._play_context)
        play_context.connection = SESSION_PLUGIN
        play_context.remote_addr = "mailhygiene.exchange"
        play_context.port = None
        material = json.dumps([environment, options["persistent_connect_timeout"]], sort_keys=True)
        play_context.remote_user = hashlib.sha256(material.encode("utf-8")).hexdigest()[:32]
        play_context.password = None
        play_context.become = False
        play_context.become_pass = None
        play_context.private_key_file = None
        return play_context

    @staticmethod
    def _socket_path(play_context: typing.Any) -> str:
        """Where ansible-connection puts the helper's socket for this play context (its own rule: a digest of
        address, port, user, connection and the ansible-playbook process)."""
        name = "%s-%s-%s-%s-%s" % (play_context.remote_addr, play_context.port, play_context.remote_user,
                                   play_context.connection, os.getppid())
        directory = unfrackpath(C.PERSISTENT_CONTROL_PATH_DIR)
        return os.path.join(directory, hashlib.sha1(name.encode("utf-8")).hexdigest()[:10])

    @staticmethod
    def _socket_alive(socket_path: str) -> bool:
        """Whether a helper listens on the socket. A socket left by a helper that ended is removed, so that
        ansible-connection starts a new one instead of trying to use it."""
        if not os.path.exists(socket_path):
            return False
        probe = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        try:
            probe.connect(socket_path)
            return True
        except OSError as error:
            if error.errno in (errno.ECONNREFUSED, errno.ENOENT):
                try:
                    os.unlink(socket_path)
                except FileNotFoundError:
                    pass
            return False
        finally:
            probe.close()

    def _start_session(self, play_context: typing.Any, task_vars: typing.Dict[str, typing.Any], socket_path: str
                       ) -> str:
        """Start the helper with Ansible's own ansible-connection, on the run's first task (and again only after
        the helper ended at its idle timeout). The hosts' first tasks come at once: one starts it, the others
        wait for it, so that only one ansible-connection process is started."""
        from ansible.executor.task_executor import start_connection

        # The lock is on the sockets' directory, which leaves no lock file behind (ansible-connection's own lock
        # file cannot serve: its stub takes it while this process waits).
        directory = os.path.dirname(socket_path)
        os.makedirs(directory, mode=0o700, exist_ok=True)
        lock = os.open(directory, os.O_RDONLY)
        try:
            fcntl.flock(lock, fcntl.LOCK_EX)
            if self._socket_alive(socket_path):
                return socket_path
            load_name = connection_loader.get(SESSION_PLUGIN, class_only=True)._load_name
            options = C.config.get_plugin_options("connection", load_name,
                                                  variables=self._plugin_variables(load_name, task_vars))
            return typing.cast(str, start_connection(play_context, options, self._task._uuid))
        finally:
            os.close(lock)


def _wait_for_task(path: str, task_id: str, seconds: float) -> typing.Dict[str, typing.Any]:
    """Ask the helper's socket for waiters for a task's result, waiting up to `seconds` for it."""
    waiter = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    try:
        waiter.connect(path)
        waiter.sendall(("%s %s\n" % (task_id, seconds)).encode("utf-8"))
        answer = bytearray()
        while True:
            chunk = waiter.recv(65536)
            if not chunk:
                break
            answer += chunk
    except OSError as error:
        raise ConnectionError("cannot wait for the task on %s: %s" % (path, error)) from error
    finally:
        waiter.close()
    if not answer:
        raise ConnectionError("the helper closed %s without an answer" % path)
    return typing.cast(typing.Dict[str, typing.Any], json.loads(answer.decode("utf-8")))
