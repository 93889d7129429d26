"""``ember.utils``: data loading and other utilities (``torch.utils``)."""
from . import data  # noqa: F401
