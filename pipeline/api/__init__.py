"""Talking to the arXiv API: a paced, bounded, cached transport; the Atom feed; retries."""
