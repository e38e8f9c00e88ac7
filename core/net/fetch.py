"""The one guarded outbound HTTP(S) GET: SSRF guard, DNS pinning, overall deadline, size cap."""

from __future__ import annotations

import contextlib
import http.client
import io
import ipaddress
import socket
import ssl
import threading
import time
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlsplit

from core.errors import FetchError

MAX_URL_LENGTH = 2048
USER_AGENT = "Sceau/0.1 (+credential verifier)"
_READ_CHUNK = 65536

IPAddress = ipaddress.IPv4Address | ipaddress.IPv6Address
_NAT64 = ipaddress.IPv6Network("64:ff9b::/96")


@dataclass(frozen=True)
class FetchResult:
    """A response. ``content_type`` is the lower-cased media type without parameters; header
    names are lower-cased. Any non-redirect status is returned: callers check ``status``."""

    url: str
    status: int
    content_type: str
    body: bytes
    headers: dict[str, str] = field(default_factory=dict)

    @property
    def ok(self) -> bool:
        """True for a 2xx status."""
        return 200 <= self.status < 300


def _refused(message: str) -> FetchError:
    return FetchError(message, code="fetch_refused")


def is_public_address(address: str | IPAddress) -> bool:
    """False for loopback, private, link-local, multicast, reserved, unspecified and the like,
    judging IPv4 addresses embedded in IPv6 (mapped, NAT64, 6to4); Teredo is refused."""
    try:
        ip = ipaddress.ip_address(address) if isinstance(address, str) else address
    except ValueError:
        return False
    if isinstance(ip, ipaddress.IPv6Address):
        embedded: list[IPAddress] = []
        if ip.ipv4_mapped is not None:
            embedded.append(ip.ipv4_mapped)
        if ip in _NAT64:
            embedded.append(ipaddress.IPv4Address(int(ip) & 0xFFFFFFFF))
        if ip.sixtofour is not None:
            embedded.append(ip.sixtofour)
        if ip.teredo is not None:
            return False  # a tunnel to an address we cannot vet
        if embedded:
            return all(is_public_address(e) for e in embedded)
    return ip.is_global and not (
        ip.is_loopback
        or ip.is_private
        or ip.is_link_local
        or ip.is_multicast
        or ip.is_reserved
        or ip.is_unspecified
    )


def _resolve(host: str, port: int, timeout: float) -> list[str]:
    """getaddrinfo once (in a helper thread so the deadline also bounds DNS)."""
    outcome: dict[str, Any] = {}

    def work() -> None:
        try:
            outcome["infos"] = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
        except (OSError, UnicodeError):
            outcome["error"] = True

    worker = threading.Thread(target=work, name="sceau-dns", daemon=True)
    worker.start()
    worker.join(max(timeout, 0.0))
    if worker.is_alive():
        raise FetchError(f"resolving {host!r} took too long", code="fetch_timeout")
    if "error" in outcome or not outcome.get("infos"):
        raise FetchError(f"cannot resolve host {host!r}")
    addresses: list[str] = []
    for _family, _type, _proto, _name, sockaddr in outcome["infos"]:
        address = str(sockaddr[0])
        if address not in addresses:
            addresses.append(address)
    return addresses


class _PinnedHTTPConnection(http.client.HTTPConnection):
    """Connects to an already vetted IP; Host (and SNI for TLS) stay the original name."""

    def __init__(self, host: str, port: int, ip: str, timeout: float) -> None:
        super().__init__(host, port, timeout=timeout)
        self._pinned_ip = ip

    def connect(self) -> None:
        self.sock = socket.create_connection((self._pinned_ip, self.port), self.timeout)


class _PinnedHTTPSConnection(_PinnedHTTPConnection):
    default_port = 443

    def __init__(self, host: str, port: int, ip: str, timeout: float) -> None:
        super().__init__(host, port, ip, timeout)
        self._tls = ssl.create_default_context()

    def connect(self) -> None:
        raw = socket.create_connection((self._pinned_ip, self.port), self.timeout)
        try:
            self.sock = self._tls.wrap_socket(raw, server_hostname=self.host)
        except BaseException:
            raw.close()
            raise


def _parse_url(url: str, allow_http: bool) -> tuple[str, str, int, str]:
    if not isinstance(url, str) or len(url) > MAX_URL_LENGTH:
        raise _refused("the URL is missing or too long")
    if any(ord(c) <= 0x20 or ord(c) == 0x7F for c in url):
        raise _refused("the URL contains spaces or control characters")
    try:
        parts = urlsplit(url)
        host = parts.hostname
    except ValueError:  # a bracketed host that is no IPv6 address ("https://[::g]/")
        raise _refused("the URL is not valid") from None
    scheme = parts.scheme.lower()
    if scheme != "https" and not (scheme == "http" and allow_http):
        raise _refused("only https:// URLs may be fetched")
    if parts.username is not None or parts.password is not None or "@" in parts.netloc:
        raise _refused("URLs with credentials are not fetched")
    if not host:
        raise _refused("the URL has no host")
    try:
        port = parts.port or (443 if scheme == "https" else 80)
    except ValueError:
        raise _refused("the URL has an invalid port") from None
    target = (parts.path or "/") + (f"?{parts.query}" if parts.query else "")
    return scheme, host, port, target


def _addresses(host: str, port: int, allow_private: bool, timeout: float) -> list[str]:
    try:
        literal: IPAddress | None = ipaddress.ip_address(host)
    except ValueError:
        literal = None
    addresses = [str(literal)] if literal is not None else _resolve(host, port, timeout)
    if not allow_private:
        blocked = [a for a in addresses if not is_public_address(a.split("%", 1)[0])]
        if blocked:
            # All-or-nothing: a name that also points inside is refused outright.
            raise _refused(f"{host!r} resolves to a non-public address")
    return addresses


def fetch(
    url: str,
    *,
    timeout: float,
    max_bytes: int,
    allow_private: bool = False,
    allow_http: bool = False,
    accept: str = "application/json",
) -> FetchResult:
    """GET ``url`` under the guard; every failure is a FetchError with a clear message.

    https only (http with ``allow_http``), public addresses only (unless ``allow_private``),
    one DNS lookup whose answer is the address connected to, TLS verified against the name,
    no redirects, ``timeout`` seconds for everything, at most ``max_bytes`` of body.
    """
    deadline = time.monotonic() + timeout
    scheme, host, port, target = _parse_url(url, allow_http)
    addresses = _addresses(host, port, allow_private, timeout)
    connection_class = _PinnedHTTPSConnection if scheme == "https" else _PinnedHTTPConnection

    last_error: FetchError | None = None
    for address in addresses:
        remaining = deadline - time.monotonic()
        if remaining <= 0:
            break
        conn = connection_class(host, port, address, remaining)
        try:
            return _exchange(conn, url, target, accept, max_bytes, deadline)
        except _ConnectFailed as failure:
            last_error = failure.error  # try the next address
        finally:
            conn.close()
    raise last_error or FetchError(f"timed out fetching {url}", code="fetch_timeout")


class _DeadlineSocket:
    """A connected socket whose every read and write is bounded by the overall deadline.

    A socket timeout bounds one read: a server that sends a byte a second keeps each read short
    and would hold the fetch for ever. Here every call gets the time left as its timeout, and
    none starts once the deadline has passed. (Shutting the socket down from a timer does not
    end a blocked TLS read on Linux while data keeps arriving.)
    """

    def __init__(self, sock: socket.socket, deadline: float) -> None:
        self._sock = sock
        self._deadline = deadline

    def _arm(self) -> None:
        remaining = self._deadline - time.monotonic()
        if remaining <= 0:
            raise TimeoutError("the fetch deadline has passed")
        self._sock.settimeout(remaining)

    def recv_into(self, buffer: Any, nbytes: int = 0) -> int:
        self._arm()
        return self._sock.recv_into(buffer, nbytes)

    def recv(self, bufsize: int) -> bytes:
        self._arm()
        return self._sock.recv(bufsize)

    def sendall(self, data: Any) -> None:
        self._arm()
        self._sock.sendall(data)

    def makefile(self, mode: str = "r", buffering: int | None = None, **_: Any) -> Any:
        # What http.client reads the response from: our recv_into, through a buffer.
        raw = socket.SocketIO(self, "rb" if "b" in mode else mode)  # type: ignore[arg-type]
        self._sock._io_refs += 1  # type: ignore[attr-defined]
        return io.BufferedReader(raw, buffering or io.DEFAULT_BUFFER_SIZE)

    def __getattr__(self, name: str) -> Any:
        return getattr(self._sock, name)


class _ConnectFailed(Exception):
    def __init__(self, error: FetchError) -> None:
        super().__init__(error.message)
        self.error = error


def _exchange(
    conn: _PinnedHTTPConnection,
    url: str,
    target: str,
    accept: str,
    max_bytes: int,
    deadline: float,
) -> FetchResult:
    expired = threading.Event()

    def abort() -> None:
        # The overall deadline: unblock whatever read is in progress.
        expired.set()
        sock = conn.sock
        if sock is not None:
            with contextlib.suppress(OSError):
                sock.shutdown(socket.SHUT_RDWR)

    watchdog = threading.Timer(max(deadline - time.monotonic(), 0.0), abort)
    watchdog.daemon = True
    watchdog.start()
    try:
        try:
            conn.connect()
        except ssl.SSLCertVerificationError:
            raise FetchError(f"TLS certificate verification failed for {url}") from None
        except ssl.SSLError:
            raise FetchError(f"TLS handshake failed for {url}") from None
        except TimeoutError:
            raise _ConnectFailed(
                FetchError(f"timed out connecting for {url}", code="fetch_timeout")
            ) from None
        except OSError:
            raise _ConnectFailed(FetchError(f"cannot connect to fetch {url}")) from None
        assert conn.sock is not None
        conn.sock = _DeadlineSocket(conn.sock, deadline)
        result = _request(conn, url, target, accept, max_bytes)
        if expired.is_set():
            raise FetchError(f"timed out fetching {url}", code="fetch_timeout")
        return result
    except TimeoutError:
        raise FetchError(f"timed out fetching {url}", code="fetch_timeout") from None
    except (OSError, http.client.HTTPException):
        if expired.is_set() or time.monotonic() >= deadline:
            raise FetchError(f"timed out fetching {url}", code="fetch_timeout") from None
        raise FetchError(f"the server gave no valid HTTP response for {url}") from None
    finally:
        watchdog.cancel()


def _request(
    conn: _PinnedHTTPConnection, url: str, target: str, accept: str, max_bytes: int
) -> FetchResult:
    conn.request(
        "GET",
        target,
        headers={
            "Accept": accept,
            "Accept-Encoding": "identity",
            "User-Agent": USER_AGENT,
            "Connection": "close",
        },
    )
    response = conn.getresponse()
    try:
        return _read_response(response, url, max_bytes)
    finally:
        response.close()  # a 'Connection: close' response owns the socket


def _read_response(response: http.client.HTTPResponse, url: str, max_bytes: int) -> FetchResult:
    if 300 <= response.status < 400:
        raise FetchError(
            f"{url} answered with a redirect (HTTP {response.status}); redirects are not followed"
        )
    headers: dict[str, str] = {}
    for name, value in response.getheaders():
        key = name.lower()
        headers[key] = f"{headers[key]}, {value}" if key in headers else value
    declared = response.getheader("Content-Length")
    if declared is not None and declared.strip().isdigit() and int(declared) > max_bytes:
        raise FetchError(f"{url} is larger than {max_bytes} bytes", code="fetch_too_large")
    body = bytearray()
    while True:
        chunk = response.read(min(_READ_CHUNK, max_bytes + 1 - len(body)))
        if not chunk:
            break
        body += chunk
        if len(body) > max_bytes:
            raise FetchError(f"{url} is larger than {max_bytes} bytes", code="fetch_too_large")
    content_type = (response.getheader("Content-Type") or "").split(";", 1)[0].strip().lower()
    return FetchResult(url, response.status, content_type, bytes(body), headers)
