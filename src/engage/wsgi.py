import atexit
import gc
import os
import sys

from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "engage.settings")
django_application = get_wsgi_application()

from engage.flags.fastpath import wrap  # noqa: E402  (needs Django set up)

# The flag lookup skips the middleware stack; every other request is Django's.
application = wrap(django_application)

# What the server process has loaded by now (Django, the apps, pandas, DuckDB: about 120,000
# objects) lives as long as the process. Left to the collector, each full collection walks
# all of it, a pause of 100-200 ms in the middle of whatever request is running; frozen, a
# full collection only walks what requests left behind (docs/flags.md). Unfrozen at exit so
# the interpreter's own teardown still finalizes those objects.
gc.freeze()
atexit.register(gc.unfreeze)

# A request thread waiting for the GIL gets it when the holder blocks, or after the switch
# interval (5 ms by default). The flag server's request threads hold it about 0.3 ms a
# lookup, but the audit writer or a slow page can hold it for milliseconds of pure Python:
# 1 ms bounds what a ringing phone's lookup waits behind them (docs/flags.md).
sys.setswitchinterval(0.001)
