"""Shared pytest setup: hypothesis profiles and the torch oracle fixture."""
from __future__ import annotations

import os

from hypothesis import HealthCheck, settings

# CI draws the same examples every run, so a red run is reproducible, not a dice roll.
settings.register_profile("ci", max_examples=40, deadline=None, derandomize=True,
                          suppress_health_check=[HealthCheck.too_slow])
settings.register_profile("dev", max_examples=15, deadline=None,
                          suppress_health_check=[HealthCheck.too_slow])
settings.load_profile("ci" if os.environ.get("CI") else "dev")
