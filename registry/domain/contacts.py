"""What an office's published contact details may look like: a phone line citizens can dial."""

from __future__ import annotations

import re

# Several numbers may be listed: "023-6745 1234、023-6745 1235" or "12345；023-6745 1234".
SEPARATORS = re.compile(r"[、，,；;/]")
# One number: digits with the usual spacing, hyphens and brackets, an optional +country code and 转 extension.
ONE_NUMBER = re.compile(r"^\+?[0-9()（）\- ]+(?:转[0-9]{1,6})?$")
# From the short service lines (12345) to an international number (E.164 allows 15 digits).
FEWEST_DIGITS, MOST_DIGITS = 5, 15


def phone_ok(text: str) -> bool:
    """Whether ``text`` is one or more dialable numbers (each 5 to 15 digits before any extension)."""
    numbers = [n.strip() for n in SEPARATORS.split(text)]
    return all(n and ONE_NUMBER.match(n)
               and FEWEST_DIGITS <= sum(c.isdigit() for c in n.split("转")[0]) <= MOST_DIGITS for n in numbers)
