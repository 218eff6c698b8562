"""Interactive component listeners (buttons), one per file."""
