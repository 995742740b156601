"""Which network addresses a URL taken from a list may be requested at.

A list is written by anyone; its links must not turn alignfetch into a way to
reach what sits behind the machine it runs on (a router's page, a cloud
metadata service, a database on localhost). This module owns that decision,
for every feature that requests a URL read from a list (the ``link`` rule of
``check`` today; a ``url:`` entry's page metadata later):

- :func:`refusal` says why a URL may not be asked, by the addresses its host
  *resolves to* (``socket.getaddrinfo``), every one of them: loopback, private
  (RFC 1918, ``fc00::/7``), link-local, multicast, unspecified, reserved, shared
  (``100.64.0.0/10``) and the IPv6 forms that carry such an IPv4 address
  (IPv4-mapped, 6to4, NAT64). Callers ask it before the first request and again
  for every redirect's target (they follow redirects themselves).
- :func:`guard` makes a ``requests`` session check the address it actually
  connected to, before a byte of the request is sent, so that a name resolved
  to a public address for :func:`refusal` and to a private one a moment later
  (DNS rebinding) is caught as well.

``ALIGNFETCH_ALLOW_PRIVATE_NETWORK=1`` (read into
:attr:`~alignfetch.config.Settings.allow_private_network`) lifts the rule, for
tests that talk to servers on 127.0.0.1 and for a list of an intranet's pages.
"""

from __future__ import annotations

import functools
import ipaddress
import socket
from typing import TYPE_CHECKING, Any
from urllib.parse import urlsplit

if TYPE_CHECKING:
    import requests

__all__ = ["ALLOW_ENV", "Refused", "Unresolved", "guard", "private", "refusal"]

ALLOW_ENV = "ALIGNFETCH_ALLOW_PRIVATE_NETWORK"
"""The environment variable that, set to ``1``, lets URLs reach private addresses."""

Address = ipaddress.IPv4Address | ipaddress.IPv6Address

_SHARED = ipaddress.ip_network("100.64.0.0/10")  # carrier-grade NAT (RFC 6598)
_NAT64 = ipaddress.ip_network("64:ff9b::/96")  # well-known NAT64 prefix (RFC 6052)
_NAT64_LOCAL = ipaddress.ip_network("64:ff9b:1::/48")  # local-use NAT64 (RFC 8215)


class Refused(Exception):
    """A URL that may not be asked; ``reason`` is a clause (``127.0.0.1 is a loopback
    address``) that a caller puts into its own sentence."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


class Unresolved(Exception):
    """A URL no request could reach: its host resolves to no address, or its port is not
    one; ``reason`` says which, briefly (``unknown host``)."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


def private(address: str) -> str | None:
    """What kind of address that may not be asked ``address`` is (``a loopback
    address``), or None when it is a public one."""
    try:
        ip: Address = ipaddress.ip_address(address.split("%", 1)[0])  # drop an IPv6 zone
    except ValueError:
        return "not an IP address"
    if isinstance(ip, ipaddress.IPv6Address):
        # An IPv6 address that carries an IPv4 one reaches that IPv4 address.
        inner = ip.ipv4_mapped or ip.sixtofour
        if inner is None and ip in _NAT64:
            inner = ipaddress.IPv4Address(int(ip) & 0xFFFFFFFF)
        if inner is not None:
            kind = private(str(inner))
            return f"{kind} (as {inner})" if kind else None
        if ip in _NAT64_LOCAL:
            return "a private address"
    if ip.is_loopback:
        return "a loopback address"
    if ip.is_unspecified:
        return "an unspecified address"
    if ip.is_link_local:
        return "a link-local address"
    if ip.is_multicast:
        return "a multicast address"
    if isinstance(ip, ipaddress.IPv4Address) and ip in _SHARED:
        return "a shared (carrier-grade NAT) address"
    if ip.is_reserved:  # before is_private, which takes in 240.0.0.0/4 as well
        return "a reserved address"
    if ip.is_private:
        return "a private address"
    if not ip.is_global:
        return "a reserved address"
    return None


def resolve(host: str, port: int) -> list[str]:
    """Every address ``host`` resolves to (an IP literal resolves to itself)."""
    try:
        infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    except (OSError, UnicodeError, ValueError) as err:  # gaierror is an OSError
        raise Unresolved("unknown host") from err
    return list(dict.fromkeys(str(info[4][0]) for info in infos))


def refusal(url: str, *, allow_private: bool = False) -> str | None:
    """Why ``url`` may not be asked (a clause), or None when it may.

    Its host is resolved and every address it resolves to must be public; with
    ``allow_private`` any address is fine. A host that resolves to nothing, or a
    port that is none, raises :class:`Unresolved` either way: no request could
    reach it.
    """
    parts = urlsplit(url)
    host = parts.hostname
    try:
        port = parts.port or (443 if parts.scheme.lower() == "https" else 80)
    except ValueError:
        raise Unresolved("invalid port") from None
    if not host:
        raise Unresolved("no host")
    addresses = resolve(host, port)
    if allow_private:
        return None
    for address in addresses:
        kind = private(address)
        if kind is not None:
            if address == host.strip("[]"):
                return f"{address} is {kind}"
            return f"{host} resolves to {address}, {kind}"
    return None


# -- the address actually connected to ----------------------------------------------------


def guard(session: requests.Session, *, allow_private: bool = False) -> requests.Session:
    """Make ``session`` refuse a connection whose peer is a private address.

    The check runs once the TCP connection stands and before anything is sent on
    it (for https, before the TLS handshake), and raises :class:`Refused` out of
    the request. It covers the session's direct connections; through a proxy the
    peer is the proxy, which resolves the name itself, so only :func:`refusal`'s
    check applies there.
    """
    if allow_private:
        return session
    http, https = _pools()
    for prefix in ("http://", "https://"):
        adapter: Any = session.get_adapter(prefix)
        manager = adapter.poolmanager
        manager.pool_classes_by_scheme = {"http": http, "https": https}
        manager.clear()  # no pool was made yet; should one be, it goes
    return session


def _check_peer(sock: socket.socket) -> None:
    try:
        peer = str(sock.getpeername()[0])
    except OSError:
        return  # not connected after all: the request itself fails
    kind = private(peer)
    if kind is not None:
        sock.close()
        raise Refused(f"it connected to {peer}, {kind}")


@functools.cache
def _pools() -> tuple[type, type]:
    """urllib3 connection pools whose connections check their peer (made once, lazily:
    only a command that sends a request loads urllib3).

    The hook is urllib3's ``HTTPConnection._new_conn``, the one place between the
    TCP connect and the first byte sent (urllib3 1.x and 2.x alike; the tests of
    :func:`guard` fail should it move).
    """
    from urllib3.connection import HTTPConnection, HTTPSConnection
    from urllib3.connectionpool import HTTPConnectionPool, HTTPSConnectionPool

    class Checked(HTTPConnection):
        def _new_conn(self) -> socket.socket:
            sock = super()._new_conn()
            _check_peer(sock)
            return sock

    class CheckedTLS(HTTPSConnection):
        def _new_conn(self) -> socket.socket:
            sock = super()._new_conn()
            _check_peer(sock)
            return sock

    class Pool(HTTPConnectionPool):
        ConnectionCls = Checked

    class PoolTLS(HTTPSConnectionPool):
        ConnectionCls = CheckedTLS

    return Pool, PoolTLS
