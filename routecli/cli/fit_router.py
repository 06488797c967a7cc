"""``routecli fit-router``: an embedding router's thresholds fitted to labelled prompts."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from routecli.cli.options import OutputOption, PricingOption
from routecli.cli.output import REPORT_FORMAT_HELP, OutputFormat, ReportFormat, check_outputs, emit

if TYPE_CHECKING:
    import numpy as np
    from numpy.typing import NDArray

    from routecli.replay.config import RouterConfig
    from routecli.replay.routing.embedding import ExemplarScorer
    from routecli.replay.routing.prompt_embedding import EndpointEmbeddingRouter

__all__ = ["register"]


def fit_router(
    prompts: Annotated[
        Path, typer.Argument(help="Prompt file (JSON Lines) with labels.", show_default=False, metavar="PROMPTS")
    ],
    config: Annotated[
        Path, typer.Option("--config", "-c", help="Router config YAML (docs/router.md).", show_default=False)
    ],
    pricing: PricingOption = None,
    format: Annotated[
        ReportFormat | None, typer.Option("--format", "-f", help=REPORT_FORMAT_HELP, show_default=False)
    ] = None,
    output: OutputOption = None,
) -> None:
    """Fit the thresholds of the embedding router in --config to the labels of PROMPTS, for the most prompts
    routed to their label's tier.

    Prints accuracy and the confusion matrix (labels down, decided tier across)
    with the config's thresholds and with the fitted ones, and the fitted
    thresholds as a line to paste under routing: in the config. Prompts with
    no label are left out. Calls no model; an embedder of type endpoint is
    asked for the exemplars' and prompts' vectors (its cost goes to stderr).

    \b
    Examples:
      routecli fit-router labelled.jsonl -c router.yaml
      routecli fit-router labelled.jsonl -c router.yaml --format json -o fit.json
    """
    from routecli.errors import InvalidValueError
    from routecli.replay.config_file import check_labels, load_router_config
    from routecli.replay.prompt_file import read_prompts

    check_outputs(inputs=(prompts, config, *(pricing or ())), outputs=(output,), format=format)
    router_config = load_router_config(config, pricing or ())
    router = router_config.router
    if router is None:
        raise InvalidValueError("no routing: fit-router fits routing of type embedding", source=str(config))
    if router.kind != "embedding":
        raise InvalidValueError(
            f"fit-router fits the thresholds of type embedding, not {router.kind}",
            source=str(config),
            path=("routing", "type"),
        )
    prompt_file = read_prompts(prompts, default_match=router_config.match)
    check_labels(prompt_file, router_config)
    labelled = [prompt for prompt in prompt_file.prompts if prompt.label is not None]
    if not labelled:
        raise InvalidValueError(
            'no prompt has a "label" (the tier it should go to): there is nothing to fit to', source=str(prompts)
        )
    from routecli.replay.config import LexicalEmbedderConfig
    from routecli.replay.routing.fit import fit_router as fit
    from routecli.replay.routing.lexical import LexicalEmbedder
    from routecli.replay.routing.prompt_embedding import EmbeddingRouter, EndpointEmbeddingRouter

    texts = [prompt.text for prompt in labelled]
    if isinstance(router, EndpointEmbeddingRouter):
        scorer, vectors = _embedded_by_endpoint(router_config.source, router, router_config, texts)
    else:  # the only other embedding router, and a config embeds its exemplars only so with the lexical vectorizer
        assert isinstance(router, EmbeddingRouter)
        assert isinstance(router.embedder, LexicalEmbedderConfig)
        scorer, vectors = router.scorer, LexicalEmbedder(router.embedder.dimensions).embed(texts)
    result = fit(scorer, labelled, vectors, len(prompt_file.prompts), order=tuple(router_config.tiers))

    from routecli.render import fit_report

    emit(
        None if format is None else OutputFormat(format),
        output,
        table=lambda: fit_report.fit_renderable(result),
        json=lambda: fit_report.fit_json(result),
        markdown=lambda: fit_report.fit_markdown(result),
        csv=lambda: fit_report.fit_csv(result),
    )


def _embedded_by_endpoint(
    source: str, router: EndpointEmbeddingRouter, config: RouterConfig, texts: list[str]
) -> tuple[ExemplarScorer, NDArray[np.float32]]:
    """The exemplars and ``texts`` embedded by the router's endpoint (one pass); what it cost goes to stderr."""
    from decimal import Decimal

    from routecli.render.numbers import counted, money
    from routecli.replay.run import embed_texts

    exemplars = router.texts
    embedded = embed_texts(config, router.embedder, [*exemplars, *texts], "embed")
    spend = sum((attempt.cost for attempt in embedded.attempts), Decimal(0))
    tokens = sum(attempt.input_tokens for attempt in embedded.attempts)
    print(
        f"Embedded {counted(len(exemplars) + len(texts), 'text')} at {router.embedder.provider} "
        f"({router.embedder.model}): {counted(len(embedded.attempts), 'request')}, {tokens:,} tokens, {money(spend)}",
        file=sys.stderr,
    )
    if embedded.vectors is None or not embedded.complete:
        raise embedded.failure(source, "routing.embedder", "the exemplars and prompts")
    return router.with_vectors(embedded.vectors[: len(exemplars)]), embedded.vectors[len(exemplars) :]


def register(app: typer.Typer) -> None:
    app.command("fit-router")(fit_router)
