"""Events API listeners, one per file."""
