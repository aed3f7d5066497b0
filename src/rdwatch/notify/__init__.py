"""Notification: channels (apprise), rendering (jinja2) and outbox delivery."""

from rdwatch.notify.channels import (
    CONSOLE_CHANNEL,
    Sender,
    build_senders,
    redact,
    wants_alert,
    wants_digest,
)
from rdwatch.notify.deliver import (
    ChannelCheck,
    DeliveryReport,
    deliver_outbox,
    resend,
    send_test_messages,
)
from rdwatch.notify.render import render_alert

__all__ = [
    "CONSOLE_CHANNEL",
    "ChannelCheck",
    "DeliveryReport",
    "Sender",
    "build_senders",
    "deliver_outbox",
    "redact",
    "render_alert",
    "resend",
    "send_test_messages",
    "wants_alert",
    "wants_digest",
]
