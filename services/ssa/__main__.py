"""python -m services.ssa: run the SSA identity verification service."""

from services.ssa.server import build
from shared.runner import run_service

if __name__ == "__main__":
    run_service("ssa", build)
