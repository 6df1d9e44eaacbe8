import atexit
import gc
import os

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
