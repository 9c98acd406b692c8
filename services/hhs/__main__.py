"""python -m services.hhs: run the HHS subsidy eligibility service."""

from services.hhs.server import build
from shared.runner import run_service

if __name__ == "__main__":
    run_service("hhs", build)
