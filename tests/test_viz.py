"""Diagrams: the DOT text has every node and edge with the engine's numbers, is
deterministic and escaped, and really renders to SVG and PNG."""

from __future__ import annotations

import os
import re
import subprocess
import sys
import warnings
from pathlib import Path
from typing import Any
from xml.etree import ElementTree

import pytest
from hypothesis import given, settings

import nn
from autograd_core import Value, draw_graph, render, save_graph, viz
from autograd_core.demo import SeedGraph, build_seed_graph
from autograd_core.graph import topological_order
from autograd_core.viz import (
    GraphTooLargeError,
    RendererNotFoundError,
    RenderError,
    assign_clusters,
    find_renderer,
    render_source,
)
from graph_strategies import random_roots

PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"
EDGE_INTO_OP = re.compile(r"^\tv(\d+) -> op(\d+) \[label=(\S+) ", re.MULTILINE)


def seed() -> SeedGraph:
    """The worked example after backward()."""
    graph = build_seed_graph()
    graph.L.backward()
    return graph


def assert_valid_svg(data: bytes) -> ElementTree.Element:
    """The bytes parse as XML whose root element is <svg>."""
    root = ElementTree.fromstring(data)
    assert root.tag.endswith("svg")
    return root


def svg_text(data: bytes) -> str:
    """All text drawn in an SVG, joined by spaces."""
    root = assert_valid_svg(data)
    return " ".join(t.text or "" for t in root.iter() if t.tag.endswith("text"))


# ----------------------------------------------------------------------------
# The DOT text
# ----------------------------------------------------------------------------
def test_seed_dot_has_every_value_with_data_and_grad() -> None:
    """Each of the 8 values appears once, as label | data | grad with the engine's numbers."""
    source = draw_graph(seed().L).source
    expected = {"w": (10, 30), "x": (5, 60), "I": (50, 6), "b": (1, 6), "M": (51, 6),
                "yc": (48, -6), "D": (3, 6), "L": (9, 1)}
    for label, (data, grad) in expected.items():
        assert re.search(
            rf"<B>{label}</B></TD><TD>data {data}</TD>.*?grad {grad}</FONT>", source
        ), label
    assert len(re.findall(r"^\tv\d+ \[", source, re.MULTILINE)) == 8


def test_seed_dot_has_every_operation_and_edge_with_its_local_derivative() -> None:
    """Four op nodes; each input edge carries d(out)/d(in): 5, 10, 1, 1, 1, -1, 6."""
    graph = seed()
    source = draw_graph(graph.L).source
    order = topological_order(graph.L)
    ops = re.findall(r"^\top(\d+) \[label=(\S+) ", source, re.MULTILINE)
    assert [(order[int(i)].op, symbol) for i, symbol in ops] == [
        ("mul", '"*"'), ("add", '"+"'), ("sub", '"-"'), ("square", "square")]
    labels = {(order[int(p)].label, order[int(c)].label): float(x)
              for p, c, x in EDGE_INTO_OP.findall(source)}
    assert labels == {("w", "I"): 5.0, ("x", "I"): 10.0, ("I", "M"): 1.0, ("b", "M"): 1.0,
                      ("M", "D"): 1.0, ("yc", "D"): -1.0, ("D", "L"): 6.0}
    # Every op node feeds exactly its own value node.
    assert sorted(re.findall(r"^\top(\d+) -> v(\d+)$", source, re.MULTILINE)) == [
        (i, i) for i, _ in sorted(ops)]


def test_same_graph_gives_byte_identical_dot() -> None:
    """Drawing the same graph twice, or an identical graph rebuilt, gives the same bytes."""
    graph = seed()
    first = draw_graph(graph.L).source
    assert draw_graph(graph.L).source == first
    assert draw_graph(seed().L).source == first


def test_dot_does_not_depend_on_hash_seed_or_memory_addresses() -> None:
    """Two interpreters with different hash seeds print the same DOT for the same graph."""
    program = (
        "from autograd_core.demo import build_seed_graph\n"
        "from autograd_core import draw_graph\n"
        "g = build_seed_graph(); g.L.backward()\n"
        "import sys; sys.stdout.write(draw_graph(g.L).source)\n"
    )
    outputs = []
    for hash_seed in ("1", "2"):
        env = {**os.environ, "PYTHONHASHSEED": hash_seed}
        outputs.append(subprocess.run([sys.executable, "-c", program], env=env,
                                      capture_output=True, check=True).stdout)
    assert outputs[0] == outputs[1] and outputs[0]


def test_a_times_a_has_two_edges_and_pow_shows_its_exponent() -> None:
    """a * a draws two arrows (one per argument slot); x ** 3 shows '** 3'."""
    a = Value(3.0, label="a")
    y = (a * a) ** 3
    y.backward()
    source = draw_graph(y).source
    assert len(re.findall(r"^\tv0 -> op1 ", source, re.MULTILINE)) == 2
    assert 'op2 [label="** 3"' in source
    assert "v1 -> op2 [label=243 " in source  # d(x**3)/dx = 3 * 9**2


def test_show_grad_false_hides_gradients_and_edge_labels() -> None:
    """Without gradients, no 'grad' cell and no edge label; local grads can be asked for."""
    graph = seed()
    plain = draw_graph(graph.L, show_grad=False).source
    assert "grad " not in plain and " [label=5 " not in plain
    with_locals = draw_graph(graph.L, show_grad=False, show_local_grads=True).source
    assert "grad " not in with_locals and "v0 -> op2 [label=5 " in with_locals


def test_direction_option() -> None:
    """direction='TB' (or 'top-bottom') lays out top to bottom; unknown directions are refused."""
    graph = seed()
    assert "rankdir=LR" in draw_graph(graph.L).source
    assert "rankdir=TB" in draw_graph(graph.L, direction="TB").source
    assert "rankdir=TB" in draw_graph(graph.L, direction="top-bottom").source
    with pytest.raises(ValueError, match="direction"):
        draw_graph(graph.L, direction="diagonal")


def test_unlabelled_nodes_show_the_name_explain_uses() -> None:
    """An unlabelled node shows op#i in grey, the name explain() gives it."""
    x = Value(2.0)
    y = x.tanh()
    assert "tanh#1" in draw_graph(y).source and "leaf#0" in draw_graph(y).source


def test_bad_arguments_are_refused() -> None:
    """A non-Value root or a precision below 1 raise clear errors."""
    with pytest.raises(TypeError, match="root must be a Value"):
        draw_graph(3.0)  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="precision"):
        draw_graph(seed().L, precision=0)


settings_fast = settings(max_examples=30, deadline=None)


@given(random_roots(operations=("add", "sub", "mul", "tanh", "sigmoid", "square", "sum")))
@settings_fast
def test_every_edge_label_is_the_stored_local_derivative(root: Value) -> None:
    """On random graphs, each edge into an op is labelled with node.local_grads[slot], in slot order."""
    root.backward()
    order = topological_order(root)
    source = draw_graph(root, precision=12).source
    edges: dict[int, list[tuple[int, str]]] = {}
    for parent, child, label in EDGE_INTO_OP.findall(source):
        edges.setdefault(int(child), []).append((int(parent), label))
    for i, node in enumerate(order):
        expected = [(order.index(p), viz._number(local, 12))
                    for p, local in zip(node.parents, node.local_grads)]
        assert [(p, label.strip('"')) for p, label in edges.get(i, [])] == expected


# ----------------------------------------------------------------------------
# Escaping
# ----------------------------------------------------------------------------
NASTY_LABELS = [
    'say "hi"', "{braces}", "a|b", "<x>", "a < b > c", "back\\slash", "ends with \\",
    "two\nlines", "重み", "損失 L", "&amp; sign", "\\n not a newline", "ü é α",
]


@pytest.mark.parametrize("label", NASTY_LABELS)
def test_labels_are_escaped_in_dot(label: str) -> None:
    """Any label gives DOT that the graphviz package and the renderer accept, label intact."""
    x = Value(1.0, label=label)
    y = x * 2
    y.label = label
    y.backward()
    source = draw_graph(y).source
    svg = render_source(source, "svg")
    text = svg_text(svg)
    for line in label.split("\n"):
        assert line in text, (label, text)


def test_edge_tooltips_word_the_local_derivative_in_the_graphs_own_names() -> None:
    """dI/dw = x = 5 (I = w * x), as explain says it; not the table's 'mul: dy/da = b', which reads as the bias."""
    source = draw_graph(build_seed_graph().L).source
    assert 'tooltip="dI/dw = x = 5   (I = w * x)"' in source
    assert 'tooltip="dL/dD = 2D = 6   (L = D ** 2)"' in source
    assert "mul: dy/da" not in source and "square: dy/dx" not in source
    total = Value.sum([Value(1.0, label="a"), Value(2.0, label="b"), Value(3.0, label="c")])
    assert 'tooltip="dsum#3/da = 1   (sum#3 = a + b + c)"' in draw_graph(total).source


def test_escaping_of_quotes_and_backslashes_in_tooltips() -> None:
    """A label ending in a backslash cannot break the quoted tooltip string."""
    x = Value(1.0, label='evil\\"')
    y = x.exp()
    y.backward()
    svg = render_source(draw_graph(y).source, "svg")
    assert_valid_svg(svg)
    assert 'evil\\"' in svg_text(svg)


# ----------------------------------------------------------------------------
# Real rendering
# ----------------------------------------------------------------------------
def test_save_graph_writes_valid_svg_png_and_dot(tmp_path: Path) -> None:
    """save_graph picks the format by suffix; the files are valid SVG, PNG and DOT."""
    graph = seed()
    svg = save_graph(graph.L, tmp_path / "graph.svg")
    png = save_graph(graph.L, tmp_path / "sub" / "graph.png")
    dot = save_graph(draw_graph(graph.L), tmp_path / "graph.dot")
    text = svg_text(svg.read_bytes())
    for word in ("data 10", "grad 30", "data 9", "square"):
        assert word in text
    assert png.read_bytes().startswith(PNG_SIGNATURE) and png.stat().st_size > 1000
    assert dot.read_text(encoding="utf-8") == draw_graph(graph.L).source


def test_graphviz_pure_renders_svg_and_png() -> None:
    """The renderer the viz extra installs (graphviz-pure) renders both formats by itself."""
    renderer = find_renderer("graphviz-pure")
    assert renderer.name == "graphviz-pure"
    source = draw_graph(seed().L).source
    assert_valid_svg(render_source(source, "svg", renderer=renderer))
    assert render_source(source, "png", renderer=renderer).startswith(PNG_SIGNATURE)


def test_png_of_japanese_labels_with_graphviz_pure_renders_without_warning() -> None:
    """graphviz-pure's own PNG fonts lack Japanese, so the PNG is drawn with the bundled
    font instead: no warning (the case without the font is in test_raster.py)."""
    x = Value(1.0, label="重み")
    source = draw_graph(x.tanh()).source
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        png = render_source(source, "png", renderer="graphviz-pure")
    assert png.startswith(PNG_SIGNATURE)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        render_source(source, "svg", renderer="graphviz-pure")  # SVG: no warning


def test_inline_display_in_jupyter_renders_svg() -> None:
    """The diagram's rich display (_repr_mimebundle_, _repr_svg_) gives SVG text."""
    diagram = draw_graph(seed().L)
    bundle = diagram._repr_mimebundle_()
    assert set(bundle) == {"image/svg+xml"}
    assert_valid_svg(bundle["image/svg+xml"].encode("utf-8"))
    assert_valid_svg(diagram._repr_svg_().encode("utf-8"))
    assert diagram.pipe(format="png").startswith(PNG_SIGNATURE)


def test_save_graph_refuses_unknown_suffixes_and_misplaced_options(tmp_path: Path) -> None:
    """A .pdf or no suffix is refused with the supported list; options need a Value."""
    graph = seed()
    with pytest.raises(ValueError, match=r"\.svg, \.png or \.dot"):
        save_graph(graph.L, tmp_path / "graph.pdf")
    with pytest.raises(TypeError, match="drawing options"):
        save_graph(draw_graph(graph.L), tmp_path / "g.svg", direction="TB")
    with pytest.raises(TypeError, match="expected a Value"):
        save_graph(42, tmp_path / "g.svg")


def test_renderer_failure_is_a_clear_error() -> None:
    """An unknown output format makes the renderer fail; the error names it."""
    with pytest.raises(RenderError, match="failed to draw 'no-such-format'"):
        render_source(draw_graph(seed().L).source, "no-such-format")


def test_without_any_renderer_the_error_says_what_to_install(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """No dot on PATH and no graphviz-pure: a clear error, while DOT output still works."""
    monkeypatch.setenv("PATH", str(tmp_path))
    monkeypatch.setattr(render, "_script_folders", lambda: [str(tmp_path)])
    graph = seed()
    with pytest.raises(RendererNotFoundError, match=r'pip install "autograd-core\[viz\]"'):
        find_renderer()
    with pytest.raises(RendererNotFoundError, match="DOT text is still available"):
        save_graph(graph.L, tmp_path / "graph.svg")
    with pytest.raises(RendererNotFoundError, match="'graphviz-pure' was not found"):
        find_renderer("graphviz-pure")
    assert save_graph(graph.L, tmp_path / "graph.dot").read_text(encoding="utf-8").startswith(
        "digraph")
    assert "v7" in draw_graph(graph.L).source


def test_graphviz_pure_is_found_next_to_the_python_executable(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    """With an empty PATH, graphviz-pure is still found in this Python's scripts folder."""
    monkeypatch.setenv("PATH", str(tmp_path))
    assert find_renderer().name == "graphviz-pure"


# ----------------------------------------------------------------------------
# Size limit
# ----------------------------------------------------------------------------
def test_big_graphs_are_refused_with_the_count_and_how_to_proceed() -> None:
    """Above max_nodes the error gives the node count and both ways out."""
    y = Value(0.5)
    for _ in range(600):
        y = y.tanh()
    with pytest.raises(GraphTooLargeError, match=r"601 value nodes.*max_nodes=500.*smaller part"):
        draw_graph(y)
    with pytest.raises(GraphTooLargeError, match=r"max_nodes=601\)"):
        draw_graph(y, max_nodes=100)
    assert len(re.findall(r"^\top\d+ \[", draw_graph(y, max_nodes=601).source, re.MULTILINE)) == 600
    assert "v600" in draw_graph(y, max_nodes=None).source


# ----------------------------------------------------------------------------
# Clusters for nn modules
# ----------------------------------------------------------------------------
class StandInNeuron:
    """Duck-typed like nn.Neuron: Value.sum([w1*x1, ..., b]) then tanh."""

    def __init__(self, weights: list[float], bias: float) -> None:
        self.weights = [Value(w) for w in weights]
        self.bias = Value(bias)

    def __call__(self, inputs: list[Value]) -> Value:
        return Value.sum([w * x for w, x in zip(self.weights, inputs)] + [self.bias]).tanh()

    def named_parameters(self) -> list[tuple[str, Value]]:
        return [(f"weights.{i}", w) for i, w in enumerate(self.weights)] + [("bias", self.bias)]

    def named_modules(self) -> list[tuple[str, Any]]:
        return [("", self)]


class StandInLayer:
    """Duck-typed like nn.Layer: neurons reading the same inputs."""

    def __init__(self, neurons: list[StandInNeuron]) -> None:
        self.neurons = neurons

    def __call__(self, inputs: list[Value]) -> list[Value]:
        return [neuron(inputs) for neuron in self.neurons]

    def named_parameters(self) -> list[tuple[str, Value]]:
        return [(f"neurons.{i}.{name}", p) for i, n in enumerate(self.neurons)
                for name, p in n.named_parameters()]

    def named_modules(self) -> list[tuple[str, Any]]:
        return [("", self)] + [(f"neurons.{i}", n) for i, n in enumerate(self.neurons)]


class StandInMLP:
    """Duck-typed like nn.MLP(2, [2, 1]) with fixed weights."""

    def __init__(self) -> None:
        self.layers = [
            StandInLayer([StandInNeuron([0.5, -0.3], 0.1), StandInNeuron([0.2, 0.8], -0.2)]),
            StandInLayer([StandInNeuron([1.0, -1.0], 0.0)]),
        ]

    def __call__(self, inputs: list[Value]) -> Value:
        for layer in self.layers:
            inputs = layer(inputs)
        return inputs[0]

    def named_parameters(self) -> list[tuple[str, Value]]:
        return [(f"layers.{i}.{name}", p) for i, layer in enumerate(self.layers)
                for name, p in layer.named_parameters()]

    def named_modules(self) -> list[tuple[str, Any]]:
        modules: list[tuple[str, Any]] = [("", self)]
        for i, layer in enumerate(self.layers):
            modules += [(f"layers.{i}.{path}".rstrip("."), m) for path, m in layer.named_modules()]
        return modules


def stand_in_loss() -> tuple[StandInMLP, list[Value], Value]:
    """A tiny network, its inputs and a squared-error loss after backward()."""
    model = StandInMLP()
    inputs = [Value(1.0, label="x1"), Value(-2.0, label="x2")]
    loss = (model(inputs) - 1.0).square()
    loss.label = "loss"
    loss.backward()
    return model, inputs, loss


def test_clusters_follow_the_module_paths() -> None:
    """Parameters, products, sums and activations go to their neuron; inputs and loss stay out."""
    model, inputs, loss = stand_in_loss()
    order = topological_order(loss)
    clusters, titles = assign_clusters(order, model)
    where = dict(zip(order, clusters))
    first = model.layers[0].neurons[0]
    assert where[first.weights[0]] == where[first.bias] == "layers.0.neurons.0"
    neuron_out = model.layers[1].neurons[0]
    assert where[neuron_out.bias] == "layers.1.neurons.0"
    for node in order:
        if node.op in ("mul", "sum", "tanh"):
            assert where[node].startswith("layers."), node
    assert where[inputs[0]] == where[inputs[1]] == where[loss] == ""
    assert titles["layers.0"] == "StandInLayer layers.0"
    assert titles["layers.0.neurons.1"] == "StandInNeuron neurons.1"


def cluster_tree(source: str) -> dict[str, list[str]]:
    """Top-level cluster titles of a DOT text, each with the titles of the clusters inside it."""
    tree: dict[str, list[str]] = {}
    stack: list[str] = []
    for line in source.splitlines():
        depth = len(line) - len(line.lstrip("\t"))
        while len(stack) >= depth and stack:
            stack.pop()
        title = re.search(r"label=<([^>]*)> labeljust", line)
        if title and line.lstrip().startswith("color="):
            if stack:
                tree[stack[0]].append(title.group(1))
            else:
                tree[title.group(1)] = []
            stack.append(title.group(1))
    return tree


def test_clusters_are_nested_layer_then_neuron_in_dot() -> None:
    """The DOT has 5 clusters: 2 layers, each holding its neurons' subgraphs."""
    model, _, loss = stand_in_loss()
    source = draw_graph(loss, model=model).source
    assert source.count("subgraph cluster_") == 5
    assert cluster_tree(source) == {
        "StandInLayer layers.0": ["StandInNeuron neurons.0", "StandInNeuron neurons.1"],
        "StandInLayer layers.1": ["StandInNeuron neurons.0"],
    }
    assert "weights.0" in source and "bias" in source  # parameters show their names
    assert draw_graph(loss, model=model).source == source  # still deterministic


def test_groups_mapping_makes_nested_clusters() -> None:
    """groups= puts chosen nodes (and their products) into nested, named clusters."""
    w1, w2, x = Value(1.0, "w1"), Value(2.0, "w2"), Value(3.0, "x")
    y = w1 * x + w2 * x
    order = topological_order(y)
    clusters, titles = assign_clusters(order, groups={w1: "net", w2: "net.part"})
    where = dict(zip(order, clusters))
    assert where[w1] == "net" and where[w2] == "net.part"
    assert where[y.parents[0]] == "net" and where[y.parents[1]] == "net.part"
    assert where[y] == ""  # no grouped node among its own parents: stays outside
    assert titles == {"net": "net", "net.part": "part"}
    source = draw_graph(y, groups={w1: "net", w2: "net.part"}).source
    assert source.count("subgraph cluster_") == 2


def test_real_mlp_draws_with_clusters(tmp_path: Path) -> None:
    """A real nn.MLP(2, [2, 1]) draws grouped by layer and neuron, and renders."""
    model = nn.MLP(2, [2, 1], seed=0)
    loss = (model([1.0, -2.0])[0] - 1.0).square()
    loss.backward()
    order = topological_order(loss)
    clusters, _ = assign_clusters(order, model)
    named = dict(model.named_parameters())
    where = dict(zip(order, clusters))
    for name, parameter in named.items():
        assert name.startswith(where[parameter] + "."), name
    source = draw_graph(loss, model=model).source
    assert source.count("subgraph cluster_") >= 5
    assert_valid_svg(save_graph(loss, tmp_path / "mlp.svg", model=model).read_bytes())


def layer_boxes(svg: bytes) -> dict[str, tuple[float, float, float, float]]:
    """Each layer box of a rendered diagram: its title and (left, top, right, bottom) in points."""
    namespace = {"svg": "http://www.w3.org/2000/svg"}
    boxes = {}
    for group in ElementTree.fromstring(svg).iter("{http://www.w3.org/2000/svg}g"):
        if group.get("class") != "cluster":
            continue
        texts = [t.text or "" for t in group.iterfind("svg:text", namespace)]
        shape = group.find("svg:path", namespace)
        if shape is None:
            shape = group.find("svg:polygon", namespace)
        numbers = [float(v) for v in re.findall(r"-?\d+(?:\.\d+)?", shape.get("d") or shape.get("points") or "")]
        xs, ys = numbers[0::2], numbers[1::2]
        title = " ".join(texts)
        if title.startswith("Layer") or title.startswith("StandInLayer"):
            boxes[title] = (min(xs), min(ys), max(xs), max(ys))
    return boxes


def test_layer_boxes_are_stacked_in_the_order_the_data_flows() -> None:
    """Top to bottom: the input, the hidden layer's box, then the output layer's box below it."""
    model = nn.MLP(1, [2, 1], activation="sigmoid", seed=3)
    x = Value(0.5, label="x1")
    loss = (model([x])[0] - 1.0).square()
    loss.backward()
    order = topological_order(loss)
    clusters, _ = assign_clusters(order, model)
    pairs = {(order[a], order[b]) for a, b in viz.entry_pairs(order, clusters)}
    hidden, output = model.layers
    z = [n for n in order if n.op == "sigmoid"]
    assert pairs == (
        {(x, neuron.weights[0]) for neuron in hidden.neurons}
        | {(z_m, w) for z_m, w in zip(z, output.neurons[0].weights)}
    )
    diagram = draw_graph(loss, model=model, direction="TB")
    source = diagram.source
    assert source.index("Layer layers.0") < source.index("Layer layers.1")
    boxes = layer_boxes(viz.render_svg(diagram))
    (_, hidden_top, _, hidden_bottom), (_, output_top, _, _) = boxes["Layer layers.0"], boxes["Layer layers.1"]
    assert hidden_bottom < output_top, boxes  # SVG y grows downwards: the output layer is below
    x_box = re.search(r'<title>v%d</title>\s*<polygon[^>]*points="[^"]*?(-?[\d.]+),(-?[\d.]+)'
                      % order.index(x), viz.render_svg(diagram).decode())
    assert x_box is not None and float(x_box.group(2)) < hidden_top  # the input is above both


def test_readme_section_runs(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                             capsys: pytest.CaptureFixture[str]) -> None:
    """The README's 'Seeing the chain rule' example runs and prints what its comments say."""
    readme = (Path(__file__).resolve().parent.parent / "README.md").read_text(encoding="utf-8")
    section = readme.split("## Seeing the chain rule", 1)[1].split("\n## ", 1)[0]
    section = section.split("\n### ", 1)[0]  # the step-through has its own subsection
    code = re.findall(r"```python\n(.*?)```", section, flags=re.DOTALL)
    assert len(code) == 1
    monkeypatch.chdir(tmp_path)
    exec(compile(code[0], "README", "exec"), {})  # noqa: S102 - our own README
    out = capsys.readouterr().out
    for comment in re.findall(r"# \.\.\. (.*)$", code[0], flags=re.MULTILINE):
        assert comment in out
    assert_valid_svg((tmp_path / "graph.svg").read_bytes())
