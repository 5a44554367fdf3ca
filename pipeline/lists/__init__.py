"""Reading, fixing and pulling Markdown lists."""
