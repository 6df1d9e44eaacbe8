"""The JSON API (django-ninja): one NinjaAPI, each app contributing a router."""
from ninja import NinjaAPI

api = NinjaAPI(title="Engage API", version="1", urls_namespace="api")


@api.get("/ping", auth=None, include_in_schema=False)
def ping(request):
    """Constant response: the baseline for latency benchmarks."""
    return {"ok": True}
