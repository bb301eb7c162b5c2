"""The message templates WhatsApp needs for business-initiated messages, as data, and their
life at the provider: made and submitted for approval (`flask templates sync`), their approval
status refreshed (a periodic duty), and the approved one chosen when a message is sent outside
WhatsApp's 24-hour window (market/window.py).

A template stands for one message kind: the text key its free-form words come from
(conversation/texts_vendor.py, conversation/texts.py), e.g. `order_alert`. Each is a utility
template (it is about an order the person placed or was sent, never a promotion) in English,
Nepali and Hindi; its body has numbered variables filled from the values the message was
queued with (meta `values`), and quick-reply buttons whose tap says what the person would
type (`accept 1042`). WhatsApp refuses a template whose body starts or ends with a variable or
puts two side by side, and a variable holding a line break: the bodies below keep to that and
`variable_text` flattens what goes in.

At Twilio each language is one Content resource (`POST /v1/Content`, then
`POST /v1/Content/{sid}/ApprovalRequests/whatsapp`); at Meta it is one template name in several
languages (`POST /{WABA_ID}/message_templates`). Sync looks up what the provider already has
before making anything, so it can be run any number of times.
"""
from __future__ import annotations

import hashlib
import json
import logging
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import requests
from sqlalchemy import select
from sqlalchemy.orm import Session

from market.db import utcnow
from market.models import MessageTemplate

log = logging.getLogger(__name__)

LANGUAGES = ("en", "ne", "hi")
TWILIO = "twilio"
META = "meta"
TWILIO_CONTENT_URL = "https://content.twilio.com"
# A tapped button whose payload starts with this says the rest, as if typed (app/webhooks.py).
REPLY_PREFIX = "reply:"
# WhatsApp's limits on what one variable may hold and on a quick reply's title.
MAX_VARIABLE = 600
# Twilio's approval states as ours: "received" is Twilio's pending.
TWILIO_STATUS = {"received": "pending", "unsubmitted": "draft"}


@dataclass(frozen=True)
class Template:
    """One business-initiated message. `variables` are format strings over the message's
    values, {{1}} first; `replies` say, per button, what tapping it means (same values)."""

    key: str
    variables: tuple[str, ...]
    bodies: Mapping[str, str]
    buttons: Mapping[str, tuple[str, ...]] = field(default_factory=dict)
    replies: tuple[str, ...] = ()
    samples: tuple[str, ...] = ()
    category: str = "utility"

    def values_for(self, values: Mapping[str, Any]) -> list[str] | None:
        """The variables' texts for these values; None when one of them is missing."""
        out = []
        for spec in self.variables:
            try:
                out.append(variable_text(spec.format(**values)))
            except (KeyError, IndexError, ValueError):
                return None
        return out

    def payloads(self, values: Mapping[str, Any]) -> list[str]:
        """What each button says when tapped, for these values."""
        return [REPLY_PREFIX + r.format(**values) if not r.isdigit() else r
                for r in self.replies]

    def render(self, language: str, variables: Sequence[str]) -> str:
        """The body as the person reads it, with `variables` in place."""
        body = self.bodies.get(language) or self.bodies["en"]
        return re.sub(r"\{\{(\d+)\}\}", lambda m: variables[int(m.group(1)) - 1], body)

    def digest(self, language: str) -> str:
        """What is submitted for `language`, as a short digest (a changed definition shows)."""
        data = [self.bodies.get(language), self.buttons.get(language), self.replies,
                self.category]
        return hashlib.sha256(json.dumps(data, ensure_ascii=False).encode()).hexdigest()[:32]


def variable_text(value: str) -> str:
    """`value` as a template variable may hold it: no line breaks or tabs, never more than
    four spaces in a row, never empty, not longer than WhatsApp takes."""
    flat = " ".join(part.strip(" •") for part in re.split(r"[\r\n\t]+", value) if part.strip())
    flat = re.sub(r"\s{2,}", " ", flat).strip()
    if len(flat) > MAX_VARIABLE:
        flat = flat[:MAX_VARIABLE - 1].rstrip() + "…"
    return flat or "-"


ACCEPT_REJECT = {"en": ("Accept", "Reject"), "ne": ("स्वीकार", "अस्वीकार"),
                 "hi": ("स्वीकार", "अस्वीकार")}

TEMPLATE_LIST: tuple[Template, ...] = (
    # --- to vendors -------------------------------------------------------------------------
    Template(
        "order_alert", ("{number}", "{shop}", "{town}", "{items}", "{total}"), {
            "en": "New order {{1}} from {{2}}, {{3}}: {{4}}. Total: {{5}}. Tap Accept or "
                  "Reject, or reply ACCEPT or REJECT with the order number.",
            "ne": "नयाँ अर्डर {{1}}, {{2}}, {{3}}: {{4}}। जम्मा: {{5}}। स्वीकार वा अस्वीकार "
                  "थिच्नुहोस्, वा अर्डर नम्बरसहित ACCEPT वा REJECT लेख्नुहोस्।",
            "hi": "नया ऑर्डर {{1}}, {{2}}, {{3}}: {{4}}। कुल: {{5}}। स्वीकार या अस्वीकार "
                  "दबाएँ, या ऑर्डर नंबर के साथ ACCEPT या REJECT लिखें।",
        }, ACCEPT_REJECT, ("accept {number}", "reject {number}"),
        ("1042", "Sita Kirana", "Kathmandu", "Mansuli Rice 2 sack", "Rs 3,869.00")),
    Template(
        "order_reminder", ("{number}", "{total}", "{town}"), {
            "en": "Reminder: order {{1}} ({{2}}, {{3}}) is still waiting for your answer.",
            "ne": "सम्झना: अर्डर {{1}} ({{2}}, {{3}}) अझै तपाईंको जवाफ पर्खिरहेको छ।",
            "hi": "याद दिलाना: ऑर्डर {{1}} ({{2}}, {{3}}) अभी भी आपके जवाब का इंतज़ार कर रहा है।",
        }, ACCEPT_REJECT, ("accept {number}", "reject {number}"),
        ("1042", "Rs 3,869.00", "Kathmandu")),
    Template(
        "order_cancelled", ("{number}", "{total}"), {
            "en": "Order {{1}} ({{2}}) was cancelled. Please do not send it.",
            "ne": "अर्डर {{1}} ({{2}}) रद्द भयो। कृपया नपठाउनुहोस्।",
            "hi": "ऑर्डर {{1}} ({{2}}) रद्द हो गया। कृपया न भेजें।",
        }, samples=("1042", "Rs 3,869.00")),
    Template(
        "lead_alert", ("{rfq}", "{what}{quantity}", "{town}"), {
            "en": "New request {{1}}: {{2}}, delivery to {{3}}. Tap Unlock to see the buyer "
                  "and send a price.",
            "ne": "नयाँ माग {{1}}: {{2}}, {{3}} मा डेलिभरी। खरिदकर्ता हेर्न र मूल्य पठाउन "
                  "Unlock थिच्नुहोस्।",
            "hi": "नई मांग {{1}}: {{2}}, {{3}} में डिलीवरी। खरीदार देखने और दाम भेजने के लिए "
                  "Unlock दबाएँ।",
        }, {"en": ("Unlock",), "ne": ("Unlock",), "hi": ("Unlock",)}, ("unlock {rfq}",),
        ("R12", "Basmati rice, 10 sack", "Pokhara")),
    # --- to buyers --------------------------------------------------------------------------
    Template(
        "buyer_order_accepted", ("{number}", "{vendor}", "{total}"), {
            "en": "Your order {{1}} was accepted by {{2}}. Total: {{3}}.",
            "ne": "तपाईंको अर्डर {{1}} लाई {{2}} ले स्वीकार गर्नुभयो। जम्मा: {{3}}।",
            "hi": "आपका ऑर्डर {{1}} को {{2}} ने स्वीकार किया। कुल: {{3}}।",
        }, samples=("1042", "Annapurna Traders", "Rs 3,869.00")),
    Template(
        "buyer_order_dispatched", ("{number}", "{vendor}"), {
            "en": "Your order {{1}} is on its way from {{2}}.",
            "ne": "तपाईंको अर्डर {{1}} पठाइएको छ, {{2}} बाट।",
            "hi": "आपका ऑर्डर {{1}} रवाना हो गया है, {{2}} से।",
        }, samples=("1042", "Annapurna Traders")),
    Template(
        "buyer_order_delivered", ("{number}", "{vendor}"), {
            "en": "Your order {{1}} from {{2}} was marked delivered. Thank you!",
            "ne": "तपाईंको अर्डर {{1}} पुर्‍याइयो भनी {{2}} ले जनाउनुभयो। धन्यवाद!",
            "hi": "आपका ऑर्डर {{1}} पहुँच गया, {{2}} के अनुसार। धन्यवाद!",
        }, samples=("1042", "Annapurna Traders")),
    Template(
        "buyer_order_rejected", ("{number}", "{vendor}"), {
            "en": "Sorry, your order {{1}} cannot be supplied by {{2}}.",
            "ne": "माफ गर्नुहोस्, तपाईंको अर्डर {{1}} दिन {{2}} सक्नुहुन्न।",
            "hi": "माफ़ कीजिए, आपका ऑर्डर {{1}} देने में {{2}} असमर्थ हैं।",
        }, samples=("1042", "Annapurna Traders")),
    Template(
        "buyer_order_cancelled", ("{number}", "{vendor}"), {
            "en": "Your order {{1}} with {{2}} was cancelled by our staff.",
            "ne": "तपाईंको अर्डर {{1}} ({{2}}) हाम्रो टोलीले रद्द गर्‍यो।",
            "hi": "आपका ऑर्डर {{1}} ({{2}}) हमारी टीम ने रद्द किया।",
        }, samples=("1042", "Annapurna Traders")),
    Template(
        "buyer_order_approved", ("{number}", "{vendor}", "{total}"), {
            "en": "Your order {{1}} with {{2}} ({{3}}) is approved on credit and has gone to "
                  "the vendor.",
            "ne": "तपाईंको अर्डर {{1}} ({{2}}, {{3}}) उधारोमा स्वीकृत भयो र विक्रेतालाई "
                  "पठाइयो।",
            "hi": "आपका ऑर्डर {{1}} ({{2}}, {{3}}) उधार पर मंज़ूर हुआ और विक्रेता को भेज दिया "
                  "गया।",
        }, samples=("1042", "Annapurna Traders", "Rs 3,869.00")),
    Template(
        "buyer_rerouted", ("{number}", "{vendor}", "{total}"), {
            "en": "Your order went to another supplier: new order {{1}} with {{2}}, total {{3}}.",
            "ne": "तपाईंको अर्डर अर्को आपूर्तिकर्तालाई गयो: नयाँ अर्डर {{1}}, {{2}}, जम्मा {{3}}।",
            "hi": "आपका ऑर्डर दूसरे सप्लायर को गया: नया ऑर्डर {{1}}, {{2}}, कुल {{3}}।",
        }, samples=("1043", "Himal Distributors", "Rs 3,869.00")),
    Template(
        "buyer_quote", ("{rfq}", "{price}{per}", "{town}", "{position}"), {
            "en": "New quote for your request {{1}}: {{2}} from a vendor in {{3}} (quote "
                  "{{4}}). Tap Accept to take it.",
            "ne": "तपाईंको माग {{1}} का लागि नयाँ कोटेशन: {{2}}, {{3}} का आपूर्तिकर्ता "
                  "(कोटेशन {{4}})। लिन Accept थिच्नुहोस्।",
            "hi": "आपकी मांग {{1}} के लिए नया कोटेशन: {{2}}, {{3}} के सप्लायर से (कोटेशन "
                  "{{4}})। लेने के लिए Accept दबाएँ।",
        }, {"en": ("Accept",), "ne": ("Accept",), "hi": ("Accept",)},
        ("accept quote {rfq} {position}",), ("R12", "Rs 1,850.00 per sack", "Pokhara", "1")),
    Template(
        "draft_reminder", ("{amount}",), {
            "en": "Your order of {{1}} is still waiting. Tap Place order to place it or Drop "
                  "it to drop it.",
            "ne": "तपाईंको {{1}} को अर्डर अझै पर्खिरहेको छ। अर्डर गर्न वा रद्द गर्न तलको "
                  "बटन थिच्नुहोस्।",
            "hi": "आपका {{1}} का ऑर्डर अभी भी इंतज़ार में है। ऑर्डर करने या रद्द करने के लिए "
                  "नीचे का बटन दबाएँ।",
        }, {"en": ("Place order", "Drop it"), "ne": ("अर्डर गर्नुहोस्", "रद्द गर्नुहोस्"),
            "hi": ("ऑर्डर करें", "रद्द करें")}, ("1", "2"), ("Rs 3,869.00",)),
    Template(
        "payment_due", ("{amount}", "{number}"), {
            "en": "A payment of {{1}} for order {{2}} is due. Tap Pay to get a payment link.",
            "ne": "अर्डर {{2}} को {{1}} भुक्तानी बाँकी छ। भुक्तानी लिंकका लागि Pay थिच्नुहोस्।",
            "hi": "ऑर्डर {{2}} का {{1}} भुगतान बाकी है। भुगतान लिंक के लिए Pay दबाएँ।",
        }, {"en": ("Pay",), "ne": ("Pay",), "hi": ("Pay",)}, ("pay {number}",),
        ("Rs 3,869.00", "1042")),
)
TEMPLATES: dict[str, Template] = {t.key: t for t in TEMPLATE_LIST}
# Message kinds that say the same thing as another kind's template.
KIND_ALIASES = {"order_cancelled_by_staff": "order_cancelled",
                "order_rejected_by_staff": "order_cancelled"}


def for_kind(kind: str | None) -> Template | None:
    """The template standing for message kind `kind` (its text key), if there is one."""
    if not kind:
        return None
    return TEMPLATES.get(KIND_ALIASES.get(kind, kind))


def provider_of(config: Mapping[str, Any]) -> str | None:
    """Which provider carries WhatsApp under this configuration (as market.channels picks)."""
    if config.get("TWILIO_ACCOUNT_SID") and config.get("TWILIO_AUTH_TOKEN"):
        return TWILIO
    if config.get("META_ACCESS_TOKEN"):
        return META
    return None


@dataclass(frozen=True)
class Chosen:
    """An approved template for one message: what to send and what the person reads."""

    template: Template
    row: MessageTemplate
    variables: tuple[str, ...]
    payloads: tuple[str, ...]
    body: str

    @property
    def language(self) -> str:
        return self.row.language

    def provider_payload(self) -> dict[str, Any]:
        """What the channel adapter needs to send it (OutboundMessage.extra)."""
        if self.row.provider == TWILIO:
            return {"content_sid": self.row.provider_id, "content_variables": json.dumps(
                {str(i): v for i, v in enumerate(self.variables, start=1)}, ensure_ascii=False)}
        return {"template": {"name": self.template.key, "language": self.row.language,
                             "variables": list(self.variables),
                             "payloads": list(self.payloads)}}


def choose(session: Session, kind: str | None, language: str | None, values: Mapping[str, Any],
           provider: str, marketing_allowed: bool = True) -> tuple[Chosen | None, str]:
    """The approved template for a message of `kind` to a reader of `language` (English when
    theirs is not approved), and why none when there is none."""
    template = for_kind(kind)
    if template is None:
        return None, f"no template stands for messages of kind {kind or '(none)'}"
    if template.category == "marketing" and not marketing_allowed:
        return None, "the person stopped marketing messages"
    variables = template.values_for(values)
    if variables is None:
        return None, f"the message lacks a value template {template.key} needs"
    wanted = [lang for lang in dict.fromkeys([language or "en", "en"]) if lang]
    rows = {row.language: row for row in session.scalars(
        select(MessageTemplate).where(MessageTemplate.key == template.key,
                                      MessageTemplate.provider == provider,
                                      MessageTemplate.language.in_(wanted)))}
    for lang in wanted:
        row = rows.get(lang)
        if row is not None and row.status == "approved" and row.provider_id:
            return Chosen(template, row, tuple(variables), tuple(template.payloads(values)),
                          template.render(lang, variables)), ""
    found = ", ".join(f"{lang}: {rows[lang].status}" for lang in wanted if lang in rows)
    return None, (f"template {template.key} is not approved at {provider}"
                  + (f" ({found})" if found else " (never synced)"))


# --- at the provider ---------------------------------------------------------------------------

class ProviderError(Exception):
    """The provider refused or could not be reached while syncing templates."""


@dataclass
class SyncReport:
    created: int = 0
    found: int = 0
    refreshed: int = 0
    failed: list[str] = field(default_factory=list)


class _Twilio:
    """Twilio's Content API, over plain HTTPS with the account's credentials."""

    provider = TWILIO

    def __init__(self, config: Mapping[str, Any]) -> None:
        self.base = (config.get("TWILIO_API_BASE_URL") or TWILIO_CONTENT_URL).rstrip("/")
        self.auth = (config["TWILIO_ACCOUNT_SID"], config["TWILIO_AUTH_TOKEN"])
        self._listed: dict[str, dict[str, Any]] | None = None

    def _call(self, method: str, path: str, body: dict[str, Any] | None = None) -> Any:
        url = path if path.startswith("http") else self.base + path
        try:
            response = requests.request(method, url, json=body, auth=self.auth, timeout=15)
        except requests.RequestException as exc:
            raise ProviderError(str(exc)) from exc
        data = response.json() if response.content else {}
        if response.status_code >= 400:
            raise ProviderError(f"{response.status_code} {data.get('message', response.text)}")
        return data

    @staticmethod
    def name(template: Template, language: str) -> str:
        return f"{template.key}_{language}"

    def existing(self, template: Template, language: str) -> dict[str, Any] | None:
        if self._listed is None:
            listed: dict[str, dict[str, Any]] = {}
            url: str | None = "/v1/Content?PageSize=500"
            while url:
                page = self._call("GET", url)
                for item in page.get("contents") or []:
                    listed.setdefault(str(item.get("friendly_name")), item)
                url = (page.get("meta") or {}).get("next_page_url")
            self._listed = listed
        found = self._listed.get(self.name(template, language))
        return {"id": found["sid"]} if found else None

    def create(self, template: Template, language: str) -> str:
        body = template.bodies[language]
        variables = {str(i): s for i, s in enumerate(template.samples, start=1)}
        types: dict[str, Any] = {"twilio/text": {"body": body}}
        titles = template.buttons.get(language) or ()
        if titles:
            ids = [_numbered_reply(template, reply) for reply in template.payloads(
                {name: "{" + name + "}" for name in _names(template)})]
            types["twilio/quick-reply"] = {"body": body, "actions": [
                {"title": title, "id": reply} for title, reply in zip(titles, ids, strict=True)]}
        made = self._call("POST", "/v1/Content", {
            "friendly_name": self.name(template, language), "language": language,
            "variables": variables, "types": types})
        return str(made["sid"])

    def submit(self, template: Template, language: str, provider_id: str) -> None:
        self._call("POST", f"/v1/Content/{provider_id}/ApprovalRequests/whatsapp",
                   {"name": self.name(template, language),
                    "category": template.category.upper()})

    def status(self, template: Template, language: str,
               provider_id: str) -> tuple[str, str | None]:
        data = self._call("GET", f"/v1/Content/{provider_id}/ApprovalRequests")
        whatsapp = data.get("whatsapp") or {}
        raw = str(whatsapp.get("status") or "unsubmitted").lower()
        return TWILIO_STATUS.get(raw, raw), whatsapp.get("rejection_reason") or None


class _Meta:
    """Meta's WhatsApp Business Account templates (Graph `/{WABA_ID}/message_templates`)."""

    provider = META

    def __init__(self, config: Mapping[str, Any]) -> None:
        if not config.get("META_WABA_ID"):
            raise ProviderError("set META_WABA_ID: templates belong to a WhatsApp Business "
                                "Account")
        self.url = (f"{config['META_GRAPH_BASE_URL'].rstrip('/')}/{config['META_WABA_ID']}"
                    "/message_templates")
        self.headers = {"Authorization": f"Bearer {config['META_ACCESS_TOKEN']}"}
        self._by_name: dict[str, list[dict[str, Any]]] = {}

    def _call(self, method: str, url: str, **kwargs: Any) -> Any:
        try:
            response = requests.request(method, url, headers=self.headers, timeout=15, **kwargs)
        except requests.RequestException as exc:
            raise ProviderError(str(exc)) from exc
        data = response.json() if response.content else {}
        if response.status_code >= 400:
            error = data.get("error", {}) if isinstance(data, dict) else {}
            raise ProviderError(f"{response.status_code} {error.get('message', response.text)}")
        return data

    def _listed(self, template: Template) -> list[dict[str, Any]]:
        if template.key not in self._by_name:
            found: list[dict[str, Any]] = []
            url: str | None = self.url
            params: dict[str, Any] | None = {
                "name": template.key, "limit": 100,
                "fields": "id,name,language,status,category,rejected_reason"}
            while url:
                page = self._call("GET", url, params=params)
                found.extend(t for t in page.get("data") or [] if t.get("name") == template.key)
                url, params = (page.get("paging") or {}).get("next"), None
            self._by_name[template.key] = found
        return self._by_name[template.key]

    def existing(self, template: Template, language: str) -> dict[str, Any] | None:
        return next(({"id": str(t["id"]), "status": t.get("status"),
                      "reason": t.get("rejected_reason")}
                     for t in self._listed(template) if t.get("language") == language), None)

    def create(self, template: Template, language: str) -> str:
        components: list[dict[str, Any]] = [{
            "type": "BODY", "text": template.bodies[language],
            "example": {"body_text": [list(template.samples)]}}]
        titles = template.buttons.get(language) or ()
        if titles:
            components.append({"type": "BUTTONS", "buttons": [
                {"type": "QUICK_REPLY", "text": title} for title in titles]})
        made = self._call("POST", self.url, json={
            "name": template.key, "language": language,
            "category": template.category.upper(), "components": components})
        self._by_name.pop(template.key, None)
        return str(made["id"])

    def submit(self, template: Template, language: str, provider_id: str) -> None:
        """Meta reviews a template as soon as it is made."""

    def status(self, template: Template, language: str,
               provider_id: str) -> tuple[str, str | None]:
        found = self.existing(template, language)
        if found is None:
            return "deleted", None
        reason = found.get("reason")
        return str(found.get("status") or "pending").lower(), (
            None if reason in (None, "", "NONE") else str(reason))


def _names(template: Template) -> list[str]:
    names: list[str] = []
    for spec in template.variables + template.replies:
        names.extend(n for n in re.findall(r"\{(\w+)\}", spec) if n not in names)
    return names


def _numbered_reply(template: Template, reply: str) -> str:
    """A button's payload with the template's numbered variables for the values it names
    (Twilio fills them in when the message is sent)."""
    for index, spec in enumerate(template.variables, start=1):
        reply = reply.replace(spec, "{{%d}}" % index)
    return reply


def _client(config: Mapping[str, Any], provider: str) -> _Twilio | _Meta:
    return _Twilio(config) if provider == TWILIO else _Meta(config)


def sync(session: Session, config: Mapping[str, Any],
         templates: Sequence[Template] = TEMPLATE_LIST) -> SyncReport:
    """Make every template at the provider that it does not have yet (submitted for
    approval), adopt those it has, and refresh every status. Flushes; the caller commits."""
    provider = provider_of(config)
    if provider is None:
        raise ProviderError("no WhatsApp provider is configured (set TWILIO_* or META_*)")
    client = _client(config, provider)
    report = SyncReport()
    for template in templates:
        for language in LANGUAGES:
            try:
                _sync_one(session, client, template, language, report)
            except ProviderError as exc:
                log.warning("template %s/%s: %s", template.key, language, exc)
                report.failed.append(f"{template.key}/{language}: {exc}")
    session.flush()
    return report


def _row(session: Session, key: str, language: str, provider: str) -> MessageTemplate:
    row = session.scalar(select(MessageTemplate).where(
        MessageTemplate.key == key, MessageTemplate.language == language,
        MessageTemplate.provider == provider))
    if row is None:
        row = MessageTemplate(key=key, language=language, provider=provider, status="draft",
                              created_at=utcnow())
        session.add(row)
    return row


def _sync_one(session: Session, client: _Twilio | _Meta, template: Template, language: str,
              report: SyncReport) -> None:
    row = _row(session, template.key, language, client.provider)
    row.category = template.category
    if not row.provider_id:
        found = client.existing(template, language)
        if found is not None:
            row.provider_id = found["id"]
            report.found += 1
        else:
            row.provider_id = client.create(template, language)
            report.created += 1
            client.submit(template, language, row.provider_id)
        row.digest = template.digest(language)
    elif row.digest != template.digest(language):
        log.warning("template %s/%s changed since it was submitted; the provider keeps the "
                    "old one until it is deleted there and synced again", template.key,
                    language)
    row.status, row.reason = client.status(template, language, row.provider_id)
    if row.status == "draft":
        # Made by an earlier run that stopped before submitting it: submitted now.
        client.submit(template, language, row.provider_id)
        row.status, row.reason = client.status(template, language, row.provider_id)
    row.synced_at = utcnow()
    report.refreshed += 1


def refresh(session: Session, config: Mapping[str, Any]) -> int:
    """Ask the provider for the approval status of every template it has; returns how many
    were asked. Flushes; the caller commits."""
    provider = provider_of(config)
    if provider is None:
        return 0
    client = _client(config, provider)
    asked = 0
    rows = session.scalars(select(MessageTemplate).where(
        MessageTemplate.provider == provider, MessageTemplate.provider_id.is_not(None)))
    for row in rows:
        template = TEMPLATES.get(row.key)
        if template is None or row.provider_id is None:
            continue
        try:
            row.status, row.reason = client.status(template, row.language, row.provider_id)
        except ProviderError as exc:
            log.warning("template %s/%s status: %s", row.key, row.language, exc)
            continue
        row.synced_at = utcnow()
        asked += 1
    session.flush()
    return asked


def listing(session: Session) -> list[MessageTemplate]:
    """Every template row, by key, language and provider, for `templates list` and the admin;
    templates never synced appear as `missing` rows that are not stored."""
    rows = list(session.scalars(select(MessageTemplate).order_by(
        MessageTemplate.key, MessageTemplate.language, MessageTemplate.provider)))
    have = {(r.key, r.language) for r in rows}
    for template in TEMPLATE_LIST:
        for language in LANGUAGES:
            if (template.key, language) not in have:
                rows.append(MessageTemplate(key=template.key, language=language, provider="-",
                                            status="missing", category=template.category))
    return sorted(rows, key=lambda r: (r.key, r.language, r.provider))
