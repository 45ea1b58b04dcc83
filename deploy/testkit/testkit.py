#!/usr/bin/env python3
"""Test identity provider and downstream for deploy/container-check.sh (python3 stdlib + the openssl CLI).

  testkit.py keygen DIR                   RSA key (DIR/key.pem) and its public JWKS (DIR/jwks.json), kid "check-1"
  testkit.py token DIR ISS AUD SUB SCOPE [TTL]   prints an RS256 token signed with DIR/key.pem (TTL seconds, may be negative)
  testkit.py serve-jwks PORT DIR          serves DIR/jwks.json at /jwks.json on 127.0.0.1:PORT
  testkit.py serve-echo PORT              answers every request with {"method","path","headers"} as JSON on 127.0.0.1:PORT
                                          (after a delay when the query has slow=SECONDS)
  testkit.py free-port                    prints a free TCP port on 127.0.0.1

Test material only: the key is generated per run in a temporary directory and never committed.
"""

import base64
import http.server
import json
import os
import socket
import subprocess
import sys
import time

KID = "check-1"


def b64url(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


def keygen(directory: str) -> None:
    key = os.path.join(directory, "key.pem")
    subprocess.run(["openssl", "genrsa", "-out", key, "2048"], check=True, capture_output=True)
    modulus = subprocess.run(["openssl", "rsa", "-in", key, "-noout", "-modulus"], check=True, capture_output=True, text=True).stdout
    n = bytes.fromhex(modulus.strip().split("=", 1)[1])
    jwks = {"keys": [{"kty": "RSA", "use": "sig", "alg": "RS256", "kid": KID, "n": b64url(n), "e": b64url((65537).to_bytes(3, "big"))}]}
    with open(os.path.join(directory, "jwks.json"), "w", encoding="utf-8") as f:
        json.dump(jwks, f)


def token(directory: str, iss: str, aud: str, sub: str, scope: str, ttl: int = 3600) -> str:
    now = int(time.time())
    header = {"alg": "RS256", "typ": "JWT", "kid": KID}
    issued = now if ttl > 0 else now + ttl - 3600  # an expired token was issued (and valid) before it expired
    payload = {"iss": iss, "aud": aud, "sub": sub, "scope": scope, "iat": issued, "nbf": issued - 5, "exp": now + ttl}
    signing_input = b64url(json.dumps(header).encode()) + "." + b64url(json.dumps(payload).encode())
    signature = subprocess.run(
        ["openssl", "dgst", "-sha256", "-sign", os.path.join(directory, "key.pem")],
        input=signing_input.encode(), check=True, capture_output=True).stdout
    return signing_input + "." + b64url(signature)


class _Quiet(http.server.BaseHTTPRequestHandler):
    def log_message(self, format, *args):  # noqa: A002 - the base class's name
        sys.stderr.write("%s %s\n" % (self.command, self.path))

    def _send(self, status: int, body: bytes) -> None:
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)


def serve_jwks(port: int, directory: str) -> None:
    class Handler(_Quiet):
        def do_GET(self):
            if self.path != "/jwks.json":
                self._send(404, b"{}")
                return
            with open(os.path.join(directory, "jwks.json"), "rb") as f:
                self._send(200, f.read())

    http.server.ThreadingHTTPServer(("127.0.0.1", port), Handler).serve_forever()


def serve_echo(port: int) -> None:
    class Handler(_Quiet):
        def _echo(self):
            if "slow=" in self.path:  # /anything?slow=SECONDS: an in-flight request for the drain check
                time.sleep(float(self.path.split("slow=", 1)[1].split("&", 1)[0]))
            body = {"method": self.command, "path": self.path, "headers": {k: v for k, v in self.headers.items()}}
            self._send(200, json.dumps(body, sort_keys=True, indent=2).encode())

        do_GET = do_POST = do_PUT = do_DELETE = do_PATCH = _echo

    http.server.ThreadingHTTPServer(("127.0.0.1", port), Handler).serve_forever()


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def main(argv: list) -> int:
    if not argv:
        print(__doc__, file=sys.stderr)
        return 2
    command, args = argv[0], argv[1:]
    if command == "keygen" and len(args) == 1:
        keygen(args[0])
    elif command == "token" and len(args) in (5, 6):
        print(token(*args[:5], *(int(a) for a in args[5:])))
    elif command == "serve-jwks" and len(args) == 2:
        serve_jwks(int(args[0]), args[1])
    elif command == "serve-echo" and len(args) == 1:
        serve_echo(int(args[0]))
    elif command == "free-port" and not args:
        print(free_port())
    else:
        print(__doc__, file=sys.stderr)
        return 2
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
