"""Interlude's assignments service: the event-sourced assignment log."""
