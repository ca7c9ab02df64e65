"""The version of archdsl (a leaf: backends and the CLI read it without loading the API)."""

__version__ = "0.1.0"
