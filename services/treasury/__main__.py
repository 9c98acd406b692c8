"""python -m services.treasury: run the Treasury income verification service."""

from services.treasury.server import build
from shared.runner import run_service

if __name__ == "__main__":
    run_service("treasury", build)
