"""Composition root of the USDA SNAP eligibility service. It keeps no records of its
own, so it has no database: its state is the parameters folder, read once at start."""

from __future__ import annotations

from pathlib import Path

from eligibility.usda.v1 import snap_eligibility_pb2 as pb
from eligibility.usda.v1 import snap_eligibility_pb2_grpc as pb_grpc
from services.usda.rules import load_parameters
from services.usda.servicer import SnapEligibilityServicer
from shared.clock import Clock
from shared.parameters import ParameterSet
from shared.runner import Wiring
from shared.security import Trust
from shared.server import ServiceBinding
from shared.settings import ServiceSettings

ACCESS_POLICY = Path(__file__).with_name("access.yaml")
SERVICE_NAME = pb.DESCRIPTOR.services_by_name["SnapEligibilityService"].full_name


def bindings(params: ParameterSet, clock: Clock) -> list[ServiceBinding]:
    return [
        ServiceBinding(
            SERVICE_NAME,
            pb_grpc.add_SnapEligibilityServiceServicer_to_server,
            SnapEligibilityServicer(params, clock),
            ACCESS_POLICY,
        )
    ]


async def build(settings: ServiceSettings, clock: Clock, trust: Trust) -> Wiring:
    return Wiring(bindings(load_parameters(), clock))
