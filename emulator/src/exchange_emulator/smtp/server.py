"""The SMTP fronts of a lab: one listener per emulated server, all on one asyncio loop in a thread,
answering as each server's current configuration dictates (read from the state store on every command,
so a cmdlet's change applies to the next RCPT), plus the built-in capture sink when no smart host is set.
"""

from __future__ import annotations

import asyncio
import concurrent.futures
import dataclasses
import email
import email.utils
import logging
import pathlib
import ssl
import threading
import typing
import uuid

from aiosmtpd.smtp import AuthResult, LoginPassword

from ..audit import AuditLog
from ..exchange import accepted_domains
from ..exchange.organization import ServerContext
from ..state import StateStore
from . import policy, reports
from .outbound import DeliveryFailed, SmartHost, relay
from .session import ExchangeSMTP, Recipient, Transaction, banner_text
from .sink import start_sink

log = logging.getLogger(__name__)
OUTBOUND_DIR = "outbound"


class PasswordCheck(typing.Protocol):
    def check_password(self, username: str, password: str) -> str | None: ...


@dataclasses.dataclass(frozen=True)
class FrontSpec:
    server: str
    port: int


class FrontHandler:
    """Decisions for one emulated server (aiosmtpd's event handler, plus the hooks ExchangeSMTP calls)."""

    def __init__(self, front: "SmtpFront", server_name: str) -> None:
        self.front = front
        self.server_name = server_name

    # ------------------------------------------------------------------ the live configuration
    def _read(self, use: typing.Callable[[ServerContext], typing.Any]) -> typing.Any:
        with self.front.store.transaction(mutating=False) as state:
            server = next(s for s in state["servers"] if s["Name"] == self.server_name)
            return use(ServerContext(state, server))

    def refuse_connection(self, session: ExchangeSMTP) -> str | None:
        def check(ctx: ServerContext) -> str | None:
            connector = policy.front_connector(ctx)
            session.banner = banner_text(ctx.server["Fqdn"], connector.get("Banner"))
            session.hostname = ctx.server["Fqdn"]
            if not connector["Enabled"]:
                return "421 4.3.2 Service not available, closing transmission channel"
            return None
        return typing.cast(str | None, self._read(check))

    async def handle_EHLO(self, server: ExchangeSMTP, session: typing.Any, envelope: typing.Any, hostname: str,
                          responses: list[str]) -> list[str]:
        session.host_name = hostname  # aiosmtpd leaves this to an EHLO hook
        offered = {line[4:].split(" ")[0]: line[4:] for line in responses[1:]}
        lines = [server.greeting(server.hostname), f"250-SIZE {server.data_size_limit}", "250-PIPELINING",
                 "250-DSN", "250-ENHANCEDSTATUSCODES"]
        lines += [f"250-{offered[k]}" for k in ("STARTTLS", "AUTH") if k in offered]
        lines.append("250 8BITMIME")
        return lines

    async def handle_HELO(self, server: ExchangeSMTP, session: typing.Any, envelope: typing.Any,
                          hostname: str) -> str:
        session.host_name = hostname
        return server.greeting(server.hostname).replace("250-", "250 ", 1)

    # ------------------------------------------------------------------ RCPT
    async def decide_recipient(self, session: ExchangeSMTP, recipient: Recipient) -> str:
        transaction = session.transaction
        authenticated = bool(session.session and session.session.authenticated)

        def decide(ctx: ServerContext) -> tuple[policy.RecipientVerdict | None, float, int]:
            connector = policy.front_connector(ctx)
            limit = int(connector["MaxRecipientsPerMessage"])
            if len(transaction.recipients) >= limit:
                return None, 0.0, limit
            verdict = policy.recipient_verdict(ctx, recipient.address, agent_active=self.front.agent_active(ctx),
                                               authenticated=authenticated)
            return verdict, policy.timespan_seconds(connector["TarpitInterval"]), limit

        verdict, tarpit, _ = self._read(decide)
        delay = 0.0
        if verdict is None:
            reply = policy.TOO_MANY_RECIPIENTS
        else:
            reply = verdict.reply
            if verdict.tarpit and not authenticated and tarpit > 0:
                delay = tarpit
                await asyncio.sleep(tarpit)  # other connections go on meanwhile
            if verdict.kind in ("unknown", "blocked"):
                transaction.validation_refused = True
        transaction.rcpt_log.append({"address": recipient.address, "reply": reply, "tarpit": delay,
                                     "notify": sorted(recipient.notify) or ["NEVER"], "orcpt": recipient.orcpt,
                                     "kind": verdict.kind if verdict else "limit"})
        return reply

    # ------------------------------------------------------------------ DATA
    def refuse_data(self, session: ExchangeSMTP) -> str | None:
        # A Mailbox server's front end proxies the whole message to the transport service, where one
        # refused recipient makes the message fail (Microsoft's reason to keep the recipient filter on Edge).
        # Choice: the emulator answers DATA itself with the 554 below, before 354.
        if session.transaction.validation_refused and session.transaction.recipients and \
                not self._read(lambda ctx: ctx.is_edge):
            return "554 5.1.1 Message rejected: one or more recipients were refused by recipient validation"
        return None

    async def handle_DATA(self, server: ExchangeSMTP, session: typing.Any, envelope: typing.Any) -> str:
        transaction = server.transaction
        message_id = email.utils.make_msgid(domain=server.hostname)
        internal_id = uuid.uuid4().int % 10**12
        authenticated = bool(session.authenticated)
        original = reports.Original(transaction.mail_from or "", envelope.original_content or b"",
                                    transaction.envid, transaction.ret, email.utils.formatdate(localtime=True))
        planned = self._read(lambda ctx: self._plan(ctx, transaction, original, authenticated))
        for report in planned:
            await self.front.dispatch(self.server_name, report)
        reply = (f"250 2.6.0 {message_id} [InternalId={internal_id}, Hostname={server.hostname}] "
                 "Queued mail for delivery")
        transaction.data_reply = reply
        return reply

    def _plan(self, ctx: ServerContext, transaction: Transaction, original: reports.Original,
              authenticated: bool) -> list["PlannedReport"]:
        fqdn = ctx.server["Fqdn"]
        domain = _default_domain(ctx)
        failures: list[reports.RecipientStatus] = []
        delivered: list[reports.RecipientStatus] = []
        planned: list[PlannedReport] = []
        headers = {k.lower(): str(v) for k, v in original.message.items()}
        for recipient in transaction.recipients:
            outcome = policy.delivery_outcome(ctx, recipient.address)
            transaction.outcomes.append({"address": recipient.address, "outcome": outcome.status,
                                         "status": outcome.code or ("2.0.0" if outcome.status == "delivered" else "")})
            if outcome.status == "failed" and "FAILURE" in recipient.notify:
                failures.append(reports.RecipientStatus(recipient.address, "failed", outcome.code, outcome.diagnostic,
                                                        recipient.orcpt))
            if outcome.status == "delivered" and "SUCCESS" in recipient.notify:
                delivered.append(reports.RecipientStatus(recipient.address, "delivered", "2.0.0", "",
                                                         recipient.orcpt))
            if outcome.status == "delivered" and outcome.recipient is not None:
                decision = policy.auto_reply_decision(ctx, outcome.recipient, original.sender, headers, authenticated)
                if decision.send or outcome.recipient.get("AutoReply"):
                    address = outcome.recipient["PrimarySmtpAddress"]
                    message = reports.automatic_reply(outcome.recipient["Name"], address, original, decision.message) \
                        if decision.send else None
                    planned.append(PlannedReport("auto_reply", original.sender, [recipient.address], "",
                                                 decision.send, decision.reason, message, decision.remote_domain))
        if failures:
            ndr, diagnostics = policy.ndr_decision(ctx, original.sender)
            message = reports.non_delivery_report(fqdn, domain, original, failures, diagnostics) \
                if original.sender else None
            planned.append(PlannedReport("ndr", original.sender, [f.address for f in failures],
                                         ",".join(sorted({f.status for f in failures})), ndr.send, ndr.reason, message,
                                         ndr.remote_domain, diagnostics))
        if delivered:
            dsn = policy.delivery_report_decision(ctx, original.sender)
            message = reports.delivery_report(fqdn, domain, original, delivered) if original.sender else None
            planned.append(PlannedReport("dsn", original.sender, [d.address for d in delivered], "2.0.0", dsn.send,
                                         dsn.reason, message, dsn.remote_domain))
        return planned

    def record_transaction(self, session: ExchangeSMTP, transaction: Transaction) -> None:
        user = session.session.auth_data if session.session and session.session.authenticated else None
        self.front.audit.append({
            "event": "smtp_transaction", "server": self.server_name, "client": session.peer_address,
            "helo": session.session.host_name if session.session else None, "user": user,
            "tls": bool(session.session and session.session.ssl), "mail_from": transaction.mail_from,
            "ret": transaction.ret, "envid": transaction.envid, "rcpts": transaction.rcpt_log,
            "data_reply": transaction.data_reply, "outcomes": transaction.outcomes,
        })

    def authenticate(self, server: ExchangeSMTP, session: typing.Any, envelope: typing.Any, mechanism: str,
                     auth_data: typing.Any) -> AuthResult:
        if not isinstance(auth_data, LoginPassword):
            return AuthResult(success=False, handled=False)
        user = self.front.credentials.check_password(auth_data.login.decode("utf-8", "replace"),
                                                     auth_data.password.decode("utf-8", "replace"))
        if user is None:
            return AuthResult(success=False, handled=False)  # aiosmtpd answers 535 5.7.8
        return AuthResult(success=True, auth_data=user)


@dataclasses.dataclass
class PlannedReport:
    kind: str                    # ndr | dsn | auto_reply
    to: str                      # the envelope sender of the original
    recipients: list[str]        # the original recipients it is about
    status: str
    send: bool
    reason: str
    message: typing.Any          # email.message.Message, or None when nothing can be built (null sender)
    remote_domain: str = ""
    diagnostics: bool = False


def _default_domain(ctx: ServerContext) -> str:
    for obj in accepted_domains.accepted_domains(ctx):
        if obj.get("Default"):
            return str(obj["DomainName"])
    return str(ctx.organization["Domain"])


class SmtpFront:
    def __init__(self, store: StateStore, audit: AuditLog, credentials: PasswordCheck, fronts: list[FrontSpec],
                 smart_host: SmartHost | None, outbound_dir: pathlib.Path, host: str = "127.0.0.1",
                 tls_context: ssl.SSLContext | None = None) -> None:
        self.store = store
        self.audit = audit
        self.credentials = credentials
        self.fronts = fronts
        self.configured_smart_host = smart_host
        self.smart_host = smart_host
        self.outbound_dir = None if smart_host else outbound_dir
        self.host = host
        self.tls_context = tls_context
        self.ports: dict[str, int] = {}
        self.loop = asyncio.new_event_loop()
        self.thread = threading.Thread(target=self.loop.run_forever, name="smtp-fronts", daemon=True)
        # One relay thread: reports reach the smart host in the order they were made.
        self.relay_thread = concurrent.futures.ThreadPoolExecutor(1, thread_name_prefix="smtp-relay")
        self._servers: list[asyncio.Server] = []
        self._agents: dict[str, tuple[int, bool]] = {}

    # ------------------------------------------------------------------ agents as the transport service loaded them
    def agent_active(self, ctx: ServerContext) -> bool:
        """The Recipient Filter agent as the transport service loaded it: agents.config is read when
        MSExchangeTransport starts, so a change counts once the service has restarted since."""
        restarts = policy.transport_restarts(ctx.server)
        loaded = self._agents.get(ctx.server_name)
        if loaded is None or loaded[0] != restarts:
            loaded = (restarts, policy.recipient_filter_agent_configured(ctx.server))
            self._agents[ctx.server_name] = loaded
        return loaded[1]

    # ------------------------------------------------------------------ lifecycle
    def start(self) -> None:
        self.thread.start()
        asyncio.run_coroutine_threadsafe(self._start(), self.loop).result(timeout=30)

    async def _start(self) -> None:
        if self.smart_host is None:
            assert self.outbound_dir is not None
            sink = await start_sink(self.outbound_dir, self.host, 0)
            self._servers.append(sink)
            self.smart_host = SmartHost(self.host, sink.sockets[0].getsockname()[1])
        with self.store.transaction(mutating=False) as state:
            for server in state["servers"]:
                self.agent_active(ServerContext(state, server))  # what the service loaded when the lab started
        for spec in self.fronts:
            handler = FrontHandler(self, spec.server)

            def factory(handler: FrontHandler = handler) -> ExchangeSMTP:
                return ExchangeSMTP(handler, banner="", hostname=handler.server_name, ident="",
                                    tls_context=self.tls_context, auth_require_tls=True,
                                    authenticator=handler.authenticate, loop=self.loop)

            server = await self.loop.create_server(factory, self.host, spec.port)
            self._servers.append(server)
            self.ports[spec.server] = server.sockets[0].getsockname()[1]

    def stop(self) -> None:
        if not self.thread.is_alive():
            return

        async def close() -> None:
            for server in self._servers:
                server.close()
            for server in self._servers:
                await server.wait_closed()

        try:
            asyncio.run_coroutine_threadsafe(close(), self.loop).result(timeout=10)
        except (TimeoutError, concurrent.futures.TimeoutError):
            log.warning("SMTP fronts did not close within 10 s")
        self.loop.call_soon_threadsafe(self.loop.stop)
        self.thread.join(timeout=10)
        self.relay_thread.shutdown(wait=True)
        self.loop.close()

    # ------------------------------------------------------------------ reports
    async def dispatch(self, server_name: str, report: PlannedReport) -> None:
        """Audit a report, then relay it or record why it was deleted. Relayed before the DATA reply, so
        that a client holding its 250 finds the reports already at the smart host."""
        base = {"server": server_name, "kind": report.kind, "to": report.to or "<>",
                "original_recipients": report.recipients, "status": report.status,
                "remote_domain": report.remote_domain}
        if report.message is not None:
            self.audit.append({"event": "report_generated", **base, "diagnostics": report.diagnostics})
        if not report.send or report.message is None:
            self.audit.append({"event": "report_deleted", **base, "reason": report.reason})
            return
        assert self.smart_host is not None
        data = reports.to_bytes(report.message)
        helo = server_name.lower()
        try:
            await self.loop.run_in_executor(self.relay_thread, relay, self.smart_host, "", report.to, data, helo)
        except DeliveryFailed as error:
            self.audit.append({"event": "report_failed", **base, "reason": str(error),
                               "smart_host": str(self.smart_host)})
            return
        self.audit.append({"event": "report_sent", **base, "reason": report.reason,
                           "smart_host": str(self.smart_host)})

    def describe(self) -> dict[str, typing.Any]:
        return {"smart_host": str(self.smart_host) if self.smart_host else None,
                "outbound_dir": str(self.outbound_dir) if self.outbound_dir else None}
