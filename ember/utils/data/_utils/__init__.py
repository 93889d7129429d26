"""``ember.utils.data._utils``: where PyTorch code finds the collate and worker helpers
(``torch.utils.data._utils.collate.default_collate_fn_map`` and the like)."""
import sys

from .. import _worker as worker
from .. import collate
from .._worker import MP_STATUS_CHECK_INTERVAL, ExceptionWrapper  # noqa: F401

# `from ember.utils.data._utils.collate import ...` resolves through these entries.
sys.modules[__name__ + ".collate"] = collate
sys.modules[__name__ + ".worker"] = worker

__all__ = ["collate", "worker"]
