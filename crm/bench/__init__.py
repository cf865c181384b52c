"""The benchmark suite (`crm bench`, issue 7): the real server, measured from outside.

The command starts gunicorn with the production settings and CRM_BENCH=1, which turns on the
timing middleware (crm.bench.middleware) and mounts the floor views (crm.bench.views); without
the variable neither exists. See docs/performance.md, "Benchmark suite".
"""

import os

ENV = "CRM_BENCH"


def enabled() -> bool:
    """True in a server started by `crm bench` (CRM_BENCH=1 in its environment)."""
    return os.environ.get(ENV, "") == "1"
