"""Built-in detectors; importing this package registers them (see analytics.insights.registry)."""

from analytics.insights.detectors import ci, delivery, health, review, stalls, trends

__all__ = ["ci", "delivery", "health", "review", "stalls", "trends"]
