"""Built-in detectors; importing this package registers them (see analytics.insights.registry)."""

from analytics.insights.detectors import delivery, health, review, stalls, trends

__all__ = ["delivery", "health", "review", "stalls", "trends"]
