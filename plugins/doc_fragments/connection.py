# -*- coding: utf-8 -*-
# Copyright: (c) 2026, mailhygiene.exchange contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations


class ModuleDocFragment(object):

    # Every module that talks to Exchange: the connection options, and the authors (the same for all of them).
    DOCUMENTATION = r"""
author:
  - mailhygiene.exchange contributors (@mailhygiene)
options:
  server:
    description:
      - The Exchange server to connect to (host name or address).
      - When the task runs against an inventory host and I(server) is not set, it is taken from the host's
        C(ansible_host) (or C(ansible_psrp_host)), else from C(EXCHANGE_SERVER), else from the inventory host name.
      - Environment variable C(EXCHANGE_SERVER).
    type: str
  server_name:
    description:
      - The server's name as Exchange knows it (C(Get-ExchangeServer)). Needed when I(server) is an address, an
        alias or a load-balanced name; otherwise the server whose FQDN or name matches I(server) is taken.
      - Nothing a NoLanguage session can read names the server that hosts it, so modules that act on one server
        (agents, receive connectors, server facts) fail with a clear message when neither works.
      - Environment variable C(EXCHANGE_SERVER_NAME); per host, the variable C(exchange_server_name).
    type: str
  management_endpoint:
    description:
      - Where the Exchange cmdlets are run. C(remote_powershell) is Exchange's C(/PowerShell/) virtual directory
        (I(port), I(protocol), I(path), I(configuration_name)). C(host_snapin) is the host endpoint (I(host_port),
        I(host_protocol), I(host_path), I(host_configuration_name)) with the Exchange snap-in added; Edge Transport
        servers need it, as they run no IIS and have no C(/PowerShell/). With C(host_snapin) one session serves both
        endpoints, and Exchange's RBAC does not apply (the account must be a local administrator).
      - With C(host_snapin) the session asks the server once which Exchange snap-in it has registered
        (C(Get-PSSnapin -Registered)) and adds the newest of C(Microsoft.Exchange.Management.PowerShell.SnapIn) (2013
        and later), C(Microsoft.Exchange.Management.PowerShell.E2010) (2010) or
        C(Microsoft.Exchange.Management.PowerShell.Admin) (2007). Exchange 2007 has no remote PowerShell, so its
        servers need C(host_snapin); Exchange 2010 servers may use either.
      - Environment variable C(EXCHANGE_MANAGEMENT_ENDPOINT); per host, the variable C(exchange_management_endpoint).
    type: str
    choices: [remote_powershell, host_snapin]
    default: remote_powershell
  port:
    description:
      - Port of the management endpoint (Exchange's C(/PowerShell/) virtual directory in IIS).
      - Defaults to C(80) for I(protocol=http) and C(443) for I(protocol=https).
      - Environment variable C(EXCHANGE_PORT).
    type: int
  protocol:
    description:
      - Protocol of the management endpoint. Exchange's default is C(http) with Kerberos, which seals every message.
      - Environment variable C(EXCHANGE_PROTOCOL).
    type: str
    choices: [http, https]
    default: http
  path:
    description:
      - URL path of the management endpoint.
      - Environment variable C(EXCHANGE_PATH).
    type: str
    default: PowerShell
  configuration_name:
    description:
      - Session configuration of the management endpoint.
      - Environment variable C(EXCHANGE_CONFIGURATION_NAME).
    type: str
    default: Microsoft.Exchange
  auth:
    description:
      - Authentication for both endpoints. Exchange's C(/PowerShell/) accepts C(kerberos) by default; C(basic) must
        be enabled on the virtual directory and needs C(https).
      - Filled from the host's C(ansible_psrp_auth) when not set.
      - Environment variable C(EXCHANGE_AUTH).
    type: str
    choices: [basic, certificate, negotiate, kerberos, ntlm, credssp]
    default: kerberos
  username:
    description:
      - The account, as C(user@REALM) for Kerberos or C(DOMAIN\user).
      - Filled from the host's C(ansible_user) (or C(ansible_psrp_user)) when not set, else from the remote user given
        to ansible-playbook (C(-u)).
      - Environment variable C(EXCHANGE_USERNAME).
    type: str
  password:
    description:
      - The account's password. With Kerberos and no password, the controller's ticket cache is used.
      - Filled from the host's C(ansible_password) (or C(ansible_winrm_password)) when not set, else from the
        connection password given to ansible-playbook (C(--ask-pass), C(--connection-password-file), or an Automation
        Platform machine credential).
      - Environment variable C(EXCHANGE_PASSWORD).
    type: str
  cert_validation:
    description:
      - Whether to validate the server's TLS certificate (C(https) only).
      - Filled from the host's C(ansible_psrp_cert_validation) when not set.
      - Environment variable C(EXCHANGE_CERT_VALIDATION).
    type: str
    choices: [validate, ignore]
    default: validate
  ca_cert:
    description:
      - A CA bundle to validate the server's certificate with.
      - Environment variable C(EXCHANGE_CA_CERT).
    type: path
  connection_timeout:
    description:
      - Seconds to wait for a connection to be made.
      - Environment variable C(EXCHANGE_CONNECTION_TIMEOUT).
    type: int
    default: 30
  read_timeout:
    description:
      - Seconds to wait for an answer; must exceed I(operation_timeout).
      - Environment variable C(EXCHANGE_READ_TIMEOUT).
    type: int
    default: 30
  operation_timeout:
    description:
      - Seconds the server may hold a request open waiting for output before it answers that it has none yet.
      - Environment variable C(EXCHANGE_OPERATION_TIMEOUT).
    type: int
    default: 20
  reconnection_retries:
    description:
      - How often pypsrp retries a request whose connection failed.
      - Environment variable C(EXCHANGE_RECONNECTION_RETRIES).
    type: int
    default: 0
  reconnection_backoff:
    description:
      - Seconds pypsrp waits before its first reconnection retry; doubled for each further one.
      - Environment variable C(EXCHANGE_RECONNECTION_BACKOFF).
    type: float
    default: 2.0
  retries:
    description:
      - How often a transient failure (connection reset, HTTP 5xx, session throttling) is retried, with a doubling
        pause. Only reads and writes that are safe to repeat are retried.
      - Environment variable C(EXCHANGE_RETRIES).
    type: int
    default: 3
  message_encryption:
    description:
      - WinRM message encryption over C(http) (C(auto) uses it whenever the authentication can).
      - Environment variable C(EXCHANGE_MESSAGE_ENCRYPTION).
    type: str
    choices: [auto, always, never]
    default: auto
  proxy:
    description:
      - An HTTP proxy to connect through.
      - Environment variable C(EXCHANGE_PROXY).
    type: str
  ignore_proxy:
    description:
      - Ignore the proxy settings of the environment.
      - Environment variable C(EXCHANGE_IGNORE_PROXY).
    type: bool
    default: false
  negotiate_delegate:
    description:
      - Allow the credentials to be delegated (Kerberos). Not needed, as the modules run on the controller.
      - Environment variable C(EXCHANGE_NEGOTIATE_DELEGATE).
    type: bool
  negotiate_hostname_override:
    description:
      - The host name to use in the service principal name, when it differs from I(server).
      - Environment variable C(EXCHANGE_NEGOTIATE_HOSTNAME_OVERRIDE).
    type: str
  negotiate_send_cbt:
    description:
      - Send channel binding tokens over C(https).
      - Environment variable C(EXCHANGE_NEGOTIATE_SEND_CBT).
    type: bool
    default: true
  negotiate_service:
    description:
      - The service part of the service principal name.
      - Environment variable C(EXCHANGE_NEGOTIATE_SERVICE).
    type: str
    default: WSMAN
  certificate_pem:
    description:
      - Client certificate for I(auth=certificate).
      - Environment variable C(EXCHANGE_CERTIFICATE_PEM).
    type: path
  certificate_key_pem:
    description:
      - Key of the client certificate for I(auth=certificate).
      - Environment variable C(EXCHANGE_CERTIFICATE_KEY_PEM).
    type: path
  credssp_auth_mechanism:
    description:
      - Inner authentication of CredSSP.
      - Environment variable C(EXCHANGE_CREDSSP_AUTH_MECHANISM).
    type: str
    choices: [auto, kerberos, ntlm]
  credssp_disable_tlsv1_2:
    description:
      - Allow CredSSP to use TLS older than 1.2.
      - Environment variable C(EXCHANGE_CREDSSP_DISABLE_TLSV1_2).
    type: bool
  credssp_minimum_version:
    description:
      - Lowest CredSSP protocol version accepted.
      - Environment variable C(EXCHANGE_CREDSSP_MINIMUM_VERSION).
    type: int
  host_port:
    description:
      - Port of the host endpoint (the WinRM service on the server itself), used only for work that must run there
        (installing the anti-spam agents, restarting the transport service).
      - Filled from the host's C(ansible_port) (or C(ansible_psrp_port)) when not set; else C(5985) for
        I(host_protocol=http) and C(5986) for I(host_protocol=https).
      - Environment variable C(EXCHANGE_HOST_PORT).
    type: int
  host_protocol:
    description:
      - Protocol of the host endpoint.
      - Filled from the host's C(ansible_psrp_protocol) when not set; when only its port is set, C(http) for C(5985)
        and C(https) for any other port, as the C(ansible.builtin.psrp) connection plugin decides.
      - Environment variable C(EXCHANGE_HOST_PROTOCOL).
    type: str
    choices: [http, https]
    default: http
  host_path:
    description:
      - URL path of the host endpoint.
      - Filled from the host's C(ansible_psrp_path) when not set.
      - Environment variable C(EXCHANGE_HOST_PATH).
    type: str
    default: wsman
  host_configuration_name:
    description:
      - Session configuration of the host endpoint.
      - Filled from the host's C(ansible_psrp_configuration_name) when not set.
      - Environment variable C(EXCHANGE_HOST_CONFIGURATION_NAME).
    type: str
    default: Microsoft.PowerShell
  host_transport:
    description:
      - How to reach the host endpoint. C(psrp) opens a PowerShell Remoting session (pypsrp). C(winrm) runs
        C(powershell.exe -EncodedCommand) through WinRS (pywinrm), for sites that allow only that; the same commands
        are sent, written as PowerShell with literal quoting.
      - Environment variable C(EXCHANGE_HOST_TRANSPORT).
    type: str
    choices: [psrp, winrm]
    default: psrp
notes:
  - The module runs on the Ansible controller, whatever the play's connection is, and talks to Exchange over
    PowerShell Remoting with pypsrp. Nothing is installed on the Exchange server; there is no Kerberos double hop.
  - Connection options not set on the task (or through C(module_defaults) for C(group/mailhygiene.exchange.exchange))
    are taken from the host's C(exchange_<option>) variables (for example C(exchange_port), C(exchange_protocol)),
    then from its C(ansible_host), C(ansible_user), C(ansible_password) and C(ansible_psrp_*) variables, resolved as
    the C(ansible.builtin.psrp) connection plugin resolves them, then from C(EXCHANGE_*) environment variables, then
    from the defaults above.
  - Commands are sent as command names with parameters, never as script text; the management endpoint runs in
    NoLanguage mode.
requirements:
  - pypsrp >= 0.8.1 on the controller
  - pywinrm >= 0.4.3 on the controller for I(host_transport=winrm)
  - pykerberos or gssapi on the controller for Kerberos authentication
"""
