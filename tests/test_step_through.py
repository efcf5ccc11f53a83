"""The step-through's frames are the engine's own numbers (backward(),
trace_backward), its page is one self-contained, escaped HTML file, and it
folds neurons of a model. The page in a real browser is tested in
test_step_through_browser.py."""

from __future__ import annotations

import importlib
import json
import re
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings

import nn
from autograd_core import Value, step_through, trace_backward
from autograd_core.demo import build_seed_graph
from autograd_core.explain import backward_steps
from autograd_core.graph import topological_order
from autograd_core.step_through import StepThrough, _json_for_script
from autograd_core.viz import GraphTooLargeError
from autograd_core.wording import format_number
from test_explain import random_graphs

TRACE_LINE = re.compile(r"(\S+)\.grad \+= (\S+) \* (\S+)  ->  \S+\.grad = (\S+)$")
CAPTION = re.compile(r"^(\S+)\.grad \+= (\S+) \* (\S+) -> (?:\S+ \+ \S+ = )?(\S+)$")


def final_grads(steps: StepThrough) -> dict[int, float]:
    """The gradient each node shows after the last frame."""
    grads: dict[int, float] = {}
    for frame in steps.frames:
        grads.update(frame.grad)
    return grads


def test_seed_frames_show_the_worked_example() -> None:
    """Forward captions compute in numbers; backward captions are the articles' steps."""
    steps = step_through(build_seed_graph().L)
    captions = [frame.caption for frame in steps.frames]
    assert "I = w * x = 10 * 5 = 50" in captions
    assert "M = I + b = 50 + 1 = 51" in captions
    assert "D = M - yc = 51 - 48 = 3" in captions
    assert "L = D ** 2 = 3 ** 2 = 9" in captions
    backward = [f.caption for f in steps.frames if f.phase == "backward"]
    assert backward == [
        "L.grad = 1   (the seed: dL/dL = 1)",
        "D.grad += 6 * 1 -> 6", "M.grad += 1 * 6 -> 6", "yc.grad += -1 * 6 -> -6",
        "I.grad += 1 * 6 -> 6", "b.grad += 1 * 6 -> 6", "w.grad += 5 * 6 -> 30",
        "x.grad += 10 * 6 -> 60",
    ]
    phases = [frame.phase for frame in steps.frames]
    assert phases == ["start"] + ["forward"] * 8 + ["backward"] * 8 + ["done"]
    assert "w.grad = 30, x.grad = 60, b.grad = 6, yc.grad = -6" in steps.frames[-1].caption


def test_step_through_changes_no_grad() -> None:
    """Like trace_backward, the frames come from a private sweep: .grad stays 0."""
    graph = build_seed_graph()
    step_through(graph.L)
    assert all(node.grad == 0.0 for node in topological_order(graph.L))


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(random_graphs())
def test_every_number_equals_backward_and_trace_backward(case: tuple[list[Value], Value]) -> None:
    """On random small graphs: data = forward values, grads = backward(), steps =
    trace_backward's lines (same order, same numbers)."""
    _, root = case
    steps = step_through(root)
    order = topological_order(root)
    forward = [frame for frame in steps.frames if frame.phase == "forward"]
    assert [frame.node for frame in forward] == list(range(len(order)))
    for frame in forward:
        assert frame.node is not None
        assert frame.data == {frame.node: order[frame.node].data}
    updates = [frame for frame in steps.frames if frame.step is not None]
    assert [frame.step for frame in updates] == backward_steps(root)
    trace = [TRACE_LINE.search(line) for line in trace_backward(root, max_steps=10**6).splitlines()]
    trace_numbers = [m.groups() for m in trace if m]
    caption_numbers = []
    for frame in updates:
        match = CAPTION.match(frame.caption)
        assert match, frame.caption
        caption_numbers.append(match.groups())
    assert caption_numbers == trace_numbers
    root.backward()
    grads = final_grads(steps)
    for i, node in enumerate(order):
        assert grads.get(i) == node.grad, steps.names[i]


def test_several_contributions_are_counted_and_summed() -> None:
    """x gets four contributions (x * 3, both slots of x * x, tanh x): its box shows
    1/4, 2/4, 3/4 with the running sum, then the complete sum."""
    x = Value(2.0, label="x")
    a, b, c = x * 3.0, x * x, x.tanh()
    a.label, b.label, c.label = "a", "b", "c"
    y = a + b + c
    y.label = "y"
    steps = step_through(y)
    into_x = [f for f in steps.frames if f.parent is not None and steps.names[f.parent] == "x"]
    assert len(into_x) == 4  # b = x * x fills two slots
    texts = [f.cells[0][2] for f in into_x]
    assert texts[:3] == [f"grad {f.grad[f.parent]:.4g} ({k}/4)"  # type: ignore[index]
                         for k, f in enumerate(into_x[:3], start=1)]
    y.backward()
    assert texts[3] == f"grad {x.grad:.4g}"
    assert "Contribution 4 of 4" in into_x[3].detail
    terms = [f.step.local * f.step.upstream for f in into_x]  # type: ignore[union-attr]
    assert format_number(sum(terms)) in into_x[3].detail
    second = into_x[1]
    assert second.step is not None
    assert second.caption.endswith(
        f"-> {format_number(second.step.before)} + "
        f"{format_number(second.step.local * second.step.upstream)} = "
        f"{format_number(second.step.after)}"
    )


def test_a_neuron_model_has_foldable_neurons() -> None:
    """With model=, every neuron is a foldable box whose output is its activation;
    big graphs start folded, small ones open."""
    model = nn.MLP(2, [4, 1], seed=0)
    loss = (model([1.0, -2.0])[0] - 1.0).square()
    payload = step_through(loss, model=model).payload()
    assert len(payload["neurons"]) == 5
    assert payload["collapsed"] is True  # more than 30 value nodes
    order = topological_order(loss)
    # Hidden neurons end in tanh; the output neuron is linear (its weighted sum).
    assert sorted(order[n["output"]].op for n in payload["neurons"]) == ["sum"] + ["tanh"] * 4
    for neuron in payload["neurons"]:
        assert neuron["title"].startswith("Neuron ")
        assert neuron["output"] in neuron["members"]
    assert step_through(loss, model=model, collapse_above=None).payload()["collapsed"] is False
    assert 'class="cluster"' in payload["svg"]
    loss.backward()
    grads = final_grads(step_through(loss, model=model))
    for i, node in enumerate(order):
        assert grads[i] == node.grad


def test_a_models_parameters_are_named_uniquely_in_captions_and_explanations() -> None:
    """Every neuron has a weights.0: captions, the last frame's list and the explanations use
    the full name from named_parameters() (each once in the list); a box keeps its short
    name, unambiguous inside its neuron's box."""
    model = nn.MLP(2, [2, 1], seed=3)
    loss = (model([0.5, -1.5])[0] - 1.0).square()
    loss.label = "loss"
    steps = step_through(loss, model=model, collapse_above=None)
    full = {parameter: name for name, parameter in model.named_parameters()}
    order = topological_order(loss)
    assert len(set(steps.names)) == len(steps.names)
    for i, node in enumerate(order):
        if node in full:
            assert steps.names[i] == full[node]
    updated = [CAPTION.match(f.caption).group(1) for f in steps.frames if f.step is not None]
    assert {name for name in updated if "weights" in name or "bias" in name} == set(full.values())
    listed = re.findall(r"(\S+)\.grad = ", steps.frames[-1].caption)
    assert len(listed) == len(set(listed)) and "layers.0.neurons.1.weights.0" in listed
    payload = steps.payload()
    first_weight = next(i for i, node in enumerate(order) if node in full)
    explanation = payload["explanations"][str(first_weight)]
    assert explanation.startswith(f"How loss depends on {full[order[first_weight]]}:")
    assert f"dloss/d({full[order[first_weight]]})" in explanation
    assert payload["nodes"][first_weight]["name"] == full[order[first_weight]]
    short = re.findall(r">(weights\.\d|bias)</text>", payload["svg"])
    assert sorted(set(short)) == ["bias", "weights.0", "weights.1"] and len(short) == len(full)


def test_page_is_one_self_contained_file(tmp_path: Path) -> None:
    """save_html writes one file with its script, style and data inlined: no src=,
    no <link>, no URL but the SVG namespaces."""
    path = step_through(build_seed_graph().L).save_html(tmp_path / "page" / "steps.html")
    page = path.read_text(encoding="utf-8")
    assert page.startswith("<!DOCTYPE html>")
    assert "<link" not in page and " src=" not in page and "@import" not in page
    urls = set(re.findall(r"https?://[^\s\"'<>)\\]+", page))
    assert urls <= {"http://www.w3.org/2000/svg", "http://www.w3.org/1999/xlink"}, urls
    assert "function mountStepThrough" in page


def test_labels_are_escaped_and_japanese_kept() -> None:
    """A label that looks like markup stays text in the SVG and in the data; Japanese
    labels pass through as UTF-8."""
    evil = Value(2.0, label="</script><script>alert(1)</script>")
    weight = Value(3.0, label="重み")
    y = evil * weight
    y.label = "出力 & <b>"
    page = step_through(y).html()
    data = page.split('<script type="application/json" id="agc-data">', 1)[1]
    data = data.split("</script>", 1)[0]
    assert "<" not in data  # nothing in the data can close the script element
    payload = json.loads(data)
    assert [node["name"] for node in payload["nodes"]] == [evil.label, "重み", "出力 & <b>"]
    assert "&lt;/script&gt;" in payload["svg"] and "<script>alert" not in payload["svg"]
    assert "重み" in payload["svg"]
    assert page.count("<script") == 2  # the data and the stepper, nothing injected


def test_json_for_script_round_trips() -> None:
    """The escaped JSON reads back to the same data."""
    data: dict[str, Any] = {"a": "</script><!-- & -->", "b": [1.5, None]}
    assert json.loads(_json_for_script(data)) == data


def test_size_guard_and_bad_arguments() -> None:
    """The size guard of draw_graph applies (its message names step_through), and bad
    arguments say what to do."""
    x = Value(1.0)
    y = x
    for _ in range(20):
        y = y + 1.0
    with pytest.raises(GraphTooLargeError, match=r"step_through: the graph has 41 value nodes.*"
                       r"max_nodes=41"):
        step_through(y, max_nodes=10)
    with pytest.raises(TypeError, match="step_through: root must be a Value"):
        step_through(3.0)  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="collapse_above"):
        step_through(y, collapse_above=-1)
    with pytest.raises(ValueError, match=r"save_html: .*\.html"):
        step_through(x + 1.0).save_html("steps.svg")


def test_without_anywidget_it_still_displays_the_page(monkeypatch: pytest.MonkeyPatch) -> None:
    """Where anywidget is missing, Jupyter gets the page in an iframe and a hint."""
    module = importlib.import_module("autograd_core.step_through")  # the function shadows it

    def missing() -> Any:
        raise ImportError("step_through: the Jupyter widget needs anywidget: pip install x")

    monkeypatch.setattr(module, "_widget_class", missing)
    bundle = step_through(build_seed_graph().L)._repr_mimebundle_()
    assert "anywidget" in bundle["text/plain"]
    assert bundle["text/html"].startswith("<iframe srcdoc=")


def test_widget_model_holds_the_frames() -> None:
    """The anywidget model carries the same payload and a step trait that Python can set."""
    pytest.importorskip("anywidget", reason='pip install "autograd-core[notebook]"')
    steps = step_through(build_seed_graph().L)
    widget = steps.widget()
    assert json.loads(widget.payload) == steps.payload()
    assert widget.frame_count == len(steps.frames) == 18
    assert "export default { render: renderWidget }" in widget._esm
    widget.step = 5
    assert widget.step == 5
    bundle = steps._repr_mimebundle_()
    data = bundle[0] if isinstance(bundle, tuple) else bundle
    assert data["application/vnd.jupyter.widget-view+json"]["model_id"] == widget.model_id


def test_folded_layout_has_one_box_per_neuron_and_no_inner_node() -> None:
    """The folded layout draws neuron k as node n<k> and none of its members; the
    arrows that cross a neuron's border end at its box, with their local derivatives."""
    model = nn.MLP(2, [2, 1], seed=0)
    loss = (model([1.0, -2.0])[0] - 1.0).square()
    payload = step_through(loss, model=model).payload()
    folded = payload["folded_svg"]
    titles = re.findall(r"<title>([^<]+)</title>", folded)
    neurons = payload["neurons"]
    assert [t for t in titles if t.startswith("n") and "&" not in t] == ["n0", "n1", "n2"]
    members = {i for neuron in neurons for i in neuron["members"]}
    for i in members:
        assert f"<title>v{i}</title>" not in folded
    order = topological_order(loss)
    fed = {id(p) for i in members for p in order[i].parents}
    inputs = [i for i, node in enumerate(order)
              if not node.parents and i not in members and id(node) in fed]
    assert len(inputs) == 2  # x1 and x2 feed the two hidden neurons directly
    edges = [t.replace("&#45;&gt;", "->") for t in titles if "&#45;&gt;" in t]
    for i in inputs:
        assert sum(edge.startswith(f"v{i}->n") for edge in edges) == 2
    assert sum(edge.endswith("->n" + str(k)) for edge in edges
               for k in range(3) if payload["neurons"][k]["title"].startswith("Neuron layers.1")) == 2
    assert step_through(build_seed_graph().L).payload()["folded_svg"] == ""
