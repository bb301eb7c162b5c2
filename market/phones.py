"""Phone numbers in one shape: E.164 (`+9779800000000`).

Parsing is cached: the same few thousand buyers write in all day, and the webhook is hot.
"""
from __future__ import annotations

from functools import lru_cache

import phonenumbers


@lru_cache(maxsize=65536)
def normalise_phone(raw: str | None, region: str = "NP") -> str | None:
    """E.164 for anything a provider or a person may write, None when it is not a phone number.

    Twilio prefixes WhatsApp senders with `whatsapp:`; people write spaces, dashes and a
    leading 0 or no country code, which `region` resolves.
    """
    if not raw:
        return None
    text = raw.strip()
    for prefix in ("whatsapp:", "sms:", "tel:"):
        if text.lower().startswith(prefix):
            text = text[len(prefix):]
    if text.startswith("00"):
        text = "+" + text[2:]
    try:
        number = phonenumbers.parse(text, None if text.startswith("+") else region)
    except phonenumbers.NumberParseException:
        return None
    if not phonenumbers.is_possible_number(number):
        return None
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)
