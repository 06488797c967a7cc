"""What docs/metrics.md says about routecli's figures beside RouteLLM's and RouterBench's, pinned on the shared
benchmark files (../shared; skipped where it is absent).

Routers are scored by prompt length (tokens), a score every file's texts give without a trained router.
"""

from __future__ import annotations

import csv
from decimal import Decimal
from pathlib import Path

import numpy as np
import pytest

from routecli.pricing.price_files import load_price_files
from routecli.tune.choice import EvaluateResult, evaluate_outcomes, exclude_prompts
from routecli.tune.compat import RouteLlmFigures, RouterBenchFigures
from routecli.tune.exclusions import Exclusions, read_exclusions
from routecli.tune.readers import read_outcomes
from tests.helpers.paths import REPO, SHARED

approx = pytest.approx

ROUTELLM = SHARED / "data" / "routellm"
MBPP = SHARED / "data" / "routerbench" / "mbpp_test.csv"
PER_PROMPT = {"gpt-4-1106-preview": Decimal("0.005"), "mistralai/Mixtral-8x7B-Instruct-v0.1": Decimal("0.0003")}

pytestmark = pytest.mark.skipif(not ROUTELLM.is_dir() or not MBPP.is_file(), reason="../shared data is absent")


def routellm(path: Path) -> EvaluateResult:
    outcomes = read_outcomes([path], costs=PER_PROMPT, table=load_price_files(()))
    return evaluate_outcomes(outcomes, score="length", compat="routellm", epsilons=())


def routellm_figures(result: EvaluateResult) -> RouteLlmFigures:
    assert isinstance(result.compat, RouteLlmFigures)
    return result.compat


def routerbench(path: Path) -> EvaluateResult:
    outcomes = read_outcomes([path], costs={}, table=load_price_files(()))
    return evaluate_outcomes(outcomes, score="none", compat="routerbench", epsilons=(0.0,))


@pytest.mark.parametrize(
    ("name", "exact", "eleven"),
    [
        # CPT(50%), CPT(80%) over every threshold, then over RouteLLM's eleven points
        ("gsm8k_responses.csv", (0.36044, 0.67369), (0.36725, 0.67654)),
        ("mmlu", (0.34312, 0.71861), (0.35634, 0.71962)),
    ],
)
def test_cpt_moves_with_the_number_of_threshold_points(
    name: str, exact: tuple[float, float], eleven: tuple[float, float]
) -> None:
    result = routellm(ROUTELLM / name)
    router = result.evaluation.router
    assert router is not None
    assert (router.pgr.cpt_50, router.pgr.cpt_80) == approx(exact, abs=5e-6)
    figures = routellm_figures(result).router
    assert figures is not None
    assert (figures.cpt_50, figures.cpt_80) == approx(eleven, abs=5e-6)
    # docs/metrics.md: up to 0.007 on GSM8K and 0.013 on MMLU
    assert max(abs(a - b) for a, b in zip(exact, eleven, strict=True)) == approx(
        0.0068 if name.startswith("gsm8k") else 0.0132, abs=1e-4
    )


def test_routellm_apgr_is_a_trapezoid_over_uneven_quantile_points() -> None:
    result = routellm(ROUTELLM / "gsm8k_responses.csv")
    figures = routellm_figures(result)
    assert figures.router is not None
    curve = figures.router.curve
    shares = curve.strong_percentage / 100
    # tied token counts make the bins uneven: the second point sends 10.46% strong, not 10%
    assert shares[1] == approx(0.10462, abs=5e-6)
    assert np.diff(shares).max() - np.diff(shares).min() > 0.01
    pgr = (curve.accuracy - figures.weak_accuracy) / (figures.strong_accuracy - figures.weak_accuracy)
    trapezoid = float(np.sum(np.diff(shares) * (pgr[1:] + pgr[:-1]) / 2))
    assert figures.router.apgr == approx(trapezoid, abs=1e-12)
    assert abs(float(pgr.mean()) - trapezoid) > 1e-3  # a discrete mean over the points is another number
    exact = result.evaluation.router
    assert exact is not None
    assert (exact.pgr.apgr, figures.router.apgr) == approx((0.59274, 0.59221), abs=5e-6)


def _mbpp_columns() -> tuple[list[str], dict[str, list[float]], dict[str, list[float]]]:
    with MBPP.open(encoding="utf-8", newline="") as handle:
        rows = list(csv.DictReader(handle))
    models = [column[: -len("|total_cost")] for column in rows[0] if column.endswith("|total_cost")]
    quality = {model: [float(row[model]) for row in rows] for model in models}
    cost = {model: [float(row[model + "|total_cost"]) for row in rows] for model in models}
    return models, quality, cost


def test_the_default_cascade_is_ordered_by_observed_cost_not_list_price() -> None:
    _, _, cost = _mbpp_columns()
    code_llama, mixtral = "meta/code-llama-instruct-34b-chat", "mistralai/mixtral-8x7b-chat"
    assert sum(cost[code_llama]) < sum(cost[mixtral])  # observed on mbpp: code-llama the cheaper
    result = routerbench(MBPP)
    ours = result.evaluation.cascades[0].chain
    assert ours.index(code_llama) < ours.index(mixtral)
    assert isinstance(result.compat, RouterBenchFigures)
    theirs = result.compat.cascades[0].chain  # list price: mixtral $1.2, code-llama $1.552 per 10M tokens
    assert theirs.index(mixtral) < theirs.index(code_llama)


def test_routerbench_aiq_extends_hulls_to_the_right_only() -> None:
    result = routerbench(MBPP)
    assert isinstance(result.compat, RouterBenchFigures)
    # routecli: the models' hull over the report's whole cost range; RouterBench: from the cheapest model's cost
    # to the largest, divided by the largest
    assert (result.evaluation.models_aiq, result.compat.models_aiq) == approx((0.68321, 0.67968), abs=5e-6)


def test_the_oracle_charges_unsolved_prompts_the_cheapest_model_and_routerbench_nothing() -> None:
    models, quality, cost = _mbpp_columns()
    unsolved = [p for p in range(len(quality[models[0]])) if not any(quality[m][p] for m in models)]
    cheapest = sum(min(cost[m][p] for m in models) for p in unsolved)
    result = routerbench(MBPP)
    assert isinstance(result.compat, RouterBenchFigures)
    assert result.compat.unsolved == len(unsolved) == 17
    assert result.evaluation.oracle.cost - result.compat.oracle_cost == approx(cheapest, abs=1e-12)


def _doc_exclusions(heading: str, tmp_path: Path) -> Exclusions:
    """The id list docs/outcomes.md gives under ``heading``'s code block, read as an exclude file."""
    text = (REPO / "docs" / "outcomes.md").read_text(encoding="utf-8")
    block = text.split(f"```\n# {heading}\n", 1)[1].split("```", 1)[0]
    path = tmp_path / "exclude.txt"
    path.write_text(block, encoding="utf-8")
    return read_exclusions(path)


@pytest.mark.parametrize(
    ("name", "heading", "left"),
    [
        ("gsm8k_responses.csv", "gsm8k_responses.csv (rows)", 1_307),
        ("mmlu", "RouteLLM's mmlu/ directory", 14_037),
    ],
)
def test_routellms_contaminated_prompts_as_docs_list_them(name: str, heading: str, left: int, tmp_path: Path) -> None:
    exclusions = _doc_exclusions(heading, tmp_path)
    assert len(exclusions.lines) == (12 if name.startswith("gsm8k") else 5)
    outcomes = read_outcomes([ROUTELLM / name], costs=PER_PROMPT, table=load_price_files(()))
    assert exclude_prompts(outcomes, exclusions).prompts == left


def test_the_first_contaminated_gsm8k_prompt_is_the_one_routellm_names() -> None:
    with (ROUTELLM / "gsm8k_responses.csv").open(encoding="utf-8", newline="") as handle:
        first = next(csv.DictReader(handle))["prompt"]
    assert first.startswith("Janet\u2019s ducks lay 16 eggs per day.")
