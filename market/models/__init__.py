"""Every table of the service; importing this module registers them all on Base.metadata."""
from market.models.catalog import Listing, Product
from market.models.market import (
    RFQ,
    AuditEvent,
    CreditEntry,
    Lead,
    Payment,
    Plan,
    Quote,
    Subscription,
)
from market.models.messaging import (
    INBOUND,
    OUTBOUND,
    Conversation,
    Message,
    MessageTemplate,
    Outbox,
)
from market.models.orders import ORDER_TRANSITIONS, Order, OrderEvent, OrderItem
from market.models.payments import DueReminder, PaymentAttempt
from market.models.people import ApiToken, Buyer, Staff, Vendor, VendorDocument

__all__ = [
    "RFQ", "ApiToken", "AuditEvent", "Buyer", "Conversation", "CreditEntry", "INBOUND",
    "Lead", "Listing", "Message", "MessageTemplate", "ORDER_TRANSITIONS", "OUTBOUND", "Order",
    "OrderEvent",
    "OrderItem", "Outbox", "Payment", "Plan", "Product", "Quote", "Staff", "Subscription",
    "Vendor", "VendorDocument", "DueReminder", "PaymentAttempt",
]
