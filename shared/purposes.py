"""The purposes a call to an agency may declare (``x-purpose``), as the agencies' access
policies name them (services/<agency>/access.yaml)."""

DETERMINATION = "eligibility-determination"
# A what-if sweep: rules are asked about figures no one applied with.
ESTIMATE = "benefit-estimate"
# Looking back at what someone's standing was (HHS's enrollment periods).
APPEAL = "appeal"
PAYMENT = "payment"
AUDIT = "audit"
