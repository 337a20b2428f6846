"""URL converters."""


class IdConverter:
    """A database id in a URL: 1 to 18 digits, so it always fits a 64-bit column.

    Django's <int:> accepts any length, and an id past 2**63 - 1 makes the database
    driver raise (a 500) instead of the 404 an unknown id deserves.
    """

    regex = "[0-9]{1,18}"

    def to_python(self, value: str) -> int:
        return int(value)

    def to_url(self, value: int) -> str:
        return str(value)
