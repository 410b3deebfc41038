import json

from extractor.llm.narrative import FACTS, NarrativeFacts, facts_model
from extractor.llm.prompting import example_json, load_prompt, schema_hash


def test_prompt_renders_both_parts_and_has_a_stable_hash():
    prompt = load_prompt("narrative")
    messages = prompt.messages(
        passage="收到申请5件。", items=prompt.items_for(FACTS), schema=example_json(NarrativeFacts)
    )
    assert [m["role"] for m in messages] == ["system", "user"]
    assert "收到申请5件。" in messages[1]["content"]
    assert "$" not in messages[1]["content"]  # every placeholder filled
    assert len(prompt.hash) == 16 and prompt.hash == load_prompt("narrative").hash


def test_skeleton_names_every_fact():
    skeleton = json.loads(example_json(NarrativeFacts))
    assert set(skeleton) == set(NarrativeFacts.model_fields)
    assert skeleton["fee_amount"] == {"value": "number | null", "quote": "string | null"}


def test_schema_hash_changes_with_the_type():
    from pydantic import BaseModel

    class Other(BaseModel):
        x: int

    assert schema_hash(NarrativeFacts) != schema_hash(Other)


def test_every_fact_has_a_prompt_item_and_a_request_names_only_what_it_asks():
    prompt = load_prompt("narrative")
    assert set(prompt.items) == set(FACTS)
    asked = ("reconsideration_total", "fee_amount")
    items = prompt.items_for(asked)
    assert "reconsideration_total：" in items and "fee_amount：" in items and "applications_received" not in items
    model = facts_model(asked)
    assert set(json.loads(example_json(model))) == set(asked)
    assert schema_hash(model) != schema_hash(NarrativeFacts) and facts_model(FACTS) is NarrativeFacts
