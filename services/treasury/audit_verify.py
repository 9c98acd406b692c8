"""python -m services.treasury.audit_verify: check Treasury's audit chain (see shared.audit_cli)."""

from services.treasury.tables import AUDIT, TABLES
from shared.audit_cli import audit_verify_app, chain_verifier

verify_chain = chain_verifier(AUDIT)
app = audit_verify_app("treasury", AUDIT, TABLES)

if __name__ == "__main__":
    app()
