"""`python -m bot.cli`: the same as the `metrics-bot` script."""

from bot.cli import main

main()
