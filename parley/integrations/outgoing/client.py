"""POSTing to a bot's endpoint without letting its URL reach inside Parley's network.

The endpoint's name is resolved once; every address it resolves to must be public
(global unicast: not loopback, private, link-local, shared, multicast, reserved or
unspecified, which covers the cloud metadata addresses 169.254.169.254 and fd00:ec2::254)
unless it is in OUTGOING_WEBHOOK_ALLOWED_NETWORKS. The connection then goes to the
checked address itself, with the name in the Host header and in TLS (SNI and the
certificate check): a second resolution, which a rebinding DNS server could answer with
another address, never happens. Redirects are not followed: a 3xx answer is a failure.

The HTTP client is urllib3 (the connection pools, given the address and the name apart).
"""

import re
import socket
from dataclasses import dataclass
from ipaddress import IPv4Network, IPv6Address, IPv6Network, ip_address, ip_network
from urllib.parse import urlsplit

import urllib3
from django.conf import settings

Address = IPv4Network | IPv6Network

# The most of an answer that is read: a reply's text is at most a message long.
MAX_ANSWER_BYTES = 256 * 1024
# A host name in ASCII (IDNA), or an IP address (IPv6 without its brackets).
HOST = re.compile(r"[A-Za-z0-9._:-]+")


class Refused(Exception):
    """The endpoint's URL or address is not one Parley sends to (nothing was sent)."""


@dataclass(frozen=True)
class Answer:
    status: int
    body: bytes


def allowed_networks() -> list[Address]:
    return [ip_network(n, strict=False) for n in settings.OUTGOING_WEBHOOK_ALLOWED_NETWORKS]


def check_address(address: str) -> str:
    """`address` (an IP, as resolved) if Parley may connect to it; else Refused."""
    ip = ip_address(address.split("%", 1)[0])  # an IPv6 zone never widens what is allowed
    if isinstance(ip, IPv6Address) and ip.ipv4_mapped is not None:
        ip = ip.ipv4_mapped  # ::ffff:127.0.0.1 is 127.0.0.1
    if any(ip in network for network in allowed_networks()):
        return str(ip)
    if not ip.is_global or ip.is_multicast:
        raise Refused(f"{ip} is not a public address.")
    return str(ip)


def resolve(host: str, port: int) -> str:
    """The one address to connect to for `host`: every address it resolves to is checked
    (one refused refuses the name: a name that also points inside is not trusted)."""
    try:
        infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    except socket.gaierror as error:
        raise OSError(f"{host} did not resolve: {error}") from error
    addresses = [check_address(str(info[4][0])) for info in infos]
    if not addresses:
        raise OSError(f"{host} did not resolve.")
    return addresses[0]


def check_url(url: str) -> tuple[str, str, int, str]:
    """(scheme, host, port, path with query) of an endpoint URL, or ValueError."""
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise ValueError("An http:// or https:// URL with a host.")
    if parts.username or parts.password:
        raise ValueError("No user name or password in the URL.")
    port = parts.port or (443 if parts.scheme == "https" else 80)  # ValueError if bad
    try:
        host = parts.hostname.encode("idna").decode("ascii")  # what DNS and Host carry
    except UnicodeError:
        raise ValueError("Not a host name.") from None
    if not HOST.fullmatch(host):
        raise ValueError("Not a host name.")
    path = (parts.path or "/") + (f"?{parts.query}" if parts.query else "")
    return parts.scheme, host, port, path


def post(url: str, body: bytes, headers: dict[str, str], *, timeout: float) -> Answer:
    """POST `body` to `url` from a checked address (see the module). Raises Refused
    before sending anything to an address not allowed, OSError or urllib3's errors when
    the endpoint cannot be reached or is too slow (`timeout`: connect and answer)."""
    scheme, host, port, path = check_url(url)
    address = resolve(host, port)
    name = f"[{host}]" if ":" in host else host
    default_port = 443 if scheme == "https" else 80
    host_header = name if port == default_port else f"{name}:{port}"
    limit = urllib3.Timeout(total=timeout)
    pool: urllib3.HTTPConnectionPool
    if scheme == "https":
        pool = urllib3.HTTPSConnectionPool(
            address, port, timeout=limit, retries=False, maxsize=1,
            server_hostname=host, assert_hostname=host,
        )  # fmt: skip
    else:
        pool = urllib3.HTTPConnectionPool(address, port, timeout=limit, retries=False, maxsize=1)
    with pool:
        response = pool.urlopen(
            "POST", path, body=body, headers={**headers, "Host": host_header},
            redirect=False, retries=False, preload_content=False,
        )  # fmt: skip
        try:
            data = response.read(MAX_ANSWER_BYTES, decode_content=True)
        finally:
            response.release_conn()
    return Answer(response.status, data or b"")
