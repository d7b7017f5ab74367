"""Error pages: JSON under /api/, the site's own pages elsewhere.

A URL under /api/ that matches no route (``/api/v1/sensors/abc/series/``) is answered by
Django, not DRF: without this it would get the HTML page, which no API client can read.
"""

from django.http import JsonResponse
from django.views import defaults

API_PREFIX = "/api/"


def not_found(request, exception):
    if request.path.startswith(API_PREFIX):
        return JsonResponse({"detail": "Not found."}, status=404)
    return defaults.page_not_found(request, exception)


def server_error(request):
    if request.path.startswith(API_PREFIX):
        return JsonResponse({"detail": "Server error."}, status=500)
    return defaults.server_error(request)
