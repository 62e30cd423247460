"""Serves the built dashboard (frontend/dist) beside the API."""
