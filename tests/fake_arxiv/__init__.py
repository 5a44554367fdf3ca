"""A local stand-in of the arXiv API (see ``server``)."""

from tests.fake_arxiv.server import FakeArxiv, Faults, LoggedRequest, load_records

__all__ = ["FakeArxiv", "Faults", "LoggedRequest", "load_records"]
