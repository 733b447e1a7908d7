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
The module then runs locally with the controller's Python (ansible_playbook_python), where pypsrp is.
"""

from __future__ import annotations

import copy
import os
import sys
import typing

from ansible import constants as C
from ansible.errors import AnsibleActionFail
from ansible.plugins.action import ActionBase
from ansible.plugins.loader import connection_loader
from ansible_collections.mailhygiene.exchange.plugins.module_utils.module import CONNECTION_OPTIONS

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


class RunLocally(ActionBase):
    """Runs the module on the controller with the controller's Python, whatever the host's connection is
    (a module that talks to the host over the network, as smtp_probe does, must not run on Windows)."""

    TRANSFERS_FILES = False
    _VALID_ARGS = frozenset()  # the module validates its own arguments
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
        result = super().run(tmp, task_vars)
        result.update(self._run_locally(self._module_args(dict(self._task.args), task_vars), task_vars))
        return result


class RunOnController(RunLocally):
    """RunLocally, with the Exchange connection options the task did not set taken from the inventory."""

    def _inventory_options(self, task_vars: typing.Dict[str, typing.Any]) -> typing.Dict[str, typing.Any]:
        """Connection options from the host's variables, as the psrp connection plugin would read them."""
        # Loading the plugin files its option definitions under its load name; by the short name they are
        # filed under "psrp", where the lookups below find them (by its FQCN they would be elsewhere).
        connection_loader.get("psrp", class_only=True)
        names = C.config.get_plugin_vars("connection", "psrp")
        variables = {name: self._templar.template(task_vars[name]) for name in names if name in task_vars}
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
