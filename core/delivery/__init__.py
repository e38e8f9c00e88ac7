"""Delivering to holders: e-mail through SMTP, or the instance/outbox folder when none is set."""
