"""python -m services.usda: run the USDA SNAP eligibility service."""

from services.usda.server import build
from shared.runner import run_service

if __name__ == "__main__":
    run_service("usda", build)
