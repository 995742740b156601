"""Talking to upstream services: one retry, pacing and size policy (``policy``), its HTTP
clients (``client``), and which addresses a URL from a list may reach (``addresses``)."""
