"""A DNS server for tests, on a loopback port (UDP and TCP), built on dnspython's message API: it answers
from a zone dictionary, or misbehaves as real resolvers do (hijacks NXDOMAIN, never answers, SERVFAIL)."""

from __future__ import annotations

import dataclasses
import socket
import struct
import threading
import typing

import dns.flags
import dns.message
import dns.rcode
import dns.rdatatype
import dns.rrset

# What an NXDOMAIN-hijacking resolver answers for every name: an address of its own search page, outside
# 127.0.0.0/8 (a documentation address here; real ones are public addresses).
HIJACK_ADDRESS = "198.51.100.80"
# Without EDNS, a UDP answer is at most 512 bytes (RFC 1035); a longer one is sent truncated.
UDP_LIMIT = 512

Records = dict[str, dict[str, list[str]]]  # name -> type -> values


@dataclasses.dataclass
class Query:
    transport: str
    name: str
    rdtype: str


class DnsServer:
    """behaviour: "zone" answers from `records` (a name that is not there is NXDOMAIN; a name without the type
    asked for is an empty NOERROR), "hijack" answers every A query with HIJACK_ADDRESS, "silent" reads queries
    and never answers, "servfail" answers SERVFAIL."""

    def __init__(self, records: Records | None = None, behaviour: str = "zone") -> None:
        if behaviour not in ("zone", "hijack", "silent", "servfail"):
            raise ValueError(f"behaviour: {behaviour!r}; expected zone, hijack, silent or servfail")
        self.records = {name.lower().rstrip("."): types for name, types in (records or {}).items()}
        self.behaviour = behaviour
        self.queries: list[Query] = []
        self._udp = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        self._udp.bind(("127.0.0.1", 0))
        self.port = self._udp.getsockname()[1]
        self._tcp = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        self._tcp.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        self._tcp.bind(("127.0.0.1", self.port))
        self._tcp.listen(8)
        self._stopping = threading.Event()
        self._threads = [threading.Thread(target=self._serve_udp, daemon=True),
                         threading.Thread(target=self._serve_tcp, daemon=True)]

    def __enter__(self) -> DnsServer:
        for thread in self._threads:
            thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stopping.set()
        for sock in (self._udp, self._tcp):
            try:
                sock.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass
            sock.close()
        for thread in self._threads:
            thread.join(timeout=5)

    def answer(self, wire: bytes, transport: str) -> bytes | None:
        """The reply to a query in wire format, or None to stay silent."""
        query = dns.message.from_wire(wire)
        question = query.question[0]
        name = question.name.to_text(omit_final_dot=True).lower()
        rdtype = dns.rdatatype.to_text(question.rdtype)
        self.queries.append(Query(transport, name, rdtype))
        if self.behaviour == "silent":
            return None
        response = dns.message.make_response(query)
        response.flags |= dns.flags.RA
        if self.behaviour == "servfail":
            response.set_rcode(dns.rcode.SERVFAIL)
        elif self.behaviour == "hijack":
            if rdtype == "A":
                response.answer.append(dns.rrset.from_text(question.name, 60, "IN", "A", HIJACK_ADDRESS))
        elif name not in self.records:
            response.set_rcode(dns.rcode.NXDOMAIN)
        else:
            values = self.records[name].get(rdtype, [])
            if rdtype == "TXT":
                values = [_quoted(v) for v in values]
            if values:
                response.answer.append(dns.rrset.from_text(question.name, 300, "IN", rdtype, *values))
        reply = response.to_wire()
        if transport == "udp" and len(reply) > UDP_LIMIT:
            truncated = dns.message.make_response(query)
            truncated.flags |= dns.flags.RA | dns.flags.TC
            reply = truncated.to_wire()
        return typing.cast(bytes, reply)

    def _serve_udp(self) -> None:
        while not self._stopping.is_set():
            try:
                wire, client = self._udp.recvfrom(4096)
            except OSError:
                return
            if self._stopping.is_set():  # shutdown() wakes recvfrom with an empty datagram
                return
            reply = self.answer(wire, "udp")
            if reply is not None:
                self._udp.sendto(reply, client)

    def _serve_tcp(self) -> None:
        while not self._stopping.is_set():
            try:
                connection = self._tcp.accept()[0]
            except OSError:
                return
            with connection:
                connection.settimeout(5)
                try:
                    length = struct.unpack("!H", _read(connection, 2))[0]
                    reply = self.answer(_read(connection, length), "tcp")
                    if reply is not None:
                        connection.sendall(struct.pack("!H", len(reply)) + reply)
                except (OSError, ConnectionError):
                    continue


def _quoted(text: str) -> str:
    """A TXT record in zone file syntax: strings of at most 255 bytes each (RFC 1035), which clients join."""
    chunks = [text[i:i + 255] for i in range(0, len(text), 255)] or [""]
    return " ".join('"' + chunk.replace("\\", "\\\\").replace('"', '\\"') + '"' for chunk in chunks)


def _read(connection: socket.socket, size: int) -> bytes:
    data = b""
    while len(data) < size:
        chunk = connection.recv(size - len(data))
        if not chunk:
            raise ConnectionError("the client closed the connection")
        data += chunk
    return data
