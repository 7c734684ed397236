"""Posventa: after-sales obligations with deadlines, owners and escalation paths."""

__version__ = "0.1.0"
