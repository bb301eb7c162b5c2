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
            NUMBER_WORDS[fold(word)] = float(value)  # floats: int has no is_integer() on 3.11
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
    21: ("ekkais", "ikkis", "एक्काइस", "इक्कीस"),
    22: ("bais", "baais", "बाइस", "बाईस"),
    24: ("chaubis", "chaubees", "chobis", "चौबीस", "चौबिस"),
    25: ("pachis", "pachees", "पच्चीस", "पच्चिस"),
    30: ("thirty", "tis", "tees", "तीस"),
    36: ("chhattis", "chattis", "छत्तीस", "छत्तिस"),
    40: ("forty", "chalis", "chalees", "चालीस", "चालिस"),
    48: ("athchalis", "artalis", "अठचालीस", "अड़तालीस"),
    50: ("fifty", "pachas", "pachaas", "पचास"),
    60: ("sixty", "sathi", "साठी", "साठ"),
    70: ("seventy", "sattari", "sattar", "सत्तरी", "सत्तर"),
    80: ("eighty", "asi", "assi", "असी", "अस्सी"),
    90: ("ninety", "nabbe", "nabbe", "नब्बे"),
    100: ("hundred", "sau", "सय", "सौ"),
    1000: ("thousand", "hajar", "hazar", "hajaar", "हजार"),
}, ambiguous=("do", "tin", "teen", "chha", "chhe", "sat", "saat", "ath", "aath", "nau", "nou",
              "sau", "das", "bis", "tis", "asi", "sathi", "bais"))
# Number words that multiply the one before (`dhai sau gram` = 250 g, `do hajar`), and the
# tens that take a unit after them (`twenty four` = 24).
SCALE_WORDS = frozenset(fold(w) for w in ("hundred", "sau", "सय", "सौ", "thousand", "hajar",
                                          "hazar", "हजार"))
TENS_WORDS = frozenset(fold(w) for w in ("twenty", "thirty", "forty", "fifty", "sixty",
                                         "seventy", "eighty", "ninety"))
# `one and a half`, `2 and a half`: the half is added to the number before.
HALF_WORDS = frozenset(fold(w) for w in ("half", "adha", "aadha", "आधा"))

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
INDEFINITE_TWO = frozenset({fold("couple")})

# Postpositions glued to a noun (`चिनीको`, `तेलका`, `पसललाई`, `अर्डरमा`): stripped when the
# whole word is not known, so a case ending never stops a match. Longest first.
POSTPOSITIONS_DEVANAGARI = ("हरूको", "हरुको", "वालाको", "लाई", "बाट", "सँग", "वाला", "वाली",
                            "वाले", "हरू", "हरु", "को", "का", "की", "के", "मा", "में")
POSTPOSITIONS_LATIN = ("haruko", "wala", "wali", "vala", "lai", "bata", "sanga", "ko", "ka",
                       "ki", "ke", "ma")

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
        # other verbs of supplying, and days (`arrange 10 boxes by friday`)
        "arrange", "supply", "provide", "dispatch", "ship", "bring", "get", "keep", "pack",
        "monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday",
        "sombar", "mangalbar", "budhbar", "bihibar", "sukrabar", "sanibar", "aaitabar",
        "somvar", "mangalvar", "budhvar", "guruvar", "shukravar", "shanivar", "ravivar",
        "tonight", "week", "weekend", "but", "tara", "lekin", "magar", "par",
        # pronouns, particles and small talk that sit next to a product without naming one
        "malai", "hamlai", "hamilai", "mero", "hamro", "tapai", "tapailai", "mujhe", "humko",
        "hume", "humein", "mera", "hamara", "apna", "aap", "aapko", "i", "we", "our", "if",
        "yes", "then", "so", "a", "an", "feri", "pheri", "phir", "fir", "again", "matra",
        "matrai", "sirf", "bas", "lagi", "liye", "ta", "na", "ne", "re", "nai", "just",
        "मलाई", "मेरो", "हामीलाई", "मुझे", "हमें", "मात्र", "फेरि", "लागि", "लिए",
        "aru", "arko", "kei", "kuch", "dusra",
        # "is there / is not there" (`stock ma cha ki chaina`); `chha` before a unit is six
        "cha", "chha", "xa", "chaina", "chhaina", "xaina", "छैन", "hain", "है", "हैं",
        "kal", "कल", "ऑर्डर", "अर्डर", "में", "nikla", "nikli", "निकला", "निकली", "निकले",
        "hijo", "yesterday", "yesterdays", "pahile", "pahileko", "pichhle", "pichla", "pichli",
        "last", "previous", "asti", "aghi", "हिजो", "पहिले", "पहिलेको", "पिछले", "पिछला",
        # ran out, arrive: said around an order (`chini sakiyo, 1 bora chahiyo`)
        "sakiyo", "sakkiyo", "sakincha", "khatam", "khattam", "सकियो", "खतम", "खत्म",
        "pahunch", "pahuncha", "pahunchna", "pahuchna", "jana", "jaye", "pugnu", "pugne",
        "pugos", "pugyos", "aunu", "aaunu", "पुग्नु", "पहुँच", "जाना",
        # Hindi
        "bhaiya", "bhaiyya", "bhaia", "bhai", "ji", "bhej", "bhejo", "bhejna", "bhejiye",
        "bhejdo", "bhejde", "bhejdena", "dena", "de", "dijiye", "dijie", "do", "kar", "karo",
        "karna", "kardo", "kar", "dena", "add", "bhi", "mein", "me", "hain", "hai", "chahie",
        "भैया", "भेज", "दो", "भेजो", "भेजना", "पठाइदिनु", "पठाइदिनुस्", "पठाउनु", "चाहियो",
        "चाहिए", "अनि", "र",
    )
)
# Verbs are conjugated freely; their stems are enough to know them.
# (`पठा` would fold to `pata`, the start of unrelated words; `pathai`/`pathau` cover it.)
FILLER_PREFIXES = tuple(fold(w) for w in ("pathai", "pathau", "bhej", "chahi"))

# Words that are also particles after a noun: `pani` "too" (`nun 1 peti pani`), `chai`
# "as for" (`maggi chai 2 peti`). After another word they name water or tea only where a
# catalog name has them there (`tokla chiya`, `mineral pani`).
PARTICLE_ALIASES = frozenset(fold(w) for w in ("pani", "पनि", "chai", "chiya", "चाय", "चिया",
                                               "चाहिँ", "chahin"))

# Words asking for information rather than ordering: a quantity next to them is not an order
# for a product mentioned earlier ("chini ko rate? 50 kilo wali bori ka batao").
INFO_WORDS = frozenset(
    fold(w)
    for w in ("rate", "rates", "price", "prices", "bhau", "bhaau", "dar", "daam", "dam", "kati",
              "kitna", "kitne", "kitni", "batao", "batana", "bataunu", "bataidinu", "bhannu",
              "quote", "cost", "how", "what", "kya", "mol", "भाउ", "कति", "रेट")
)

# Adjectives buyers put before a product that name no brand (`fresh paneer`, `ramro chamal`):
# not an unknown brand.
MODIFIERS = frozenset(
    fold(w)
    for w in ("fresh", "good", "best", "quality", "new", "naya", "nayaa", "ramro", "accha",
              "achha", "acha", "badhiya", "badiya", "local", "loose", "khulla", "regular",
              "normal", "same", "usual", "sasto", "sasta", "cheap", "small", "big", "large",
              "medium", "sano", "chota", "chhota", "thulo", "bada", "brand", "company", "type",
              "jasto", "jaisa", "wala", "wali", "pure", "shuddha", "asli", "original", "extra",
              "more", "thap", "thapa", "राम्रो", "ताजा", "नयाँ", "नया")
)
# Words that make a bare quantity an addition to the line before (`1 peti + 4 packet`,
# `6 extra`, `6 wota thap`) or a correction of it (`sorry, 2 kg only`, `make it 3`).
ADD_WORDS = frozenset(
    fold(w)
    for w in ("extra", "more", "add", "added", "additional", "also", "thap", "thapa",
              "thapnu", "thapdinu", "thapidinu", "thapnus", "aru", "aur", "jod", "jodo",
              "jodna", "थप", "थप्नु", "थपिदिनु", "जोड", "जोडो", "और", "अरु")
)
CORRECTION_WORDS = frozenset(
    fold(w)
    for w in ("sorry", "oops", "oh", "correction", "correct", "corrected", "meant", "mean",
              "make", "instead", "rather", "actually", "change", "changed", "update", "updated",
              "galti", "galat", "maaf", "माफ", "गल्ती", "सरी", "सरि", "sori")
)
# Negations: after a quantity they take it back (`10 kilo nahi 15 kilo`, `३ पेटी होइन`);
# before one they take it back when it repeats the line's quantity (`not 5, make it 3`) and
# otherwise correct the line (`hoina, 3 bora`).
NEGATIONS = frozenset(
    fold(w)
    for w in ("not", "no", "nahi", "nahin", "nai", "hoina", "hoena", "haina", "होइन", "हैन",
              "नहीं", "नही", "dont", "don't")
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
    return key in FILLERS or (len(key) >= 4 and key.startswith(FILLER_PREFIXES))


# --- what a sentence does: order, ask, complain or report ----------------------------------
# Matched against words as written (lowercase; a glued case ending is dropped first), since
# folding merges words these lists must keep apart (`tha` "was" and `ta` "pieces").

# Complaints about a delivery: damage, shortage, a wrong or missing item.
COMPLAINT_WORDS = frozenset((
    "damaged", "damage", "broken", "broke", "leaking", "leak", "leaked", "leaky", "expired",
    "expire", "expiry", "rotten", "spoiled", "spoilt", "stale", "missing", "wrong", "short",
    "shortage", "complaint", "complain", "defective", "faulty", "torn", "refund", "return",
    "returned", "replace", "replacement", "mistake", "fake", "bad",
    "phuteko", "futeko", "phutyo", "futyo", "phuteka", "futeka", "phutera", "bigreko",
    "bigriyo", "bigryo", "bigrayo", "kuhiyeko", "kuhieko", "kuhiyo", "sadeko", "kharab",
    "kharap", "kharaab", "nakkali", "napugeko", "pugena", "aayena", "aaena", "ayena",
    "firta", "phirta", "fiirta", "chyateko", "chyatiyo", "ghati", "expire", "ekspayar",
    "toota", "tuta", "tooti", "tuti", "toote", "tute", "phata", "phati", "fata", "fati",
    "phate", "galat", "wapas", "vapas", "shikayat", "bekar",
    "ganda", "kharabi",
    "फुटेको", "फुट्यो", "फुटेका", "बिग्रेको", "बिग्रियो", "कुहिएको", "सडेको", "खराब", "गलत",
    "फिर्ता", "टुटेको", "आएन", "पुगेन", "नपुगेको", "टूटा", "टूटी", "टूटे", "टुटा", "फटा",
    "फटी", "सड़ा", "सड़ी", "सडा", "वापस", "शिकायत", "लिक", "एक्सपायर", "बेकार", "नक्कली",
))
# Several-word complaints (`kam aayo` "came short", `nahi aaya` "did not come").
COMPLAINT_PHRASES = (
    "kam aayo", "kam aaya", "kam thiyo", "kam tha", "kam nikla", "kam nikli", "kam niklyo",
    "kam mila", "kam cha", "kam chha", "kam xa", "less", "nahi aaya", "nahin aaya",
    "nahi aayi", "nahi aaye", "nahi mila", "nahin mila", "nahi mili", "not received",
    "not delivered", "never came", "never arrived", "did not come", "didnt come",
    "didn't come", "not come", "not arrived", "aako chaina", "aayeko chaina", "pugeko chaina",
    "कम आयो", "कम थियो", "कम निकला", "कम निकली", "कम आया", "नहीं आया", "नहीं आई",
    "नहीं मिला", "आएको छैन", "पुगेको छैन",
)
# Asking a price (stronger than a verb of ordering: `2 peti ko rate pathaunu`), unless it
# follows a word for the whole bill (`total kitna hua batana`).
PRICE_ASK_WORDS = frozenset((
    "rate", "rates", "price", "prices", "pricing", "cost", "costs", "bhau", "bhaau", "bhav",
    "bhaav", "dar", "daam", "dam", "mol", "kati", "kitna", "kitne", "kitni", "quote",
    "quotation", "भाउ", "कति", "रेट", "दाम", "कितना", "कितने", "कितनी", "मूल्य", "दर", "भाव",
))
TOTAL_WORDS = frozenset(("total", "bill", "sab", "sabai", "sabko", "sabaiko", "all", "jamma",
                         "overall", "hisab", "hisaab", "kul", "कुल", "जम्मा", "सबै", "बिल",
                         "टोटल", "हिसाब"))
# Asking whether something is there, or any other question: a sentence with one of these
# (or a question mark) and no verb of ordering asks rather than orders.
QUESTION_WORDS = frozenset((
    "available", "availability", "avail", "stock", "milcha", "milchha", "milxa", "paincha",
    "painchha", "paaincha", "painxa", "milega", "milegi", "milenge", "milta", "milti",
    "kya", "what", "which", "when", "where", "how", "kab", "kahile", "kaha", "kahan", "kun",
    "kaun", "kasto", "kaisa", "batao", "batana", "bataunu", "bataidinu", "bataidinus",
    "bataye", "bataiye", "bhannu", "bhanidinu", "whether",
    "उपलब्ध", "स्टक", "मिल्छ", "पाइन्छ", "मिलेगा", "मिलेगी", "क्या", "कहिले", "कब", "कुन",
    "कहाँ", "बताउनु", "बताइदिनु", "बताओ", "बताइए", "बताना",
))
QUESTION_PHRASES = ("hai kya", "cha ki", "chha ki", "xa ki", "ki nai", "ki nahi",
                    "ki chaina", "ki chhaina", "do you", "have you", "is there", "are there",
                    "you have", "छ कि", "कि छैन", "कि नाइ", "है क्या")
# Verbs of ordering; conjugated freely, so stems are enough for the long ones.
ORDER_WORDS = frozenset((
    "send", "need", "needed", "want", "wanted", "require", "required", "add", "bring",
    "give", "book", "deliver", "get", "buy", "purchase", "take", "arrange", "supply",
    "provide", "dispatch", "dinu", "dinus", "dinuhos", "dinuhola", "deu", "dena", "dedo",
    "dedena", "dijiye", "dijie", "dediye", "lyaunu", "lyaidinu", "lao", "rakhnu", "rakhidinu",
    "chaiyo", "chahiyo", "chaiye", "chahiye", "chahie", "chahincha", "chaincha",
    "दिनु", "दिनुस्", "दिनुहोस्", "दीजिए", "दीजिये", "देना", "दो", "दे", "ल्याइदिनु",
))
ORDER_PREFIXES = ("pathai", "pathau", "bhej", "chahi", "thap", "पठाइ", "पठाउ", "भेज", "चाहि",
                  "थप")
PLEASE_WORDS = frozenset(("please", "pls", "plz", "plse", "kindly", "plez"))
# Telling what happened (a delivery received, yesterday's order): not an order by itself.
# Past verbs only: `hijo jasto 2 bora` ("like yesterday") still orders.
REPORT_WORDS = frozenset((
    "received", "recieved", "got", "delivered", "arrived", "came", "reached", "was", "were",
    "had", "aayo", "aaipugyo", "aipugyo", "pugyo", "aako", "aayeko", "aaeko", "thiyo",
    "pathayeko", "pathaeko", "pathako", "payo", "aaya", "aayi", "aaye", "mila", "mili", "mile",
    "tha", "thi", "आयो", "आइपुग्यो", "पुग्यो", "थियो", "पठाएको", "आया", "आई", "मिला", "मिली",
    "था", "थी", "थे",
))
# After a price word these ask when, not how much (`kati din ma aaunchha`).
WHEN_WORDS = frozenset(("din", "dina", "baje", "bela", "samay", "time", "ghanta", "ghante",
                        "days", "day", "hours", "long", "soon", "दिन", "बजे", "बेला", "समय"))
GREETING_WORDS = frozenset((
    "namaste", "namaskar", "hi", "hello", "hey", "hlo", "helo", "good", "morning", "evening",
    "afternoon", "night", "dai", "didi", "bhai", "bhaiya", "sir", "madam", "ji", "hajur",
    "sanchai", "kasto", "cha", "chha", "hunuhuncha", "hunuhunchha", "ram", "thanks", "thank",
    "you", "dhanyabad", "dhanyavad", "shukriya", "ok", "okay", "नमस्ते", "नमस्कार", "दाइ",
    "दाई", "सन्चै", "धन्यवाद", "शुक्रिया", "राम", "जी", "हजुर", "भैया",
))

# The same words folded, for taking them out of a product's name run (`maggi in stock`,
# `hijo ko chini`); a word that is also in a catalog name stays there.
INTENT_KEYS = frozenset(
    fold(w) for group in (COMPLAINT_WORDS, PRICE_ASK_WORDS, QUESTION_WORDS, ORDER_WORDS,
                          REPORT_WORDS, PLEASE_WORDS, TOTAL_WORDS)
    for w in group
) - {""}
