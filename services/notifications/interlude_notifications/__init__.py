"""Interlude's notifications service: messages addressed to clients."""
