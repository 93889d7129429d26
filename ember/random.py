"""ember.random: the global generator's state (torch.random), being written."""
from __future__ import annotations

__all__: list = []
