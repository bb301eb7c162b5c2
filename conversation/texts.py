"""Reply texts in English, Nepali and Hindi. Keys are stable; wording may change freely."""
from __future__ import annotations

from typing import Any

LANGUAGES = ("en", "ne", "hi")

TEXTS: dict[str, dict[str, str]] = {
    "help": {
        "en": ("I take your stock orders on WhatsApp.\n"
               "• Send your list, e.g. \"2 bora chamal, dhara 5 ltr x4, chini 10 kg\", or a "
               "photo of it\n• I show prices and a total; reply YES to place it\n"
               "• STATUS — your orders · CANCEL <n> · REORDER · AGENT — talk to a person\n"
               "• LANGUAGE en/ne/hi · STOP — no more messages"),
        "ne": ("म WhatsApp मा तपाईंको सामानको अर्डर लिन्छु।\n"
               "• सूची पठाउनुहोस्, जस्तै \"२ बोरा चामल, धारा ५ लिटर x४, चिनी १० केजी\", वा "
               "त्यसको फोटो\n• म मूल्य र जम्मा देखाउँछु; अर्डर गर्न HO लेख्नुहोस्\n"
               "• STATUS — तपाईंका अर्डर · CANCEL <n> · REORDER · AGENT — मान्छेसँग कुरा\n"
               "• LANGUAGE en/ne/hi · STOP — सन्देश बन्द"),
        "hi": ("मैं WhatsApp पर आपके माल के ऑर्डर लेता हूँ।\n"
               "• अपनी लिस्ट भेजें, जैसे \"2 बोरी चावल, धारा 5 लीटर x4, चीनी 10 किलो\", या "
               "उसकी फोटो\n• मैं दाम और कुल दिखाता हूँ; ऑर्डर के लिए HAAN लिखें\n"
               "• STATUS — आपके ऑर्डर · CANCEL <n> · REORDER · AGENT — किसी व्यक्ति से बात\n"
               "• LANGUAGE en/ne/hi · STOP — संदेश बंद"),
    },
    "stopped": {
        "en": "You will get no more messages from us. Send START to come back.",
        "ne": "अब तपाईंलाई हाम्रो सन्देश आउने छैन। फेरि सुरु गर्न START पठाउनुहोस्।",
        "hi": "अब आपको हमारे संदेश नहीं आएँगे। दोबारा शुरू करने के लिए START भेजें।",
    },
    "started": {
        "en": "Welcome back! Send your order list any time, or HELP to see what I can do.",
        "ne": "फेरि स्वागत छ! जुनसुकै बेला अर्डरको सूची पठाउनुहोस्, वा HELP लेख्नुहोस्।",
        "hi": "फिर से स्वागत है! कभी भी ऑर्डर की लिस्ट भेजें, या HELP लिखें।",
    },
    "fallback": {
        "en": "Sorry, I did not understand that. Send HELP to see what I can do.",
        "ne": "माफ गर्नुहोस्, बुझिनँ। के गर्न सक्छु हेर्न HELP पठाउनुहोस्।",
        "hi": "माफ़ कीजिए, समझ नहीं आया। मैं क्या कर सकता हूँ देखने के लिए HELP भेजें।",
    },
}


def text(key: str, language: str | None, **values: Any) -> str:
    """The reply `key` in `language` (English when that language lacks it), filled in."""
    by_language = TEXTS[key]
    template = by_language.get(language or "en") or by_language["en"]
    return template.format(**values) if values else template
