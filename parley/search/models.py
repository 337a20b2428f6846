"""Search has no models: its index lives on messaging_message (see schema.py).

This module exists so that Django sends post_migrate for this app, which keeps the
SQLite triggers in place (schema.repair_after_migrate).
"""
