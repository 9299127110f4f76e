"""talash: the search engine (analysis, indexing, querying); knows nothing of the web."""
