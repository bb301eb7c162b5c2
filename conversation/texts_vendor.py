"""Texts of the vendor side of the market, in English, Nepali and Hindi: what vendors are sent
(order alerts, lead alerts, answers to their commands) and what buyers are told about their
orders, RFQs and quotes. Keys are stable; wording may change freely."""
from __future__ import annotations

from typing import Any

VENDOR_TEXTS: dict[str, dict[str, str]] = {
    "vendor_help": {
        "en": ("Answer order alerts with:\n• ACCEPT <n> · REJECT <n> <reason>\n"
               "• DISPATCH <n> · DELIVERED <n>\nAnswer requests (leads) with:\n"
               "• UNLOCK R12 — see the buyer\n• QUOTE R12 1850 per sack, delivery tomorrow"),
        "ne": ("अर्डरको जवाफ:\n• ACCEPT <n> (स्वीकार) · REJECT <n> <कारण> (अस्वीकार)\n"
               "• DISPATCH <n> (पठाएँ) · DELIVERED <n> (पुग्यो)\nमाग (लिड) को जवाफ:\n"
               "• UNLOCK R12 — खरिदकर्ता हेर्नुहोस्\n• QUOTE R12 1850 per sack, भोलि डेलिभरी"),
        "hi": ("ऑर्डर का जवाब:\n• ACCEPT <n> (स्वीकार) · REJECT <n> <कारण> (अस्वीकार)\n"
               "• DISPATCH <n> (भेजा) · DELIVERED <n> (पहुँचा)\nमांग (लीड) का जवाब:\n"
               "• UNLOCK R12 — खरीदार देखें\n• QUOTE R12 1850 per sack, कल डिलीवरी"),
    },
    "order_alert": {
        "en": ("New order {number} from {shop}, {town}:\n{items}\nTotal: {total}\n"
               "Reply ACCEPT {number} or REJECT {number} <reason>."),
        "ne": ("नयाँ अर्डर {number}, {shop}, {town}:\n{items}\nजम्मा: {total}\n"
               "ACCEPT {number} वा REJECT {number} <कारण> लेखेर जवाफ दिनुहोस्।"),
        "hi": ("नया ऑर्डर {number}, {shop}, {town}:\n{items}\nकुल: {total}\n"
               "ACCEPT {number} या REJECT {number} <कारण> लिखकर जवाब दें।"),
    },
    "order_alert_subject": {
        "en": "New order {number} from {shop}, {town}",
        "ne": "नयाँ अर्डर {number}: {shop}, {town}",
        "hi": "नया ऑर्डर {number}: {shop}, {town}",
    },
    "order_reminder": {
        "en": ("Reminder: order {number} ({total}, {town}) is still waiting. "
               "Reply ACCEPT {number} or REJECT {number} <reason>."),
        "ne": ("सम्झना: अर्डर {number} ({total}, {town}) अझै पर्खिरहेको छ। "
               "ACCEPT {number} वा REJECT {number} <कारण> लेख्नुहोस्।"),
        "hi": ("याद दिलाना: ऑर्डर {number} ({total}, {town}) अभी भी रुका है। "
               "ACCEPT {number} या REJECT {number} <कारण> लिखें।"),
    },
    "order_cancelled": {
        "en": "Order {number} ({total}, {shop}, {town}) was cancelled by the buyer. "
              "Please do not send it.",
        "ne": "अर्डर {number} ({total}, {shop}, {town}) खरिदकर्ताले रद्द गर्नुभयो। "
              "कृपया नपठाउनुहोस्।",
        "hi": "ऑर्डर {number} ({total}, {shop}, {town}) खरीदार ने रद्द किया। "
              "कृपया न भेजें।",
    },
    "order_cancelled_by_staff": {
        "en": "Order {number} ({total}, {shop}, {town}) was cancelled by our staff. "
              "Please do not send it.",
        "ne": "अर्डर {number} ({total}, {shop}, {town}) हाम्रो टोलीले रद्द गर्‍यो। "
              "कृपया नपठाउनुहोस्।",
        "hi": "ऑर्डर {number} ({total}, {shop}, {town}) हमारी टीम ने रद्द किया। "
              "कृपया न भेजें।",
    },
    "order_rejected_by_staff": {
        "en": "Our staff rejected order {number} ({total}, {shop}, {town}) for you. "
              "Please do not send it.",
        "ne": "हाम्रो टोलीले तपाईंको तर्फबाट अर्डर {number} ({total}, {shop}, {town}) "
              "अस्वीकार गर्‍यो। कृपया नपठाउनुहोस्।",
        "hi": "हमारी टीम ने आपकी ओर से ऑर्डर {number} ({total}, {shop}, {town}) "
              "अस्वीकार किया। कृपया न भेजें।",
    },
    "order_moved": {
        "en": "Order {number} is now {status}. {next}",
        "ne": "अर्डर {number} अब {status} भयो। {next}",
        "hi": "ऑर्डर {number} अब {status} है। {next}",
    },
    "next_accepted": {
        "en": "Reply DISPATCH {number} when it leaves.",
        "ne": "सामान पठाएपछि DISPATCH {number} लेख्नुहोस्।",
        "hi": "माल भेजने पर DISPATCH {number} लिखें।",
    },
    "next_dispatched": {
        "en": "Reply DELIVERED {number} when the buyer has it.",
        "ne": "खरिदकर्तालाई पुगेपछि DELIVERED {number} लेख्नुहोस्।",
        "hi": "खरीदार को मिलने पर DELIVERED {number} लिखें।",
    },
    "next_delivered": {"en": "Thank you!", "ne": "धन्यवाद!", "hi": "धन्यवाद!"},
    "next_rejected": {
        "en": "We will offer it to another supplier.",
        "ne": "हामी यो अर्को आपूर्तिकर्तालाई दिन्छौं।",
        "hi": "हम इसे किसी दूसरे सप्लायर को देंगे।",
    },
    "order_not_yours": {
        "en": "Order {number} is not one of your orders. Check the number in the alert.",
        "ne": "अर्डर {number} तपाईंको होइन। सूचनामा भएको नम्बर हेर्नुहोस्।",
        "hi": "ऑर्डर {number} आपका नहीं है। सूचना में दिया नंबर देखें।",
    },
    "order_bad_move": {
        "en": "Order {number} is {status}; it cannot be marked {wanted} now.",
        "ne": "अर्डर {number} {status} छ; अहिले {wanted} गर्न मिल्दैन।",
        "hi": "ऑर्डर {number} {status} है; अभी {wanted} नहीं किया जा सकता।",
    },
    "lead_alert": {
        "en": ("New request {rfq}: {what}{quantity}, delivery to {town}{needed_by}. "
               "Reply UNLOCK {rfq} to see the buyer and send a price."),
        "ne": ("नयाँ माग {rfq}: {what}{quantity}, {town} मा डेलिभरी{needed_by}। "
               "खरिदकर्ता हेर्न र मूल्य पठाउन UNLOCK {rfq} लेख्नुहोस्।"),
        "hi": ("नई मांग {rfq}: {what}{quantity}, {town} में डिलीवरी{needed_by}। "
               "खरीदार देखने और दाम भेजने के लिए UNLOCK {rfq} लिखें।"),
    },
    "lead_alert_subject": {
        "en": "New request {rfq}: {what}",
        "ne": "नयाँ माग {rfq}: {what}",
        "hi": "नई मांग {rfq}: {what}",
    },
    "needed_by": {"en": " by {date}", "ne": " ({date} सम्म)", "hi": " ({date} तक)"},
    "unlocked": {
        "en": ("{rfq} unlocked ({via}). Buyer: {name}, {shop}, {town}, {phone}. "
               "Send your price: QUOTE {rfq} <price> per <unit>, <terms>."),
        "ne": ("{rfq} खुल्यो ({via})। खरिदकर्ता: {name}, {shop}, {town}, {phone}। "
               "मूल्य पठाउनुहोस्: QUOTE {rfq} <मूल्य> per <एकाइ>, <सर्त>।"),
        "hi": ("{rfq} खुल गया ({via})। खरीदार: {name}, {shop}, {town}, {phone}। "
               "दाम भेजें: QUOTE {rfq} <दाम> per <इकाई>, <शर्तें>।"),
    },
    "via_plan": {"en": "free with your plan", "ne": "तपाईंको प्लानमा निःशुल्क",
                 "hi": "आपके प्लान में मुफ़्त"},
    "via_credit": {"en": "1 credit used, {left} left this month",
                   "ne": "१ क्रेडिट खर्च, यो महिना {left} बाँकी",
                   "hi": "1 क्रेडिट खर्च, इस महीने {left} बाकी"},
    "via_already": {"en": "already unlocked", "ne": "पहिले नै खुलेको",
                    "hi": "पहले से खुला"},
    "no_credits": {
        "en": ("You have no unlock credits left this month ({plan} plan). They renew on {date}. "
               "Upgrade your plan for more."),
        "ne": ("यो महिनाको अनलक क्रेडिट सकियो ({plan} प्लान)। {date} मा फेरि थपिन्छ। "
               "थप चाहिए प्लान बढाउनुहोस्।"),
        "hi": ("इस महीने के अनलक क्रेडिट खत्म ({plan} प्लान)। {date} को फिर मिलेंगे। "
               "ज़्यादा के लिए प्लान बढ़ाएँ।"),
    },
    "no_plan": {
        "en": "You have no active plan, so you cannot unlock requests. Contact us to subscribe.",
        "ne": "तपाईंको सक्रिय प्लान छैन, त्यसैले माग खोल्न मिल्दैन। सदस्यताका लागि सम्पर्क गर्नुहोस्।",
        "hi": "आपका कोई सक्रिय प्लान नहीं है, इसलिए मांग नहीं खोल सकते। सदस्यता के लिए संपर्क करें।",
    },
    "lead_full": {
        "en": "{rfq} has already been unlocked by {count} suppliers; it is full.",
        "ne": "{rfq} पहिले नै {count} आपूर्तिकर्ताले खोलिसके; ठाउँ छैन।",
        "hi": "{rfq} पहले ही {count} सप्लायर खोल चुके हैं; जगह नहीं है।",
    },
    "lead_unknown": {
        "en": "You have no request {rfq}. Check the number in the alert.",
        "ne": "तपाईंसँग {rfq} माग छैन। सूचनामा भएको नम्बर हेर्नुहोस्।",
        "hi": "आपके पास {rfq} मांग नहीं है। सूचना में दिया नंबर देखें।",
    },
    "rfq_not_open": {
        "en": "Request {rfq} is {status}; it takes no more unlocks or quotes.",
        "ne": "माग {rfq} {status} छ; अब खोल्न वा मूल्य पठाउन मिल्दैन।",
        "hi": "मांग {rfq} {status} है; अब खोलना या दाम भेजना नहीं हो सकता।",
    },
    "quote_needs_unlock": {
        "en": "Unlock {rfq} first (reply UNLOCK {rfq}), then send your price.",
        "ne": "पहिले {rfq} खोल्नुहोस् (UNLOCK {rfq}), अनि मूल्य पठाउनुहोस्।",
        "hi": "पहले {rfq} खोलें (UNLOCK {rfq}), फिर दाम भेजें।",
    },
    "quote_format": {
        "en": "Write the price like this: QUOTE R12 1850 per sack, delivery tomorrow",
        "ne": "मूल्य यसरी लेख्नुहोस्: QUOTE R12 1850 per sack, भोलि डेलिभरी",
        "hi": "दाम ऐसे लिखें: QUOTE R12 1850 per sack, कल डिलीवरी",
    },
    "quote_sent": {
        "en": "Your quote {position} for {rfq} ({price}{per}) was sent to the buyer.",
        "ne": "{rfq} का लागि तपाईंको कोटेशन {position} ({price}{per}) पठाइयो।",
        "hi": "{rfq} के लिए आपका कोटेशन {position} ({price}{per}) भेज दिया गया।",
    },
    "rfq_closed_vendor": {
        "en": "Request {rfq} ({what}) is closed: {why}. Thank you for answering.",
        "ne": "माग {rfq} ({what}) बन्द भयो: {why}। जवाफका लागि धन्यवाद।",
        "hi": "मांग {rfq} ({what}) बंद हो गई: {why}। जवाब के लिए धन्यवाद।",
    },
    "why_other_quote": {"en": "the buyer chose another offer",
                        "ne": "खरिदकर्ताले अर्को प्रस्ताव रोज्नुभयो",
                        "hi": "खरीदार ने दूसरा प्रस्ताव चुना"},
    "why_expired": {"en": "it expired", "ne": "म्याद सकियो", "hi": "समय खत्म हो गया"},
    "quote_won": {
        "en": "The buyer accepted your quote for {rfq}. It is order {number}:",
        "ne": "खरिदकर्ताले {rfq} को तपाईंको कोटेशन स्वीकार गर्नुभयो। अर्डर {number}:",
        "hi": "खरीदार ने {rfq} का आपका कोटेशन स्वीकार किया। ऑर्डर {number}:",
    },
    "language_set": {
        "en": "I will write to you in English.",
        "ne": "अबदेखि म नेपालीमा लेख्नेछु।",
        "hi": "अब से मैं हिंदी में लिखूँगा।",
    },
    # --- what buyers are told -------------------------------------------------------------
    "buyer_order_accepted": {
        "en": "{vendor} accepted your order {number} ({total}).",
        "ne": "{vendor} ले तपाईंको अर्डर {number} ({total}) स्वीकार गर्नुभयो।",
        "hi": "{vendor} ने आपका ऑर्डर {number} ({total}) स्वीकार किया।",
    },
    "buyer_order_dispatched": {
        "en": "Your order {number} is on its way from {vendor}.",
        "ne": "तपाईंको अर्डर {number} {vendor} बाट पठाइएको छ।",
        "hi": "आपका ऑर्डर {number} {vendor} से रवाना हो गया है।",
    },
    "buyer_order_delivered": {
        "en": "{vendor} marked your order {number} as delivered. Thank you!",
        "ne": "{vendor} ले तपाईंको अर्डर {number} पुर्‍याइयो भन्नुभयो। धन्यवाद!",
        "hi": "{vendor} के अनुसार आपका ऑर्डर {number} पहुँच गया। धन्यवाद!",
    },
    "buyer_order_rejected": {
        "en": "{vendor} cannot supply your order {number}{reason}.",
        "ne": "{vendor} ले तपाईंको अर्डर {number} दिन सक्नुहुन्न{reason}।",
        "hi": "{vendor} आपका ऑर्डर {number} नहीं दे सकते{reason}।",
    },
    "buyer_order_cancelled": {
        "en": "Your order {number} with {vendor} was cancelled by our staff.",
        "ne": "{vendor} सँगको तपाईंको अर्डर {number} हाम्रो टोलीले रद्द गर्‍यो।",
        "hi": "{vendor} के साथ आपका ऑर्डर {number} हमारी टीम ने रद्द किया।",
    },
    "buyer_order_approved": {
        "en": "Your order {number} with {vendor} ({total}) is approved on credit "
              "and has gone to the vendor.",
        "ne": "{vendor} सँगको तपाईंको अर्डर {number} ({total}) उधारोमा स्वीकृत भयो "
              "र विक्रेतालाई पठाइयो।",
        "hi": "{vendor} के साथ आपका ऑर्डर {number} ({total}) उधार पर मंज़ूर हुआ "
              "और विक्रेता को भेज दिया गया।",
    },
    "buyer_order_declined": {
        "en": "Sorry, your order {number} with {vendor} ({total}) was not approved: "
              "it would go over your credit limit. Please pay what you owe or call us.",
        "ne": "माफ गर्नुहोस्, {vendor} सँगको तपाईंको अर्डर {number} ({total}) "
              "स्वीकृत भएन: यसले तपाईंको उधारो सीमा नाघ्छ। कृपया बाँकी रकम तिर्नुहोस् वा "
              "हामीलाई सम्पर्क गर्नुहोस्।",
        "hi": "माफ़ कीजिए, {vendor} के साथ आपका ऑर्डर {number} ({total}) मंज़ूर नहीं "
              "हुआ: यह आपकी उधार सीमा से ज़्यादा है। कृपया बकाया चुकाएँ या हमसे संपर्क करें।",
    },
    "buyer_rerouted": {
        "en": "We passed it to {vendor}: new order {number}, {total}:\n{items}",
        "ne": "हामीले यो {vendor} लाई दियौं: नयाँ अर्डर {number}, {total}:\n{items}",
        "hi": "हमने इसे {vendor} को दिया: नया ऑर्डर {number}, {total}:\n{items}",
    },
    "buyer_no_other_vendor": {
        "en": "Sorry, no other supplier has {items} for {town} right now.",
        "ne": "माफ गर्नुहोस्, अहिले {town} का लागि {items} अरू कसैसँग छैन।",
        "hi": "माफ़ कीजिए, अभी {town} के लिए {items} किसी और के पास नहीं है।",
    },
    "buyer_rfq_opened": {
        "en": ("I asked suppliers in {town} for a price on {what} (request {rfq}). "
               "Quotes will come here as they arrive."),
        "ne": ("मैले {town} का आपूर्तिकर्तालाई {what} को मूल्य सोधें (माग {rfq})। "
               "कोटेशन आउँदै गर्दा यहीँ पठाउँछु।"),
        "hi": ("मैंने {town} के सप्लायरों से {what} का दाम पूछा (मांग {rfq})। "
               "कोटेशन आते ही यहाँ भेजूँगा।"),
    },
    "buyer_rfq_no_vendors": {
        "en": "No supplier for {what} in {town} yet (request {rfq}); our staff will look for one.",
        "ne": "{town} मा {what} को आपूर्तिकर्ता अहिले छैन (माग {rfq}); हाम्रो टोलीले खोज्नेछ।",
        "hi": "{town} में {what} का सप्लायर अभी नहीं है (मांग {rfq}); हमारी टीम ढूँढेगी।",
    },
    "buyer_quote": {
        "en": ("Quote {position} for {rfq}: {price}{per} from a {verified}vendor in "
               "{town}{terms} — reply ACCEPT QUOTE {position}"),
        "ne": ("{rfq} का लागि कोटेशन {position}: {price}{per}, {town} का "
               "{verified}आपूर्तिकर्ता{terms} — ACCEPT QUOTE {position} लेख्नुहोस्"),
        "hi": ("{rfq} के लिए कोटेशन {position}: {price}{per}, {town} के "
               "{verified}सप्लायर से{terms} — ACCEPT QUOTE {position} लिखें"),
    },
    "verified": {"en": "verified ", "ne": "प्रमाणित ", "hi": "सत्यापित "},
    "buyer_quote_accepted": {
        "en": "Done: order {number} with {vendor} for {what}, {total}.",
        "ne": "भयो: {what} को अर्डर {number}, {vendor} सँग, {total}।",
        "hi": "हो गया: {what} का ऑर्डर {number}, {vendor} के साथ, {total}।",
    },
    "buyer_no_open_rfq": {
        "en": "You have no open request with quotes to accept.",
        "ne": "स्वीकार गर्ने कोटेशन भएको खुला माग छैन।",
        "hi": "स्वीकार करने लायक कोटेशन वाली कोई खुली मांग नहीं है।",
    },
    "buyer_quote_unknown": {
        "en": "There is no quote {position} for {rfq}. Quotes so far: {count}.",
        "ne": "{rfq} मा कोटेशन {position} छैन। अहिलेसम्म कोटेशन: {count}।",
        "hi": "{rfq} में कोटेशन {position} नहीं है। अब तक कोटेशन: {count}।",
    },
    "buyer_rfq_closed": {
        "en": "Request {rfq} is {status}; its quotes can no longer be accepted.",
        "ne": "माग {rfq} {status} छ; यसको कोटेशन अब स्वीकार गर्न मिल्दैन।",
        "hi": "मांग {rfq} {status} है; इसके कोटेशन अब स्वीकार नहीं हो सकते।",
    },
    "buyer_rfq_expired": {
        "en": "Your request {rfq} ({what}) expired{quotes}. Send it again any time.",
        "ne": "तपाईंको माग {rfq} ({what}) को म्याद सकियो{quotes}। जुनसुकै बेला फेरि पठाउनुहोस्।",
        "hi": "आपकी मांग {rfq} ({what}) का समय खत्म हुआ{quotes}। कभी भी दोबारा भेजें।",
    },
    "no_quotes": {"en": " with no quotes", "ne": ", कुनै कोटेशन आएन",
                  "hi": ", कोई कोटेशन नहीं आया"},
}

# How a status is named in each language, for "order 1042 is now accepted".
STATUS_NAMES: dict[str, dict[str, str]] = {
    "pending": {"en": "pending", "ne": "बाँकी", "hi": "लंबित"},
    "accepted": {"en": "accepted", "ne": "स्वीकृत", "hi": "स्वीकृत"},
    "dispatched": {"en": "dispatched", "ne": "पठाइएको", "hi": "रवाना"},
    "delivered": {"en": "delivered", "ne": "पुर्‍याइएको", "hi": "पहुँचाया गया"},
    "rejected": {"en": "rejected", "ne": "अस्वीकृत", "hi": "अस्वीकृत"},
    "cancelled": {"en": "cancelled", "ne": "रद्द", "hi": "रद्द"},
    "open": {"en": "open", "ne": "खुला", "hi": "खुली"},
    "quoted": {"en": "open", "ne": "खुला", "hi": "खुली"},
    "closed": {"en": "closed", "ne": "बन्द", "hi": "बंद"},
    "expired": {"en": "expired", "ne": "म्याद सकिएको", "hi": "समाप्त"},
}


def vtext(key: str, language: str | None, **values: Any) -> str:
    """The vendor-side text `key` in `language` (English when that language lacks it)."""
    by_language = VENDOR_TEXTS[key]
    template = by_language.get(language or "en") or by_language["en"]
    return template.format(**values) if values else template


def status_name(status: str, language: str | None) -> str:
    """An order or RFQ status in words of `language`."""
    names = STATUS_NAMES.get(status, {})
    return names.get(language or "en") or names.get("en") or status
