"""Notification (design §1.6): channels (apprise), rendering (jinja2) and outbox delivery."""

from rdwatch.notify.channels import CONSOLE_CHANNEL, Sender, build_senders, redact
from rdwatch.notify.deliver import DeliveryReport, deliver_outbox
from rdwatch.notify.render import render_alert

__all__ = [
    "CONSOLE_CHANNEL",
    "DeliveryReport",
    "Sender",
    "build_senders",
    "deliver_outbox",
    "redact",
    "render_alert",
]
