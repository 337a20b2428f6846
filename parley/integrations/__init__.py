"""Integrations: one package per incoming webhook (its formatter, fixtures of real payloads,
tests), and the helpers they share for reading untrusted payloads and writing message
Markdown (payload.py, markdown.py)."""
