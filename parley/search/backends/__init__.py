"""One search backend per database vendor, chosen by the connection in use.

A backend says when a message's text matches one Term (Q objects the selector combines
for every positive and excluded term), how to order the matches, and optionally gives
headlines: fragments of the body with each match between START and STOP sentinels.
"""

from parley.search.backends.base import SearchBackend


def backend_for(vendor: str) -> SearchBackend:
    if vendor == "postgresql":
        from parley.search.backends.postgresql import PostgresBackend

        return PostgresBackend()
    if vendor == "sqlite":
        from parley.search.backends.sqlite import SqliteBackend

        return SqliteBackend()
    if vendor == "mysql":
        from parley.search.backends.mysql import MysqlBackend

        return MysqlBackend()
    from parley.search.backends.base import SubstringBackend

    return SubstringBackend()


__all__ = ["SearchBackend", "backend_for"]
