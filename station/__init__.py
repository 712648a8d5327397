"""Domain core of the intake station: no Qt, no HTTP."""

__version__ = "0.1.0"
