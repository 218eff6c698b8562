"""The shared schema and the few helpers every layer uses to reach it.

Imports none of metrics-bot's other packages (DESIGN.md, import rules).
"""
