"""orchestra's version, in a module of its own so the faces can print it without the public API."""

__version__ = "0.2.0"
