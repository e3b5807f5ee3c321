"""Allow `python -m interview_server`."""

from .cli import main

main()
