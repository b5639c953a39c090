"""Where the AWS CLI and botocore cache what they obtain, under the home folder as it is now.

Both the botocore side (`aws.credentials`, `aws.session`, `aws.sso`) and the readers that serve a
cache without botocore (`aws.role_cache`) name the folders here, so that neither imports the other.
"""

from __future__ import annotations

import os
from pathlib import Path


def cli_cache_dir() -> Path:
    """The AWS CLI's cache folder (``awscli/customizations/assumerole.py``: ``~/.aws/cli/cache``)."""
    return Path(os.path.expanduser(os.path.join("~", ".aws", "cli", "cache")))


def sso_cache_dir() -> Path:
    """``~/.aws/sso/cache``, where botocore's SSO providers and the CLI v2 keep tokens."""
    return Path(os.path.expanduser(os.path.join("~", ".aws", "sso", "cache")))
