"""Detectors that turn metrics into ranked Insights (issue: insight engine)."""
