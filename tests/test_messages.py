"""What portal users read cites the plan's clause, never the specification's rule numbers (R1 …);
the rule a refusal applies is found from its error code (programme.policy.rule_of)."""

import ast
import re
from pathlib import Path

import pytest
from django.core.exceptions import ValidationError
from django.utils import translation

from courses import policy as courses_policy
from programme.policy import RULE_OF_CODE, PolicyParams, rule_of

ROOT = Path(__file__).resolve().parent.parent
RULE_NUMBER = re.compile(r"(?<![A-Za-z0-9])R\d{1,2}(?![0-9])")
HAN = re.compile(r"[\u4e00-\u9fff]")
# Modules whose strings reach portal users: refusals, claim reasons, import and page messages.
MODULES = sorted(
    path for pattern in ("*/policy.py", "*/services.py", "*/forms.py", "*/imports.py", "*/views.py")
    for path in ROOT.glob(pattern) if path.parent.name != "tests"
) + [ROOT / "common" / "import_views.py", ROOT / "reporting" / "public.py"] + sorted((ROOT / "portals").glob("*.py"))
TEMPLATES = ["courses/class_form.html", "courses/class_detail.html", "courses/attendance.html",
             "certification/results.html", "certification/employment.html", "imports/preview.html",
             "imports/upload.html", "trainees/register.html", "trainees/trainee_detail.html"]


def chinese_strings(path):
    """Every string constant with Chinese in it (messages), docstrings and comments excluded."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    docstrings = {id(node.body[0].value) for node in ast.walk(tree)
                  if isinstance(node, ast.FunctionDef | ast.ClassDef | ast.Module | ast.AsyncFunctionDef)
                  and node.body and isinstance(node.body[0], ast.Expr)
                  and isinstance(node.body[0].value, ast.Constant)}
    for node in ast.walk(tree):
        if (isinstance(node, ast.Constant) and isinstance(node.value, str) and id(node) not in docstrings
                and HAN.search(node.value)):
            yield node.lineno, node.value


def test_no_message_a_user_reads_carries_a_rule_number():
    found = [f"{path.relative_to(ROOT)}:{line}: {text}" for path in MODULES
             for line, text in chinese_strings(path) if RULE_NUMBER.search(text)]
    assert len(MODULES) >= 20
    assert found == []


@pytest.mark.parametrize("name", TEMPLATES)
def test_the_portal_pages_cite_clauses_not_rule_numbers(name):
    text = (ROOT / "templates" / name).read_text(encoding="utf-8")
    assert RULE_NUMBER.findall(text) == []


def test_a_refusal_quotes_the_clause_and_its_code_names_the_rule():
    """「培训班人数不得超过50人(《实施方案》三(五))」: the clause in the message, R1 in code."""
    with pytest.raises(ValidationError) as error:
        courses_policy.ensure_capacity_within_limit(capacity=51, p=PolicyParams(year=2018))
    assert error.value.messages[0].startswith("培训班人数不得超过50人(《实施方案》三(五))")
    assert "请" in error.value.messages[0]  # and what to do next
    assert rule_of(error.value.code) == "R1"
    assert (rule_of("trainee_in_overlapping_class"), rule_of("voucher_expired"), rule_of("no_category")) == (
        "R16", "R14", "R13")
    assert rule_of("illegal_transition") == rule_of(None) == ""


def test_every_mapped_code_is_raised_somewhere():
    """The mapping names codes the code base really uses: a renamed code cannot leave it stale."""
    source = "\n".join(path.read_text(encoding="utf-8") for path in ROOT.glob("*/*.py")
                       if path.parent.name not in ("tests", "migrations"))
    stale = [code for code in RULE_OF_CODE if f'"{code}"' not in source.replace(f'"{code}": "R', "")]
    assert stale == []


def test_import_exports_garbled_chinese_is_corrected_by_the_projects_catalogue():
    """django-import-export's zh-Hans catalogue garbles this line (某些行验数据证失败); the project's
    locale/ wins over an app's."""
    with translation.override("zh-hans"):
        assert translation.gettext("Some rows failed to validate") == "某些行数据验证失败"
