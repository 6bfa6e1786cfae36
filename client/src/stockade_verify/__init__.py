"""stockade-verify: check what a Stockade index serves against its signed TUF metadata."""

__version__ = "0.1.0"
