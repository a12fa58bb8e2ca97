"""A lab mail server for the desk's e-mail tests: Postfix and Dovecot from Debian in one podman
container (prefix ``dzdk``, network 198.18.160.0/24), built with the lab's own image machinery.

Mail never leaves the container: Postfix delivers to local Maildirs and refuses every other
destination. TLS (STARTTLS on SMTP and IMAP) uses a certificate made by the test for the
container's address, signed by the test's own CA.
"""

from __future__ import annotations

import hashlib
import socket
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from ipaddress import IPv4Address
from pathlib import Path

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID

from dzict.lab import images, rootfs
from dzict.lab.build import build_role
from dzict.lab.chroot import BuildContext
from dzict.lab.podman import Podman
from dzict.lab.recipes import Recipe

NAME = "dzdk-mail"
SUBNET = "198.18.160.0/24"
GATEWAY = "198.18.160.1"
ADDRESS = "198.18.160.10"
DOMAIN = "lab.invalid"
HOSTNAME = f"mail.{DOMAIN}"
USERS = {"desk": "desk mailbox password", "guma": "guma mailbox password"}
CERTS = "/etc/ssl/dzdk"

POSTFIX = {
    "myhostname": HOSTNAME,
    "mydomain": DOMAIN,
    "myorigin": "$mydomain",
    "mydestination": "$myhostname, $mydomain, localhost",
    "inet_interfaces": "all",
    "inet_protocols": "ipv4",
    "mynetworks": "127.0.0.0/8 198.18.0.0/15",
    "home_mailbox": "Maildir/",
    "relayhost": "",
    # nothing leaves the lab: every destination that is not local is an error
    "default_transport": "error:mail leaves no lab",
    "relay_transport": "error:mail leaves no lab",
    "smtpd_tls_cert_file": f"{CERTS}/mail.pem",
    "smtpd_tls_key_file": f"{CERTS}/mail.key",
    "smtpd_tls_security_level": "may",
    "smtp_tls_security_level": "none",
    "compatibility_level": "3.6",
}
DOVECOT = f"""# the desk's lab mailbox server
protocols = imap
listen = *
mail_location = maildir:~/Maildir
ssl = required
ssl_cert = <{CERTS}/mail.pem
ssl_key = <{CERTS}/mail.key
"""


def mail_hook(ctx: BuildContext) -> None:
    """Postfix for local delivery only, Dovecot IMAP over STARTTLS, two mail users."""
    if not (ctx.root / "etc/postfix/main.cf").exists():
        ctx.chroot("cp", "/usr/share/postfix/main.cf.debian", "/etc/postfix/main.cf")
    ctx.chroot("postconf", "-e", *(f"{key}={value}" for key, value in POSTFIX.items()))
    (ctx.root / "etc/mailname").write_text(f"{DOMAIN}\n")
    (ctx.root / "etc/dovecot/conf.d/99-dzdk.conf").write_text(DOVECOT)
    for user, password in USERS.items():
        ctx.chroot("useradd", "--create-home", "--shell", "/usr/sbin/nologin", user)
        ctx.chroot("chpasswd", input_text=f"{user}:{password}\n")
        ctx.chroot("install", "-d", "-o", user, "-g", user, f"/home/{user}/Maildir")


RECIPE = Recipe(
    "mail",
    ("postfix", "dovecot-imapd"),
    enable=("postfix.service", "dovecot.service"),
    hook=mail_hook,
)


def image_ref() -> str:
    """``localhost/dzdk-mail:TAG``, the tag a hash of the base, the packages and the hook."""
    data = images.base_tag() + repr(RECIPE.packages) + images.code_of(mail_hook) + DOVECOT
    data += repr(sorted(POSTFIX.items()))
    return f"localhost/{NAME}:{hashlib.sha256(data.encode()).hexdigest()[:12]}"


def ensure_image(podman: Podman) -> str:
    """The mail image, built once (the base root file system is the lab's, cached)."""
    ref = image_ref()
    if not podman.ok("image", "exists", ref):
        cache = images.cache_dir()
        with images.build_lock(cache):
            if not podman.ok("image", "exists", ref):
                base = rootfs.build_base(cache, images.base_tag(), print)
                build_role(RECIPE, ref, base, cache, podman=podman, log=print)
    return ref


@dataclass(frozen=True)
class MailServer:
    """The running mail server: its address, the CA that signed it, the users' passwords."""

    address: str
    cafile: Path
    users: dict[str, str]

    def address_of(self, user: str) -> str:
        """A user's e-mail address."""
        return f"{user}@{DOMAIN}"


def make_certificates(folder: Path) -> tuple[Path, bytes, bytes]:
    """A CA (its PEM file) and a server key and certificate for the container's address."""
    folder.mkdir(parents=True, exist_ok=True)
    now = datetime.now(UTC)
    ca_key = ec.generate_private_key(ec.SECP256R1())
    ca_name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "dzdk lab mail CA")])
    ca = (
        x509.CertificateBuilder()
        .subject_name(ca_name)
        .issuer_name(ca_name)
        .public_key(ca_key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - timedelta(minutes=5))
        .not_valid_after(now + timedelta(days=2))
        .add_extension(x509.BasicConstraints(ca=True, path_length=0), critical=True)
        .add_extension(
            x509.KeyUsage(False, False, False, False, False, True, True, False, False), True
        )
        .add_extension(
            x509.SubjectKeyIdentifier.from_public_key(ca_key.public_key()), critical=False
        )
        .sign(ca_key, hashes.SHA256())
    )
    key = ec.generate_private_key(ec.SECP256R1())
    cert = (
        x509.CertificateBuilder()
        .subject_name(x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, HOSTNAME)]))
        .issuer_name(ca_name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - timedelta(minutes=5))
        .not_valid_after(now + timedelta(days=2))
        .add_extension(
            x509.SubjectAlternativeName(
                [x509.DNSName(HOSTNAME), x509.IPAddress(IPv4Address(ADDRESS))]
            ),
            critical=False,
        )
        .add_extension(
            x509.AuthorityKeyIdentifier.from_issuer_public_key(ca_key.public_key()),
            critical=False,
        )
        .sign(ca_key, hashes.SHA256())
    )
    cafile = folder / "ca.pem"
    cafile.write_bytes(ca.public_bytes(serialization.Encoding.PEM))
    key_pem = key.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.TraditionalOpenSSL,
        serialization.NoEncryption(),
    )
    return cafile, key_pem, cert.public_bytes(serialization.Encoding.PEM)


def _wait_for(port: int, seconds: float = 60) -> None:
    deadline = time.monotonic() + seconds
    while True:
        try:
            with socket.create_connection((ADDRESS, port), timeout=2) as sock:
                if sock.recv(64):
                    return
        except OSError:
            if time.monotonic() > deadline:
                raise
            time.sleep(0.5)


@contextmanager
def mail_server(folder: Path) -> Iterator[MailServer]:
    """Start the mail container on its own network; remove both afterwards."""
    podman = Podman()
    podman.require_backend()
    ref = ensure_image(podman)
    podman.run("rm", "-f", "--time", "5", NAME, check=False)
    podman.run("network", "rm", "-f", NAME, check=False)
    podman.run("network", "create", "--subnet", SUBNET, "--gateway", GATEWAY, NAME)
    try:
        podman.run(
            "run",
            "-d",
            "--name",
            NAME,
            "--hostname",
            HOSTNAME,
            "--systemd=always",
            "--cap-add",
            "NET_ADMIN,NET_RAW",
            "--network",
            f"{NAME}:ip={ADDRESS}",
            ref,
        )
        cafile, key, cert = make_certificates(folder)
        podman.exec(NAME, "install", "-d", "-m", "0755", CERTS)
        podman.run(
            "exec",
            "-i",
            NAME,
            "sh",
            "-c",
            f"umask 077; cat > {CERTS}/mail.key",
            input_text=key.decode(),
        )
        podman.run(
            "exec", "-i", NAME, "sh", "-c", f"cat > {CERTS}/mail.pem", input_text=cert.decode()
        )
        _wait_systemd(podman)
        podman.exec(NAME, "systemctl", "restart", "postfix", "dovecot")
        _wait_for(25)
        _wait_for(143)
        yield MailServer(ADDRESS, cafile, dict(USERS))
    finally:
        podman.run("rm", "-f", "--time", "5", NAME, check=False)
        podman.run("network", "rm", "-f", NAME, check=False)


def _wait_systemd(podman: Podman, seconds: float = 60) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        state = podman.exec(NAME, "systemctl", "is-system-running", check=False).stdout.strip()
        if state in ("running", "degraded"):
            return
        time.sleep(0.5)
    raise TimeoutError(f"{NAME}: systemd did not finish starting")
