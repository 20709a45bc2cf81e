"""Security headers of every response: Content-Security-Policy and Permissions-Policy.

The portal serves all its scripts, styles and fonts itself (no CDN) and has no inline scripts, so scripts are
limited to its own origin. Inline ``style`` attributes (Bootstrap utilities, the Django admin) and ``data:``
images (SVG charts, the admin's icons) are allowed. Frames, plugins and foreign form targets are refused.
The policy is a setting (``PORTAL_CSP``), so a deployment can tighten it.
"""

from django.conf import settings

DEFAULT_CSP = ("default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data:; "
               "font-src 'self'; connect-src 'self'; object-src 'none'; base-uri 'self'; form-action 'self'; "
               "frame-ancestors 'none'")
PERMISSIONS_POLICY = "camera=(), microphone=(), geolocation=(), payment=(), usb=(), interest-cohort=()"


class SecurityHeadersMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response
        self.csp = getattr(settings, "PORTAL_CSP", None) or DEFAULT_CSP

    def __call__(self, request):
        response = self.get_response(request)
        response.headers.setdefault("Content-Security-Policy", self.csp)
        response.headers.setdefault("Permissions-Policy", PERMISSIONS_POLICY)
        return response
