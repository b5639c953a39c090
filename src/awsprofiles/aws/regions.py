"""The regions botocore knows, read from its own partition data without importing botocore.

``set``, ``add-user`` and ``onboard`` check a region against them; importing botocore would cost
those fast commands a third of a second, reading its small data file a few milliseconds.
"""

from __future__ import annotations

import functools
import importlib.util
import json
from pathlib import Path

from awsprofiles import model

#: botocore's partition data (every partition, its regions), newest file first.
_DATA_FILES = ("partitions.json", "endpoints.json")


@functools.cache
def known_regions() -> frozenset[str]:
    """Every region of every partition botocore knows; empty if its data cannot be read."""
    spec = importlib.util.find_spec("botocore")  # finds the package without importing it
    for folder in (spec.submodule_search_locations or []) if spec else []:
        for name in _DATA_FILES:
            try:
                document = json.loads((Path(folder) / "data" / name).read_text(encoding="utf-8"))
                regions = {region for partition in document["partitions"] for region in partition["regions"]}
            except (OSError, ValueError, KeyError, TypeError):
                continue
            if regions:
                return frozenset(regions)
    return frozenset()


def region_warnings(region: str) -> list[str]:
    """The warnings for a region botocore does not know, with the closest one it does."""
    return model.region_warnings(region, known_regions())
