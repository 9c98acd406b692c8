"""`elig certs`: the development CA, a certificate per service and tool, the caseworker
token issuer's keys; and `elig certs token`, a token for stock tools such as grpcurl.

A deployment brings its own CA and identity provider (deploy/README.md); these files
stand in for them on a laptop. Nothing here prints a private key.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import typer

from services.cli.client import Session
from services.cli.tool_identity import DEFAULT_CASEWORKER, DEFAULT_ROLE, LocalTool
from shared.caseworker_token import MAX_LIFETIME, ROLES, LocalTokenKeys
from shared.tls import LOCAL_IDENTITIES, DevCertificates

app = typer.Typer(no_args_is_help=True, help="Development certificates and caseworker tokens.")

# Unset: elig's own --data-dir (`elig --data-dir X certs init` means X), else data.
DataDirOption = typer.Option(
    None,
    "--data-dir",
    help="the service data folder; certificates go in certs/, token keys in keys/ (default: elig's own --data-dir, i.e. ELIG_DATA_DIR or data)",
    show_default=False,
)


@app.command()
def init(data_dir: Path | None = DataDirOption) -> None:
    """Create the development CA, the certificates and the token keys that are missing."""
    # Consent keys are `elig keys init`'s: a deployment keeps them apart from these.
    data_dir = data_dir or Session.data_dir
    certs = DevCertificates.in_data_dir(data_dir).ensure()
    LocalTokenKeys.in_data_dir(data_dir).ensure()
    typer.echo(f"CA        {certs.ca_cert}  (every service and tool trusts it)")
    # As wide as the longest identity (caseworker-console), so the paths line up.
    width = max(map(len, LOCAL_IDENTITIES))
    for identity in LOCAL_IDENTITIES:
        typer.echo(f"identity  {identity:<{width}}  {certs.files(identity).cert}")
    token_keys = LocalTokenKeys.in_data_dir(data_dir)
    typer.echo(f"tokens    {token_keys.public_key_path}  (the orchestrator checks tokens with it)")


@app.command()
def token(
    data_dir: Path | None = DataDirOption,
    caseworker: str = typer.Option(DEFAULT_CASEWORKER, help="the caseworker the token names"),
    role: str = typer.Option(DEFAULT_ROLE, help=", ".join(ROLES)),
    minutes: int = typer.Option(15, min=1, max=int(MAX_LIFETIME.total_seconds() // 60)),
) -> None:
    """Print a token for the caseworker tool's certificate (for grpcurl's -H authorization)."""
    if role not in ROLES:
        typer.echo(f"error: --role must be one of {', '.join(ROLES)}", err=True)
        raise typer.Exit(2)
    data_dir = data_dir or Session.data_dir
    tool = LocalTool(data_dir)
    if not (tool.tls() and tool.tls().cert.is_file()):
        typer.echo(f"error: no certificates in {data_dir}/certs; run `elig certs init`", err=True)
        raise typer.Exit(1)
    typer.echo(tool.token(caseworker, role, dt.timedelta(minutes=minutes)))
