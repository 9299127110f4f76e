"""/openapi.json describes what the server does.

A schema-based fuzzer (schemathesis) sends generated requests, valid and invalid, to every
operation and checks each answer against the document: status codes, content types, bodies and
headers, and that no request makes the server fail (500). The other tests check that the
document names exactly the parameters and fields the code uses.
"""

import json

import pytest
import schemathesis

from web import create_app
from web.params import PARAMS
from web.views import HIT_FIELDS, OPENAPI, OPTIONAL_HIT_FIELDS, RESULT_FIELDS

MAX_EXAMPLES = 100  # per operation and mode; keeps the whole module well under a minute

schema = schemathesis.openapi.from_path(OPENAPI, config=schemathesis.Config.from_dict(
    {"generation": {"max-examples": MAX_EXAMPLES, "mode": "all"}}))


@pytest.fixture(scope="module")
def fuzzed_app(sample_index):
    return create_app({"INDEX_DIR": str(sample_index)})


@schema.parametrize()
def test_every_generated_request_conforms(case, fuzzed_app):
    response = case.call_and_validate(app=fuzzed_app)
    assert response.status_code < 500


def served(client) -> dict:
    response = client.get("/openapi.json")
    assert response.status_code == 200 and response.mimetype == "application/json"
    return response.get_json()


def test_served_document_is_the_file_with_this_servers_limits(sample_index):
    client = create_app({"INDEX_DIR": str(sample_index), "MAX_PAGE": 40,
                         "DEFAULT_PER_PAGE": 7, "MAX_PER_PAGE": 20}).test_client()
    spec = served(client)
    params = spec["components"]["parameters"]
    assert params["page"]["schema"]["maximum"] == 40
    assert params["per_page"]["schema"]["default"] == 7
    assert spec["components"]["schemas"]["SearchResponse"]["properties"]["per_page"][
        "maximum"] == 20
    file = json.loads(OPENAPI.read_text(encoding="utf-8"))
    for patched in ("page", "per_page"):
        file["components"]["parameters"][patched].pop("schema")
        params[patched].pop("schema")
    file["components"]["schemas"]["SearchResponse"]["properties"].pop("per_page")
    spec["components"]["schemas"]["SearchResponse"]["properties"].pop("per_page")
    assert spec == file


def test_document_names_the_parameters_the_server_reads(client):
    spec = served(client)
    for path in ("/search", "/"):
        refs = [p["$ref"].rsplit("/", 1)[1] for p in spec["paths"][path]["get"]["parameters"]]
        assert refs == list(PARAMS), path


def test_document_names_the_fields_the_server_sends(client):
    schemas = served(client)["components"]["schemas"]
    response = schemas["SearchResponse"]
    assert response["required"] == list(RESULT_FIELDS) == list(response["properties"])
    hit = schemas["Hit"]
    assert hit["required"] == list(HIT_FIELDS)
    assert list(hit["properties"]) == list(HIT_FIELDS) + list(OPTIONAL_HIT_FIELDS)
    body = client.get("/search?q=لاہور").get_json()
    assert list(body) == response["required"]
    assert all(list(h) == hit["required"] for h in body["results"])
