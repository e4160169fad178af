import os

from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "atmp_portal.settings")
application = get_wsgi_application()

# Say so at start-up, in one line, when the database cannot be reached; keep serving so that
# /healthz answers and requests recover when it comes back (/readyz says 503 meanwhile).
from atmp_portal.health import log_database_problem  # noqa: E402

log_database_problem("web")
