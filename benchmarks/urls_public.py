"""The portal's URLs plus a trivial view: the baseline of benchmarks/public_load.py (never used by the portal)."""

from django.contrib.auth.decorators import login_not_required
from django.http import HttpResponse
from django.urls import path

from portal.urls import urlpatterns as portal_urls


@login_not_required
def trivial(request):
    return HttpResponse("ok", content_type="text/plain")


urlpatterns = [path("bench/trivial/", trivial), *portal_urls]
