"""Partner API for webhook endpoints and their deliveries, routed by ``mobility/api.py``.

``ROUTES`` is a list of ``(prefix, viewset, basename)`` registered on the ``/api/v1/`` router.
"""

ROUTES: list = []
