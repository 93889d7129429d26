"""The operator library, one module per family.  Each op is declared once, forward beside
backward; this package gathers their public names for ``ember`` and for Tensor's operators."""
from __future__ import annotations

from ._dispatch import result_type
from .arith import *  # noqa: F401,F403
from .binary import *  # noqa: F401,F403
from .unary import *  # noqa: F401,F403
from .blas import *  # noqa: F401,F403
from .cast import *  # noqa: F401,F403
from .creation import *  # noqa: F401,F403
from .random import *  # noqa: F401,F403
from .index import getitem, setitem  # noqa: F401
from .index import *  # noqa: F401,F403
from .advanced_index import *  # noqa: F401,F403
from .reduce import *  # noqa: F401,F403
from .sorting import *  # noqa: F401,F403
from .shape import *  # noqa: F401,F403
from .shape import expand, view  # noqa: F401
from .join import *  # noqa: F401,F403
from .linalg import *  # noqa: F401,F403
from .activation import *  # noqa: F401,F403
from .loss import *  # noqa: F401,F403
from .conv import *  # noqa: F401,F403
from .pooling import *  # noqa: F401,F403
from .normalization import *  # noqa: F401,F403
from .rnn import *  # noqa: F401,F403
from .numeric import *  # noqa: F401,F403
from .windows import *  # noqa: F401,F403
from .special_functions import *  # noqa: F401,F403
from .tensor_api import *  # noqa: F401,F403
from .view_copies import *  # noqa: F401,F403
