"""The profile settings botocore itself knows, read from its own table of session variables (for a test).

`model.BOTOCORE_CONFIG_KEYS` keeps the same list without importing botocore (``set`` checks keys
against it); a test pins the two together, so a botocore upgrade cannot make them differ unseen.
"""

from __future__ import annotations

from botocore.configprovider import BOTOCORE_DEFAUT_SESSION_VARIABLES


def botocore_config_keys() -> frozenset[str]:
    """Every config-file key of botocore's session variables (region, retry_mode, ...)."""
    names: set[str] = set()
    for spec in BOTOCORE_DEFAUT_SESSION_VARIABLES.values():
        config_name = spec[0]
        if isinstance(config_name, str):
            names.add(config_name)
        elif isinstance(config_name, tuple):
            names.update(name for name in config_name if isinstance(name, str))
    return frozenset(names)
