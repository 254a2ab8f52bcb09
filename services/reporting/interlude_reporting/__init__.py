"""Interlude's reporting service: projections of the event logs for therapists and analysts."""
