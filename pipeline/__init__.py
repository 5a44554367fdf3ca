"""arxiv-enrich: an awesome list of papers in, an enriched arXiv dataset out."""

__version__ = "0.1.0"

# The real endpoint; the tests and the demo point --api-url at the local stand-in.
DEFAULT_API_URL = "https://export.arxiv.org/api/query"
