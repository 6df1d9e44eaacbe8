"""The JSON API (django-ninja): one NinjaAPI, each app contributing a router.

The OpenAPI schema is served at /api/openapi.json. /api/docs is a plain HTML page
rendered here from that schema: ninja's Swagger page loads its assets from a CDN
unless the `ninja` app's static files are served, and nothing here may need the network.
"""
from ninja import NinjaAPI
from ninja.errors import HttpError

from engage.flags.api import router as flags_router
from engage.flags.docs import PlainDocs

api = NinjaAPI(
    title="Engage API",
    version="1",
    urls_namespace="api",
    description="Flags for the handler's screen (ICCS / C&C) and the live contact feed. "
    "Authenticate with the `X-API-Key` header (`engage apikey NAME [--push]`).",
    docs=PlainDocs(),
    docs_url="/docs",
)


@api.get("/ping", auth=None, include_in_schema=False)
def ping(request):
    """Constant response: the baseline for latency benchmarks."""
    return {"ok": True}


@api.exception_handler(HttpError)
def http_error(request, exc: HttpError):
    """Ninja answers an unparseable JSON body with 400; a malformed body is 422 everywhere here."""
    status = exc.status_code
    if status == 400 and str(exc).startswith("Cannot parse request body"):
        status = 422
    return api.create_response(request, {"detail": str(exc)}, status=status)


api.add_router("/", flags_router)
