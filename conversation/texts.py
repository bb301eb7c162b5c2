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
               "• PAY [n] — pay online · BALANCE — what you owe\n"
               "• LANGUAGE en/ne/hi · STOP — no more messages"),
        "ne": ("म WhatsApp मा तपाईंको सामानको अर्डर लिन्छु।\n"
               "• सूची पठाउनुहोस्, जस्तै \"२ बोरा चामल, धारा ५ लिटर x४, चिनी १० केजी\", वा "
               "त्यसको फोटो\n• म मूल्य र जम्मा देखाउँछु; अर्डर गर्न HO लेख्नुहोस्\n"
               "• STATUS — तपाईंका अर्डर · CANCEL <n> · REORDER · AGENT — मान्छेसँग कुरा\n"
               "• PAY [n] — अनलाइन भुक्तानी · KHATA — कति बाँकी छ\n"
               "• LANGUAGE en/ne/hi · STOP — सन्देश बन्द"),
        "hi": ("मैं WhatsApp पर आपके माल के ऑर्डर लेता हूँ।\n"
               "• अपनी लिस्ट भेजें, जैसे \"2 बोरी चावल, धारा 5 लीटर x4, चीनी 10 किलो\", या "
               "उसकी फोटो\n• मैं दाम और कुल दिखाता हूँ; ऑर्डर के लिए HAAN लिखें\n"
               "• STATUS — आपके ऑर्डर · CANCEL <n> · REORDER · AGENT — किसी व्यक्ति से बात\n"
               "• PAY [n] — ऑनलाइन भुगतान · HISAB — कितना बाकी है\n"
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
    "message_failed": {
        "en": ("Sorry, something went wrong with your last message and I could not handle it. "
               "Please send it again in other words, or send AGENT to talk to a person."),
        "ne": ("माफ गर्नुहोस्, तपाईंको पछिल्लो सन्देशमा समस्या आयो र म बुझ्न सकिनँ। कृपया अर्को "
               "तरिकाले फेरि पठाउनुहोस्, वा मान्छेसँग कुरा गर्न AGENT पठाउनुहोस्।"),
        "hi": ("माफ़ कीजिए, आपके पिछले संदेश में कुछ गड़बड़ हुई और मैं उसे समझ नहीं पाया। कृपया "
               "दूसरे शब्दों में फिर से भेजें, या किसी व्यक्ति से बात करने के लिए AGENT भेजें।"),
    },
    "fallback": {
        "en": "Sorry, I did not understand that. Send HELP to see what I can do.",
        "ne": "माफ गर्नुहोस्, बुझिनँ। के गर्न सक्छु हेर्न HELP पठाउनुहोस्।",
        "hi": "माफ़ कीजिए, समझ नहीं आया। मैं क्या कर सकता हूँ देखने के लिए HELP भेजें।",
    },
    "welcome": {
        "en": "Namaste! I take wholesale orders on WhatsApp. First, what is your name?",
        "ne": "नमस्ते! म WhatsApp मा होलसेल अर्डर लिन्छु। पहिले, तपाईंको नाम के हो?",
        "hi": "नमस्ते! मैं WhatsApp पर होलसेल ऑर्डर लेता हूँ। पहले, आपका नाम क्या है?",
    },
    "use_profile_name": {
        "en": "Reply 1 to use \"{name}\", or type your name.",
        "ne": "\"{name}\" नै राख्न 1 लेख्नुहोस्, वा आफ्नो नाम लेख्नुहोस्।",
        "hi": "\"{name}\" रखने के लिए 1 लिखें, या अपना नाम लिखें।",
    },
    "ask_name_again": {
        "en": "Please type your name.",
        "ne": "कृपया आफ्नो नाम लेख्नुहोस्।",
        "hi": "कृपया अपना नाम लिखें।",
    },
    "ask_shop": {
        "en": "Thank you, {name}. What is the name of your shop?",
        "ne": "धन्यवाद, {name}। तपाईंको पसलको नाम के हो?",
        "hi": "धन्यवाद, {name}। आपकी दुकान का नाम क्या है?",
    },
    "ask_town": {
        "en": "Which town is {shop} in?",
        "ne": "{shop} कुन सहरमा छ?",
        "hi": "{shop} किस शहर में है?",
    },
    "ask_phone": {
        "en": "Which phone number should the supplier call for delivery?",
        "ne": "डेलिभरीका लागि आपूर्तिकर्ताले कुन फोन नम्बरमा फोन गर्ने?",
        "hi": "डिलीवरी के लिए सप्लायर किस फ़ोन नंबर पर कॉल करे?",
    },
    "ask_phone_again": {
        "en": "Please write the phone number with its digits, e.g. 9801234567.",
        "ne": "कृपया फोन नम्बर अंकमा लेख्नुहोस्, जस्तै 9801234567।",
        "hi": "कृपया फ़ोन नंबर अंकों में लिखें, जैसे 9801234567।",
    },
    "town_choices": {
        "en": "I do not deliver to \"{town}\" yet. Choose your town by its number:",
        "ne": "\"{town}\" मा अहिले डेलिभरी छैन। आफ्नो सहरको नम्बर छान्नुहोस्:",
        "hi": "\"{town}\" में अभी डिलीवरी नहीं है। अपने शहर का नंबर चुनें:",
    },
    "onboarded": {
        "en": ("All set, {name}! Send your order list any time, e.g. \"2 bora chamal, "
               "chini 10 kg\". Send HELP to see what else I can do."),
        "ne": ("सबै तयार छ, {name}! जुनसुकै बेला अर्डरको सूची पठाउनुहोस्, जस्तै \"२ बोरा "
               "चामल, चिनी १० केजी\"। अरू के गर्न सक्छु हेर्न HELP पठाउनुहोस्।"),
        "hi": ("सब तैयार है, {name}! कभी भी ऑर्डर की लिस्ट भेजें, जैसे \"2 बोरी चावल, "
               "चीनी 10 किलो\"। और क्या कर सकता हूँ, देखने के लिए HELP भेजें।"),
    },
    "signup_first": {
        "en": "Let us finish signing you up first.",
        "ne": "पहिले दर्ता पूरा गरौं।",
        "hi": "पहले आपका रजिस्ट्रेशन पूरा कर लेते हैं।",
    },
    "greeting": {
        "en": "Namaste {name}! Send your order list and I will price it for you.",
        "ne": "नमस्ते {name}! अर्डरको सूची पठाउनुहोस्, म मूल्य निकालिदिन्छु।",
        "hi": "नमस्ते {name}! ऑर्डर की लिस्ट भेजें, मैं दाम बता दूँगा।",
    },
    "thanks": {
        "en": "You are welcome!",
        "ne": "धन्यवाद!",
        "hi": "आपका स्वागत है!",
    },
    "photo_unreadable": {
        "en": ("I could not read any writing in that photo. Please type your order, one item "
               "per line, or send a clearer photo of the list."),
        "ne": ("त्यो फोटोमा केही लेखेको पढ्न सकिनँ। कृपया अर्डर टाइप गर्नुहोस्, एक लाइनमा "
               "एउटा सामान, वा सूचीको अझ सफा फोटो पठाउनुहोस्।"),
        "hi": ("उस फोटो में कुछ लिखा हुआ पढ़ नहीं सका। कृपया ऑर्डर टाइप करें, एक लाइन में "
               "एक सामान, या लिस्ट की साफ़ फोटो भेजें।"),
    },
    "photo_read": {
        "en": "I read this from your photo:\n{lines}\nIf I misread something, tell me in words.",
        "ne": ("तपाईंको फोटोबाट मैले यो पढें:\n{lines}\nकेही गलत पढेको भए शब्दमा "
               "लेखेर भन्नुहोस्।"),
        "hi": ("आपकी फोटो से मैंने यह पढ़ा:\n{lines}\nकुछ गलत पढ़ा हो तो लिखकर "
               "बताइए।"),
    },
    "photo_no_items": {
        "en": ("I read this from your photo:\n{lines}\nbut found nothing I can order. Please "
               "type your order, or send a clearer photo of the list."),
        "ne": ("तपाईंको फोटोबाट मैले यो पढें:\n{lines}\nतर अर्डर गर्न मिल्ने सामान भेटिनँ। "
               "कृपया अर्डर टाइप गर्नुहोस्, वा सूचीको अझ सफा फोटो पठाउनुहोस्।"),
        "hi": ("आपकी फोटो से मैंने यह पढ़ा:\n{lines}\nपर ऑर्डर करने लायक कोई सामान नहीं "
               "मिला। कृपया ऑर्डर टाइप करें, या लिस्ट की साफ़ फोटो भेजें।"),
    },
    "media_not_an_image": {
        "en": ("I can only read photos (JPEG, PNG, WebP) or a PDF of your list, and that file "
               "is none of them. Please send a photo, or type your order."),
        "ne": ("म सूचीको फोटो (JPEG, PNG, WebP) वा PDF मात्र पढ्न सक्छु, त्यो फाइल यी "
               "कुनै होइन। कृपया फोटो पठाउनुहोस्, वा अर्डर टाइप गर्नुहोस्।"),
        "hi": ("मैं लिस्ट की फोटो (JPEG, PNG, WebP) या PDF ही पढ़ सकता हूँ, वह फ़ाइल इनमें "
               "से कोई नहीं है। कृपया फोटो भेजें, या ऑर्डर टाइप करें।"),
    },
    "media_too_large": {
        "en": "That file is too large for me. Please send a smaller photo, or type your order.",
        "ne": ("त्यो फाइल धेरै ठूलो भयो। कृपया सानो फोटो पठाउनुहोस्, वा अर्डर टाइप "
               "गर्नुहोस्।"),
        "hi": "वह फ़ाइल बहुत बड़ी है। कृपया छोटी फोटो भेजें, या ऑर्डर टाइप करें।",
    },
    "media_broken": {
        "en": "That photo arrived empty or broken. Please send it again, or type your order.",
        "ne": ("त्यो फोटो खाली वा बिग्रिएर आयो। कृपया फेरि पठाउनुहोस्, वा अर्डर टाइप "
               "गर्नुहोस्।"),
        "hi": "वह फोटो खाली या टूटी हुई आई। कृपया फिर से भेजें, या ऑर्डर टाइप करें।",
    },
    "media_download_failed": {
        "en": "I could not fetch that photo. Please send it again, or type your order.",
        "ne": "त्यो फोटो ल्याउन सकिनँ। कृपया फेरि पठाउनुहोस्, वा अर्डर टाइप गर्नुहोस्।",
        "hi": "वह फोटो ला नहीं सका। कृपया फिर से भेजें, या ऑर्डर टाइप करें।",
    },
    "clarify": {
        "en": "Which one did you mean by \"{text}\" ({quantity})? Reply with a number:",
        "ne": "\"{text}\" ({quantity}) भन्नाले कुन? नम्बर लेख्नुहोस्:",
        "hi": "\"{text}\" ({quantity}) से आपका मतलब कौन सा? नंबर लिखें:",
    },
    "none_of_these": {
        "en": "None of these",
        "ne": "यीमध्ये कुनै होइन",
        "hi": "इनमें से कोई नहीं",
    },
    "draft_header": {
        "en": "Your order:",
        "ne": "तपाईंको अर्डर:",
        "hi": "आपका ऑर्डर:",
    },
    "reorder_header": {
        "en": "Your last order, at today's prices:",
        "ne": "तपाईंको पछिल्लो अर्डर, आजको मूल्यमा:",
        "hi": "आपका पिछला ऑर्डर, आज के दाम पर:",
    },
    "prices_changed": {
        "en": "Prices or stock changed since I showed you this order. Please check again:",
        "ne": "अर्डर देखाएपछि मूल्य वा स्टक फेरियो। कृपया फेरि हेर्नुहोस्:",
        "hi": "ऑर्डर दिखाने के बाद दाम या स्टॉक बदल गया। कृपया फिर से देखें:",
    },
    "vendor_total": {
        "en": "{vendor} total: {amount}",
        "ne": "{vendor} जम्मा: {amount}",
        "hi": "{vendor} कुल: {amount}",
    },
    "grand_total": {
        "en": "Grand total: {amount}",
        "ne": "कुल जम्मा: {amount}",
        "hi": "कुल योग: {amount}",
    },
    "tier_note": {
        "en": "{percent}% volume discount",
        "ne": "{percent}% थोक छुट",
        "hi": "{percent}% थोक छूट",
    },
    "line_none": {
        "en": "not delivered to {town} now",
        "ne": "अहिले {town} मा उपलब्ध छैन",
        "hi": "अभी {town} में उपलब्ध नहीं",
    },
    "line_moq": {
        "en": "minimum order {quantity}",
        "ne": "कम्तीमा {quantity} अर्डर गर्नुपर्छ",
        "hi": "कम से कम {quantity} ऑर्डर करें",
    },
    "line_stock": {
        "en": "only {quantity} in stock",
        "ne": "स्टकमा {quantity} मात्र छ",
        "hi": "स्टॉक में सिर्फ़ {quantity} है",
    },
    "unmatched": {
        "en": "Not in our catalog: {items}. Reply QUOTE to ask vendors for a price.",
        "ne": "हाम्रो सूचीमा छैन: {items}। विक्रेताबाट मूल्य माग्न QUOTE लेख्नुहोस्।",
        "hi": "हमारी सूची में नहीं: {items}। विक्रेताओं से दाम पूछने के लिए QUOTE लिखें।",
    },
    "draft_prompt": {
        "en": ("Reply YES to place the order or NO to drop it. To change it, write e.g. "
               "\"remove {example}\", \"{example} 5\", or send more items."),
        "ne": ("अर्डर गर्न HO, रद्द गर्न HOINA लेख्नुहोस्। बदल्न \"remove {example}\", "
               "\"{example} 5\" जस्तै लेख्नुहोस्, वा थप सामान पठाउनुहोस्।"),
        "hi": ("ऑर्डर के लिए HAAN, रद्द करने के लिए NAHI लिखें। बदलने के लिए \"remove "
               "{example}\", \"{example} 5\" जैसा लिखें, या और सामान भेजें।"),
    },
    "draft_prompt_empty": {
        "en": ("Nothing in this order can be delivered right now. Send other items, or NO to "
               "drop it."),
        "ne": "यो अर्डरको कुनै सामान अहिले पठाउन सकिँदैन। अरू सामान पठाउनुहोस्, वा HOINA।",
        "hi": "इस ऑर्डर का कोई सामान अभी नहीं भेजा जा सकता। दूसरा सामान भेजें, या NAHI।",
    },
    "opt_confirm": {"en": "Yes, place order", "ne": "हो, अर्डर गर्नुस्", "hi": "हाँ, ऑर्डर करें"},
    "opt_drop": {"en": "No, drop it", "ne": "होइन, रद्द", "hi": "नहीं, रद्द करें"},
    "opt_quote": {"en": "Get quotes", "ne": "मूल्य माग्नुस्", "hi": "दाम पूछें"},
    "rfq_offer": {
        "en": "I could not find {items} in our catalog. Shall I ask vendors for a price?",
        "ne": "हाम्रो सूचीमा {items} भेटिएन। विक्रेताहरूसँग मूल्य मागौं?",
        "hi": "हमारी सूची में {items} नहीं मिला। विक्रेताओं से दाम पूछूँ?",
    },
    "opt_yes": {"en": "Yes", "ne": "हो", "hi": "हाँ"},
    "opt_no": {"en": "No", "ne": "होइन", "hi": "नहीं"},
    "rfq_declined": {
        "en": "OK, I will not ask. Send your order list any time.",
        "ne": "ठीक छ, सोध्दिनँ। जुनसुकै बेला अर्डर पठाउनुहोस्।",
        "hi": "ठीक है, नहीं पूछूँगा। कभी भी ऑर्डर भेजें।",
    },
    "quote_which": {
        "en": "Which item do you want a price for? E.g. \"quote 50 bags cement\".",
        "ne": "कुन सामानको मूल्य चाहियो? जस्तै \"quote 50 bora cement\"।",
        "hi": "किस सामान का दाम चाहिए? जैसे \"quote 50 bori cement\"।",
    },
    "price_info": {
        "en": "{name}: {price} per {unit} ({vendor}).",
        "ne": "{name}: प्रति {unit} {price} ({vendor})।",
        "hi": "{name}: प्रति {unit} {price} ({vendor})।",
    },
    "stock_info": {
        "en": "{name}: in stock, {price} per {unit} ({vendor}).",
        "ne": "{name}: स्टकमा छ, प्रति {unit} {price} ({vendor})।",
        "hi": "{name}: स्टॉक में है, प्रति {unit} {price} ({vendor})।",
    },
    "complaint_staff": {
        "en": ("Sorry about that. I have passed this to our team: someone will look into it and "
               "reply here soon."),
        "ne": "माफ गर्नुहोस्। यो कुरा हाम्रो टोलीलाई पठाएँ: कसैले हेरेर छिट्टै यहीँ जवाफ दिनुहुन्छ।",
        "hi": "माफ़ कीजिए। यह बात हमारी टीम को भेज दी है: कोई इसे देखकर जल्द यहीं जवाब देगा।",
    },
    "price_none": {
        "en": "{name} is not delivered to {town} right now.",
        "ne": "{name} अहिले {town} मा उपलब्ध छैन।",
        "hi": "{name} अभी {town} में उपलब्ध नहीं है।",
    },
    "draft_dropped": {
        "en": "OK, I dropped that order. Send a new list any time.",
        "ne": "ठीक छ, त्यो अर्डर हटाइयो। जुनसुकै बेला नयाँ सूची पठाउनुहोस्।",
        "hi": "ठीक है, वह ऑर्डर हटा दिया। कभी भी नई लिस्ट भेजें।",
    },
    "no_draft": {
        "en": "There is no order waiting for your answer. Send your list to start one.",
        "ne": "जवाफ पर्खिरहेको कुनै अर्डर छैन। सुरु गर्न सूची पठाउनुहोस्।",
        "hi": "कोई ऑर्डर आपके जवाब का इंतज़ार नहीं कर रहा। शुरू करने के लिए लिस्ट भेजें।",
    },
    "removed": {
        "en": "Removed {name}.",
        "ne": "{name} हटाइयो।",
        "hi": "{name} हटा दिया।",
    },
    "remove_which": {
        "en": "Which line should I remove? Reply with a number:",
        "ne": "कुन लाइन हटाउने? नम्बर लेख्नुहोस्:",
        "hi": "कौन सी लाइन हटाऊँ? नंबर लिखें:",
    },
    "remove_not_found": {
        "en": "\"{text}\" is not in your order.",
        "ne": "\"{text}\" तपाईंको अर्डरमा छैन।",
        "hi": "\"{text}\" आपके ऑर्डर में नहीं है।",
    },
    "pick_number": {
        "en": "Please reply with one of the numbers.",
        "ne": "कृपया दिइएका नम्बरमध्ये एउटा लेख्नुहोस्।",
        "hi": "कृपया दिए गए नंबरों में से एक लिखें।",
    },
    "placed": {
        "en": "Order placed, thank you! {count} order(s):\n{orders}",
        "ne": "अर्डर भयो, धन्यवाद! {count} अर्डर:\n{orders}",
        "hi": "ऑर्डर हो गया, धन्यवाद! {count} ऑर्डर:\n{orders}",
    },
    "placed_line": {
        "en": "#{number} {vendor}: {amount} ({payment})",
        "ne": "#{number} {vendor}: {amount} ({payment})",
        "hi": "#{number} {vendor}: {amount} ({payment})",
    },
    "placed_footer": {
        "en": ("The vendors will confirm soon. STATUS shows your orders, CANCEL <number> "
               "cancels one."),
        "ne": "विक्रेताले छिट्टै पुष्टि गर्नेछन्। STATUS ले अर्डर देखाउँछ, CANCEL <नम्बर> ले रद्द गर्छ।",
        "hi": "विक्रेता जल्द पुष्टि करेंगे। STATUS से ऑर्डर देखें, CANCEL <नंबर> से रद्द करें।",
    },
    "pay_cod": {"en": "cash on delivery", "ne": "डेलिभरीमा नगद", "hi": "डिलीवरी पर नकद"},
    "pay_credit": {"en": "on credit", "ne": "उधारोमा", "hi": "उधार पर"},
    "held": {
        "en": ("Order(s) {numbers} are over your credit limit and wait for our staff to "
               "approve them. We will tell you when they go ahead."),
        "ne": ("अर्डर {numbers} तपाईंको उधारो सीमाभन्दा बढी भएकाले कर्मचारीको स्वीकृति "
               "पर्खिरहेका छन्। अगाडि बढेपछि खबर गर्नेछौं।"),
        "hi": ("ऑर्डर {numbers} आपकी उधार सीमा से ज़्यादा हैं और स्टाफ़ की मंज़ूरी का इंतज़ार कर "
               "रहे हैं। आगे बढ़ने पर हम बताएँगे।"),
    },
    "already_placed": {
        "en": "This order was already placed: {numbers}.",
        "ne": "यो अर्डर पहिले नै भइसक्यो: {numbers}।",
        "hi": "यह ऑर्डर पहले ही हो चुका है: {numbers}।",
    },
    "status_none": {
        "en": "You have no orders yet. Send your list to place one.",
        "ne": "तपाईंको अहिलेसम्म कुनै अर्डर छैन। सूची पठाएर अर्डर गर्नुहोस्।",
        "hi": "आपका अभी तक कोई ऑर्डर नहीं है। लिस्ट भेजकर ऑर्डर करें।",
    },
    "status_header": {
        "en": "Your recent orders (STATUS <number> for details):",
        "ne": "तपाईंका पछिल्ला अर्डर (विवरणका लागि STATUS <नम्बर>):",
        "hi": "आपके हाल के ऑर्डर (विवरण के लिए STATUS <नंबर>):",
    },
    "status_line": {
        "en": "#{number} {vendor}: {amount}, {status}",
        "ne": "#{number} {vendor}: {amount}, {status}",
        "hi": "#{number} {vendor}: {amount}, {status}",
    },
    "status_unknown": {
        "en": "I cannot find order {number} among your orders.",
        "ne": "तपाईंका अर्डरमा {number} भेटिएन।",
        "hi": "आपके ऑर्डरों में {number} नहीं मिला।",
    },
    "status_pending": {"en": "waiting for the vendor", "ne": "विक्रेताको जवाफ पर्खँदै",
                       "hi": "विक्रेता के जवाब का इंतज़ार"},
    "status_held": {"en": "waiting for credit approval", "ne": "उधारो स्वीकृति पर्खँदै",
                    "hi": "उधार मंज़ूरी का इंतज़ार"},
    "status_accepted": {"en": "accepted", "ne": "स्वीकार भयो", "hi": "स्वीकार हुआ"},
    "status_dispatched": {"en": "on the way", "ne": "बाटोमा छ", "hi": "रास्ते में है"},
    "status_delivered": {"en": "delivered", "ne": "पुग्यो", "hi": "पहुँच गया"},
    "status_rejected": {"en": "rejected by the vendor", "ne": "विक्रेताले अस्वीकार गर्‍यो",
                        "hi": "विक्रेता ने मना किया"},
    "status_cancelled": {"en": "cancelled", "ne": "रद्द भयो", "hi": "रद्द हुआ"},
    "cancel_which": {
        "en": "Which order? Send CANCEL and its number, e.g. CANCEL {number}.",
        "ne": "कुन अर्डर? CANCEL र नम्बर पठाउनुहोस्, जस्तै CANCEL {number}।",
        "hi": "कौन सा ऑर्डर? CANCEL और नंबर भेजें, जैसे CANCEL {number}।",
    },
    "cancel_refused": {
        "en": ("Order #{number} is {status}; it can no longer be cancelled. Send AGENT to talk "
               "to us."),
        "ne": "अर्डर #{number} {status}; अब रद्द गर्न मिल्दैन। कुरा गर्न AGENT पठाउनुहोस्।",
        "hi": "ऑर्डर #{number} {status}; अब रद्द नहीं हो सकता। बात करने के लिए AGENT भेजें।",
    },
    "cancelled": {
        "en": "Order #{number} is cancelled.",
        "ne": "अर्डर #{number} रद्द भयो।",
        "hi": "ऑर्डर #{number} रद्द हो गया।",
    },
    "reorder_none": {
        "en": "You have no earlier order to repeat. Send your list instead.",
        "ne": "दोहोर्‍याउने पुरानो अर्डर छैन। सूची पठाउनुहोस्।",
        "hi": "दोहराने के लिए कोई पुराना ऑर्डर नहीं है। लिस्ट भेजें।",
    },
    "language_set": {
        "en": "OK, I will write in English.",
        "ne": "ठीक छ, अब म नेपालीमा लेख्छु।",
        "hi": "ठीक है, अब मैं हिंदी में लिखूँगा।",
    },
    "agent_on": {
        "en": ("OK, someone from our team will reply here soon. I will stay quiet until they "
               "are done."),
        "ne": "ठीक छ, हाम्रो टोलीबाट कोही छिट्टै यहीँ जवाफ दिनुहुन्छ। तबसम्म म चुप बस्छु।",
        "hi": "ठीक है, हमारी टीम से कोई जल्द यहीं जवाब देगा। तब तक मैं चुप रहूँगा।",
    },
    "agent_back": {
        "en": "You are back with the order assistant. Send your list any time.",
        "ne": "तपाईं फेरि अर्डर सहायकसँग हुनुहुन्छ। जुनसुकै बेला सूची पठाउनुहोस्।",
        "hi": "आप फिर से ऑर्डर सहायक के साथ हैं। कभी भी लिस्ट भेजें।",
    },
    "draft_reminder": {
        "en": "Your order of {amount} is still waiting. Reply YES to place it or NO to drop it.",
        "ne": "तपाईंको {amount} को अर्डर अझै पर्खिरहेको छ। अर्डर गर्न HO, रद्द गर्न HOINA।",
        "hi": "आपका {amount} का ऑर्डर अभी भी इंतज़ार में है। ऑर्डर के लिए HAAN, रद्द के लिए NAHI।",
    },
    "draft_expired": {
        "en": "Your unconfirmed order has expired. Send your list again when you are ready.",
        "ne": "पुष्टि नभएको अर्डरको समय सकियो। तयार हुँदा फेरि सूची पठाउनुहोस्।",
        "hi": "बिना पुष्टि वाले ऑर्डर का समय खत्म हो गया। तैयार हों तो फिर से लिस्ट भेजें।",
    },
}

# Paying in the chat and what the buyer owes (issue 16).
TEXTS.update({
    "pay_unavailable": {
        "en": ("Paying online is not available yet. Please pay your vendor or our staff as "
               "usual, or send AGENT to talk to a person."),
        "ne": ("अनलाइन भुक्तानी अहिले उपलब्ध छैन। सधैंझैं विक्रेता वा हाम्रो टोलीलाई तिर्नुहोस्, "
               "वा मान्छेसँग कुरा गर्न AGENT पठाउनुहोस्।"),
        "hi": ("ऑनलाइन भुगतान अभी उपलब्ध नहीं है। हमेशा की तरह विक्रेता या हमारी टीम को भुगतान "
               "करें, या किसी व्यक्ति से बात करने के लिए AGENT भेजें।"),
    },
    "pay_order_closed": {
        "en": "Order #{number} is {status}: there is nothing to pay for it.",
        "ne": "अर्डर #{number} {status} छ: यसको लागि तिर्नु पर्दैन।",
        "hi": "ऑर्डर #{number} {status} है: इसका कोई भुगतान नहीं करना है।",
    },
    "pay_order_paid": {
        "en": "Order #{number} is paid already. Thank you!",
        "ne": "अर्डर #{number} को भुक्तानी भइसकेको छ। धन्यवाद!",
        "hi": "ऑर्डर #{number} का भुगतान हो चुका है। धन्यवाद!",
    },
    "pay_nothing": {
        "en": "You owe nothing right now. Thank you!",
        "ne": "अहिले तपाईंको केही बाँकी छैन। धन्यवाद!",
        "hi": "अभी आपका कुछ बाकी नहीं है। धन्यवाद!",
    },
    "pay_which": {
        "en": ("Nothing is on your account. To pay an order online, send PAY and its number, "
               "e.g. PAY {number}. Orders not yet paid: {numbers}"),
        "ne": ("तपाईंको खातामा केही बाँकी छैन। अर्डर अनलाइन तिर्न PAY र अर्डर नम्बर पठाउनुहोस्, "
               "जस्तै PAY {number}। तिर्न बाँकी अर्डर: {numbers}"),
        "hi": ("आपके खाते में कुछ बाकी नहीं है। ऑर्डर ऑनलाइन भरने के लिए PAY और ऑर्डर नंबर भेजें, "
               "जैसे PAY {number}। बाकी ऑर्डर: {numbers}"),
    },
    "pay_link_order": {
        "en": ("Pay {amount} for order #{number} with {provider}:\n{url}\nThe link works for "
               "{minutes} minutes. Your receipt comes here once {provider} confirms the payment."),
        "ne": ("अर्डर #{number} को {amount} {provider} बाट तिर्नुहोस्:\n{url}\nयो लिङ्क "
               "{minutes} मिनेट चल्छ। {provider} ले पुष्टि गरेपछि रसिद यहीँ आउँछ।"),
        "hi": ("ऑर्डर #{number} के {amount} {provider} से भरें:\n{url}\nयह लिंक {minutes} "
               "मिनट चलेगा। {provider} की पुष्टि के बाद रसीद यहीं आएगी।"),
    },
    "pay_link_balance": {
        "en": ("Pay your balance of {amount} with {provider}:\n{url}\nThe link works for "
               "{minutes} minutes. Your receipt comes here once {provider} confirms the payment."),
        "ne": ("तपाईंको बाँकी {amount} {provider} बाट तिर्नुहोस्:\n{url}\nयो लिङ्क {minutes} "
               "मिनेट चल्छ। {provider} ले पुष्टि गरेपछि रसिद यहीँ आउँछ।"),
        "hi": ("आपका बकाया {amount} {provider} से भरें:\n{url}\nयह लिंक {minutes} मिनट "
               "चलेगा। {provider} की पुष्टि के बाद रसीद यहीं आएगी।"),
    },
    "pay_link_failed": {
        "en": "Sorry, I could not make a payment link just now. Please send PAY again in a while.",
        "ne": "माफ गर्नुहोस्, अहिले भुक्तानी लिङ्क बन्न सकेन। केही बेरपछि फेरि PAY पठाउनुहोस्।",
        "hi": "माफ़ कीजिए, अभी भुगतान लिंक नहीं बन सका। थोड़ी देर बाद फिर से PAY भेजें।",
    },
    "pay_receipt_order": {
        "en": "✅ {amount} received for order {number}, ref {ref}. Thank you!",
        "ne": "✅ अर्डर {number} को {amount} प्राप्त भयो, ref {ref}। धन्यवाद!",
        "hi": "✅ ऑर्डर {number} के {amount} प्राप्त हुए, ref {ref}। धन्यवाद!",
    },
    "pay_receipt_balance": {
        "en": "✅ {amount} received on your account, ref {ref}. You now owe {balance}. Thank you!",
        "ne": "✅ तपाईंको खातामा {amount} प्राप्त भयो, ref {ref}। अब बाँकी {balance}। धन्यवाद!",
        "hi": "✅ आपके खाते में {amount} प्राप्त हुए, ref {ref}। अब बकाया {balance}। धन्यवाद!",
    },
    "pay_button": {
        "en": "Pay {number}",
        "ne": "भुक्तानी {number}",
        "hi": "भुगतान {number}",
    },
    "pay_offer": {
        "en": "To pay online now, tap below or send PAY {number}.",
        "ne": "अहिले अनलाइन तिर्न तल थिच्नुहोस् वा PAY {number} पठाउनुहोस्।",
        "hi": "अभी ऑनलाइन भरने के लिए नीचे दबाएँ या PAY {number} भेजें।",
    },
    "due_before": {
        "en": "Reminder: {amount} for order #{number} is due tomorrow ({due}).",
        "ne": "सम्झना: अर्डर #{number} को {amount} भोलि ({due}) तिर्नुपर्छ।",
        "hi": "याद दिलाना: ऑर्डर #{number} के {amount} कल ({due}) देय हैं।",
    },
    "due_soon": {
        "en": "Reminder: {amount} for order #{number} is due on {due}, in {days} days.",
        "ne": "सम्झना: अर्डर #{number} को {amount} {due} मा ({days} दिनपछि) तिर्नुपर्छ।",
        "hi": "याद दिलाना: ऑर्डर #{number} के {amount} {due} को ({days} दिन बाद) देय हैं।",
    },
    "due_today": {
        "en": "Reminder: {amount} for order #{number} is due today ({due}).",
        "ne": "सम्झना: अर्डर #{number} को {amount} आज ({due}) तिर्नुपर्छ।",
        "hi": "याद दिलाना: ऑर्डर #{number} के {amount} आज ({due}) देय हैं।",
    },
    "due_late": {
        "en": "Reminder: {amount} for order #{number} was due on {due}, {days} days ago.",
        "ne": "सम्झना: अर्डर #{number} को {amount} {due} मा तिर्नुपर्ने थियो, {days} दिन भयो।",
        "hi": "याद दिलाना: ऑर्डर #{number} के {amount} {due} को देय थे, {days} दिन हो गए।",
    },
    "due_pay_hint": {
        "en": "Send PAY {number} to pay online, or STOP to get no more messages.",
        "ne": "अनलाइन तिर्न PAY {number} पठाउनुहोस्, वा सन्देश बन्द गर्न STOP।",
        "hi": "ऑनलाइन भरने के लिए PAY {number} भेजें, या संदेश बंद करने के लिए STOP।",
    },
    "due_hint": {
        "en": "Please pay your vendor or our staff. Send STOP to get no more messages.",
        "ne": "कृपया विक्रेता वा हाम्रो टोलीलाई तिर्नुहोस्। सन्देश बन्द गर्न STOP पठाउनुहोस्।",
        "hi": "कृपया विक्रेता या हमारी टीम को भुगतान करें। संदेश बंद करने के लिए STOP भेजें।",
    },
    "balance_header": {
        "en": "Your account:",
        "ne": "तपाईंको खाता:",
        "hi": "आपका खाता:",
    },
    "balance_owed": {
        "en": "You owe {amount}.",
        "ne": "तपाईंको {amount} बाँकी छ।",
        "hi": "आपका {amount} बकाया है।",
    },
    "balance_ahead": {
        "en": "You have {amount} paid ahead.",
        "ne": "तपाईंले {amount} अग्रिम तिर्नुभएको छ।",
        "hi": "आपने {amount} पहले से भरे हैं।",
    },
    "balance_clear": {
        "en": "You owe nothing.",
        "ne": "तपाईंको केही बाँकी छैन।",
        "hi": "आपका कुछ बकाया नहीं है।",
    },
    "balance_credit": {
        "en": "Credit limit {limit}: {left} left to use.",
        "ne": "उधारो सीमा {limit}: अझै {left} प्रयोग गर्न सकिन्छ।",
        "hi": "उधार सीमा {limit}: अभी {left} बाकी है।",
    },
    "balance_dues": {
        "en": "Orders to pay:",
        "ne": "तिर्न बाँकी अर्डर:",
        "hi": "भरने बाकी ऑर्डर:",
    },
    "balance_due_line": {
        "en": "• #{number}: {amount}, due {due}",
        "ne": "• #{number}: {amount}, तिर्ने मिति {due}",
        "hi": "• #{number}: {amount}, देय तिथि {due}",
    },
    "balance_due_today": {
        "en": " (today)",
        "ne": " (आज)",
        "hi": " (आज)",
    },
    "balance_late": {
        "en": " ({days} days late)",
        "ne": " ({days} दिन ढिला)",
        "hi": " ({days} दिन देर)",
    },
    "balance_cod": {
        "en": "To pay on delivery:",
        "ne": "डेलिभरीमा तिर्ने:",
        "hi": "डिलीवरी पर भरने हैं:",
    },
    "balance_cod_line": {
        "en": "• #{number}: {amount}",
        "ne": "• #{number}: {amount}",
        "hi": "• #{number}: {amount}",
    },
    "balance_payments": {
        "en": "Last payments:",
        "ne": "पछिल्ला भुक्तानी:",
        "hi": "पिछले भुगतान:",
    },
    "balance_payment_line": {
        "en": "• {on}: {amount} ({method})",
        "ne": "• {on}: {amount} ({method})",
        "hi": "• {on}: {amount} ({method})",
    },
    "balance_pay_hint": {
        "en": "Send PAY to pay online (PAY <order number> for one order).",
        "ne": "अनलाइन तिर्न PAY पठाउनुहोस् (एउटा अर्डरको लागि PAY <अर्डर नम्बर>)।",
        "hi": "ऑनलाइन भरने के लिए PAY भेजें (एक ऑर्डर के लिए PAY <ऑर्डर नंबर>)।",
    },
    # The page the buyer's browser lands on after paying (app/payments.py).
    "page_paid": {
        "en": "Payment received: {amount}{what}. A receipt is on its way on WhatsApp.",
        "ne": "भुक्तानी प्राप्त भयो: {amount}{what}। रसिद WhatsApp मा आउँदैछ।",
        "hi": "भुगतान प्राप्त हुआ: {amount}{what}। रसीद WhatsApp पर आ रही है।",
    },
    "page_pending": {
        "en": ("Your payment is not complete yet ({provider} says: {status}). If money left your "
               "account, we will confirm it on WhatsApp as soon as {provider} does."),
        "ne": ("तपाईंको भुक्तानी अझै पूरा भएको छैन ({provider}: {status})। खाताबाट पैसा गएको छ "
               "भने {provider} ले पुष्टि गर्नासाथ हामी WhatsApp मा जानकारी दिनेछौं।"),
        "hi": ("आपका भुगतान अभी पूरा नहीं हुआ ({provider}: {status})। अगर पैसे कट गए हैं, तो "
               "{provider} की पुष्टि होते ही हम WhatsApp पर बताएँगे।"),
    },
    "page_failed": {
        "en": ("The payment did not go through ({provider} says: {status}). Nothing was taken; "
               "send PAY on WhatsApp for a new link."),
        "ne": ("भुक्तानी भएन ({provider}: {status})। केही काटिएको छैन; नयाँ लिङ्कको लागि "
               "WhatsApp मा PAY पठाउनुहोस्।"),
        "hi": ("भुगतान नहीं हुआ ({provider}: {status})। कुछ नहीं कटा; नए लिंक के लिए WhatsApp "
               "पर PAY भेजें।"),
    },
    "page_mismatch": {
        "en": ("{provider} reports a payment that does not match what we asked for. It is not "
               "counted yet: our staff will check it and contact you."),
        "ne": ("{provider} ले भनेको भुक्तानी हामीले मागेको रकमसँग मिलेन। यो अहिले गनिएको छैन: "
               "हाम्रो टोलीले जाँचेर सम्पर्क गर्नेछ।"),
        "hi": ("{provider} का बताया भुगतान हमारी माँगी रकम से मेल नहीं खाता। यह अभी गिना नहीं "
               "गया: हमारी टीम जाँच कर संपर्क करेगी।"),
    },
    "page_unchecked": {
        "en": ("We could not ask {provider} about your payment just now. If it went through, "
               "your receipt comes on WhatsApp shortly."),
        "ne": ("अहिले {provider} सँग तपाईंको भुक्तानी जाँच्न सकिएन। भुक्तानी भएको भए रसिद "
               "छिट्टै WhatsApp मा आउँछ।"),
        "hi": ("अभी {provider} से आपका भुगतान जाँच नहीं सके। अगर भुगतान हुआ है, तो रसीद जल्द "
               "WhatsApp पर आएगी।"),
    },
    "page_expired": {
        "en": "This payment link has expired. Send PAY on WhatsApp for a new one.",
        "ne": "यो भुक्तानी लिङ्कको समय सकियो। नयाँ लिङ्कको लागि WhatsApp मा PAY पठाउनुहोस्।",
        "hi": "इस भुगतान लिंक का समय खत्म हो गया। नए लिंक के लिए WhatsApp पर PAY भेजें।",
    },
    "page_for_order": {
        "en": " for order {number}",
        "ne": " (अर्डर {number})",
        "hi": " (ऑर्डर {number})",
    },
    "page_esewa": {
        "en": "You are paying {amount}{what} with eSewa.",
        "ne": "तपाईं eSewa बाट {amount}{what} तिर्दै हुनुहुन्छ।",
        "hi": "आप eSewa से {amount}{what} भर रहे हैं।",
    },
    "page_esewa_button": {
        "en": "Continue to eSewa",
        "ne": "eSewa मा जानुहोस्",
        "hi": "eSewa पर जाएँ",
    },
})


def text(key: str, language: str | None, **values: Any) -> str:
    """The reply `key` in `language` (English when that language lacks it), filled in."""
    by_language = TEXTS[key]
    template = by_language.get(language or "en") or by_language["en"]
    return template.format(**values) if values else template


# Unit names as buyers say them; English (the catalog's own word) when a language lacks one.
UNIT_NAMES: dict[str, dict[str, str]] = {
    "ne": {"kg": "केजी", "g": "ग्राम", "l": "लिटर", "ml": "एमएल", "piece": "वटा",
           "packet": "प्याकेट", "bottle": "बोतल", "jar": "जार", "tin": "टिन", "box": "बट्टा",
           "carton": "पेटी", "sack": "बोरा", "crate": "क्रेट", "tray": "ट्रे", "dozen": "दर्जन"},
    "hi": {"kg": "किलो", "g": "ग्राम", "l": "लीटर", "ml": "एमएल", "piece": "पीस",
           "packet": "पैकेट", "bottle": "बोतल", "jar": "जार", "tin": "टिन", "box": "डिब्बा",
           "carton": "पेटी", "sack": "बोरी", "crate": "क्रेट", "tray": "ट्रे", "dozen": "दर्जन"},
}
CURRENCY_SIGNS = {"NPR": {"en": "Rs", "ne": "रु", "hi": "रु"}, "INR": {"en": "₹", "ne": "₹",
                                                                    "hi": "₹"}}


def unit_name(unit: str, language: str | None) -> str:
    """A unit in the buyer's language (`sack` -> `बोरा` in Nepali)."""
    return UNIT_NAMES.get(language or "en", {}).get(unit, unit)


def amount(value: Any, currency: str, language: str | None) -> str:
    """Money as buyers read it: `Rs 1,234.50`."""
    sign = CURRENCY_SIGNS.get(currency, {}).get(language or "en", currency)
    return f"{sign} {float(value):,.2f}"
