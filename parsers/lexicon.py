"""The words of the order language: units, numbers, fillers and a small grocery glossary.

Every list is written once in plain spellings; lookups go through `normalize.fold`, so the
Devanagari and variant spellings (`kilo`/`किलो`, `wota`/`वटा`) that fold to the same key are
covered without being listed.
"""

from __future__ import annotations

from parsers.normalize import fold

# Canonical unit -> spellings buyers use. The canonical names are the ones the output allows.
UNIT_SPELLINGS: dict[str, tuple[str, ...]] = {
    "kg": ("kg", "kgs", "kilo", "kilos", "kilogram", "kilograms", "kilogramme", "keji",
           "केजी", "किलो", "किलोग्राम", "के.जी"),
    "g": ("g", "gm", "gms", "gram", "grams", "gramme", "gr", "grm", "ग्राम"),
    "l": ("l", "ltr", "ltrs", "litre", "litres", "liter", "liters", "lit", "lt",
          "लिटर", "लीटर", "लि"),
    "ml": ("ml", "mls", "millilitre", "milliliter", "एमएल", "मिलि", "मिली"),
    "piece": ("pc", "pcs", "piece", "pieces", "nos", "no", "ta", "wota", "wata", "ota",
              "vata", "वटा", "ओटा", "गोटा", "gota", "pis", "unit", "units", "thau"),
    "packet": ("pkt", "pkts", "packet", "packets", "pack", "packs", "poka", "pokо", "पोका",
               "पैकेट", "प्याकेट", "pakeT", "paket", "pacet", "pouch", "sachet"),
    "carton": ("carton", "cartons", "ctn", "ctns", "case", "cases", "peti", "petti", "पेटी",
               "karton", "cartoon", "cartoons", "कार्टुन", "cartan"),
    "sack": ("sack", "sacks", "bag", "bags", "bora", "bori", "boro", "बोरा", "बोरी",
             "borа", "boriya"),
    "box": ("box", "boxes", "bx", "dabba", "dabbа", "dibba", "डब्बा", "डिब्बा", "daba"),
    "bottle": ("bottle", "bottles", "btl", "btls", "botal", "bottal", "बोतल", "bot"),
    "jar": ("jar", "jars", "जार"),
    "tin": ("tin", "tins", "टिन", "can", "cans"),
    "crate": ("crate", "crates", "क्रेट", "kret", "krate"),
    "tray": ("tray", "trays", "ट्रे", "tre"),
    "dozen": ("dozen", "dozens", "dz", "doz", "dozn", "dzn", "darjan", "दर्जन", "darzan",
              "darjen"),
}

# Spellings that are units only right after a number: alone they are ordinary words
# (`g` in `parle g`, `no` as in "no", `ta`, `can` as in "can you send", `bot`).
UNIT_AFTER_NUMBER_ONLY = frozenset(
    fold(w) for w in ("g", "l", "lt", "lit", "no", "ta", "can", "cans", "bot", "pis", "unit",
                      "units", "gr", "thau", "tre", "daba", "ota", "gota", "pouch", "sachet")
)
# `tin` is also the Nepali word for three (tin peti = 3 cartons).
UNIT_OR_NUMBER = frozenset({fold("tin")})

MEASURE_UNITS = frozenset({"kg", "g", "l", "ml"})
COUNT_UNITS = frozenset({"piece", "packet", "bottle", "jar", "tin"})
PACK_UNITS = frozenset({"carton", "sack", "box", "crate", "tray"})

# Unit-like words that name no unit the service knows (a pair of sandals): skipped.
FOREIGN_UNITS = frozenset(fold(w) for w in ("jor", "jora", "jodi", "pair", "pairs", "set", "sets"))

UNIT_KEYS: dict[str, str] = {
    fold(spelling): unit for unit, spellings in UNIT_SPELLINGS.items() for spelling in spellings
}

# Number words. Ambiguous ones (also ordinary words: `do` = "send it" in Hindi, `a`, `chha` =
# "is" in Nepali) count as numbers only when a unit follows.
NUMBER_WORDS: dict[str, float] = {}
AMBIGUOUS_NUMBERS: set[str] = set()


def _numbers(values: dict[float, tuple[str, ...]], ambiguous: tuple[str, ...] = ()) -> None:
    for value, words in values.items():
        for word in words:
            NUMBER_WORDS[fold(word)] = value
    AMBIGUOUS_NUMBERS.update(fold(w) for w in ambiguous)


_numbers({
    1: ("one", "ek", "एक", "euta", "एउटा", "ekta"),
    2: ("two", "dui", "do", "दुई", "दो", "duita"),
    3: ("three", "tin", "teen", "तीन", "तिन", "tinta"),
    4: ("four", "char", "chaar", "चार"),
    5: ("five", "panch", "paanch", "पाँच", "पांच", "पाच"),
    6: ("six", "chha", "chhe", "chhah", "छ", "छह", "छः"),
    7: ("seven", "saat", "sat", "सात"),
    8: ("eight", "aath", "ath", "आठ"),
    9: ("nine", "nau", "नौ", "nou"),
    10: ("ten", "das", "dus", "दस", "दश"),
    11: ("eleven", "eghara", "gyarah", "एघार", "ग्यारह"),
    12: ("twelve", "bahra", "barah", "baarah", "बाह्र", "बारह"),
    13: ("thirteen", "tehra", "terah", "तेह्र", "तेरह"),
    14: ("fourteen", "chaudha", "chaudah", "चौध", "चौदह"),
    15: ("fifteen", "pandhra", "pandrah", "पन्ध्र", "पंद्रह"),
    16: ("sixteen", "sohra", "solah", "सोह्र", "सोलह"),
    17: ("seventeen", "satra", "satrah", "सत्र", "सत्रह"),
    18: ("eighteen", "athara", "atharah", "अठार", "अठारह"),
    19: ("nineteen", "unnais", "unnis", "उन्नाइस", "उन्नीस"),
    20: ("twenty", "bis", "bees", "बीस"),
    25: ("pachis", "pachees", "पच्चीस", "पच्चिस"),
    30: ("thirty", "tis", "tees", "तीस"),
    40: ("forty", "chalis", "chalees", "चालीस", "चालिस"),
    50: ("fifty", "pachas", "pachaas", "पचास"),
    100: ("hundred", "sau", "सय", "सौ"),
}, ambiguous=("do", "tin", "teen", "chha", "chhe", "sat", "saat", "ath", "aath", "nau", "nou",
              "sau", "das", "bis", "tis"))

# Fraction words: adha = 1/2, dedh = 1 1/2, dhai = 2 1/2. `dhai` folds to `dai` (the
# Nepali "elder brother" buyers greet with), so it is ambiguous too.
FRACTION_WORDS: dict[str, float] = {
    fold(w): v
    for w, v in (
        ("adha", 0.5), ("aadha", 0.5), ("aadhaa", 0.5), ("आधा", 0.5), ("half", 0.5),
        ("quarter", 0.25), ("paav", 0.25), ("pau", 0.25), ("पाउ", 0.25),
        ("dedh", 1.5), ("derh", 1.5), ("डेढ", 1.5), ("डेढ़", 1.5),
        ("dhai", 2.5), ("adhai", 2.5), ("arhai", 2.5), ("dhaai", 2.5), ("ढाई", 2.5),
        ("अढाई", 2.5),
    )
}
AMBIGUOUS_NUMBERS.update({fold("dhai"), fold("pau")})
# Prefix fractions: sawa 2 = 2 1/4, saadhe 3 = 3 1/2, paune 2 = 1 3/4; alone they apply to 1.
FRACTION_PREFIXES: dict[str, float] = {
    fold(w): v
    for w, v in (
        ("sawa", 0.25), ("sava", 0.25), ("सवा", 0.25),
        ("saadhe", 0.5), ("sadhe", 0.5), ("साढे", 0.5), ("साढ़े", 0.5),
        ("paune", -0.25), ("पौने", -0.25),
    )
}
INDEFINITE_ONE = frozenset({"a", "an"})

CONJUNCTIONS = frozenset(fold(w) for w in ("ra", "ani", "aur", "and", "र", "अनि", "और", "also"))

# Words that carry no product meaning in an order: greetings, forms of address, verbs of
# sending and wanting, particles, time words. Removed before catalog matching.
FILLERS = frozenset(
    fold(w)
    for w in (
        # English
        "please", "pls", "plz", "plse", "kindly", "send", "snd", "sent", "need", "needed", "want",
        "give", "deliver", "delivery", "order", "orders", "the", "of", "for", "me", "my", "us",
        "some", "also", "more", "and", "with", "to", "by", "in", "on", "at", "from", "this", "that",
        "hi", "hello", "hlo", "hey", "dear", "sir", "madam", "bro", "brother", "ok", "okay",
        "thanks", "thank", "you", "thx", "ty", "asap", "urgent", "urgently", "today",
        "tomorrow", "morning", "evening", "quick", "quickly", "fast", "required", "is", "are",
        "it", "x", "each", "only", "total", "qty", "quantity", "nos",
        # edit commands (`remove oil`, `oil hatau`)
        "remove", "delete", "cancel", "change", "hatau", "hatauna", "hataunu", "hatao", "nikalo",
        # Nepali (romanised and Devanagari fold to the same keys)
        "dai", "daju", "didi", "bhai", "hajur", "namaste", "namaskar", "नमस्ते", "दाइ", "दाई",
        "ko", "ka", "ke", "ki", "ma", "le", "lai", "hai", "ho", "hola", "ni", "la",
        "chahiyo", "chaiyo", "chahincha", "chaincha", "chahiye", "chaiye", "chaahiye",
        "pathaidinu", "pathaidinus", "pathaunu", "pathaunus", "pathau", "pathaideu",
        "pathaidinuhos", "pathaidinuhola", "pathaidinu", "dinu", "dinus", "dinuhos", "deu",
        "aaja", "aaj", "aja", "bholi", "bholi", "bihana", "belka", "jaldi", "chado", "chito",
        "pathaidinuna", "parchha", "parcha", "haru", "yo", "tyo", "samma", "bhitra",
        "wala", "wali", "wale", "vala", "vali", "sabai", "sab", "uske", "iske", "saath", "sath",
        "hua", "hue", "hui", "hoga", "abhi", "tak",
        # Hindi
        "bhaiya", "bhaiyya", "bhaia", "bhai", "ji", "bhej", "bhejo", "bhejna", "bhejiye",
        "bhejdo", "bhejde", "bhejdena", "dena", "de", "dijiye", "dijie", "do", "kar", "karo",
        "karna", "kardo", "kar", "dena", "add", "bhi", "mein", "me", "hain", "hai", "chahie",
        "भैया", "भेज", "दो", "भेजो", "भेजना", "पठाइदिनु", "पठाइदिनुस्", "पठाउनु", "चाहियो",
        "चाहिए", "अनि", "र",
    )
)
# Verbs are conjugated freely; their stems are enough to know them.
FILLER_PREFIXES = tuple(fold(w) for w in ("pathai", "pathau", "bhej", "पठा", "chahi"))

# A word that also means "too/also" after a noun in Nepali (`nun 1 peti pani`); it names
# water only when it is the first content word.
PARTICLE_ALIASES = frozenset({fold("pani"), fold("पनि")})

# Words asking for information rather than ordering: a quantity next to them is not an order
# for a product mentioned earlier ("chini ko rate? 50 kilo wali bori ka batao").
INFO_WORDS = frozenset(
    fold(w)
    for w in ("rate", "rates", "price", "prices", "bhau", "bhaau", "dar", "daam", "dam", "kati",
              "kitna", "kitne", "kitni", "batao", "batana", "bataunu", "bataidinu", "bhannu",
              "quote", "cost", "how", "what", "kya", "mol", "भाउ", "कति", "रेट")
)

# Number neighbours that make a number something other than a quantity.
PRICE_BEFORE = frozenset(fold(w) for w in ("rs", "rs.", "npr", "inr", "rupees", "rupiya", "₹",
                                            "रु", "रू", "mrp", "rate", "price", "bhau", "dar",
                                            "total", "@", "amount", "paisa", "cost"))
PRICE_AFTER = frozenset(fold(w) for w in ("rs", "rupees", "rupee", "rupiya", "rupaiya", "rupaye",
                                           "rupaiyan", "रुपैयाँ", "रुपैया", "रुपये", "rupya",
                                           "/-", "only", "paisa", "npr", "inr"))
PER_WORDS = frozenset(fold(w) for w in ("per", "prati", "/", "each"))
ORDER_NUMBER_BEFORE = frozenset(fold(w) for w in ("#", "no", "number", "num", "ref", "invoice",
                                                   "bill", "id", "नं", "nam", "mobile", "phone",
                                                   "ph", "mob", "contact", "whatsapp"))
TIME_AFTER = frozenset(fold(w) for w in ("baje", "bje", "bajे", "बजे", "am", "pm", "oclock",
                                          "hrs", "hr", "hour", "hours", "ghanta", "ghante",
                                          "minute", "minutes", "min", "mins", "din", "dina",
                                          "days", "day", "hapta", "week", "weeks", "mahina",
                                          "month", "months", "barsa", "sal", "year", "years",
                                          "दिन", "बजेसम्म", "bajesamma", "baji", "bajे"))
DATE_AFTER = frozenset(fold(w) for w in ("gate", "gatey", "gte", "गते", "tarik", "tarikh",
                                          "तारिख", "tarekh", "th", "st", "nd", "rd", "date"))
MONTHS = frozenset(
    fold(w)
    for w in ("jan", "january", "feb", "february", "mar", "march", "apr", "april", "may", "jun",
              "june", "jul", "july", "aug", "august", "sep", "sept", "september", "oct",
              "october", "nov", "november", "dec", "december", "baisakh", "baishakh", "jestha",
              "jeth", "asar", "asadh", "saun", "shrawan", "sawan", "bhadra", "bhadau", "asoj",
              "ashwin", "kartik", "mangsir", "poush", "push", "magh", "falgun", "fagun",
              "chaitra", "chait", "बैशाख", "जेठ", "असार", "साउन", "श्रावण", "भदौ", "असोज",
              "कार्तिक", "मंसिर", "पुस", "माघ", "फागुन", "चैत")
)

# Translation equivalents of grocery words: each group is folded onto its first word so that
# `dhara tel` meets a product named `... Mustard Oil`, and `chawal` meets `rice`.
GLOSSARY: tuple[tuple[str, ...], ...] = (
    ("oil", "tel", "तेल"),
    ("mustard", "sarson", "sarso", "sarsyu", "tori", "तोरी", "सरसों", "सर्स्यु"),
    ("rice", "chamal", "chawal", "chaval", "चामल", "चावल"),
    ("sugar", "chini", "cheeni", "चिनी", "चीनी", "shakkar"),
    ("salt", "nun", "namak", "नुन", "नमक", "noon"),
    ("tea", "chiya", "chai", "चिया", "चाय"),
    ("milk", "dudh", "doodh", "दुध", "दूध"),
    ("water", "pani", "पानी"),
    ("egg", "anda", "ande", "phul", "अण्डा", "अंडा", "फुल"),
    ("flour", "pitho", "पिठो", "atta", "aata", "आटा"),
    ("soap", "sabun", "saabun", "साबुन"),
    ("powder", "dhulo", "धुलो", "churna", "pauder"),
    ("lentil", "dal", "daal", "दाल"),
    ("biscuit", "biscuits", "biskut", "बिस्कुट"),
    ("chilli", "chili", "khursani", "mirch", "mirchi", "खुर्सानी", "मिर्च"),
    ("turmeric", "besar", "haldi", "बेसार", "हल्दी"),
    ("ghee", "ghiu", "घ्यू", "घी"),
    ("honey", "mah", "maha", "shahad", "मह", "शहद"),
    ("potato", "aloo", "alu", "आलु", "आलू"),
    ("onion", "pyaj", "pyaaz", "pyaz", "प्याज"),
    ("garlic", "lasun", "lahsun", "लसुन", "लहसुन"),
    ("ginger", "aduwa", "adrak", "अदुवा", "अदरक"),
    ("matches", "salai", "machis", "सलाई", "माचिस"),
    ("candle", "mainbatti", "mombatti", "मैनबत्ती", "मोमबत्ती"),
    ("cumin", "jeera", "jira", "जीरा"),
    ("coriander", "dhaniya", "dhania", "धनियाँ", "धनिया"),
    ("noodles", "noodle", "chauchau", "चाउचाउ"),
    ("chocolate", "chocolates"),
    ("meat", "masu", "मासु"),
    ("bread", "pauroti", "पाउरोटी"),
    ("butter", "makhan", "मक्खन"),
    ("toothpaste", "manjan", "मन्जन"),
    ("cigarette", "chureto", "churot", "चुरोट"),
    ("mosquito", "machhar", "lamkhutte", "लामखुट्टे"),
    ("beaten", "chiura", "chiwda", "poha", "चिउरा", "पोहा"),
    ("pickle", "achar", "अचार"),
)
CANONICAL_WORD: dict[str, str] = {
    fold(word): fold(group[0]) for group in GLOSSARY for word in group if " " not in word
}


# A number word that folds onto a filler (`bees` and `bhi`, `by`) is a number only before
# a unit.
AMBIGUOUS_NUMBERS.update(k for k in NUMBER_WORDS if k in FILLERS)

# Symbols fold to the empty key; they are matched by their raw form instead.
FILLERS = FILLERS - {""}
CONJUNCTIONS = CONJUNCTIONS - {""}
PRICE_BEFORE = PRICE_BEFORE - {""}
PRICE_AFTER = PRICE_AFTER - {""}
PER_WORDS = PER_WORDS - {""}
ORDER_NUMBER_BEFORE = ORDER_NUMBER_BEFORE - {""}


def is_filler(key: str) -> bool:
    """True for a folded word that carries no product meaning (greeting, verb, particle)."""
    return key in FILLERS or (len(key) > 4 and key.startswith(FILLER_PREFIXES))
