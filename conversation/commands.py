"""Recognising commands that work in any state, in the words buyers actually use.

`command_of` answers the engine's first question (is this STOP/START/HELP?); `parse_command`
reads the buyer's other commands with their argument; `answer_of` reads short answers to a
question (yes, no, a number) whose meaning depends on the state.
"""
from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass

from conversation.language import language_named

# Words people send for the same command: English, romanised Nepali/Hindi, Devanagari.
STOP_WORDS = {"stop", "unsubscribe", "stopall", "cancel all messages", "band", "बन्द", "बंद",
              "रोक"}
START_WORDS = {"start", "unstop", "subscribe", "suru", "shuru", "सुरु", "शुरू"}
HELP_WORDS = {"help", "menu", "?", "madat", "maddat", "sahayata", "मद्दत", "सहायता", "मदद"}
STATUS_WORDS = {"status", "orders", "my orders", "order status", "sthiti", "स्थिति",
                "mero order", "mera order", "मेरो अर्डर", "मेरा ऑर्डर"}
CANCEL_WORDS = {"cancel", "radda", "rad", "रद्द", "cancel order"}
REORDER_WORDS = {"reorder", "re-order", "repeat", "repeat order", "same again", "pheri",
                 "feri", "dohorau", "dobara", "फेरि", "दोबारा", "पुनः"}
AGENT_WORDS = {"agent", "human", "person", "staff", "talk to agent", "talk to person",
               "manche", "manchhe", "manxe", "मान्छे", "vyakti", "insaan", "एजेन्ट", "एजेंट",
               "व्यक्ति", "support"}
# Paying online (`pay`, `pay 1004`) and what the buyer owes (`balance`).
PAY_VERBS = ("pay", "payment", "pay online", "pay now", "make payment", "tirnu", "tirchu",
             "tirne", "bhuktani", "bhuktani garnu", "भुक्तानी", "भुक्तानी गर्नु", "तिर्नु",
             "तिर्छु", "bhugtan", "bhugtan karna", "bhugtan karo", "भुगतान", "भुगतान करें",
             "भुगतान करना", "paisa tirnu", "पैसा तिर्नु")
BALANCE_WORDS = {"balance", "my balance", "dues", "my dues", "outstanding", "khata", "khaata",
                 "hisab", "hisaab", "hisab kitab", "baki", "baaki", "baki kati", "kati baki",
                 "bakaya", "udhar", "udhaar", "kitna baki", "kitna baaki", "खाता", "हिसाब",
                 "हिसाब किताब", "बाँकी", "बाकी", "बाँकी कति", "कति बाँकी", "बकाया", "उधार",
                 "कितना बाकी"}
LANGUAGE_WORDS = {"language", "lang", "bhasa", "bhasha", "भाषा"}
YES_WORDS = {"yes", "y", "ok", "okay", "confirm", "done", "ho", "hunchha", "huncha", "hus",
             "thik cha", "thik chha", "haan", "han", "ha", "ji", "ji haan", "theek hai",
             "thik hai", "हो", "हुन्छ", "हाँ", "हां", "ठीक छ", "ठीक है", "जी", "हजुर", "hajur",
             "place order", "yes place order", "पक्का", "pakka"}
NO_WORDS = {"no", "n", "nope", "hoina", "hoena", "nai", "nahi", "nahin", "na", "होइन", "नाइ",
            "नहीं", "ना", "drop", "discard", "cancel it"}
GREETING_WORDS = {"namaste", "namaskar", "hi", "hello", "hey", "hlo", "helo", "नमस्ते",
                  "नमस्कार", "good morning", "hi there", "ram ram", "राम राम"}
THANKS_WORDS = {"thanks", "thank you", "thx", "dhanyabad", "dhanyavad", "dhanyavaad",
                "shukriya", "धन्यवाद", "शुक्रिया"}
REMOVE_VERBS = ("remove", "delete", "drop", "minus", "hatau", "hatai", "hataunu", "hatanu",
                "hata do", "hatao", "hata", "nikalo", "nikal", "हटाउनु", "हटाऊ", "हटाउ",
                "हटाओ", "हटा", "निकालो")
ADD_VERBS = ("add", "plus", "also", "aur", "thap", "thapnu", "thapnus", "thapdinus", "jod",
             "jodo", "थप", "थप्नु", "जोड", "जोडो", "और")
PRICE_ASKS = ("rate kati", "rate kati ho", "ko rate kati", "kati ho", "bhav kya hai",
              "ka bhav kya hai", "ka rate kya hai", "rate kya hai", "kya rate hai",
              "price kati", "price of", "rate of", "how much is", "how much for",
              "दर कति", "भाउ कति", "रेट कति", "भाव क्या है", "रेट क्या है")

DIGITS = str.maketrans("०१२३४५६७८९", "0123456789")
NUMBER_WORDS = {"one": 1, "two": 2, "three": 3, "four": 4, "five": 5, "ek": 1, "dui": 2,
                "do": 2, "tin": 3, "teen": 3, "char": 4, "chaar": 4, "panch": 5, "paanch": 5,
                "एक": 1, "दुई": 2, "दो": 2, "तीन": 3, "चार": 4, "पाँच": 5}
ORDER_NUMBER = r"#?(\d{3,})"
RFQ_NUMBER = r"(r\d+)"


@dataclass(frozen=True)
class Command:
    """A command with its argument: `status` (number or None), `cancel` (number or None),
    `reorder`, `language` (code), `agent`, `quote` (item text or ""), `accept_quote`
    (position, rfq number), `pay` (number or None), `balance`."""

    name: str
    arg: str | None = None
    position: int | None = None


def normalise(text: str) -> str:
    """Lowercase, NFC, Devanagari digits as ASCII, punctuation at the ends and repeated
    spaces removed."""
    text = unicodedata.normalize("NFC", text or "").strip().lower().translate(DIGITS)
    text = re.sub(r"\s+", " ", text)
    if text == "?":
        return text
    return text.strip(" .!?।,")


def command_of(text: str) -> str | None:
    """The command a whole message is, or None when it is something else (an order...)."""
    word = normalise(text)
    if word in STOP_WORDS:
        return "stop"
    if word in START_WORDS:
        return "start"
    if word in HELP_WORDS:
        return "help"
    return None


def _accept_quote(word: str) -> Command | None:
    patterns = (
        rf"^accept(?: quote)?(?: {RFQ_NUMBER})? (\d+)$",
        rf"^quote(?: {RFQ_NUMBER})? (\d+) (?:ok|okay|accept|accepted|yes|ho|haan|han|"
        r"thik cha|thik chha|theek hai|thik hai|manjur|manzoor|मन्जुर|ठीक छ|ठीक है)$",
        rf"^(?:{RFQ_NUMBER} )?quote (\d+) (?:ok|accept|ho|haan|thik cha|theek hai|manjur)$",
    )
    for pattern in patterns:
        match = re.match(pattern, word)
        if match:
            rfq, position = match.groups()
            return Command("accept_quote", rfq.upper() if rfq else None, int(position))
    return None


def _price_ask(word: str) -> Command | None:
    if word in ("quote", "rfq", "get quote", "get quotes", "quotes", "kotesan"):
        return Command("quote", "")
    match = re.match(r"^(?:quote|rfq|get quote for|quote for) (.+)$", word)
    if match:
        return Command("quote", match.group(1).strip())
    for ask in sorted(PRICE_ASKS, key=len, reverse=True):
        if word == ask:
            return Command("quote", "")
        if word.startswith(ask + " ") and ask.split()[0] in ("price", "rate", "how"):
            return Command("quote", word[len(ask):].strip())
        if word.endswith(" " + ask):
            return Command("quote", word[: -len(ask)].strip())
    return None


def parse_command(text: str) -> Command | None:
    """The buyer command a message is, with its argument, or None."""
    word = normalise(text)
    simple = command_of(word)
    if simple:
        return Command(simple)
    if word in STATUS_WORDS:
        return Command("status")
    if word in REORDER_WORDS:
        return Command("reorder")
    if word in AGENT_WORDS:
        return Command("agent")
    if word in CANCEL_WORDS:
        return Command("cancel")
    head, _, rest = word.partition(" ")
    if head in ("status", "sthiti", "स्थिति", "order") and re.fullmatch(ORDER_NUMBER, rest):
        return Command("status", rest.lstrip("#"))
    match = re.fullmatch(r"(?:cancel|radda|रद्द)(?: order)? " + ORDER_NUMBER, word)
    if match:
        return Command("cancel", match.group(1))
    match = re.fullmatch(ORDER_NUMBER + r" (?:cancel|radda|रद्द)(?: garnus| karo| gara)?", word)
    if match:
        return Command("cancel", match.group(1))
    paid = _pay(word)
    if paid is not None:
        return paid
    if head in LANGUAGE_WORDS and language_named(rest):
        return Command("language", language_named(rest))
    if language_named(word) and len(word) > 2:
        return Command("language", language_named(word))
    return _accept_quote(word) or _price_ask(word)


def _pay(word: str) -> Command | None:
    """`pay`, `pay 1004`, `1004 pay`, `bhuktani 1004`, `भुगतान १००४`; `balance`, `khata`…"""
    if word in BALANCE_WORDS:
        return Command("balance")
    if word in PAY_VERBS:
        return Command("pay")
    verbs = "|".join(re.escape(v) for v in sorted(PAY_VERBS, key=len, reverse=True))
    match = (re.fullmatch(rf"(?:{verbs})(?: order| for| for order)? {ORDER_NUMBER}", word)
             or re.fullmatch(rf"(?:order )?{ORDER_NUMBER}(?: ko)? (?:{verbs})", word))
    return Command("pay", match.group(1)) if match else None


def answer_of(text: str) -> str | int | None:
    """A short answer: "yes", "no", a choice number (1-based), or None."""
    word = normalise(text)
    if word in YES_WORDS:
        return "yes"
    if word in NO_WORDS:
        return "no"
    if re.fullmatch(r"\d{1,2}", word):
        return int(word)
    return NUMBER_WORDS.get(word)


def is_greeting(text: str) -> bool:
    """A hello or a thank-you with nothing else in it."""
    word = normalise(text)
    return word in GREETING_WORDS or word in THANKS_WORDS


def is_thanks(text: str) -> bool:
    return normalise(text) in THANKS_WORDS


def edit_of(text: str) -> tuple[str, str] | None:
    """("remove", target) or ("add", rest) when the message starts with an edit verb."""
    word = normalise(text)
    for verb in sorted(REMOVE_VERBS, key=len, reverse=True):
        if word.startswith(verb + " "):
            return "remove", word[len(verb) + 1:].strip()
        if word.endswith(" " + verb):
            return "remove", word[: -len(verb) - 1].strip()
    for verb in sorted(ADD_VERBS, key=len, reverse=True):
        if word.startswith(verb + " "):
            return "add", word[len(verb) + 1:].strip()
    return None
