"""`elig keys`: creates the consent keys once, never replaces them, never prints a secret."""

from __future__ import annotations

import base64
import stat
from pathlib import Path

from typer.testing import CliRunner

from services.cli.main import app
from shared.consent import LocalConsentKeys
from shared.jws import key_id
from shared.signing_keys import (
    generate_signing_key,
    load_private_key,
    load_public_key,
    public_key_pem,
)

runner = CliRunner()


def elig(*args: str):  # type: ignore[no-untyped-def]
    return runner.invoke(app, list(args))


def secrets_of(keys: LocalConsentKeys) -> list[str]:
    """Every spelling of the secret material that must never reach the output."""
    pem = keys.private_key_path.read_text(encoding="ascii")
    body = [line for line in pem.splitlines() if line and not line.startswith("-----")]
    subject_hex = keys.subject_key_path.read_text(encoding="ascii").strip()
    raw = bytes.fromhex(subject_hex)
    return [
        *body,
        subject_hex,
        base64.b64encode(raw).decode(),
        base64.urlsafe_b64encode(raw).decode(),
    ]


def test_init_creates_the_three_keys_with_private_files_readable_by_the_owner_only(
    tmp_path: Path,
) -> None:
    result = elig("keys", "init", "--data-dir", str(tmp_path))
    keys = LocalConsentKeys.in_data_dir(tmp_path)
    assert result.exit_code == 0, result.output
    for path in (keys.private_key_path, keys.public_key_path, keys.subject_key_path):
        assert f"created  {path}" in result.output
    assert stat.S_IMODE(keys.private_key_path.stat().st_mode) == 0o600
    assert stat.S_IMODE(keys.subject_key_path.stat().st_mode) == 0o600
    public = load_public_key(keys.public_key_path)
    assert key_id(load_private_key(keys.private_key_path).public_key()) == key_id(public)
    assert f"key id   {key_id(public)}" in result.output
    assert len(keys.subject_key()) == 32


def test_init_prints_no_key_material(tmp_path: Path) -> None:
    result = elig("keys", "init", "--data-dir", str(tmp_path))
    again = elig("keys", "init", "--data-dir", str(tmp_path))
    output = result.output + again.output
    assert "-----BEGIN" not in output
    for secret in secrets_of(LocalConsentKeys.in_data_dir(tmp_path)):
        assert secret not in output


def test_init_again_keeps_every_key_and_says_they_exist(tmp_path: Path) -> None:
    elig("keys", "init", "--data-dir", str(tmp_path))
    folder = LocalConsentKeys.in_data_dir(tmp_path).private_key_path.parent
    before = {p.name: p.read_bytes() for p in folder.iterdir()}
    result = elig("keys", "init", "--data-dir", str(tmp_path))
    assert result.exit_code == 0, result.output
    assert {p.name: p.read_bytes() for p in folder.iterdir()} == before
    assert result.output.count("exists ") == 3 and "created" not in result.output


def test_init_completes_a_partial_set_without_touching_what_is_there(tmp_path: Path) -> None:
    keys = LocalConsentKeys.in_data_dir(tmp_path)
    elig("keys", "init", "--data-dir", str(tmp_path))
    private = keys.private_key_path.read_bytes()
    keys.public_key_path.unlink()
    result = elig("keys", "init", "--data-dir", str(tmp_path))
    assert result.exit_code == 0, result.output
    assert f"created  {keys.public_key_path}" in result.output
    assert keys.private_key_path.read_bytes() == private
    public = load_public_key(keys.public_key_path)
    assert key_id(public) == key_id(load_private_key(keys.private_key_path).public_key())


def test_init_refuses_a_public_key_from_another_pair(tmp_path: Path) -> None:
    elig("keys", "init", "--data-dir", str(tmp_path))
    keys = LocalConsentKeys.in_data_dir(tmp_path)
    keys.public_key_path.write_bytes(public_key_pem(generate_signing_key().public_key()))
    result = elig("keys", "init", "--data-dir", str(tmp_path))
    assert result.exit_code == 1
    assert "does not belong to" in result.output


def test_init_creates_no_signing_key_beside_a_lone_public_key(tmp_path: Path) -> None:
    elig("keys", "init", "--data-dir", str(tmp_path))
    keys = LocalConsentKeys.in_data_dir(tmp_path)
    keys.private_key_path.unlink()
    result = elig("keys", "init", "--data-dir", str(tmp_path))
    assert result.exit_code == 1
    assert "exists without consent-signing.pem" in result.output
    assert not keys.private_key_path.exists()


def test_public_prints_the_public_key_pem_and_nothing_secret(tmp_path: Path) -> None:
    elig("keys", "init", "--data-dir", str(tmp_path))
    keys = LocalConsentKeys.in_data_dir(tmp_path)
    result = elig("keys", "public", "--data-dir", str(tmp_path))
    assert result.exit_code == 0, result.output
    assert result.output == keys.public_key_path.read_text(encoding="ascii")
    for secret in secrets_of(keys):
        assert secret not in result.output


def test_public_refuses_a_private_key_in_the_public_keys_place(tmp_path: Path) -> None:
    elig("keys", "init", "--data-dir", str(tmp_path))
    keys = LocalConsentKeys.in_data_dir(tmp_path)
    keys.public_key_path.write_bytes(keys.private_key_path.read_bytes())
    result = elig("keys", "public", "--data-dir", str(tmp_path))
    assert result.exit_code == 1
    for secret in secrets_of(keys):
        assert secret not in result.output


def test_public_without_keys_says_to_run_init(tmp_path: Path) -> None:
    result = elig("keys", "public", "--data-dir", str(tmp_path))
    assert result.exit_code == 1
    assert "elig keys init" in result.output


def test_the_top_level_data_dir_is_where_keys_and_certificates_go(tmp_path: Path) -> None:
    """`elig --data-dir X keys init` as `elig keys init --data-dir X`: not ./data."""
    result = runner.invoke(
        app, ["--data-dir", str(tmp_path), "keys", "init"], env={"ELIG_DATA_DIR": None}
    )
    assert result.exit_code == 0, result.output
    assert LocalConsentKeys.in_data_dir(tmp_path).public_key_path.is_file()
    result = runner.invoke(
        app, ["--data-dir", str(tmp_path), "certs", "init"], env={"ELIG_DATA_DIR": None}
    )
    assert result.exit_code == 0, result.output
    assert (tmp_path / "certs" / "ca.pem").is_file()
    token = runner.invoke(
        app, ["--data-dir", str(tmp_path), "certs", "token"], env={"ELIG_DATA_DIR": None}
    )
    assert token.exit_code == 0 and token.output.count(".") == 2, token.output
