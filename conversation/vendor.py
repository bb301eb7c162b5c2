"""The vendor's side: answers to order alerts (`accept 1042`, `reject 1042 no stock`,
`dispatch 1042`, `delivered 1042`, in English or romanised/Devanagari Nepali and Hindi), leads
(`unlock R12`) and quotes (`quote R12 1850 per sack, delivery tomorrow`).

The engine only recognises what the vendor means; whether the order is the vendor's and may
move is a fact of the database, so the caller checks it when applying the action."""
from __future__ import annotations

import re
from dataclasses import dataclass, replace
from decimal import Decimal, InvalidOperation

from conversation.actions import Action, AnswerOrder, Reply, SubmitQuote, UnlockLead
from conversation.commands import normalise
from conversation.texts_vendor import vtext
from conversation.types import Context, Event, State


@dataclass(frozen=True)
class QuoteFormatHelp:
    """A `quote` message whose price could not be read: the vendor is shown the format."""

    rfq_number: str | None = None


# --- Words vendors use ---------------------------------------------------------------------

# Phrase -> the order status it asks for. Longest phrases are tried first.
ORDER_VERBS: dict[str, str] = {
    **dict.fromkeys(["accept", "accepted", "ok", "okay", "yes", "swikar", "swikaar", "sweekar",
                     "svikar", "manjur", "manjoor", "thik cha", "thikcha", "theek hai",
                     "thik hai", "le lenge", "स्वीकार", "मन्जुर", "मंजूर", "मञ्जुर", "ठीक छ",
                     "ठीक है"], "accepted"),
    **dict.fromkeys(["reject", "rejected", "decline", "no", "asweekar", "aswikar", "asvikar",
                     "aswikaar", "radda", "rad", "cancel", "nahi", "nai", "chaina", "अस्वीकार",
                     "रद्द", "छैन", "नहीं"], "rejected"),
    **dict.fromkeys(["dispatch", "dispatched", "sent", "shipped", "pathaye", "pathayo",
                     "pathaiyo", "pathaeko", "pathaiyeko", "bheja", "bhej diya", "bhej diye",
                     "पठाएँ", "पठायो", "पठाइयो", "भेजा", "भेज दिया", "रवाना"], "dispatched"),
    **dict.fromkeys(["delivered", "deliver", "deliver bhayo", "delivery done", "done", "pugyo",
                     "pugeko", "pugi sakyo", "puryaye", "pahuch gaya", "pahunch gaya",
                     "pahucha", "pahuncha", "पुग्यो", "पुर्‍यायो", "डेलिभर भयो", "पहुँचा",
                     "पहुंच गया", "डिलीवर"], "delivered"),
}
UNLOCK_WORDS = ("unlock", "open", "khol", "kholnu", "kholdinu", "खोल", "खोल्नु", "खोलें")
QUOTE_WORDS = ("quote", "quotation", "rate", "dar", "bhau", "price", "दर", "भाउ", "रेट",
               "कोटेशन")
LANGUAGE_WORDS = {"en": "en", "english": "en", "ne": "ne", "nepali": "ne", "नेपाली": "ne",
                  "hi": "hi", "hindi": "hi", "हिंदी": "hi", "हिन्दी": "hi"}
# Words that may sit between the verb and the number: "accept order no. 1042".
FILLER = re.compile(r"\b(?:order|ordr|no\.?|number|num)\b|अर्डर|ऑर्डर|नं\.?|#", re.UNICODE)

DIGITS = str.maketrans("०१२३४५६७८९", "0123456789")
ORDER_NUMBER = r"(\d{3,})"
RFQ_NUMBER = r"r\s*-?\s*(\d+)"
UNITS = {"bag": "sack", "bags": "sack", "bora": "sack", "bori": "sack", "sacks": "sack",
         "kilo": "kg", "kgs": "kg", "killo": "kg", "ltr": "l", "litre": "l", "liter": "l",
         "pcs": "piece", "pc": "piece", "pieces": "piece", "packets": "packet", "pkt": "packet",
         "boxes": "box", "bottles": "bottle", "tins": "tin", "jars": "jar"}


def clean(text: str) -> str:
    """Normalised text with Devanagari digits as ASCII, ready for the patterns below."""
    return normalise(text).translate(DIGITS)


def _verb(phrase: str) -> str | None:
    phrase = re.sub(r"\s+", " ", FILLER.sub(" ", phrase)).strip(" .,:-")
    return ORDER_VERBS.get(phrase)


def _leading_verb(words: str) -> tuple[str | None, str]:
    """The order verb a phrase starts with, and what follows it (a reason, perhaps)."""
    for phrase in sorted(ORDER_VERBS, key=len, reverse=True):
        if words == phrase or words.startswith(phrase + " "):
            return ORDER_VERBS[phrase], words[len(phrase):].strip(" .,:-")
    return None, words


def parse_order_answer(text: str) -> AnswerOrder | None:
    """`accept 1042`, `reject 1042 out of stock`, `1042 pugyo`, `dispatch order no. 1042`."""
    said = clean(text)
    before = re.match(r"^(.+?)\s*#?\s*" + ORDER_NUMBER + r"\b\s*(.*)$", said, re.DOTALL)
    if before:
        status = _verb(before.group(1))
        if status:
            return _answer(before.group(2), status, before.group(3))
    after = re.match(r"^#?\s*" + ORDER_NUMBER + r"\s+(.+)$", said, re.DOTALL)
    if after:
        status, rest = _leading_verb(re.sub(r"\s+", " ", FILLER.sub(" ", after.group(2))).strip())
        if status:
            return _answer(after.group(1), status, rest)
    return None


def _answer(number: str, status: str, rest: str) -> AnswerOrder:
    reason = rest.strip(" .,:-") if status == "rejected" else ""
    return AnswerOrder(number=number, to_status=status, reason=reason or None)


def parse_unlock(text: str) -> UnlockLead | None:
    """`unlock R12`, `khol r-12`."""
    words = "|".join(re.escape(w) for w in UNLOCK_WORDS)
    found = re.match(rf"^(?:{words})\s*:?\s*{RFQ_NUMBER}$", clean(text))
    return UnlockLead(rfq_number=f"R{int(found.group(1))}") if found else None


def parse_quote(text: str) -> SubmitQuote | QuoteFormatHelp | None:
    """`quote R12 1850 per sack, delivery tomorrow` → price 1850, unit sack, the rest terms.

    A message that starts like a quote but has no readable price gets the format explained."""
    words = "|".join(re.escape(w) for w in QUOTE_WORDS)
    head = re.match(rf"^(?:{words})\s*:?\s*(?:{RFQ_NUMBER})?\s*(.*)$", clean(text), re.DOTALL)
    if head is None:
        return None
    rfq = f"R{int(head.group(1))}" if head.group(1) else None
    body = head.group(2)
    price = re.match(r"^(?:rs\.?|npr|inr|₹|रु\.?)?\s*(\d[\d,]*(?:\.\d+)?)\s*(?:/-)?\s*"
                     r"(?:(?:rs\.?|npr|inr|rupees|रुपैयाँ)\s*)?"
                     r"(?:(?:per|/|prati|प्रति)\s*([^\s,;]+))?[\s,;:-]*(.*)$", body, re.DOTALL)
    if rfq is None or price is None:
        return QuoteFormatHelp(rfq_number=rfq)
    try:
        amount = Decimal(price.group(1).replace(",", ""))
    except InvalidOperation:
        return QuoteFormatHelp(rfq_number=rfq)
    if amount <= 0:
        return QuoteFormatHelp(rfq_number=rfq)
    unit = price.group(2)
    unit = UNITS.get(unit, unit) if unit else None
    terms = _original_terms(text, price.group(3))
    return SubmitQuote(rfq_number=rfq, price=str(amount), unit=unit, terms=terms or None)


def _original_terms(original: str, lowered: str) -> str:
    """The terms as the vendor wrote them (case kept), found at the end of the message."""
    lowered = lowered.strip()
    if not lowered:
        return ""
    tail = original.strip()[-len(lowered):]
    return tail if tail.lower() == lowered else lowered


def parse_language(text: str) -> str | None:
    found = re.match(r"^(?:language|lang|bhasha|भाषा)\s+(\S+)$", clean(text))
    return LANGUAGE_WORDS.get(found.group(1)) if found else None


def handle(state: State, event: Event, ctx: Context) -> tuple[State, list[Action]]:
    """One vendor event: state in, (state, actions) out."""
    language = state.language
    if event.kind not in ("text", "image"):
        return state, []  # timers belong to buyers' drafts; a vendor has none to expire
    if event.kind != "text" or not event.text.strip():
        return state, [Reply(vtext("vendor_help", language))]
    chosen = parse_language(event.text)
    if chosen:
        return replace(state, language=chosen), [Reply(vtext("language_set", chosen))]
    action: Action | QuoteFormatHelp | None = (
        parse_unlock(event.text) or parse_quote(event.text) or parse_order_answer(event.text))
    if isinstance(action, QuoteFormatHelp):
        return state, [Reply(vtext("quote_format", language))]
    if action is None:
        return state, [Reply(vtext("vendor_help", language))]
    return state, [action]
