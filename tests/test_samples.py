"""The sample corpus that `make run` indexes: well-formed and searchable end to end."""

import json

import pytest

from search.querying import Searcher
from tests.conftest import SAMPLE

KEYS = {"id", "title", "body", "url", "date", "site", "category", "lang"}


def test_sample_records_are_complete():
    with open(SAMPLE, encoding="utf-8") as handle:
        records = [json.loads(line) for line in handle]
    assert len(records) >= 60
    assert all(set(r) == KEYS for r in records)
    assert len({r["id"] for r in records}) == len(records)
    assert {r["lang"] for r in records} >= {"ur", "en"}


@pytest.mark.parametrize("query, expected", [
    ("اسموگ", ["s062", "s063"]),
    ("@SecBlinken", ["s017", "s021"]),
    ("elections", ["s008", "s019"]),
    ("Babar Azam", ["s029", "s030", "s036", "s035", "s028", "s027"]),
    ("بجلی کی قیمت", ["s039", "s040", "s001"]),
], ids=["urdu", "handle", "english-plural", "english-name", "urdu-with-stop-word"])
def test_sample_queries(sample_index, query, expected):
    result = Searcher(sample_index).search(query)
    assert [h["id"] for h in result["results"]] == expected
