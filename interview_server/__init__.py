"""interview_server: a self-hostable live coding interview pad."""

__version__ = "0.1.0"
