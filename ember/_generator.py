"""Generator objects (torch.Generator), being written."""
from __future__ import annotations
