"""Parley's load benchmark: seed a database, serve it with one uvicorn process, load it.

See bench/README.md for the commands and the figures.
"""
