"""The main job (ember/examples/quickstart.py) trains to PyTorch's numbers.

The same script, with ``import torch`` in place of ``import ember as torch``, runs under the real
PyTorch; every epoch's losses and accuracy print identically (same initial weights, same split,
same shuffles and dropout masks, same arithmetic to the printed digits).
"""
from __future__ import annotations

import contextlib
import io
import re
import types
from pathlib import Path

import pytest

torch = pytest.importorskip("torch")

from ember.examples import quickstart  # noqa: E402

SOURCE = Path(quickstart.__file__).read_text()


def _run(module, epochs: int) -> list[str]:
    out = io.StringIO()
    with contextlib.redirect_stdout(out):
        accuracy = module.main(epochs)
    assert accuracy > 0.8
    return [line for line in out.getvalue().splitlines()
            if not line.startswith("trained")]  # the timing line


def _torch_module() -> types.ModuleType:
    source = (SOURCE.replace("import ember as torch", "import torch")
              .replace("from ember import nn", "from torch import nn")
              .replace("from ember.utils.data import", "from torch.utils.data import"))
    assert "ember" not in re.sub(r"#.*|\"\"\"[\s\S]*?\"\"\"", "", source)
    module = types.ModuleType("quickstart_torch")
    module.__file__ = quickstart.__file__
    exec(compile(source, "quickstart_torch", "exec"), module.__dict__)
    return module


def test_quickstart_prints_what_pytorch_prints():
    ours = _run(quickstart, 2)
    theirs = _run(_torch_module(), 2)
    assert ours == theirs
    assert any(line.startswith("epoch  2") for line in ours)
