"""Hugging Face models, Spaces and collections: ID forms, conversion against recorded
bodies (the Space's is constructed, see tests/data/hf/README.md), faults, and the CLI
from add to render, through the real huggingface_hub client and the fake Hub."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import tomlkit

from alignfetch.config import Settings
from alignfetch.errors import BadIdError, NotFoundError, RateLimitError, SourceError
from alignfetch.fetch.refresh import changes
from alignfetch.list import ids
from alignfetch.records import Collection, Model, Space, to_dict
from alignfetch.sources import Fetched, Previous, hf_collections, hf_models, hf_spaces
from conftest import DATA, Fakes, run, state
from fakes.server import Response

GOLDEN = Path(__file__).parent / "golden" / "hf"
BERT = "google-bert/bert-base-uncased"
LLAMA = "meta-llama/Llama-3.1-8B-Instruct"
ZEPHYR = "HuggingFaceH4/zephyr-7b-beta"
SPACE = "webml-community/ternary-bonsai-2-webgpu-kernels"
COLLECTION = "prism-ml/bonsai-2-6aab292b9fa72a78652429df"
BERT_TITLE = "BERT: Pre-training of Deep Bidirectional Transformers for Language Understanding"
GATED_403 = {
    "Content-Type": "application/json",
    "X-Error-Code": "GatedRepo",
    "X-Error-Message": "Access to model is restricted.",
}
REPO_NOT_FOUND = {
    "Content-Type": "application/json",
    "X-Error-Code": "RepoNotFound",
    "X-Error-Message": "Repository not found",
}


def settings(fakes: Fakes, **kw: object) -> Settings:
    base: dict[str, object] = dict(
        hf_endpoint=fakes.server.url,
        timeout=2.0,
        retries=2,
        backoff=0.0,
        arxiv_delay=0.0,
        arxiv_url=f"{fakes.server.url}/api/query",
    )
    base.update(kw)
    return Settings(**base)  # type: ignore[arg-type]


@pytest.fixture
def papers(fakes: Fakes) -> Fakes:
    """The fake arXiv also serves the (constructed) papers the models' arxiv: tags name."""
    from lxml import etree

    root = etree.parse(str(DATA / "hf" / "constructed_arxiv_papers_of_models.xml")).getroot()
    for entry in root.iterfind("{http://www.w3.org/2005/Atom}entry"):
        fakes.arxiv.put(etree.tostring(entry))
    return fakes


def golden(name: str) -> dict[str, object]:
    data: dict[str, object] = json.loads((GOLDEN / name).read_text(encoding="utf-8"))
    return data


def fetched(outcomes: dict[str, object], key: str) -> Fetched:
    got = outcomes[key]
    assert isinstance(got, Fetched), got
    return got


# -- IDs -------------------------------------------------------------------------------

ACCEPTED = [
    ("https://huggingface.co/meta-llama/Llama-3.1-8B-Instruct", f"hf-model:{LLAMA}"),
    ("http://www.huggingface.co/meta-llama/Llama-3.1-8B-Instruct/", f"hf-model:{LLAMA}"),
    (
        "https://huggingface.co/meta-llama/Llama-3.1-8B-Instruct/tree/main/original",
        f"hf-model:{LLAMA}",
    ),
    (
        "https://huggingface.co/meta-llama/Llama-3.1-8B-Instruct/blob/main/config.json",
        f"hf-model:{LLAMA}",
    ),
    (
        "https://huggingface.co/meta-llama/Llama-3.1-8B-Instruct?library=transformers",
        f"hf-model:{LLAMA}",
    ),
    (
        "https://huggingface.co/meta-llama/Llama-3.1-8B-Instruct#model-information",
        f"hf-model:{LLAMA}",
    ),
    ("https://huggingface.co/meta-llama/Llama-3.1-8B-Instruct/discussions/12", f"hf-model:{LLAMA}"),
    ("hf-model:meta-llama/Llama-3.1-8B-Instruct", f"hf-model:{LLAMA}"),
    ("HF-Model:meta-llama/Llama-3.1-8B-Instruct", f"hf-model:{LLAMA}"),
    ("  hf-model:google-bert/bert-base-uncased\n", f"hf-model:{BERT}"),
    (f"https://huggingface.co/spaces/{SPACE}", f"hf-space:{SPACE}"),
    (f"https://huggingface.co/spaces/{SPACE}/blob/main/index.html", f"hf-space:{SPACE}"),
    (f"https://huggingface.co/spaces/{SPACE}?logs=container", f"hf-space:{SPACE}"),
    (f"hf-space:{SPACE}", f"hf-space:{SPACE}"),
    (f"https://huggingface.co/collections/{COLLECTION}", f"hf-collection:{COLLECTION}"),
    (f"https://huggingface.co/collections/{COLLECTION}/", f"hf-collection:{COLLECTION}"),
    ("https://huggingface.co/collections/prism-ml/bonsai-2", "hf-collection:prism-ml/bonsai-2"),
    (f"hf-collection:{COLLECTION}", f"hf-collection:{COLLECTION}"),
    # The Hub's other pages keep their own kinds.
    ("https://huggingface.co/datasets/Anthropic/hh-rlhf", "hf:Anthropic/hh-rlhf"),
    ("https://huggingface.co/papers/2305.16960", "arxiv:2305.16960"),
]

NOT_MODELS = [
    "https://huggingface.co/docs/transformers",
    "https://huggingface.co/docs/hub/index",
    "https://huggingface.co/blog/rlhf",
    "https://huggingface.co/learn/nlp-course",
    "https://huggingface.co/organizations/huggingface",
    "https://huggingface.co/settings/tokens",
    "https://huggingface.co/pricing",
    "https://huggingface.co/join",
    "https://huggingface.co/login",
    "https://huggingface.co/models",
    "https://huggingface.co/models?sort=trending",
    "https://huggingface.co/datasets",
    "https://huggingface.co/spaces",
    "https://huggingface.co/tasks/text-generation",
    "https://huggingface.co/api/models",
    "https://huggingface.co/api/models/gpt2",
    "https://huggingface.co/Anthropic",  # a profile page
    "https://huggingface.co/spaces/webml-community",
    "https://huggingface.co/collections/prism-ml",
    "https://huggingface.co/datasets/Anthropic",
    "https://huggingface.co/papers/trending",
    "https://huggingface.co/a/b/c",
    "https://huggingface.co/a--b/c",
    "https://example.com/meta-llama/Llama-3.1-8B-Instruct",
    "hf-model:meta-llama",
    "hf-model:docs/transformers",
    "hf-space:a/b/c",
    "hf-collection:prism-ml",
]


@pytest.mark.parametrize(("text", "canonical"), ACCEPTED)
def test_hub_id_forms(text: str, canonical: str) -> None:
    assert str(ids.parse(text)) == canonical
    assert str(ids.parse(canonical)) == canonical


@pytest.mark.parametrize("text", NOT_MODELS)
def test_hub_pages_that_are_not_entries_are_rejected(text: str) -> None:
    # Since import (issue 9) any web page no source claims is a web link (url:): a Hub
    # page that is no model, Space or collection is one. An ID form, or the shape of a
    # dataset or paper URL that names none, is still an error.
    if text.startswith("http") and not any(s in text for s in ("/datasets/", "/papers/")):
        assert ids.parse(text).prefix == "url"
        return
    with pytest.raises(BadIdError) as err:
        ids.parse(text)
    assert "hf-model:owner/name" in str(err.value) and "hf-collection:owner/slug" in str(err.value)


def test_hub_names_ignore_case_for_identity() -> None:
    assert (
        ids.parse(f"hf-model:{LLAMA.upper()}").identity == ids.parse(f"hf-model:{LLAMA}").identity
    )
    assert ids.parse(f"hf-model:{LLAMA}").identity != ids.parse(f"hf-space:{LLAMA}").identity


# -- conversion against the recorded bodies ------------------------------------------------


@pytest.mark.parametrize("name", [BERT, LLAMA, ZEPHYR])
def test_model_matches_golden(fakes: Fakes, name: str) -> None:
    got = fetched(hf_models.fetch([name], settings(fakes), {}), name)
    assert isinstance(got.record, Model)
    data = to_dict(got.record)
    del data["kind"]
    assert data == golden(f"model_{name.replace('/', '_')}.json")
    raw = json.loads(got.raw)
    assert raw["model_info"]["id"] == name and raw["card"] is None  # the Hub's answer is kept


def test_space_matches_golden(fakes: Fakes) -> None:
    got = fetched(hf_spaces.fetch([SPACE], settings(fakes), {}), SPACE)
    assert isinstance(got.record, Space)
    data = to_dict(got.record)
    del data["kind"]
    assert data == golden(f"space_{SPACE.replace('/', '_')}.json")
    assert json.loads(got.raw)["space_info"]["runtime"]["stage"] == "RUNNING"


def test_collection_matches_golden(fakes: Fakes) -> None:
    got = fetched(hf_collections.fetch([COLLECTION], settings(fakes), {}), COLLECTION)
    assert isinstance(got.record, Collection)
    data = to_dict(got.record)
    del data["kind"]
    assert data == golden(f"collection_{COLLECTION.replace('/', '_')}.json")
    assert json.loads(got.raw)["slug"] == COLLECTION


def test_base_model_tags_win_over_the_card() -> None:
    # Llama's card still says Meta-Llama-3.1-8B; the Hub's tag has the current name.
    tags = ["base_model:meta-llama/Llama-3.1-8B", "base_model:finetune:meta-llama/Llama-3.1-8B"]
    assert hf_models.base_models(tags, "meta-llama/Meta-Llama-3.1-8B") == (
        "meta-llama/Llama-3.1-8B",
    )
    assert hf_models.base_models([], "a/b") == ("a/b",)
    assert hf_models.base_models([], ["a/b", "c/d", "a/b"]) == ("a/b", "c/d")  # a merge
    assert hf_models.base_models(["license:mit"], None) == ()


def test_space_without_card_or_runtime(fakes: Fakes) -> None:
    body = json.loads((DATA / "hf" / f"api_spaces_{SPACE.replace('/', '_')}.json").read_text())
    for key in ("cardData", "runtime"):
        del body[key]
    fakes.hub.spaces["a/bare"] = {**body, "id": "a/bare", "sdk": "gradio"}
    record = fetched(hf_spaces.fetch(["a/bare"], settings(fakes), {}), "a/bare").record
    assert isinstance(record, Space)
    assert (record.title, record.emoji, record.description, record.stage, record.sdk) == (
        "a/bare",
        None,
        None,
        None,
        "gradio",
    )


# -- the model card ------------------------------------------------------------------------


def test_model_card_summary_is_fetched_only_when_the_commit_moved(fakes: Fakes) -> None:
    # A real card (truthful_qa's) served as bert's: the summary is the one its golden says.
    card = (DATA / "hf" / "card_truthful_qa_README.md").read_text(encoding="utf-8")
    fakes.hub.model_card(BERT, card)
    expected = json.loads((GOLDEN / "summaries.json").read_text(encoding="utf-8"))[
        "card_truthful_qa_README.md"
    ]
    s = settings(fakes)
    first = fetched(hf_models.fetch([BERT], s, {}), BERT)
    assert isinstance(first.record, Model) and first.record.summary == expected
    sha = "86b5e0934494bd15c9632b12f734a8a67f723594"
    assert [r.path for r in fakes.server.requests("/resolve/")] == [
        f"/{BERT}/resolve/{sha}/README.md"
    ]
    previous = {BERT: Previous(first.record, first.raw, None)}
    again = fetched(hf_models.fetch([BERT], s, previous), BERT)
    assert again.record == first.record and json.loads(again.raw)["card"] == card
    assert fakes.hub_requests("/resolve/") == 1  # same commit: the card is not asked for
    fakes.hub.models[BERT.lower()]["sha"] = "e" * 40
    moved = fetched(hf_models.fetch([BERT], s, previous), BERT)
    assert isinstance(moved.record, Model) and moved.record.sha == "e" * 40
    assert fakes.server.requests("/resolve/")[-1].path == f"/{BERT}/resolve/{'e' * 40}/README.md"


@pytest.mark.parametrize("status", [403, 401])
def test_gated_model_keeps_its_metadata_without_a_token(fakes: Fakes, status: int) -> None:
    """model_info answers for a gated model without a token; its files, the card among
    them, are behind the gate. The model is recorded as gated, with no card summary."""
    if status == 401:  # the Hub has answered gated files with 401 too
        fakes.server.fail("/resolve/", Response(401, '{"error":"gated"}', GATED_403))
    got = fetched(hf_models.fetch([LLAMA], settings(fakes), {}), LLAMA)
    assert isinstance(got.record, Model)
    assert got.record.gated == "manual" and got.record.summary is None
    assert got.record.license == ("llama3.1",)
    assert fakes.hub_requests(r"/api/models/") == 1 and fakes.hub_requests("/resolve/") == 1


def test_a_card_that_fails_otherwise_is_a_warning_and_asked_again(fakes: Fakes) -> None:
    """A card the Hub will not give (500) is a warning, as a dataset's is: the model is
    added without a summary, and no commit is recorded, so the next fetch asks again."""
    fakes.server.fail("/resolve/", Response(500, "oops"), times=99)
    got = fetched(hf_models.fetch([BERT], settings(fakes), {}), BERT)
    assert got.record.summary is None  # type: ignore[union-attr]
    assert got.warning == (
        f"The model card of hf-model:{BERT} could not be read (HTTP 500); "
        "it has no summary yet."
    )
    assert json.loads(got.raw)["card_sha"] is None


# -- faults ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("module", "key", "route"),
    [
        (hf_models, "nobody/nothing", "/api/models/"),
        (hf_spaces, "nobody/nothing", "/api/spaces/"),
        (hf_collections, "nobody/nothing-0123", "/api/collections/"),
    ],
)
@pytest.mark.parametrize("answer", ["RepoNotFound", "plain404"])
def test_missing_is_not_found(
    fakes: Fakes, module: object, key: str, route: str, answer: str
) -> None:
    if answer == "RepoNotFound":
        fakes.server.fail(route, Response(404, '{"error":"Repository not found"}', REPO_NOT_FOUND))
    else:
        fakes.server.fail(
            route, Response(404, '{"error":"Not Found"}', {"Content-Type": "application/json"})
        )
    got = module.fetch([key], settings(fakes), {})[key]  # type: ignore[attr-defined]
    prefix = module.PREFIX  # type: ignore[attr-defined]
    assert isinstance(got, NotFoundError) and got.status == 404
    assert f"{prefix}:{key}" in str(got)
    phrase = (
        "does not exist on the Hugging Face Hub" if answer == "RepoNotFound" else "was not found"
    )
    assert phrase in str(got)
    assert fakes.hub_requests(route) == 1  # a 404 is not retried


def test_the_fakes_own_missing_answers(fakes: Fakes) -> None:
    """An anonymous client gets 401 RepoNotFound for a missing model or Space, a plain 404
    for a missing collection."""
    model = hf_models.fetch(["nobody/nothing"], settings(fakes), {})["nobody/nothing"]
    space = hf_spaces.fetch(["nobody/nothing"], settings(fakes), {})["nobody/nothing"]
    collection = hf_collections.fetch(["nobody/x-1"], settings(fakes), {})["nobody/x-1"]
    assert isinstance(model, NotFoundError) and model.status == 401
    assert isinstance(space, NotFoundError) and "hf-space:nobody/nothing does not exist" in str(
        space
    )
    assert isinstance(collection, NotFoundError) and collection.status == 404


@pytest.mark.parametrize(
    ("module", "key", "route"),
    [
        (hf_models, BERT, "/api/models/"),
        (hf_spaces, SPACE, "/api/spaces/"),
        (hf_collections, COLLECTION, "/api/collections/"),
    ],
)
def test_5xx_is_retried_then_reported(fakes: Fakes, module: object, key: str, route: str) -> None:
    fakes.server.fail(route, Response(503, "busy"), times=1)
    assert isinstance(module.fetch([key], settings(fakes), {})[key], Fetched)  # type: ignore[attr-defined]
    assert fakes.hub_requests(route) == 2
    fakes.server.fail(route, Response(500, "oops"), times=99)
    got = module.fetch([key], settings(fakes), {})[key]  # type: ignore[attr-defined]
    assert isinstance(got, SourceError) and got.status == 500
    assert str(got) == (
        f"The Hugging Face Hub answered HTTP 500 for {module.PREFIX}:{key} "  # type: ignore[attr-defined]
        "after 3 attempts; try again later."
    )
    assert fakes.hub_requests(route) == 2 + 3  # retries=2: three attempts


def test_429_stops_asking_for_the_rest(fakes: Fakes) -> None:
    fakes.server.fail(
        "/api/models/", Response(429, '{"error":"rate"}', {"Retry-After": "0"}), times=99
    )
    got = hf_models.fetch([BERT, LLAMA, ZEPHYR], settings(fakes, retries=1), {})
    assert all(isinstance(v, RateLimitError) for v in got.values())
    assert fakes.hub_requests("/api/models/") == 2  # the first model, twice; the others never


def test_timeout_is_bounded(fakes: Fakes) -> None:
    fakes.server.fail("/api/collections/", Response(200, "{}", delay=1.5))
    got = hf_collections.fetch([COLLECTION], settings(fakes, timeout=0.5), {})[COLLECTION]
    assert isinstance(got, SourceError)
    assert str(got) == (
        f"The Hugging Face Hub did not answer within 0.5 seconds for "
        f"hf-collection:{COLLECTION}; try again later or raise ALIGNFETCH_TIMEOUT."
    )


@pytest.mark.parametrize(
    ("module", "key", "route"),
    [
        (hf_models, BERT, "/api/models/"),
        (hf_spaces, SPACE, "/api/spaces/"),
        (hf_collections, COLLECTION, "/api/collections/"),
    ],
)
def test_a_200_without_the_expected_fields_is_an_error_not_a_crash(
    fakes: Fakes, module: object, key: str, route: str
) -> None:
    fakes.server.fail(route, Response(200, "{}", {"Content-Type": "application/json"}))
    got = module.fetch([key], settings(fakes), {})[key]  # type: ignore[attr-defined]
    assert isinstance(got, SourceError)
    assert str(got) == (
        f"The Hugging Face Hub sent an answer for {module.PREFIX}:{key} "  # type: ignore[attr-defined]
        "that alignfetch could not read; try again later."
    )


def test_disabled_model(fakes: Fakes) -> None:
    fakes.server.fail(
        "/api/models/",
        Response(
            403,
            '{"error":"Access to this resource is disabled."}',
            {
                "Content-Type": "application/json",
                "X-Error-Message": "Access to this resource is disabled.",
            },
        ),
    )
    got = hf_models.fetch([BERT], settings(fakes), {})[BERT]
    assert isinstance(got, SourceError) and str(got) == (
        f"hf-model:{BERT} has been disabled on the Hugging Face Hub; remove it from the list."
    )


# -- what refresh reports --------------------------------------------------------------------


def _model(**kw: object) -> Model:
    base = dict(
        id="hf-model:a/b",
        title="a/b",
        url="https://huggingface.co/a/b",
        author="a",
        sha="1",
        last_modified=None,
        created=None,
        license=("mit",),
        pipeline_tag=None,
        library=None,
        base_models=(),
        parameters=None,
        downloads=10,
        likes=1,
        gated=None,
        private=False,
        disabled=False,
        papers=(),
    )
    base.update(kw)
    return Model(**base)  # type: ignore[arg-type]


def _space(**kw: object) -> Space:
    base = dict(
        id="hf-space:a/b",
        title="B",
        url="https://huggingface.co/spaces/a/b",
        repo_id="a/b",
        author="a",
        sha="1",
        last_modified=None,
        created=None,
        description=None,
        emoji=None,
        sdk="gradio",
        stage="RUNNING",
        likes=1,
        gated=None,
        private=False,
        disabled=False,
    )
    base.update(kw)
    return Space(**base)  # type: ignore[arg-type]


def _collection(**kw: object) -> Collection:
    base = dict(
        id="hf-collection:a/c-1",
        title="C",
        url="https://huggingface.co/collections/a/c-1",
        slug="a/c-1",
        owner="a",
        description=None,
        items=3,
        upvotes=1,
        last_updated=None,
        private=False,
    )
    base.update(kw)
    return Collection(**base)  # type: ignore[arg-type]


def test_model_changes_worth_reporting() -> None:
    said = [
        (c.what, c.message)
        for c in changes(
            _model(), _model(license=("apache-2.0",), gated="manual", title="z/b", disabled=True)
        )
    ]
    assert said == [
        ("renamed", "renamed a/b -> z/b"),
        ("license", "licence mit -> apache-2.0"),
        ("gated", "now gated (manual)"),
        ("disabled", "disabled on the Hub"),
    ]
    # Counts move every night: no news. A name changing only its case is no rename.
    assert changes(_model(), _model(downloads=99999, likes=500, title="A/B", sha="2")) == []
    assert [c.message for c in changes(_model(gated="auto"), _model())] == ["now no longer gated"]
    assert [c.message for c in changes(_model(), _model(summary="new card"))] == [
        "model card summary changed"
    ]


@pytest.mark.parametrize(
    ("old", "new", "reported"),
    [
        ("RUNNING", "RUNTIME_ERROR", True),
        ("RUNTIME_ERROR", "RUNNING", True),
        ("SLEEPING", "PAUSED", True),
        ("RUNNING", "BUILD_ERROR", True),
        ("RUNNING", "SLEEPING", False),
        ("SLEEPING", "RUNNING", False),
        ("RUNNING", "BUILDING", False),
        (None, "RUNTIME_ERROR", False),
        ("RUNNING", None, False),
    ],
)
def test_space_running_state_is_news_only_when_it_stops_or_starts_working(
    old: str | None, new: str | None, reported: bool
) -> None:
    said = [
        (c.what, c.message, c.old, c.new) for c in changes(_space(stage=old), _space(stage=new))
    ]
    assert said == ([("stage", f"running state {old} -> {new}", old, new)] if reported else [])


def test_space_and_collection_changes() -> None:
    assert [c.message for c in changes(_space(), _space(repo_id="x/b", likes=99))] == [
        "renamed a/b -> x/b"
    ]
    assert [c.message for c in changes(_space(), _space(disabled=True))] == ["disabled on the Hub"]
    assert [c.message for c in changes(_collection(), _collection(title="C 2", upvotes=9))] == [
        "title 'C' -> 'C 2'"
    ]
    assert changes(_collection(), _collection(items=4, upvotes=50, slug="a/c-2")) == []


# -- through the CLI ---------------------------------------------------------------------------


def hub_sections(folder: Path) -> None:
    with (folder / "entries.toml").open("a", encoding="utf-8") as f:
        f.write(
            '\n[[sections]]\nslug = "models"\ntitle = "Models"\n'
            '\n[[sections]]\nslug = "demos"\ntitle = "Demos"\n'
        )


def test_add_model_space_and_collection(papers: Fakes, listdir: Path) -> None:
    hub_sections(listdir)
    result = run(
        "add",
        "https://huggingface.co/google-bert/bert-base-uncased/tree/main",
        f"https://huggingface.co/collections/{COLLECTION}",
        "-s",
        "models",
    )
    assert result.exit_code == 0, result.output
    assert result.stdout == (
        "hf-model:google-bert/bert-base-uncased  [models]\n"
        "  google-bert/bert-base-uncased\n"
        "  licence: apache-2.0\n"
        "  fill-mask, 110,106,428 parameters\n"
        f"  paper: {BERT_TITLE} (2018)\n"
        f"hf-collection:{COLLECTION}  [models]\n"
        "  Bonsai-2\n"
        "  4 items, 149 upvotes\n"
    )
    assert papers.arxiv_requests() == 1  # the model's paper, in the one arXiv batch
    result = run("add", f"https://huggingface.co/spaces/{SPACE}", "-s", "demos")
    assert result.exit_code == 0, result.output
    assert result.stdout == (
        f"hf-space:{SPACE}  [demos]\n  Ternary Bonsai 2 WebGPU Kernels\n  static Space, RUNNING\n"
    )
    toml = tomlkit.parse((listdir / "entries.toml").read_text()).unwrap()
    assert toml["entries"] == [
        {"id": f"hf-model:{BERT}", "section": "models"},
        {"id": f"hf-collection:{COLLECTION}", "section": "models"},
        {"id": f"hf-space:{SPACE}", "section": "demos"},
    ]

    doc = json.loads(run("export").stdout)
    model, collection, space = doc["entries"]
    assert (model["kind"], collection["kind"], space["kind"]) == ("model", "collection", "space")
    assert model["papers"] == [
        {
            "id": "arxiv:1810.04805",
            "title": BERT_TITLE,
            "authors": ["Jacob Devlin", "Ming-Wei Chang", "Kenton Lee", "Kristina Toutanova"],
            "url": "https://arxiv.org/abs/1810.04805",
            "published": "2018-10-11",
        }
    ]
    assert (
        model["parameters"] == 110106428 and model["title"] == BERT and model["description"] is None
    )
    assert space["description"] == "Run Ternary-Bonsai-2-27B locally in your browser on WebGPU"
    assert collection["items"] == 4 and collection["description"] is None

    import jsonschema

    schema = json.loads(
        (Path(__file__).parents[1] / "src" / "alignfetch" / "export.schema.json").read_text()
    )
    jsonschema.validate(doc, schema)

    listed = run("list").stdout.splitlines()
    assert listed[0] == f"hf-model:{BERT}\tmodels\t2022-03-02\t{BERT}"
    assert listed[1] == f"hf-collection:{COLLECTION}\tmodels\t\tBonsai-2"
    assert listed[2] == f"hf-space:{SPACE}\tdemos\t\tTernary Bonsai 2 WebGPU Kernels"

    shown = run("show", f"https://huggingface.co/spaces/{SPACE}").stdout
    assert "\nKind           space\n" in shown and "\nStage          RUNNING\n" in shown
    assert json.loads(run("show", f"hf-model:{BERT}", "--json").stdout) == model

    page = run("render").stdout
    assert (
        "## Models\n\n"
        "---\n"
        "**[`google-bert/bert-base-uncased`](https://huggingface.co/google-bert/bert-base-uncased)**\\\n"
        "fill-mask · 110M parameters · licence apache-2.0\\\n"
        "[[Paper](https://arxiv.org/abs/1810.04805)] \\\n"
        "2 Mar 2022\n\n"
        "---\n"
        f"**[Bonsai-2](https://huggingface.co/collections/{COLLECTION})**\\\n"
        "4 items\n\n"
        "---\n\n"
    ) in page
    assert (
        "## Demos\n\n"
        "---\n"
        f"**[🌳 Ternary Bonsai 2 WebGPU Kernels](https://huggingface.co/spaces/{SPACE})**\\\n"
        "Run Ternary-Bonsai-2-27B locally in your browser on WebGPU\\\n"
        "Static Space\n\n"
        "---\n"
    ) in page


def test_a_gated_model_with_several_papers_renders_them_all(papers: Fakes, listdir: Path) -> None:
    hub_sections(listdir)
    assert run("add", f"hf-model:{LLAMA}", f"hf-model:{ZEPHYR}", "-s", "models").exit_code == 0
    assert papers.arxiv_requests() == 1  # five papers of two models, one batch
    page = run("render").stdout
    assert (
        f"**[`{LLAMA}`](https://huggingface.co/{LLAMA})**\\\n"
        "text-generation · 8.0B parameters · licence llama3.1 · gated\\\n"
        "[[Paper](https://arxiv.org/abs/2204.05149)] \\\n"
        "18 Jul 2024\n"
    ) in page
    assert (
        "text-generation · 7.2B parameters · licence mit\\\n"
        "[[Paper 1](https://arxiv.org/abs/2305.18290)] "
        "[[Paper 2](https://arxiv.org/abs/2310.16944)] "
        "[[Paper 3](https://arxiv.org/abs/2305.14233)] "
        "[[Paper 4](https://arxiv.org/abs/2310.01377)] \\\n"
        "26 Oct 2023\n"
    ) in page


def test_model_card_renders_as_a_details_block(papers: Fakes, listdir: Path) -> None:
    hub_sections(listdir)
    papers.hub.model_card(BERT, "# BERT\n\n## Model summary\n\nA <b>masked</b> language model.\n")
    assert run("add", f"hf-model:{BERT}", "-s", "models").exit_code == 0
    assert (
        "2 Mar 2022\n\n<details>\n<summary><b>Model Card</b></summary>\n\n"
        "A &lt;b>masked&lt;/b> language model.\n\n</details>\n"
    ) in run("render").stdout


@pytest.mark.parametrize(
    ("text", "setup", "code", "message"),
    [
        (
            "hf-model:nobody/nothing",
            None,
            1,
            "alignfetch: hf-model:nobody/nothing does not exist on the Hugging Face Hub, "
            "or is private; "
            "check the ID (for a private model, set HF_TOKEN).\n",
        ),
        (
            f"hf-collection:{COLLECTION}",
            "500",
            1,
            f"alignfetch: The Hugging Face Hub answered HTTP 500 for hf-collection:{COLLECTION} "
            "after 3 attempts; try again later.\n",
        ),
        (f"hf-model:{BERT}", "arxiv", 1, None),
        ("hf-model:docs/transformers", None, 2, None),  # a Hub page's URL is a web link
    ],
)
def test_failures_change_nothing(
    papers: Fakes, listdir: Path, text: str, setup: str | None, code: int, message: str | None
) -> None:
    hub_sections(listdir)
    assert run("add", f"hf-space:{SPACE}", "-s", "demos").exit_code == 0
    before = state(listdir)
    if setup == "500":
        papers.server.fail("/api/collections/", Response(500, "oops"), times=99)
    if setup == "arxiv":
        papers.server.fail("/api/query", Response(503, "busy"), times=99)
    result = run("add", text, "-s", "models")
    assert result.exit_code == code
    assert len(result.stderr.splitlines()) == 1 and "Traceback" not in result.stderr
    if message is not None:
        assert result.stderr == message
    if setup == "arxiv":
        assert f"hf-model:{BERT} names arxiv:1810.04805, which failed" in result.stderr
    if code == 2:
        assert "is not an ID alignfetch knows" in result.stderr
    assert state(listdir) == before


def test_refresh_reports_a_renamed_model_and_a_broken_space(papers: Fakes, listdir: Path) -> None:
    hub_sections(listdir)
    assert run("add", f"hf-model:{BERT}", "-s", "models").exit_code == 0
    assert run("add", f"hf-space:{SPACE}", "-s", "demos").exit_code == 0
    moved = "google-bert/bert-base-uncased-v2"
    papers.hub.models[moved] = {**papers.hub.models[BERT.lower()], "id": moved, "modelId": moved}
    papers.hub.renamed[BERT.lower()] = moved
    space = papers.hub.spaces[SPACE.lower()]
    space["runtime"] = {**space["runtime"], "stage": "RUNTIME_ERROR"}
    result = run("refresh", "--all", "--only", "model")
    assert result.exit_code == 0, result.output
    assert result.stdout == (
        f"Checked 1 entry: 1 changed.\n\n- hf-model:{BERT}: renamed {BERT} -> {moved}\n"
    )
    result = run("refresh", "--all")
    assert result.stdout == (
        "Checked 2 entries: 1 changed.\n\n"
        f"- hf-space:{SPACE}: running state RUNNING -> RUNTIME_ERROR\n"
    )
    entry = json.loads(run("show", f"hf-model:{BERT}", "--json").stdout)
    assert entry["id"] == f"hf-model:{BERT}" and entry["title"] == moved
    assert entry["url"] == f"https://huggingface.co/{moved}"
    assert "Static Space · not running (RUNTIME\\_ERROR)\n" in run("render").stdout


def test_a_failed_refresh_keeps_the_last_good_record(papers: Fakes, listdir: Path) -> None:
    hub_sections(listdir)
    assert run("add", f"hf-collection:{COLLECTION}", "-s", "models").exit_code == 0
    good = run("export").stdout
    papers.server.fail("/api/collections/", Response(503, "busy"), times=99)
    result = run("refresh", "--all")
    assert result.exit_code == 1
    assert f"- hf-collection:{COLLECTION}: The Hugging Face Hub answered HTTP 503" in result.stdout
    assert run("export").stdout == good


def test_hub_kinds_are_cited_as_misc_with_their_hub_url(papers: Fakes, listdir: Path) -> None:
    """Catches a model, Space or collection that `cite` cannot cite (the citations module
    once knew only papers, datasets and repositories) or cites with the wrong type."""
    hub_sections(listdir)
    assert run("add", f"hf-model:{BERT}", f"hf-collection:{COLLECTION}", "-s", "models").exit_code == 0
    assert run("add", f"hf-space:{SPACE}", "-s", "demos").exit_code == 0
    result = run("cite", f"hf-model:{BERT}", f"hf-space:{SPACE}", f"hf-collection:{COLLECTION}")
    assert result.exit_code == 0, result.output
    bib = result.stdout
    assert "@misc{googlebert2022bert,\n" in bib
    assert "@misc{webmlcommunity2026ternary,\n" in bib
    assert "@misc{prismmlbonsai,\n" in bib
    assert f"howpublished = {{\\url{{https://huggingface.co/{BERT}}}}}" in bib
    assert f"howpublished = {{\\url{{https://huggingface.co/spaces/{SPACE}}}}}" in bib
    csl = json.loads(run("cite", "--format", "csl-json", f"hf-model:{BERT}",
                         f"hf-space:{SPACE}", f"hf-collection:{COLLECTION}").stdout)
    assert [(c["type"], c["publisher"], c["author"]) for c in csl] == [
        ("software", "Hugging Face", [{"literal": "google-bert"}]),
        ("software", "Hugging Face", [{"literal": "webml-community"}]),
        ("webpage", "Hugging Face", [{"literal": "prism-ml"}]),
    ]
    assert csl[0]["issued"] == {"date-parts": [[2022, 3, 2]]} and "issued" not in csl[2]
