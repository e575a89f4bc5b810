"""Certificates for the test API server's TLS mode, made with the `openssl` command: a CA, a
serving certificate for 127.0.0.1 and `apiserver.test` (so that `tls-server-name` can be
exercised: a name the certificate does not carry must fail), and client certificates whose
subject says the user (CN) and groups (O), as kube-apiserver's x509 authenticator reads them
(`staging/src/k8s.io/apiserver/pkg/authentication/request/x509/x509.go` CommonNameUserConversion)."""

from __future__ import annotations

import subprocess
from dataclasses import dataclass
from pathlib import Path

SERVER_NAME = "apiserver.test"


def _openssl(*args: str, cwd: Path) -> None:
    subprocess.run(["openssl", *args], cwd=cwd, check=True, capture_output=True)


@dataclass(frozen=True)
class Pki:
    directory: Path

    @property
    def ca(self) -> Path:
        return self.directory / "ca.crt"

    @property
    def server_cert(self) -> Path:
        return self.directory / "server.crt"

    @property
    def server_key(self) -> Path:
        return self.directory / "server.key"

    def client(self, user: str, groups: tuple[str, ...] = ()) -> tuple[Path, Path]:
        """(certificate, key) of a client certificate for `user` in `groups`, signed by the CA."""
        name = "-".join((user, *groups)).replace(":", "_")
        cert, key = self.directory / f"{name}.crt", self.directory / f"{name}.key"
        if not cert.exists():
            subject = "".join(f"/O={group}" for group in groups) + f"/CN={user}"
            _openssl("req", "-newkey", "rsa:2048", "-nodes", "-keyout", key.name, "-subj", subject,
                     "-out", f"{name}.csr", cwd=self.directory)
            (self.directory / f"{name}.ext").write_text("extendedKeyUsage=clientAuth\n")
            _openssl("x509", "-req", "-in", f"{name}.csr", "-CA", "ca.crt", "-CAkey", "ca.key", "-CAcreateserial",
                     "-days", "2", "-extfile", f"{name}.ext", "-out", cert.name, cwd=self.directory)
        return cert, key


def make_pki(directory: Path) -> Pki:
    directory.mkdir(parents=True, exist_ok=True)
    _openssl("req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout", "ca.key", "-out", "ca.crt",
             "-days", "2", "-subj", "/CN=kubectl-pods-test-ca", cwd=directory)
    (directory / "server.ext").write_text(f"subjectAltName=IP:127.0.0.1,DNS:{SERVER_NAME}\n"
                                          "extendedKeyUsage=serverAuth\n")
    _openssl("req", "-newkey", "rsa:2048", "-nodes", "-keyout", "server.key", "-subj", "/CN=kube-apiserver",
             "-out", "server.csr", cwd=directory)
    _openssl("x509", "-req", "-in", "server.csr", "-CA", "ca.crt", "-CAkey", "ca.key", "-CAcreateserial",
             "-days", "2", "-extfile", "server.ext", "-out", "server.crt", cwd=directory)
    return Pki(directory)
