"""Notifications for the office's staff: an in-app list with a count in the menu, and an optional daily e-mail digest.

The foundation knows no app: each app registers its kinds (``registry.staff_notification_kind_register``, called in
its ``AppConfig.ready``) with a label and the sentence that a notification of the kind reads as. A notification keeps
the sentence's parameters (JSON), not the sentence: it is rendered when it is shown, in the reader's language.
Writes: ``services``; reads: ``selectors``; pages: ``views`` (``/notifications/``); the digest: ``digest``.
"""
