"""``routecli tune --tiers``: N-tier routes from small hand-written outcomes, their errors, and ``--write``.

``FOUR``: three tiers, small ($1 a prompt), medium ($3) and large ($10), a router score per prompt:

| prompt | score | small | medium | large |
|--------|-------|-------|--------|-------|
| p1     | 0.1   | 1     | 1      | 1     |
| p2     | 0.2   | 0     | 1      | 1     |
| p3     | 0.3   | 0     | 1      | 1     |
| p4     | 0.4   | 0     | 0      | 1     |

Alone: small 0.25, $4; medium 0.75, $12; large 1.0, $40. Quality 1 needs p1 on any tier, p2 and p3 on medium or
large and p4 on large: thresholds 0.2 and 0.4, $1 + $3 + $3 + $10 = $17, saving 57.5% against large alone.
"""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner, Result

from routecli.cli import app
from routecli.replay.config_file import load_router_config
from routecli.replay.evaluators import Answer
from routecli.replay.routing.complexity import ComplexityRouter
from routecli.replay.tokens import count_text
from tests.helpers.cli import ok, ok_json, refused
from tests.helpers.files import write
from tests.helpers.paths import SCENARIOS

ROWS = [("p1", 0.1, 1, 1, 1), ("p2", 0.2, 0, 1, 1), ("p3", 0.3, 0, 1, 1), ("p4", 0.4, 0, 0, 1)]
PRICES = {"small": 1.0, "medium": 3.0, "large": 10.0}


def outcomes(**right: int) -> dict[str, Any]:
    return {tier: {"quality": right[tier], "cost": PRICES[tier]} for tier in PRICES}


def jsonl(path: str, records: list[dict[str, Any]]) -> Path:
    return write(Path(path), "".join(json.dumps(record) + "\n" for record in records))


def four() -> Path:
    return jsonl(
        "four.jsonl",
        [
            {"id": key, "score": score, "outcomes": outcomes(small=s, medium=m, large=large)}
            for key, score, s, m, large in ROWS
        ],
    )


def run(*args: str) -> Result:
    return CliRunner().invoke(app, list(args))


def test_three_tiers_choose_two_thresholds() -> None:
    document = ok_json("tune", str(four()), "--tiers", "small,medium,large", "--quality-floor", "1")
    assert document["tiers"] == ["small", "medium", "large"]
    assert document["method"] == "exact"
    assert document["choices"] == 15  # 5 cut positions, every pair, equal ones too
    chosen = document["chosen"]
    assert chosen["thresholds"] == [0.2, 0.4]
    assert chosen["shares"] == {"small": 0.25, "medium": 0.5, "large": 0.25}
    assert (chosen["quality"], chosen["cost"]) == (1.0, 17.0)
    assert chosen["savings_pct"] == pytest.approx(57.5)
    assert document["models"]["medium"] == {"quality": 0.75, "cost": 12.0}
    assert chosen in document["curve"]
    costs = [point["cost"] for point in document["curve"]]
    assert costs == sorted(costs)


def test_the_table_says_the_thresholds_and_shares() -> None:
    text = " ".join(ok("tune", str(four()), "--tiers", "small,medium,large", "--quality-floor", "0.75").split())
    # three right for $10: p1 to small, the rest to medium
    assert "thresholds 0.2, none — quality 0.7500, cost $10.00, saving 75.0% against large alone" in text
    assert "shares 25.0% / 75.0% / 0.0%" in text


def test_target_shares_calibrate_each_tier() -> None:
    document = ok_json("tune", str(four()), "--tiers", "small,medium,large", "--target-shares", "50%,25%,25%")
    assert document["target_shares"] == [0.5, 0.25, 0.25]
    assert document["chosen"]["thresholds"] == [0.3, 0.4]
    assert document["chosen"]["cost"] == 15.0  # small, small, medium, large


def test_two_tiers_are_the_weak_and_strong_pair() -> None:
    path = str(four())
    tiers = ok_json("tune", path, "--tiers", "small,large", "--quality-floor", "0.5")
    pair = ok_json("tune", path, "--weak", "small", "--strong", "large", "--quality-floor", "0.5")
    assert tiers == pair
    assert tiers["weak"] == "small"


def test_a_holdout_reports_the_held_out_shares_with_intervals() -> None:
    rows = [
        {"id": f"q{i}", "score": i / 40, "outcomes": outcomes(small=int(i < 15), medium=int(i < 30), large=1)}
        for i in range(40)
    ]
    document = ok_json(
        "tune", str(jsonl("forty.jsonl", rows)), "--tiers", "small,medium,large", "--relative-floor", "90%",
        "--holdout", "25%", "--seed", "3",
    )  # fmt: skip
    held = document["holdout"]
    assert (held["tuned_on"], held["held_out"], held["seed"]) == (30, 10, 3)
    assert sum(held["shares"].values()) == pytest.approx(1)
    assert held["quality"]["low"] <= held["quality"]["estimate"] <= held["quality"]["high"]
    assert held["cost"]["low"] <= held["cost"]["estimate"] <= held["cost"]["high"]
    assert document["prompts"] == 30
    assert document["quality_floor"] == pytest.approx(0.9)  # 90% of large's 1.0


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (
            ["--tiers", "small,huge,large"],
            "--tiers: no model 'huge' in the outcomes (models: small, medium, large)",
        ),
        (
            ["--tiers", "large"],
            "--tiers: give at least 2 tiers, cheapest first, comma-separated (like small,medium,large); got 1 "
            "(models: small, medium, large)",
        ),
        (["--tiers", "small,small,large"], "--tiers: small is named twice; name each tier once, cheapest first"),
        (
            ["--tiers", "small,medium,large", "--weak", "small"],
            "--tiers names every tier, cheapest first: leave out --weak and --strong",
        ),
        (
            ["--tiers", "small,medium,large", "--strategy", "cascade"],
            "--tiers is for --strategy route; a cascade's models are its --chain",
        ),
    ],
)
def test_tier_errors_say_what_to_write(args: list[str], message: str) -> None:
    assert refused("tune", str(four()), *args, "--quality-floor", "0.9").endswith(message)


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--target-shares", "50%,50%"], "--target-shares: give --tiers with three or more tiers"),
        (
            ["--tiers", "small,medium,large", "--target-shares", "50%,50%"],
            "--target-shares: 2 shares for 3 tiers (small, medium, large); give one share per tier, in the same order",
        ),
        (
            ["--tiers", "small,medium,large", "--target-shares", "50%,30%,30%"],
            "--target-shares: the shares add up to 1.1, not 1 (100%)",
        ),
    ],
)
def test_target_share_errors(args: list[str], message: str) -> None:
    assert message in refused("tune", str(four()), *args)


def test_an_unreachable_floor_exits_1() -> None:
    result = run("tune", str(four()), "--tiers", "small,medium,large", "--quality-floor", "1", "--format", "json")
    assert result.exit_code == 0
    rows = [{"id": key, "score": score, "outcomes": outcomes(small=0, medium=0, large=0)} for key, score, *_ in ROWS]
    failed = run("tune", str(jsonl("zero.jsonl", rows)), "--tiers", "small,medium,large", "--quality-floor", "0.5")
    assert failed.exit_code == 1
    assert "Error: No thresholds reach the quality floor 0.5000 (0.5): the best quality of any choice is 0.0000." in (
        failed.stderr
    )


# ------------------------------------------------ empty tiers, on scenarios/outcomes/three-tiers.jsonl

THREE = SCENARIOS / "outcomes" / "three-tiers.jsonl"
GPT = ("gpt-4.1-nano", "gpt-4.1-mini", "gpt-4.1")


def cheapest_by_brute_force(floor: float) -> tuple[float, float]:
    """(cost, quality) of the cheapest choice of thresholds t1 <= t2 reaching ``floor``, each tried prompt by prompt:
    every pair of −inf, the distinct scores and inf, equal ones included (the middle tier empty)."""
    rows = [json.loads(line) for line in THREE.read_text().splitlines() if line.strip()]
    values = [-float("inf"), *sorted({row["score"] for row in rows}), float("inf")]
    found = []
    for a, low in enumerate(values):
        for high in values[a:]:
            tiers = [GPT[(row["score"] >= low) + (row["score"] >= high)] for row in rows]
            quality = sum(row["outcomes"][tier]["quality"] for row, tier in zip(rows, tiers, strict=True)) / len(rows)
            if quality >= floor - 1e-12:
                found.append((sum(row["outcomes"][t]["cost"] for row, t in zip(rows, tiers, strict=True)), -quality))
    cost, quality = min(found)
    return cost, -quality


@pytest.mark.parametrize("floor", ["0.95", "0.3"])
def test_a_tier_may_get_no_prompts(floor: str) -> None:
    # at 0.95 skipping mini (both thresholds equal) is cheapest; at 0.3 nano alone (both inf)
    document = ok_json("tune", str(THREE), "--tiers", ",".join(GPT), "--quality-floor", floor)
    cost, quality = cheapest_by_brute_force(float(floor))
    assert document["chosen"]["cost"] == pytest.approx(cost, abs=1e-12)
    assert document["chosen"]["quality"] == pytest.approx(quality)
    assert 0.0 in document["chosen"]["shares"].values()


def test_adding_a_tier_never_makes_the_choice_worse() -> None:
    three = ok_json("tune", str(THREE), "--tiers", ",".join(GPT), "--quality-floor", "0.95")
    two = ok_json("tune", str(THREE), "--tiers", f"{GPT[0]},{GPT[2]}", "--quality-floor", "0.95")
    assert three["chosen"]["cost"] <= two["cost"] + 1e-12


@pytest.mark.parametrize(("option", "extra"), [("--tiers", []), ("--chain", ["--strategy", "cascade"])])
def test_tiers_dearest_first_are_refused(option: str, extra: list[str]) -> None:
    message = refused("tune", str(THREE), option, "gpt-4.1,gpt-4.1-mini,gpt-4.1-nano", "--quality-floor", "0.9", *extra)
    rows = [json.loads(line) for line in THREE.read_text().splitlines() if line.strip()]
    means = {tier: sum(row["outcomes"][tier]["cost"] for row in rows) / len(rows) for tier in GPT}
    assert means[GPT[0]] < means[GPT[1]] < means[GPT[2]]
    shown = re.fullmatch(
        rf"{option}: tiers go cheapest first, and by mean cost per prompt in the outcomes the order is "
        r"gpt-4\.1-nano \$([0-9.]+), gpt-4\.1-mini \$([0-9.]+), gpt-4\.1 \$([0-9.]+); "
        rf"write {option} gpt-4\.1-nano,gpt-4\.1-mini,gpt-4\.1",
        message,
    )
    assert shown is not None, message
    assert [float(usd) for usd in shown.groups()] == pytest.approx([means[tier] for tier in GPT], abs=1e-8)


# -------------------------------------------------------------------- --write

HELLO, SKY, WHYS = "Hello there.", "Why is the sky blue?", "Why? Why? Why?"

ROUTER = """\
# Three tiers on one local server.
providers:
  local: {base_url: http://127.0.0.1:8080/v1}   # llama-server
tiers:
  small: {provider: local, model: smollm2, price: gpt-4o-mini}
  medium: {provider: local, model: smollm2, price: gpt-4.1-mini}
  large: {provider: local, model: smollm2, price: gpt-4.1}
routing:
  type: complexity
  thresholds: {small: 0, medium: 0.3, large: 0.6}   # tuned by hand
"""


def complexity_score(text: str, reasoning: int, questions: int) -> float:
    """routecli's complexity score with the default weights (4.5 in all) of a prompt without code or sequencing."""
    return (count_text(text) / 1000 + min(reasoning / 3, 1) + 0.5 * min(questions / 3, 1)) / 4.5


def texts() -> Path:
    # small is right only on the greeting, medium also on the sky; large on all
    return jsonl(
        "texts.jsonl",
        [
            {"prompt": HELLO, "outcomes": outcomes(small=1, medium=1, large=1)},
            {"prompt": SKY, "outcomes": outcomes(small=0, medium=1, large=1)},
            {"prompt": WHYS, "outcomes": outcomes(small=0, medium=0, large=1)},
        ],
    )


def test_write_puts_every_threshold_into_the_complexity_router_and_it_routes_as_tuned() -> None:
    sky, whys = complexity_score(SKY, 1, 1), complexity_score(WHYS, 3, 3)
    config = write(Path("router.yaml"), ROUTER)
    args = ["tune", str(texts()), "--tiers", "small,medium,large", "--score", "complexity", "--quality-floor", "1"]
    result = run(*args, "--write", "router.yaml")
    assert result.exit_code == 0, result.output
    after = config.read_text(encoding="utf-8")
    assert after.count("#") == ROUTER.count("#")  # comments kept
    assert "router.yaml: routing.thresholds.medium set to" in result.stderr
    assert "router.yaml: routing.thresholds.large set to" in result.stderr
    router = load_router_config(config).router
    assert isinstance(router, ComplexityRouter)
    assert dict(router.thresholds) == {"small": 0.0, "medium": pytest.approx(sky), "large": pytest.approx(whys)}
    # read back, the router sends each prompt where the tuned thresholds do
    chosen = json.loads(run(*args, "-f", "json").stdout)["chosen"]["thresholds"]
    for text, expected in ((HELLO, "small"), (SKY, "medium"), (WHYS, "large")):
        score = router.score(router.text_features(text, count_text(text)))
        routed = next(tier for tier, threshold in router.thresholds if score >= threshold)
        tuned = ("small", "medium", "large")[sum(score >= threshold for threshold in chosen)]
        assert routed == tuned == expected


@pytest.mark.parametrize(("option", "extra"), [("--tiers", []), ("--chain", ["--strategy", "cascade"])])
def test_write_scenario_is_for_two_models(option: str, extra: list[str]) -> None:
    message = refused(
        "tune", str(THREE), option, ",".join(GPT), "--quality-floor", "0.9", *extra, "--write-scenario", "out.yaml"
    )
    assert message == (
        "--write-scenario writes a two-model route or cascade; for --tiers or --chain, price the chosen "
        "thresholds with routecli replay and routecli calibrate"
    )
    assert not Path("out.yaml").exists()


def test_write_refuses_a_tier_the_chosen_thresholds_skip() -> None:
    # medium right on nothing large is not: the greeting to small, the rest to large, both thresholds the sky's score
    write(Path("router.yaml"), ROUTER)
    rows = [
        {"prompt": HELLO, "outcomes": outcomes(small=1, medium=1, large=1)},
        {"prompt": SKY, "outcomes": outcomes(small=0, medium=0, large=1)},
        {"prompt": WHYS, "outcomes": outcomes(small=0, medium=0, large=1)},
    ]
    args = ["tune", str(jsonl("skip.jsonl", rows)), "--tiers", "small,medium,large", "--score", "complexity"]
    chosen = ok_json(*args, "--quality-floor", "1")["chosen"]
    assert chosen["thresholds"] == [pytest.approx(complexity_score(SKY, 1, 1))] * 2
    assert chosen["shares"]["medium"] == 0
    # the report is printed, then the write refused
    result = run(*args, "--quality-floor", "1", "--write", "router.yaml")
    assert result.exit_code == 2
    assert result.stderr.strip().splitlines() == [
        "Error: --write: the chosen thresholds send no prompt to medium: no threshold to write (tune without that tier)"
    ]
    assert Path("router.yaml").read_text(encoding="utf-8") == ROUTER


def test_write_needs_a_threshold_per_tuned_tier() -> None:
    write(Path("router.yaml"), ROUTER.replace("{small: 0, medium: 0.3, large: 0.6}", "{small: 0, large: 0.6}"))
    message = refused(
        "tune", str(texts()), "--tiers", "small,medium,large", "--score", "complexity", "--quality-floor", "1",
        "--write", "router.yaml",
    )  # fmt: skip
    assert message == (
        "router.yaml: --write: tune routed over small, medium, large, but this complexity router's thresholds name "
        "large, small; give it a threshold per tuned tier (routing.thresholds: {small: 0, medium: …, large: …})"
    )


# -------------------------------------------------------------------- --strategy cascade --chain a,b,c

# small's and medium's confidence per prompt; small is right on p1, medium on p1 and p2, large on all three
HOPS = [("p1", -0.1, -0.1, 1, 1, 1), ("p2", -0.5, -0.2, 0, 1, 1), ("p3", -0.9, -0.8, 0, 0, 1)]


def three_hops(confident: tuple[str, ...] = ("small", "medium")) -> Path:
    records = []
    for key, sure_small, sure_medium, s, m, large in HOPS:
        answers = outcomes(small=s, medium=m, large=large)
        for tier, sure in (("small", sure_small), ("medium", sure_medium)):
            if tier in confident:
                answers[tier]["confidence"] = sure
        records.append({"id": key, "outcomes": answers})
    return jsonl("hops.jsonl", records)


def test_a_three_tier_cascade_gets_a_threshold_per_hop() -> None:
    document = ok_json(
        "tune", str(three_hops()), "--strategy", "cascade", "--chain", "small,medium,large", "--quality-floor", "1"
    )
    assert (document["strategy"], document["tiers"], document["method"]) == (
        "cascade",
        ["small", "medium", "large"],
        "exact",
    )
    chosen = document["chosen"]
    # small keeps p1, medium p2, large answers p3 after both: $1 + ($1 + $3) + ($1 + $3 + $10)
    assert chosen["thresholds"] == [-0.1, -0.2]
    assert (chosen["quality"], chosen["cost"]) == (1.0, 19.0)
    assert chosen["shares"] == pytest.approx({"small": 1 / 3, "medium": 1 / 3, "large": 1 / 3})


def test_a_four_tier_cascade_is_searched() -> None:
    # a $1, b $2, c $4, d $8; each prompt right only from its own tier on, and only that tier sure of it
    prices = {"a": 1.0, "b": 2.0, "c": 4.0, "d": 8.0}
    sure = {"p1": (-0.1, -0.9, -0.9), "p2": (-0.5, -0.1, -0.9), "p3": (-0.6, -0.5, -0.1), "p4": (-0.7, -0.6, -0.5)}
    records = [
        {
            "id": key,
            "outcomes": {
                tier: {"quality": int(index >= row), "cost": prices[tier]}
                | ({"confidence": sure[key][index]} if index < 3 else {})
                for index, tier in enumerate(prices)
            },
        }
        for row, key in enumerate(sure)
    ]
    path = jsonl("chain.jsonl", records)
    document = ok_json("tune", str(path), "--strategy", "cascade", "--chain", "a,b,c,d", "--quality-floor", "1")
    assert (document["tiers"], document["method"]) == (["a", "b", "c", "d"], "search")
    chosen = document["chosen"]
    # each prompt stops at its own tier: $1 + ($1 + $2) + ($1 + $2 + $4) + ($1 + $2 + $4 + $8) = $26
    assert chosen["thresholds"] == [-0.1, -0.1, -0.1]
    assert (chosen["quality"], chosen["cost"]) == (1.0, 26.0)
    assert chosen["shares"] == pytest.approx(dict.fromkeys("abcd", 0.25))


def test_a_two_tier_chain_is_the_weak_and_strong_cascade() -> None:
    path = str(three_hops())
    chained = ok_json("tune", path, "--strategy", "cascade", "--chain", "small,large", "--quality-floor", "0.6")
    paired = ok_json(
        "tune", path, "--strategy", "cascade", "--weak", "small", "--strong", "large", "--quality-floor", "0.6"
    )
    assert chained == paired


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--chain", "small,medium,large"], "--chain is for --strategy cascade; a route's tiers are --tiers"),
        (
            ["--strategy", "cascade", "--chain", "small,medium,large,small"],
            "--chain: small is named twice; name each tier once, cheapest first",
        ),
        (
            ["--strategy", "cascade", "--chain", "small,medium,large", "--strong", "large"],
            "--chain names every tier, cheapest first: leave out --weak and --strong",
        ),
        (
            ["--strategy", "cascade", "--chain", "small,tiny,large"],
            "--chain: no model 'tiny' in the outcomes (models: small, medium, large)",
        ),
    ],
)
def test_chain_errors(args: list[str], message: str) -> None:
    assert refused("tune", str(three_hops()), *args, "--quality-floor", "0.9").endswith(message)


def test_a_chain_tier_without_confidence_says_what_to_write() -> None:
    message = refused(
        "tune", str(three_hops(("small",))), "--strategy", "cascade", "--chain", "small,medium,large",
        "--quality-floor", "0.9",
    )  # fmt: skip
    assert message == (
        "hops.jsonl: --chain: medium's answers have no confidence; a cascade needs every tier's but the last's "
        "(outcomes JSONL 'confidence' per model, e.g. the mean logprob replay --all-tiers writes)"
    )


def test_write_needs_a_cascade() -> None:
    write(Path("router.yaml"), ROUTER)
    message = refused(
        "tune", str(three_hops()), "--strategy", "cascade", "--chain", "small,medium,large", "--quality-floor", "1",
        "--write", "router.yaml",
    )  # fmt: skip
    assert message == (
        "router.yaml: --write puts a cascade threshold into cascade.accept's logprob evaluator; this config has no "
        "cascade: add cascade: {chain: [small, medium, large], accept: {all: [{type: logprob, min_mean: -1}]}}"
    )


def test_four_tiers_each_prompt_to_the_cheapest_tier_that_gets_it_right() -> None:
    # prompt i (score i/10) is answered right by tier i-1 and the dearer ones; tiers cost $1, $2, $4, $8
    prices = {"t0": 1.0, "t1": 2.0, "t2": 4.0, "t3": 8.0}
    records = [
        {"id": f"p{i}", "score": i / 10, "outcomes": {tier: {"quality": int(t >= i - 1), "cost": usd}
                                                       for t, (tier, usd) in enumerate(prices.items())}}
        for i in range(1, 5)
    ]  # fmt: skip
    document = ok_json(
        "tune", str(jsonl("four-tiers.jsonl", records)), "--tiers", "t0,t1,t2,t3", "--quality-floor", "1"
    )
    assert document["chosen"]["thresholds"] == [0.2, 0.3, 0.4]
    assert document["chosen"]["cost"] == 15.0  # $1 + $2 + $4 + $8
    assert document["method"] == "exact"  # 35 choices (3 of 5 cut positions, repeats allowed): the grid holds them all


def test_csv_and_markdown_list_the_curve_with_the_chosen_point() -> None:
    args = ["tune", str(four()), "--tiers", "small,medium,large", "--quality-floor", "1"]
    lines = ok(*args, "--format", "csv").splitlines()
    assert lines[0] == ("threshold_1,threshold_2,share_small,share_medium,share_large,quality,cost,savings_pct,chosen")
    chosen = next(line.split(",") for line in lines if line.endswith(",1"))
    assert chosen[:7] == ["0.2", "0.4", "0.25", "0.5", "0.25", "1.0", "17.0"]
    assert float(chosen[7]) == pytest.approx(57.5)  # 1 - 17/40
    assert "| 0.2, 0.4 | 25.0% / 50.0% / 25.0% | 1.0000 | $17.00 | 57.5% | **chosen** |" in ok(
        *args, "--format", "markdown"
    )


CASCADE_ROUTER = ROUTER.split("routing:")[0] + (
    "cascade:\n"
    "  chain: [small, medium, large]   # cheapest first\n"
    "  accept:\n"
    "    all: [{type: logprob, min_mean: -1}]\n"
    "# the end\n"
)


def answered_by(config: Path) -> list[str]:
    """The tier whose answer the config's cascade takes for each of ``HOPS``'s prompts, as its evaluators judge."""
    loaded = load_router_config(config)
    tiers = []
    for _, sure_small, sure_medium, *_ in HOPS:
        taken = "large"
        for tier, sure in (("small", sure_small), ("medium", sure_medium)):
            policy = loaded.accept_for(tier)
            assert policy is not None
            if all(verdict.passed for verdict in policy.check(Answer("", (sure,)))):
                taken = tier
                break
        tiers.append(taken)
    return tiers


def test_write_adds_every_hops_min_mean_and_the_config_cascades_as_tuned() -> None:
    config = write(Path("router.yaml"), CASCADE_ROUTER)
    args = ["tune", str(three_hops()), "--strategy", "cascade", "--chain", "small,medium,large", "--quality-floor", "1"]
    result = run(*args, "--write", "router.yaml")
    assert result.exit_code == 0, result.output
    after = config.read_text(encoding="utf-8")
    assert after == CASCADE_ROUTER.replace(
        "# the end\n", "  per_hop:\n    small: {min_mean: -0.1}\n    medium: {min_mean: -0.2}\n# the end\n"
    )
    assert "router.yaml: added per_hop: / small: {min_mean: -0.1} / medium: {min_mean: -0.2}" in result.stderr
    assert answered_by(config) == ["small", "medium", "large"]  # what tune chose: p1 small, p2 medium, p3 large
    # a second run finds per_hop and sets its values in place
    config.write_text(after.replace("-0.1}", "-0.5}  # by hand"), encoding="utf-8")
    again = run(*args, "--write", "router.yaml")
    assert again.exit_code == 0, again.output
    assert "router.yaml: cascade.per_hop.small.min_mean set to -0.1 (was -0.5)" in again.stderr
    assert config.read_text(encoding="utf-8") == after.replace("-0.1}", "-0.1}  # by hand")


def test_write_needs_the_tuned_chain_and_a_logprob_evaluator() -> None:
    write(Path("router.yaml"), CASCADE_ROUTER.replace("[small, medium, large]", "[small, large]"))
    args = ["tune", str(three_hops()), "--strategy", "cascade", "--chain", "small,medium,large", "--quality-floor", "1"]
    assert refused(*args, "--write", "router.yaml") == (
        "router.yaml: --write: tune cascaded small to medium to large; this config's cascade.chain is "
        "['small', 'large'], and its thresholds would not do what was tuned (use chain: [small, medium, large])"
    )
    write(Path("router.yaml"), CASCADE_ROUTER.replace("{type: logprob, min_mean: -1}", "{type: hedging}"))
    assert "cascade.accept has none" in refused(*args, "--write", "router.yaml")


def test_write_refuses_a_hop_that_takes_every_answer() -> None:
    # floor 0.3: small alone reaches it (1/3), so both hops take every answer (-inf), which no min_mean can say
    config = write(Path("router.yaml"), CASCADE_ROUTER)
    args = ["tune", str(three_hops()), "--strategy", "cascade", "--chain", "small,medium,large", "--quality-floor"]
    result = run(*args, "0.3", "--write", "router.yaml")
    assert result.exit_code == 2, result.output
    assert result.stderr.endswith(
        "Error: --write: the chosen thresholds accept every answer of small and every answer of medium: no min_mean "
        "to write (tune without those tiers)\n"
    )
    assert config.read_text(encoding="utf-8") == CASCADE_ROUTER
