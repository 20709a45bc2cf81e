from django.conf import settings


def portal(request) -> dict:
    return {
        "PORTAL_TITLE": "Портал качества образования",
        "DEMO_MODE": settings.DEMO_MODE,
    }
