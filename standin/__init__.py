"""A local stand-in of the arXiv API (see ``server``)."""

from standin.server import FakeArxiv, Faults, LoggedRequest, load_records

__all__ = ["FakeArxiv", "Faults", "LoggedRequest", "load_records"]
