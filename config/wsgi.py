"""The WSGI application gunicorn serves.

Everything a request will need is imported when a worker loads the application, and then
moved out of the garbage collector's reach with gc.freeze(): the pinyin dictionaries alone
are some 200,000 long-lived lists, and a full collection over them took 300 ms on this
project's 2-core machine, in the middle of whichever request triggered it (the p95 spikes of
fast pages). Frozen objects are never scanned again.
"""

import gc
import os

from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
application = get_wsgi_application()


def _warm_up() -> None:
    from django.urls import get_resolver

    get_resolver().url_patterns  # noqa: B018 - imports every view module (and crm.core.pinyin)
    from crm.core import pinyin

    pinyin.pinyin_keys("客户")
    gc.collect()
    gc.freeze()


_warm_up()
