"""Django loads an app's models from ``<app>.models``: the ``mobility`` app's models are the foundation's
(``mobility.foundation.models``), named here so that Django registers them under the app label ``mobility``."""

from mobility.foundation.models import (
    AuditEntry,
    IdempotencyRecord,
    OutboxMessage,
    PartnerAPIKey,
    TimeStampedModel,
    WebhookDelivery,
    WebhookEndpoint,
)
from mobility.foundation.notifications.models import StaffDigest, StaffNotification, StaffNotificationPreference
from mobility.foundation.people.models import Membership
from mobility.foundation.transfers.models import Transfer, TransferSubject
from mobility.foundation.two_factor.models import TwoFactorPolicy

__all__ = [
    "AuditEntry",
    "IdempotencyRecord",
    "Membership",
    "OutboxMessage",
    "PartnerAPIKey",
    "StaffDigest",
    "StaffNotification",
    "StaffNotificationPreference",
    "TimeStampedModel",
    "Transfer",
    "TransferSubject",
    "TwoFactorPolicy",
    "WebhookDelivery",
    "WebhookEndpoint",
]
