import os

from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "engage.settings")
django_application = get_wsgi_application()

from engage.flags.fastpath import wrap  # noqa: E402  (needs Django set up)

# The flag lookup skips the middleware stack; every other request is Django's.
application = wrap(django_application)
