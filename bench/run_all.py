"""Run every benchmark in this folder, one after another."""
from __future__ import annotations

import runpy
from pathlib import Path

HERE = Path(__file__).resolve().parent

for script in sorted(HERE.glob("*.py")):
    if script.name in {"common.py", "run_all.py"}:
        continue
    print(f"== {script.stem}", flush=True)
    runpy.run_path(str(script), run_name="__main__")
