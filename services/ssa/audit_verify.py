"""python -m services.ssa.audit_verify: check SSA's audit chain (see shared.audit_cli)."""

from services.ssa.tables import AUDIT, TABLES
from shared.audit_cli import audit_verify_app, chain_verifier

verify_chain = chain_verifier(AUDIT)
app = audit_verify_app("ssa", AUDIT, TABLES)

if __name__ == "__main__":
    app()
