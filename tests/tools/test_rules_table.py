"""docs/rules.md is what `manage.py rules_table` prints from the rule functions' docstrings, and
every rule of SPEC.md §4 has at least one function (issue 16 item 7)."""

from pathlib import Path

from tools.management.commands.rules_table import render, rule_functions

DOCS = Path(__file__).resolve().parents[2] / "docs" / "rules.md"


def test_the_committed_table_is_the_generated_one():
    assert DOCS.read_text(encoding="utf-8") == render(), (
        "docs/rules.md is out of date: run `python manage.py rules_table > docs/rules.md`")


def test_every_rule_of_spec_section_4_has_a_function_with_its_clause():
    rows = rule_functions()
    assert {rule for rule, *_ in rows} == set(range(1, 24))
    # Each rule names the plan's clause somewhere, except those SPEC.md marks as national practice.
    national_practice = {16, 18}
    with_clause = {rule for rule, _, _, _, clauses, _ in rows if clauses != "—"}
    assert set(range(1, 24)) - national_practice <= with_clause
