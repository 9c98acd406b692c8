"""USDA's SNAP eligibility service: the program's rules and their gRPC face."""
