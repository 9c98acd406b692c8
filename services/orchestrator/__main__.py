"""python -m services.orchestrator: run the coordination service."""

from services.orchestrator.server import build
from shared.runner import run_service

if __name__ == "__main__":
    run_service("orchestrator", build, takes_tokens=True)
