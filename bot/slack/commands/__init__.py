"""Slash command listeners, one per file."""
