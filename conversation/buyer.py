"""The buyer's conversation: onboarding, ordering, commands. Pure: state + event + context in,
state + actions out.

How the facts get here. The engine never touches the database, so market/buyer_context.py
gathers them before each event: the parse of this message (`event.parse`, a
`parsers.ParseResult`) and `ctx.buyer`, a `BuyerFacts`: the buyer's profile, the delivery
towns, the catalog (a cached `parsers.Catalog`), the buyer's orders, and the listing facts
(`conversation.offers.ListingFact`) of every SKU this message could touch — the parsed items
and their alternatives, the lines of the current draft, the last order (for REORDER) and what
a price question names. Pricing is then plain arithmetic here (`conversation.offers`), so the
draft shown, the prices confirmed and the unit tests all run the same code without I/O. The
actions go back to market/engine.py, whose APPLIERS table names the function that performs
each; they only persist what was decided (`PlaceOrders` re-reads the listings it charges).

States (each a handler below; BUYER_TRANSITIONS says which may follow which): `new` →
`ask_name` → `ask_shop` → `ask_town` (onboarding, once) → `idle` ⇄ `clarify` (one unsure
line at a time, numbered choices) ⇄ `draft` (priced draft shown; yes / no / edits / more
items) and `rfq_offer` (only unknown items: ask vendors?). Commands work in every state;
`agent` silences the bot until `handoff_until`.
"""
from __future__ import annotations

import re
from collections.abc import Callable, Mapping, Sequence
from dataclasses import replace
from datetime import datetime, timedelta
from decimal import Decimal
from typing import Any

from conversation import draft as d
from conversation.actions import (
    AcceptQuote,
    Action,
    CancelOrder,
    OpenRFQ,
    PayOrder,
    PlaceOrders,
    Reply,
    UpdateBuyer,
)
from conversation.commands import (
    ADD_VERBS,
    NO_WORDS,
    REMOVE_VERBS,
    YES_WORDS,
    Command,
    answer_of,
    edit_of,
    is_greeting,
    is_thanks,
    normalise,
    parse_command,
)
from conversation.language import guess
from conversation.offers import ListingFact, money
from conversation.texts import amount, text, unit_name
from conversation.towns import match_town
from conversation.types import (
    AccountFacts,
    BuyerFacts,
    BuyerProfile,
    Context,
    DueFacts,
    Event,
    OrderFacts,
    State,
)
from parsers import ParseResult, ProductSpec

Result = tuple[State, list[Action]]
Handler = Callable[[State, Event, Context], Result]
CANCELLABLE = ("pending", "accepted")
NOISE = set(YES_WORDS) | set(NO_WORDS) | set(REMOVE_VERBS) | set(ADD_VERBS) | {
    "please", "plz", "pls", "order", "send", "ok"}

# --- the states, and which may follow which -------------------------------------------------

ONBOARDING = ("new", "ask_name", "ask_shop", "ask_town", "ask_phone")
ORDERING = frozenset({"idle", "clarify", "draft", "rfq_offer"})
# Every move of one event (staying put is always allowed). Onboarding goes one question at a
# time; a buyer staff registered meanwhile is onboarded, so from any question they go
# straight to ordering (idle, or wherever their message leads). Ordering states reach one
# another both ways: commands (`reorder`, `cancel`, `quote`) work in every state. A buyer
# not (or no longer) onboarded in an ordering state is asked for their name again. Tests hold
# the engine to this table (tests/unit/conversation/test_transitions.py).
BUYER_TRANSITIONS: dict[str, frozenset[str]] = {
    "new": ORDERING | {"ask_name"},
    "ask_name": ORDERING | {"ask_shop"},
    "ask_shop": ORDERING | {"ask_town"},
    "ask_town": ORDERING | {"ask_phone"},
    "ask_phone": ORDERING,
    "idle": ORDERING | {"ask_name"},
    "clarify": ORDERING | {"ask_name"},
    "draft": ORDERING | {"ask_name"},
    "rfq_offer": ORDERING | {"ask_name"},
}


# --- reading the context ------------------------------------------------------------------

NO_FACTS = BuyerFacts()  # a conversation without a buyer yet: nothing known


def _buyer(ctx: Context) -> BuyerFacts:
    return ctx.buyer if ctx.buyer is not None else NO_FACTS


def _profile(ctx: Context) -> BuyerProfile:
    return _buyer(ctx).profile


def _offers(ctx: Context) -> Mapping[str, Sequence[ListingFact]]:
    return _buyer(ctx).offers


def _product(ctx: Context, sku: str) -> ProductSpec | None:
    catalog = _buyer(ctx).catalog
    return catalog.get(sku) if catalog is not None else None


def _currency(ctx: Context) -> str:
    return _profile(ctx).currency or "NPR"


def _town(ctx: Context) -> str:
    return _profile(ctx).town or ""


def _onboarded(ctx: Context) -> bool:
    profile = _profile(ctx)
    return profile.onboarded or profile.registered_by_staff


def _said(event: Event) -> str:
    """What the buyer sent; a tapped button's payload counts as typing its number."""
    payload = str(event.meta.get("ButtonPayload") or "").strip()
    return payload if payload.isdigit() else event.text


def _say(state: State, key: str, options: Sequence[str] = (), **values: Any) -> Reply:
    body = text(key, state.language, **values)
    if options:
        body += "\n" + d.numbered(options)
    return Reply(body, tuple(options), kind=key,
                 values={name: str(value) for name, value in values.items()})


# --- entry point --------------------------------------------------------------------------

def handle(state: State, event: Event, ctx: Context) -> Result:
    """One buyer event: state in, (state, actions) out; the state moves as BUYER_TRANSITIONS
    declares."""
    if state.language is None:
        hint = event.parse.language if event.parse is not None else None
        language = _profile(ctx).language or guess(event.text, hint, _buyer(ctx).country)
        state = replace(state, language=language)
    if state.handoff_until is not None:
        if event.now < state.handoff_until:
            return state, []  # a person is talking to the buyer; the bot stays out of it
        state = replace(state, handoff_until=None)
        if event.kind == "timer":
            return state, [_say(state, "agent_back")]
    if event.kind == "timer":
        return on_timer(state, event, ctx)
    if not _onboarded(ctx):
        return onboarding(state, event, ctx)
    if state.name in ONBOARDING:
        state = replace(state, name="idle", slots={})
    command = parse_command(_said(event)) if event.kind == "text" else None
    if command is not None:
        return run_command(command, state, event, ctx)
    if event.media_count:
        return on_photo(state, event, ctx)
    return STATES.get(state.name, on_idle)(state, event, ctx)


# --- onboarding -----------------------------------------------------------------------------

def onboarding(state: State, event: Event, ctx: Context) -> Result:
    """Name, shop and town, one question at a time; commands that make sense still work.
    Each answer is one message: what the buyer asked for, then the question again."""
    if state.name == "new":  # the first message gets the first question, whatever it says
        return on_new(state, event, ctx)
    command = parse_command(_said(event)) if event.kind == "text" else None
    if command is not None and command.name == "language":
        state = replace(state, language=command.arg)
        return state, [UpdateBuyer({"language": command.arg}),
                       _joined([_say(state, "language_set"), *_ask(state, state.name, ctx)])]
    if command is not None and command.name == "agent":
        return run_command(command, state, event, ctx)
    if command is not None:
        key = "help" if command.name == "help" else "signup_first"
        return state, [_joined([_say(state, key), *_ask(state, state.name, ctx)])]
    return ONBOARDING_STEPS.get(state.name, on_new)(state, event, ctx)


def _joined(replies: Sequence[Reply]) -> Reply:
    """Several replies as one message; the buttons of the last one."""
    return Reply("\n\n".join(r.text for r in replies), replies[-1].options)


def _ask(state: State, step: str, ctx: Context) -> list[Reply]:
    slots = state.slots
    if step == "ask_name":
        profile = _profile(ctx).profile_name
        if profile:
            return [_say(state, "welcome"),
                    Reply(text("use_profile_name", state.language, name=profile), (profile,))]
        return [_say(state, "welcome")]
    if step == "ask_shop":
        return [_say(state, "ask_shop", name=slots.get("name", ""))]
    if step == "ask_phone":
        return [_say(state, "ask_phone")]
    return [_say(state, "ask_town", shop=slots.get("shop", ""))]


def _clean_answer(said: str, limit: int) -> str | None:
    value = " ".join(said.split())[:limit]
    return value if re.search(r"[^\W\d_]", value) else None


def on_new(state: State, event: Event, ctx: Context) -> Result:
    """The first message: the welcome and the first question (after the help, if asked)."""
    command = parse_command(_said(event)) if event.kind == "text" else None
    first = [_say(state, "help")] if command is not None and command.name == "help" else []
    return replace(state, name="ask_name", slots={}), [
        _joined(first + _ask(state, "ask_name", ctx))]


def on_name(state: State, event: Event, ctx: Context) -> Result:
    said = _said(event)
    profile = _profile(ctx).profile_name
    name = profile if profile and answer_of(said) in (1, "yes") else _clean_answer(said, 120)
    if not name or re.search(r"\d", name):  # "2 bora chamal" is an order, not a name
        return state, [_say(state, "ask_name_again")]
    state = replace(state, name="ask_shop", slots={**state.slots, "name": name})
    return state, [UpdateBuyer({"name": name}), _joined(_ask(state, "ask_shop", ctx))]


def on_shop(state: State, event: Event, ctx: Context) -> Result:
    shop = _clean_answer(_said(event), 160)
    if not shop:
        return state, [_joined(_ask(state, "ask_shop", ctx))]
    state = replace(state, name="ask_town", slots={**state.slots, "shop": shop})
    return state, [UpdateBuyer({"shop_name": shop}), _joined(_ask(state, "ask_town", ctx))]


def on_town(state: State, event: Event, ctx: Context) -> Result:
    said = _said(event)
    towns = list(_buyer(ctx).towns)
    choice = answer_of(said)
    if isinstance(choice, int) and 1 <= choice <= len(towns):
        town: str | None = towns[choice - 1]
    elif towns:
        town = match_town(said, towns)
    else:
        town = _clean_answer(said, 80)  # nobody delivers anywhere yet: take it as written
    if not town:
        if not said.strip():
            return state, [_joined(_ask(state, "ask_town", ctx))]
        return state, [_say(state, "town_choices", towns, town=said.strip()[:40])]
    if _profile(ctx).needs_phone:
        state = replace(state, name="ask_phone", slots={**state.slots, "town": town})
        return state, [UpdateBuyer({"town": town}), _say(state, "ask_phone")]
    name = state.slots.get("name") or _profile(ctx).name or ""
    state = replace(state, name="idle", slots={})
    return state, [UpdateBuyer({"town": town, "onboarded": True, "language": state.language}),
                   _say(state, "onboarded", name=name)]


PHONE = re.compile(r"^\+?[\d\s().-]{7,20}$")


def on_phone(state: State, event: Event, ctx: Context) -> Result:
    """A buyer WhatsApp knows only by user id gives the number suppliers call to deliver."""
    said = _said(event).strip().translate(str.maketrans("०१२३४५६७८९", "0123456789"))
    digits = re.sub(r"\D", "", said)
    if not PHONE.match(said) or not 7 <= len(digits) <= 15:
        return state, [_say(state, "ask_phone_again")]
    name = state.slots.get("name") or _profile(ctx).name or ""
    state = replace(state, name="idle", slots={})
    return state, [UpdateBuyer({"phone": said, "onboarded": True, "language": state.language}),
                   _say(state, "onboarded", name=name)]


ONBOARDING_STEPS: dict[str, Handler] = {"new": on_new, "ask_name": on_name,
                                        "ask_shop": on_shop, "ask_town": on_town,
                                        "ask_phone": on_phone}


# --- ordering -------------------------------------------------------------------------------

def _has_order(event: Event) -> bool:
    parse = event.parse
    return bool(parse is not None and (parse.items or _unmatched(parse)))


def _unmatched(parse: ParseResult | None) -> list[str]:
    """Unknown fragments worth an RFQ: not edit verbs, answers or politeness."""
    kept = []
    for fragment in parse.unmatched if parse is not None else []:
        words = [w for w in normalise(fragment).split() if w not in NOISE]
        if words and re.search(r"[^\W\d_]{2,}", " ".join(words)):
            kept.append(fragment.strip())
    return kept


def on_idle(state: State, event: Event, ctx: Context) -> Result:
    said = _said(event)
    if _has_order(event):
        fresh = d.new_draft(_draft_key(ctx, event), event.now)
        return merge_and_show(state, fresh, event, ctx, add=False)
    answered = answer_non_order(state, event, ctx)
    if answered is not None:
        return answered
    if event.kind == "image" and not said.strip():
        return state, [_say(state, "photo_unreadable")]
    if is_thanks(said):
        return state, [_say(state, "thanks")]
    if is_greeting(said):
        return state, [_say(state, "greeting", name=_profile(ctx).name or "")]
    picked = pay_offer_pick(state.name, state.slots, said)
    if picked is not None:
        return cmd_pay(Command("pay", picked), state, event, ctx)
    if answer_of(said) is not None or edit_of(said):
        return state, [_say(state, "no_draft")]
    return state, [_say(state, "fallback")]


def answer_non_order(state: State, event: Event, ctx: Context) -> Result | None:
    """A message the parser read as a complaint or a product question, answered as such:
    a complaint goes to staff (the bot hands over, as `agent` does, and says so); a price or
    stock question is answered from the listings. None for anything else."""
    parse = event.parse
    if parse is None or _has_order(event):
        return None
    if parse.intent == "complaint":
        hours = _buyer(ctx).handoff_hours
        state = replace(state, handoff_until=event.now + timedelta(hours=hours))
        return state, [_say(state, "complaint_staff")]
    if parse.intent == "question" and parse.asked:
        lines = [_offer_line(state, product, ctx, "stock_info")
                 for product in (_product(ctx, sku) for sku in parse.asked[:3])
                 if product is not None]
        if lines:
            return state, [Reply("\n".join(lines))]
    return None


# --- photos ---------------------------------------------------------------------------------

# Why a file was refused (market/media_intake.py reasons) -> the reply that says so.
MEDIA_REPLIES = {"not_an_image": "media_not_an_image", "unsupported": "media_not_an_image",
                 "too_large": "media_too_large", "empty": "media_broken",
                 "truncated": "media_broken", "download_failed": "media_download_failed"}
PHOTO_LINES = 12  # lines of what was read shown back; the draft below says the rest


def on_photo(state: State, event: Event, ctx: Context) -> Result:
    """A photo (with or without a caption): what OCR read in it is ordered like typed text,
    and the answer starts by showing what was read, so the buyer can correct it in words.
    Refused files are explained; an unreadable photo asks for typing or a clearer photo."""
    notes = [text(key, state.language) for key in
             dict.fromkeys(MEDIA_REPLIES.get(r, "photo_unreadable") for r in event.media_errors)]
    read = event.ocr_text.strip()
    if _has_order(event):
        new_state, actions = STATES.get(state.name, on_idle)(state, event, ctx)
        if read:
            notes.append(text("photo_read", state.language, lines=_shown_lines(read)))
        return new_state, _prefixed(notes, actions)
    if read:
        notes.append(text("photo_no_items", state.language, lines=_shown_lines(read)))
    return state, [Reply("\n\n".join(notes) or text("photo_unreadable", state.language))]


def _shown_lines(read: str) -> str:
    lines = [line.strip()[:80] for line in read.splitlines() if line.strip()]
    shown = [f"• {line}" for line in lines[:PHOTO_LINES]]
    if len(lines) > PHOTO_LINES:
        shown.append("• …")
    return "\n".join(shown)


def _prefixed(notes: Sequence[str], actions: list[Action]) -> list[Action]:
    """`notes` put ahead of the first reply (one message, not several)."""
    if not notes:
        return actions
    head = "\n\n".join(notes)
    for i, action in enumerate(actions):
        if isinstance(action, Reply):
            return [*actions[:i], replace(action, text=f"{head}\n\n{action.text}"),
                    *actions[i + 1:]]
    return [Reply(head), *actions]


def _draft_key(ctx: Context, event: Event) -> str:
    # Unique per buyer and draft without a random source: buyers' messages are handled one at
    # a time, so the event's time in microseconds never repeats for one buyer.
    return f"b{_profile(ctx).id}-{int(event.now.timestamp() * 1_000_000)}"


def merge_and_show(state: State, draft: dict[str, Any], event: Event, ctx: Context,
                   add: bool) -> Result:
    """Fold this message's items into the draft, then ask or show."""
    said = event.order_text if event.ocr_text else _said(event)
    draft = d.touch(merge(draft, event.parse, ctx, add, said), event.now)
    return advance(state, draft, ctx)


def merge(draft: dict[str, Any], parse: ParseResult | None, ctx: Context, add: bool,
          said: str = "") -> dict[str, Any]:
    """The draft with parsed items added: a SKU already there has its quantity replaced
    (`sugar 20 kg`) or, with `add`, increased; unsure items become questions."""
    lines = list(draft["lines"])
    questions = list(draft["questions"])
    for item in parse.items if parse is not None else []:
        product = _product(ctx, item.sku)
        if product is None:
            continue
        if item.alternatives and item.confidence < d.SURE:
            choices = [s for s in (item.sku, *item.alternatives) if _product(ctx, s)][:5]
            questions.append({"kind": "pick", "text": item.text or product.name,
                              "quantity": item.quantity, "unit": item.unit,
                              "choices": choices})
            continue
        lines = _put(lines, product, item.quantity, item.unit, item.text, add)
    unmatched = list(draft["unmatched"])
    amounts = dict(draft.get("amounts") or {})
    for fragment in _unmatched(parse):
        if fragment not in unmatched:
            unmatched.append(fragment)
            amounts[fragment] = _amount_near(fragment, said)
    return {**draft, "lines": lines, "questions": questions, "unmatched": unmatched,
            "amounts": amounts}


def _put(lines: list[dict[str, Any]], product: ProductSpec, quantity: float, unit: str | None,
         said: str, add: bool) -> list[dict[str, Any]]:
    for i, line in enumerate(lines):
        if line["sku"] == product.sku:
            lines[i] = d.set_quantity(line, product, quantity, unit, add)
            return lines
    return [*lines, d.make_line(product, quantity, unit, said)]


def advance(state: State, draft: dict[str, Any], ctx: Context,
            header: str | None = None) -> Result:
    """Ask the next unsure line, or show the priced draft, or offer unknown items as RFQs."""
    if draft["questions"]:
        return replace(state, name="clarify", draft=draft), [_question(state, draft, ctx)]
    if not draft["lines"] and draft["unmatched"]:
        options = (text("opt_yes", state.language), text("opt_no", state.language))
        return replace(state, name="rfq_offer", draft=draft), [
            _say(state, "rfq_offer", options, items=", ".join(draft["unmatched"]))]
    if not draft["lines"]:
        return replace(state, name="idle", draft=None), [_say(state, "draft_dropped")]
    priced = d.price(draft, _offers(ctx))
    return replace(state, name="draft", draft=priced), [_show(state, priced, ctx, header)]


def _show(state: State, draft: dict[str, Any], ctx: Context, header: str | None = None) -> Reply:
    body = d.render(draft, state.language, _currency(ctx), _town(ctx), header)
    options = d.draft_options(draft, state.language) if d.priced_lines(draft) else ()
    if options:
        body += "\n" + d.numbered(options)
    return Reply(body, options)


def _question(state: State, draft: dict[str, Any], ctx: Context) -> Reply:
    question = draft["questions"][0]
    if question["kind"] == "remove":
        names = [draft["lines"][i]["name"] for i in question["choices"]]
        return _say(state, "remove_which", names)
    names = []
    for sku in question["choices"]:
        product = _product(ctx, sku)
        names.append(product.name if product else sku)
    names.append(text("none_of_these", state.language))
    unit = question.get("unit")
    quantity = f"{question['quantity']:g}" + (f" {unit_name(unit, state.language)}"
                                               if unit else "")
    return _say(state, "clarify", names, text=question["text"], quantity=quantity)


def on_clarify(state: State, event: Event, ctx: Context) -> Result:
    draft = state.draft or d.new_draft(_draft_key(ctx, event), event.now)
    if not draft["questions"]:
        return advance(state, draft, ctx)
    question, rest = draft["questions"][0], draft["questions"][1:]
    answer = answer_of(_said(event))
    count = len(question["choices"])
    if isinstance(answer, int) and 1 <= answer <= count:
        draft = _resolve(draft, question, answer - 1, ctx)
    elif question["kind"] == "pick" and (answer in (0, count + 1, "no")):
        draft = {**draft, "unmatched": [*draft["unmatched"], question["text"]]}
    elif question["kind"] == "remove" and answer in (0, "no"):
        pass
    elif _has_order(event):
        return merge_and_show(state, draft, event, ctx, add=edit_of(_said(event)) is not None)
    elif (answered := answer_non_order(state, event, ctx)) is not None:
        return answered
    else:
        return state, [_say(state, "pick_number"), _question(state, draft, ctx)]
    draft = d.touch({**draft, "questions": rest}, event.now)
    return advance(state, draft, ctx)


def _resolve(draft: dict[str, Any], question: dict[str, Any], index: int,
             ctx: Context) -> dict[str, Any]:
    if question["kind"] == "remove":
        gone = question["choices"][index]
        return {**draft, "lines": [line for i, line in enumerate(draft["lines"]) if i != gone]}
    product = _product(ctx, question["choices"][index])
    if product is None:
        return draft
    lines = _put(list(draft["lines"]), product, question["quantity"], question["unit"],
                 question["text"], add=False)
    return {**draft, "lines": lines}


def on_draft(state: State, event: Event, ctx: Context) -> Result:
    draft = state.draft
    if not draft:
        return on_idle(replace(state, name="idle"), event, ctx)
    said = _said(event)
    answer = answer_of(said)
    if answer in ("yes", 1):
        return confirm(state, draft, ctx)
    if answer in ("no", 2):
        return replace(state, name="idle", draft=None), [_say(state, "draft_dropped")]
    if answer == 3 and draft.get("unmatched"):
        return open_rfqs(state, draft, event)
    edit = edit_of(said)
    if edit is not None and edit[0] == "remove":
        return remove(state, draft, edit[1], event, ctx)
    if _has_order(event):
        return merge_and_show(state, draft, event, ctx, add=edit is not None)
    answered = answer_non_order(state, event, ctx)
    if answered is not None:
        return answered
    if event.kind == "image" and not said.strip():
        return state, [_say(state, "photo_unreadable")]
    if is_thanks(said):
        return state, [_say(state, "thanks")]
    if is_greeting(said):
        return state, [_show(state, draft, ctx)]
    return state, [_say(state, "fallback"), _show(state, draft, ctx)]


def confirm(state: State, draft: dict[str, Any], ctx: Context) -> Result:
    """Place the draft, unless prices or stock moved since it was shown."""
    fresh = d.price(draft, _offers(ctx))
    if d.shown_prices(fresh) != d.shown_prices(draft):
        return replace(state, name="draft", draft=fresh), [
            _say(state, "prices_changed"), _show(state, fresh, ctx)]
    lines = d.priced_lines(fresh)
    if not lines:
        return state, [_say(state, "draft_prompt_empty")]
    place = PlaceOrders(draft_key=fresh["key"], language=state.language or "en",
                        lines=tuple(_order_line(line) for line in lines))
    return replace(state, name="idle", draft=None), [place]


def _order_line(line: dict[str, Any]) -> dict[str, Any]:
    offer = line["offer"]
    return {"sku": line["sku"], "name": line["name"], "base_quantity": line["base_quantity"],
            "base_unit": line["base_unit"], "listing_id": offer["listing_id"],
            "vendor_id": offer["vendor_id"], "unit_price": offer["unit_price"]}


def remove(state: State, draft: dict[str, Any], target: str, event: Event,
           ctx: Context) -> Result:
    """`remove oil` / `remove 2`: drop the matching line, or ask which when several match."""
    hits = _lines_matching(draft, target, ctx)
    if not hits:
        return state, [_say(state, "remove_not_found", text=target), _show(state, draft, ctx)]
    if len(hits) > 1:
        question = {"kind": "remove", "text": target, "choices": hits}
        draft = {**draft, "questions": [question, *draft["questions"]]}
        return replace(state, name="clarify", draft=draft), [_question(state, draft, ctx)]
    name = draft["lines"][hits[0]]["name"]
    draft = d.touch({**draft, "lines": [line for i, line in enumerate(draft["lines"])
                                        if i != hits[0]]}, event.now)
    new_state, actions = advance(state, draft, ctx)
    return new_state, [_say(state, "removed", name=name), *actions]


def _lines_matching(draft: dict[str, Any], target: str, ctx: Context) -> list[int]:
    lines = draft["lines"]
    if target.isdigit():
        n = int(target)
        return [n - 1] if 1 <= n <= len(lines) else []
    words = [w for w in normalise(target).split() if len(w) > 1]
    hits = [i for i, line in enumerate(lines)
            if words and all(w in normalise(f"{line['name']} {line['text']}") for w in words)]
    if hits:
        return hits
    catalog = _buyer(ctx).catalog
    if catalog is None:
        return []
    skus = {sku for sku, score in catalog.match(target, limit=10) if score >= 0.6}
    return [i for i, line in enumerate(lines) if line["sku"] in skus]


def on_rfq_offer(state: State, event: Event, ctx: Context) -> Result:
    draft = state.draft or d.new_draft(_draft_key(ctx, event), event.now)
    answer = answer_of(_said(event))
    if answer in ("yes", 1):
        return open_rfqs(replace(state, name="idle", draft=None), draft, event)
    if answer in ("no", 2):
        return replace(state, name="idle", draft=None), [_say(state, "rfq_declined")]
    return on_idle(replace(state, name="idle", draft=None), event, ctx)


def open_rfqs(state: State, draft: dict[str, Any], event: Event) -> Result:
    """Ask vendors to quote every unknown item of the draft; its known lines stay."""
    amounts = draft.get("amounts") or {}
    rfqs: list[Action] = [
        OpenRFQ(text=fragment, **(amounts.get(fragment) or {}))
        for fragment in draft["unmatched"]]
    if state.name == "idle" or not draft["lines"]:
        return replace(state, name="idle", draft=None), rfqs
    return replace(state, draft={**draft, "unmatched": [], "amounts": {}}), rfqs


QUANTITY = re.compile(r"(\d+(?:\.\d+)?)\s*([^\W\d_]+)?")


def _amount_near(fragment: str, message: str) -> dict[str, Any]:
    """The quantity and unit the buyer wrote next to an unknown item (`cement 50 bora`)."""
    from parsers.units import canonical_unit

    segment = next((s for s in re.split(r"[,\n;]+", message) if fragment.lower() in s.lower()),
                   fragment)
    for number, word in QUANTITY.findall(normalise(segment)):
        return {"quantity": float(number), "unit": canonical_unit(word) if word else None}
    return {}


def _rfq(fragment: str, message: str) -> OpenRFQ:
    """An RFQ for `fragment`, with the quantity the buyer wrote next to it, if any."""
    return OpenRFQ(text=fragment, **_amount_near(fragment, message))


# --- commands -------------------------------------------------------------------------------

def run_command(command: Command, state: State, event: Event, ctx: Context) -> Result:
    """A command: the same meaning in every state."""
    return COMMANDS[command.name](command, state, event, ctx)


def cmd_help(command: Command, state: State, event: Event, ctx: Context) -> Result:
    return state, [_say(state, "help")]


def _status_word(order: OrderFacts, language: str | None) -> str:
    if order.approval == "held" and order.status == "pending":
        return text("status_held", language)
    return text(f"status_{order.status}", language)


def _order_summary(order: OrderFacts, language: str | None) -> str:
    return text("status_line", language, number=order.number, vendor=order.vendor,
                amount=amount(order.total, order.currency, language),
                status=_status_word(order, language))


def cmd_status(command: Command, state: State, event: Event, ctx: Context) -> Result:
    if command.arg:
        order = _buyer(ctx).order
        if order is None:
            return state, [_say(state, "status_unknown", number=command.arg)]
        lines = [_order_summary(order, state.language)]
        lines += [f"• {i.name}: {i.quantity:g} {unit_name(i.unit, state.language)} = "
                  f"{amount(i.subtotal, order.currency, state.language)}"
                  for i in order.items]
        return state, [Reply("\n".join(lines))]
    orders = _buyer(ctx).orders
    if not orders:
        return state, [_say(state, "status_none")]
    body = [text("status_header", state.language)]
    body += [_order_summary(o, state.language) for o in orders]
    return state, [Reply("\n".join(body))]


def cmd_cancel(command: Command, state: State, event: Event, ctx: Context) -> Result:
    if not command.arg:
        if state.draft:
            return replace(state, name="idle", draft=None), [_say(state, "draft_dropped")]
        open_orders = [o for o in _buyer(ctx).orders if o.status in CANCELLABLE]
        example = open_orders[0].number if open_orders else "1001"
        return state, [_say(state, "cancel_which", number=example)]
    order = _buyer(ctx).order
    if order is None:
        return state, [_say(state, "status_unknown", number=command.arg)]
    if order.status not in CANCELLABLE:
        return state, [_say(state, "cancel_refused", number=order.number,
                            status=_status_word(order, state.language))]
    return state, [CancelOrder(number=order.number, language=state.language or "en")]


def cmd_reorder(command: Command, state: State, event: Event, ctx: Context) -> Result:
    lines = []
    for old in _buyer(ctx).last_order_lines:
        product = _product(ctx, old.sku)
        if product is not None:
            lines.append(d.make_line(product, old.base_quantity, None, product.name))
    if not lines:
        return state, [_say(state, "reorder_none")]
    draft = {**d.new_draft(_draft_key(ctx, event), event.now, "reorder_header"), "lines": lines}
    return advance(state, draft, ctx)


def cmd_language(command: Command, state: State, event: Event, ctx: Context) -> Result:
    state = replace(state, language=command.arg)
    return state, [UpdateBuyer({"language": command.arg}), _say(state, "language_set")]


def cmd_agent(command: Command, state: State, event: Event, ctx: Context) -> Result:
    hours = _buyer(ctx).handoff_hours
    state = replace(state, handoff_until=event.now + timedelta(hours=hours))
    return state, [_say(state, "agent_on")]


def cmd_quote(command: Command, state: State, event: Event, ctx: Context) -> Result:
    target = command.arg or ""
    if not target:
        if state.draft and state.draft.get("unmatched"):
            return open_rfqs(state, state.draft, event)
        return state, [_say(state, "quote_which")]
    known = _price_answer(state, target, ctx)
    if known is not None:
        return state, [known]
    return state, [_rfq(target, target)]


def _price_answer(state: State, target: str, ctx: Context) -> Reply | None:
    """The going price of a catalog product the buyer asks about (`chini ko rate kati`)."""
    catalog = _buyer(ctx).catalog
    if catalog is None:
        return None
    matches = [sku for sku, score in catalog.match(target, limit=3) if score >= 0.9]
    product = catalog.get(matches[0]) if matches else None
    if product is None:
        return None
    return Reply(_offer_line(state, product, ctx, "price_info"))


def _offer_line(state: State, product: ProductSpec, ctx: Context, key: str) -> str:
    """The cheapest listing in stock for the buyer's town, as reply `key` says it."""
    facts = [f for f in _offers(ctx).get(product.sku, ()) if f.stock > 0]
    if not facts:
        return text("price_none", state.language, name=product.name, town=_town(ctx))
    best = min(facts, key=lambda f: (f.price, f.listing_id))
    return text(key, state.language, name=product.name,
                price=amount(money(best.price), _currency(ctx), state.language),
                unit=unit_name(product.base_unit, state.language), vendor=best.vendor_name)


def cmd_accept_quote(command: Command, state: State, event: Event, ctx: Context) -> Result:
    return state, [AcceptQuote(position=command.position or 1, rfq_number=command.arg)]


# --- paying and what the buyer owes -------------------------------------------------------

PAY_OFFER = "pay_offer"  # slot: the order numbers an order receipt offered as pay buttons


def pay_offer_pick(state_name: str, slots: Mapping[str, Any], said: str) -> str | None:
    """The order a bare number (a tapped button reads as its number) picks among the pay
    buttons of the last order receipt; None when it picks none (only while idle: in a draft
    a number answers the draft)."""
    offered = slots.get(PAY_OFFER) or []
    answer = answer_of(said)
    if state_name != "idle" or not isinstance(answer, int) or not 1 <= answer <= len(offered):
        return None
    return str(offered[answer - 1])


def _account(ctx: Context) -> AccountFacts:
    return _buyer(ctx).account or AccountFacts()


def cmd_pay(command: Command, state: State, event: Event, ctx: Context) -> Result:
    """`pay N`: a link for what is left of order N; `pay`: a link for the balance. Only when
    an online provider serves the buyer's currency; the link itself is made by the applier."""
    account = _account(ctx)
    language = state.language or "en"
    state = replace(state, slots={k: v for k, v in state.slots.items() if k != PAY_OFFER})
    if account.provider is None:
        return state, [_say(state, "pay_unavailable")]
    if command.arg:
        order = _buyer(ctx).order
        if order is None:
            return state, [_say(state, "status_unknown", number=command.arg)]
        if order.status in ("rejected", "cancelled"):
            return state, [_say(state, "pay_order_closed", number=order.number,
                                status=_status_word(order, state.language))]
        owed = account.order_owed if account.order_owed is not None else order.total
        if owed <= 0:
            return state, [_say(state, "pay_order_paid", number=order.number)]
        return state, [PayOrder(number=order.number, language=language)]
    if account.balance > 0:
        return state, [PayOrder(number=None, language=language)]
    if account.unpaid:
        numbers = ", ".join(f"#{due.number}" for due in account.unpaid)
        return state, [_say(state, "pay_which", number=account.unpaid[0].number,
                            numbers=numbers)]
    return state, [_say(state, "pay_nothing")]


def cmd_balance(command: Command, state: State, event: Event, ctx: Context) -> Result:
    """What the buyer owes: the balance, the credit left under the limit, the orders to pay
    (with their due dates), cash-on-delivery orders not yet paid, and the last payments."""
    account, language, currency = _account(ctx), state.language, _currency(ctx)

    def money_(value: Decimal) -> str:
        return amount(value, currency, language)

    lines = [text("balance_header", language)]
    if account.balance > 0:
        lines.append(text("balance_owed", language, amount=money_(account.balance)))
    elif account.balance < 0:
        lines.append(text("balance_ahead", language, amount=money_(-account.balance)))
    else:
        lines.append(text("balance_clear", language))
    if account.credit_limit > 0:
        left = max(account.credit_limit - account.balance, Decimal("0"))
        lines.append(text("balance_credit", language, limit=money_(account.credit_limit),
                          left=money_(left)))
    if account.dues:
        lines.append(text("balance_dues", language))
        lines += [_due_line(due, account, language, currency) for due in account.dues]
    if account.unpaid:
        lines.append(text("balance_cod", language))
        lines += [text("balance_cod_line", language, number=due.number,
                       amount=money_(due.owed)) for due in account.unpaid]
    if account.payments:
        lines.append(text("balance_payments", language))
        lines += [text("balance_payment_line", language, on=p.on.isoformat(),
                       amount=money_(p.amount),
                       method=f"{p.method}, #{p.order}" if p.order else p.method)
                  for p in account.payments]
    if account.provider is not None and (account.balance > 0 or account.unpaid):
        lines.append(text("balance_pay_hint", language))
    return state, [Reply("\n".join(lines))]


def _due_line(due: DueFacts, account: AccountFacts, language: str | None,
              currency: str) -> str:
    if due.due_on is None:
        return text("balance_cod_line", language, number=due.number,
                    amount=amount(due.owed, currency, language))
    line = text("balance_due_line", language, number=due.number,
                amount=amount(due.owed, currency, language), due=due.due_on.isoformat())
    if account.today is not None and account.today == due.due_on:
        line += text("balance_due_today", language)
    elif account.today is not None and account.today > due.due_on:
        line += text("balance_late", language, days=(account.today - due.due_on).days)
    return line


COMMANDS: dict[str, Callable[[Command, State, Event, Context], Result]] = {
    "help": cmd_help, "start": cmd_help, "status": cmd_status, "cancel": cmd_cancel,
    "reorder": cmd_reorder, "language": cmd_language, "agent": cmd_agent, "quote": cmd_quote,
    "accept_quote": cmd_accept_quote, "pay": cmd_pay, "balance": cmd_balance,
}


# --- timers ---------------------------------------------------------------------------------

def on_timer(state: State, event: Event, ctx: Context) -> Result:
    """A periodic tick: remind about a draft left waiting, then let it expire."""
    draft = state.draft
    if not draft or state.name not in ("draft", "clarify", "rfq_offer"):
        return state, []
    ttl = timedelta(hours=_buyer(ctx).draft_ttl_hours)
    age = event.now - datetime.fromisoformat(draft["touched_at"])
    if age >= ttl:
        return replace(state, name="idle", draft=None), [_say(state, "draft_expired")]
    if age >= ttl / 2 and not draft.get("reminded"):
        lines = d.priced_lines(draft)
        value = amount(d.total(lines) if lines else Decimal("0"), _currency(ctx), state.language)
        options = d.draft_options(draft, state.language)
        return replace(state, draft={**draft, "reminded": True}), [
            _say(state, "draft_reminder", options, amount=value)]
    return state, []


# The handler of each ordering state (the onboarding ones are ONBOARDING_STEPS).
STATES: dict[str, Handler] = {"idle": on_idle, "clarify": on_clarify, "draft": on_draft,
                              "rfq_offer": on_rfq_offer}
