def is_partial(request) -> bool:
    """True when htmx asked for a fragment (and not for a full-page boosted navigation)."""
    htmx = getattr(request, "htmx", None)
    return bool(htmx) and not htmx.boosted
