#!/opt/venv/bin/python
"""grpc-health-check: ask a service's standard gRPC health service whether it is SERVING.

    grpc-health-check --tls-dir /data/certs --identity treasury 127.0.0.1:50051
    grpc-health-check --plaintext 127.0.0.1:50051        # only with ELIG_TLS_MODE=plaintext

Exit 0 on SERVING; 1 on any other answer, or no answer; 2 when called wrongly or when a
certificate file is missing.

With --tls-dir it speaks mutual TLS, as every caller of the stack must: it trusts ca.pem
from that folder and presents <identity>.pem and <identity>.key. The health service is
open to any caller whose certificate the CA signed, so a pod presents its own. The server's
certificate must name --server-name, by default the identity itself: a probe asks its own
pod on 127.0.0.1, an address a production certificate need not carry.

One file that imports nothing from the project: the image installs it alone, for compose
healthchecks and Kubernetes exec probes (Kubernetes' own gRPC probes cannot speak TLS).
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

import grpc
from grpc_health.v1 import health_pb2, health_pb2_grpc


def parser() -> argparse.ArgumentParser:
    found = argparse.ArgumentParser(
        prog="grpc-health-check",
        description="Exit 0 when the gRPC health service at TARGET answers SERVING.",
    )
    found.add_argument("target", metavar="HOST:PORT")
    mode = found.add_mutually_exclusive_group(required=True)
    mode.add_argument(
        "--tls-dir", type=Path, help="folder with ca.pem, <identity>.pem and <identity>.key"
    )
    mode.add_argument("--plaintext", action="store_true", help="no TLS (a development stack only)")
    found.add_argument("--identity", help="whose certificate to present (with --tls-dir)")
    found.add_argument(
        "--server-name", help="the name the server's certificate must carry (default: identity)"
    )
    found.add_argument(
        "--service", default="", help="the health service name to ask about (default: overall)"
    )
    found.add_argument("--timeout", type=float, default=2.0, help="seconds to wait (default 2)")
    return found


def parse(argv: list[str]) -> argparse.Namespace:
    found = parser()
    args = found.parse_args(argv)
    if args.tls_dir is not None and not args.identity:
        found.error("--tls-dir needs --identity")
    if args.plaintext and (args.identity or args.server_name):
        found.error("--identity and --server-name go with --tls-dir, not --plaintext")
    return args


def tls_channel(args: argparse.Namespace) -> grpc.Channel:
    files = [args.tls_dir / name for name in ("ca.pem", f"{args.identity}.pem")]
    files.append(args.tls_dir / f"{args.identity}.key")
    missing = [str(path) for path in files if not path.is_file()]
    if missing:
        raise FileNotFoundError(", ".join(missing))
    ca, cert, key = (path.read_bytes() for path in files)
    credentials = grpc.ssl_channel_credentials(
        root_certificates=ca, private_key=key, certificate_chain=cert
    )
    # Check the server's certificate against the service's name, not the address dialled.
    name = args.server_name or args.identity
    return grpc.secure_channel(
        args.target, credentials, options=[("grpc.ssl_target_name_override", name)]
    )


def main(argv: list[str]) -> int:
    args = parse(argv)
    try:
        channel = grpc.insecure_channel(args.target) if args.plaintext else tls_channel(args)
    except FileNotFoundError as missing:
        print(f"{args.target}: cannot read {missing}", file=sys.stderr)
        return 2
    with channel:
        try:
            reply = health_pb2_grpc.HealthStub(channel).Check(
                health_pb2.HealthCheckRequest(service=args.service), timeout=args.timeout
            )
        except grpc.RpcError as error:
            print(f"{args.target}: {error.code().name}", file=sys.stderr)
            return 1
    status = health_pb2.HealthCheckResponse.ServingStatus.Name(reply.status)
    print(f"{args.target}: {status}")
    return 0 if reply.status == health_pb2.HealthCheckResponse.SERVING else 1


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
