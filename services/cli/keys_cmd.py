"""`elig keys`: create the consent keys a deployment provisions, and show the public one.

The files go where the services look for them, ``<data dir>/keys`` (shared.consent):
the Ed25519 signing key (orchestrator only), its public key (Treasury) and the subject
key (orchestrator, Treasury and SSA). Nothing here ever prints a secret: init reports
file names and the public key id, and ``public`` re-encodes the public key it loaded,
so a private key put in the wrong file is refused rather than printed.
"""

from __future__ import annotations

import stat
from pathlib import Path

import typer

from services.cli.client import Session
from shared.consent import LocalConsentKeys
from shared.jws import key_id
from shared.signing_keys import load_private_key, load_public_key, load_subject_key, public_key_pem

app = typer.Typer(
    no_args_is_help=True, help="Consent keys: create them once, then provision them as secrets."
)

# Unset: elig's own --data-dir (`elig --data-dir X certs init` means X), else data.
DataDirOption = typer.Option(
    None,
    "--data-dir",
    help="the service data folder; keys live in its keys/ subfolder (default: elig's own --data-dir, i.e. ELIG_DATA_DIR or data)",
    show_default=False,
)


def _files(keys: LocalConsentKeys) -> list[tuple[Path, str, bool]]:
    """(path, who needs it, secret?) for each key file."""
    return [
        (keys.private_key_path, "orchestrator only", True),
        (keys.public_key_path, "treasury", False),
        (keys.subject_key_path, "orchestrator, treasury, ssa", True),
    ]


def _fail(message: str) -> typer.Exit:
    typer.echo(f"error: {message}", err=True)
    return typer.Exit(1)


@app.command()
def init(data_dir: Path | None = DataDirOption) -> None:
    """Create whichever consent keys are missing; existing keys are never replaced."""
    keys = LocalConsentKeys.in_data_dir(data_dir or Session.data_dir)
    existed = {path: path.exists() for path, _, _ in _files(keys)}
    # A new signing key could never match the public key already handed out (and this may
    # be an agency's folder, where no signing key belongs): stop before creating anything.
    if existed[keys.public_key_path] and not existed[keys.private_key_path]:
        raise _fail(
            f"{keys.public_key_path} exists without {keys.private_key_path.name}; "
            "not creating a signing key that would not match it"
        )
    try:
        keys.ensure()
        private = load_private_key(keys.private_key_path)
        public = load_public_key(keys.public_key_path)
        load_subject_key(keys.subject_key_path)
    except (OSError, ValueError) as error:
        raise _fail(f"{error}") from None
    for path, needed_by, secret in _files(keys):
        status = "exists " if existed[path] else "created"
        typer.echo(f"{status}  {path}  ({needed_by})")
        if secret and path.stat().st_mode & (stat.S_IRWXG | stat.S_IRWXO):
            typer.echo(f"warning: {path} is open to others; chmod 600 it", err=True)
    # A public key from another pair would make Treasury refuse every proof.
    if key_id(private.public_key()) != key_id(public):
        raise _fail(f"{keys.public_key_path} does not belong to {keys.private_key_path}")
    typer.echo(f"key id   {key_id(public)}")


@app.command()
def public(data_dir: Path | None = DataDirOption) -> None:
    """Print the public signing key (PEM): what an agency needs to check consent proofs."""
    data_dir = data_dir or Session.data_dir
    path = LocalConsentKeys.in_data_dir(data_dir).public_key_path
    if not path.is_file():
        raise _fail(f"no public key at {path}; run `elig keys init --data-dir {data_dir}` first")
    try:
        key = load_public_key(path)
    except ValueError as error:
        raise _fail(f"{error}") from None
    typer.echo(public_key_pem(key).decode("ascii"), nl=False)
