"""Where the component is: the one file every call of this package runs."""

import os
from pathlib import Path
from typing import Union

PACKAGED = Path(__file__).with_name("runner-metrics.wasm")
"""Inside an installed wheel (hosts/python/dist.sh puts it there)."""

REPOSITORY = Path(__file__).resolve().parents[3] / "target/guest/wasm32-wasip2/guest/runner_metrics.wasm"
"""In a checkout of the repository, where `cargo build -p runner-metrics-host` builds it."""


def locate(wasm: Union[str, "os.PathLike[str]"] | None = None) -> Path:
    """``wasm`` if given; else ``$RUNNER_METRICS_WASM`` (for developing with a
    component built elsewhere); else the wheel's; else the repository's."""
    if wasm is not None:
        path, named = Path(wasm), "Host(wasm=...)"
    elif os.environ.get("RUNNER_METRICS_WASM"):
        path, named = Path(os.environ["RUNNER_METRICS_WASM"]), "RUNNER_METRICS_WASM"
    else:
        path, named = (PACKAGED if PACKAGED.is_file() else REPOSITORY), None
    if not path.is_file():
        if named is not None:
            raise FileNotFoundError(f"no component at {path}, which {named} names")
        raise FileNotFoundError(
            f"no component at {path}: build it (cargo build -p runner-metrics-host), "
            "pass Host(wasm=...), or set RUNNER_METRICS_WASM"
        )
    return path
