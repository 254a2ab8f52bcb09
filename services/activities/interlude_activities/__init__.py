"""Interlude's activities service: therapists' activities and their published versions."""
