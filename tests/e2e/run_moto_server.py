"""moto_server as the e2e tests run it: AWS's managed IAM policies only where the tests use them.

With MOTO_IAM_LOAD_MANAGED_POLICIES=true, moto builds its 1,582 AWS managed policies (a 4.7 MB
JSON document) for every IAM backend it creates, and it creates one per partition (aws, aws-cn,
aws-us-gov, aws-iso, aws-iso-b, aws-eusc) as soon as it looks an access key up; ``/moto-api/reset``
then builds them all again before throwing them away. That was most of the 4-6 s each e2e test
spent in set-up. The tests (and the seed article) use the ``aws`` partition only: the other
partitions get no managed policies here, and everything else is moto_server unchanged.

Usage: python tests/e2e/run_moto_server.py [moto_server arguments]
"""

from __future__ import annotations

import os
import sys
from typing import Any

#: The only partition whose IAM backends get AWS's managed policies.
PARTITION = "aws"


def load_managed_policies_in_one_partition() -> bool:
    """Patch moto's IAM backend; False when this moto has no such hook (it then runs unchanged)."""
    from moto.iam import models

    build = getattr(models.IAMBackend, "_init_aws_policies", None)
    if build is None:
        return False

    def build_in_one_partition(backend: Any) -> list[Any]:
        if getattr(backend, "region_name", PARTITION) != PARTITION:
            return []
        policies = list(build(backend))
        # AWS's own policies are not state a test made: /moto-api/data.json (which the tests
        # read to count AssumeRole calls) need not serialize all 1,582 of them each time.
        tracked = getattr(models.AWSManagedPolicy, "instances_tracked", None)
        if isinstance(tracked, list):
            tracked.clear()
        return policies

    models.IAMBackend._init_aws_policies = build_in_one_partition  # type: ignore[method-assign]
    return True


def main() -> None:
    os.environ["MOTO_IAM_LOAD_MANAGED_POLICIES"] = "true"
    load_managed_policies_in_one_partition()
    from moto.server import main as moto_main

    sys.exit(moto_main(sys.argv[1:]))


if __name__ == "__main__":
    main()
