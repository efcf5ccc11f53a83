"""The step-through page in a real headless Chromium, opened from file://: every
caption and grad box is the engine's number, nothing is fetched, neurons fold,
a click on a leaf explains it; and diagram labels fit their boxes."""

from __future__ import annotations

import re
import shutil
from pathlib import Path
from typing import Any

import nn
from autograd_core import Value, save_graph, step_through
from autograd_core.demo import build_seed_graph
from autograd_core.graph import topological_order
from browser import browser, page, screenshot_folder  # noqa: F401 - fixtures


def box_texts(tab: Any, index: int) -> list[str]:
    """The texts drawn in value box ``v<index>``."""
    return tab.eval_on_selector_all(
        f'g.node:has(> title:text-is("v{index}")) text', "els => els.map(e => e.textContent)"
    )


def keep(tab: Any, tmp_path: Path, name: str, selector: str | None = None) -> Path:
    """Take a screenshot (of the page, or of one element); copy it to $SCREENSHOTS
    when set, to be looked at."""
    path = tmp_path / name
    if selector is None:
        tab.screenshot(path=str(path), full_page=True)
    else:
        tab.locator(selector).screenshot(path=str(path))
    folder = screenshot_folder()
    if folder:
        Path(folder).mkdir(parents=True, exist_ok=True)
        shutil.copy(path, Path(folder) / name)
    return path


def only_local(tab: Any) -> None:
    assert tab.requests and all(url.startswith("file://") for url in tab.requests), tab.requests
    assert not tab.errors


def test_saved_page_steps_through_the_worked_example(page: Any, tmp_path: Path) -> None:  # noqa: F811
    """Next to the end: each caption is the frame's, the grad boxes end at 30, 60, 6, -6;
    previous, the arrow keys, the slider and play move too; only the file is loaded."""
    graph = build_seed_graph()
    steps = step_through(graph.L)
    path = steps.save_html(tmp_path / "steps.html")
    page.goto(path.as_uri())
    assert page.text_content(".agc-caption-main") == steps.frames[0].caption
    assert box_texts(page, 0)[-2:] == ["data ?", "grad ?"]
    for frame in steps.frames[1:]:
        page.click(".agc-next")
        assert page.text_content(".agc-caption-main") == frame.caption
        if frame.caption == "w.grad += 5 * 6 -> 30":
            assert page.get_attribute(".agc-step", "data-phase") == "backward"
            highlighted = page.eval_on_selector_all(
                "g.edge.agc-edge-on > title", "els => els.map(e => e.textContent)")
            assert sorted(highlighted) == ["op2->v2", "v0->op2"]
            assert box_texts(page, 0)[-1] == "grad 30"
            assert box_texts(page, 1)[-1] == "grad ?"  # x is next
            keep(page, tmp_path, "step_through_seed_backward.png", ".agc-step")
    assert page.is_disabled(".agc-next")
    graph.L.backward()
    for i, node in enumerate(topological_order(graph.L)):
        assert box_texts(page, i)[-2:] == [f"data {node.data:.4g}", f"grad {node.grad:.4g}"]
    assert [box_texts(page, i)[-1] for i in (0, 1, 3, 5)] == [
        "grad 30", "grad 60", "grad 6", "grad -6"]

    page.click(".agc-previous")
    assert page.text_content(".agc-caption-main") == "x.grad += 10 * 6 -> 60"
    page.focus(".agc-step")
    page.keyboard.press("ArrowLeft")
    assert page.text_content(".agc-caption-main") == "w.grad += 5 * 6 -> 30"
    page.keyboard.press("ArrowRight")
    assert page.text_content(".agc-caption-main") == "x.grad += 10 * 6 -> 60"
    page.click(".agc-reset")
    assert page.get_attribute(".agc-step", "data-step") == "0"
    page.fill(".agc-slider", "3")
    assert page.text_content(".agc-caption-main") == "I = w * x = 10 * 5 = 50"
    assert page.get_attribute(".agc-step", "data-phase") == "forward"
    page.select_option(".agc-speed", "4")
    page.click(".agc-play")
    page.wait_for_function("Number(document.querySelector('.agc-step').dataset.step) > 3")
    page.click(".agc-play")  # pause
    only_local(page)


def test_clicking_a_leaf_shows_its_chain_rule(page: Any, tmp_path: Path) -> None:  # noqa: F811
    """A click on w's box shows explain(L, w) beside the graph."""
    graph = build_seed_graph()
    page.goto(step_through(graph.L).save_html(tmp_path / "steps.html").as_uri())
    assert page.is_hidden(".agc-explain")
    page.click('g.node:has(> title:text-is("v0"))')
    assert page.inner_text(".agc-explain-title") == "Chain rule for w"
    assert "dL/dw = dL/dD * dD/dM * dM/dI * dI/dw = 6 * 1 * 1 * 5 = 30" in page.inner_text(
        ".agc-explain-text")
    keep(page, tmp_path, "step_through_seed_explain.png")
    only_local(page)


def test_a_network_folds_its_neurons_and_ends_with_the_engines_grads(
    page: Any, tmp_path: Path  # noqa: F811
) -> None:
    """A 2-2-1 network starts folded, in a layout of its own where each neuron is one box
    showing its activation's data and grad; clicking a neuron opens it (the others stay
    folded in place), its weights' grads end as backward() says; it folds back."""
    model = nn.MLP(2, [2, 1], seed=0)
    loss = (model([1.0, -2.0])[0] - 1.0).square()
    loss.label = "loss"
    steps = step_through(loss, model=model, collapse_above=0)
    page.goto(steps.save_html(tmp_path / "network.html").as_uri())
    assert page.get_attribute(".agc-step", "data-view") == "folded"
    folded = page.locator(".agc-graph-folded g.node.agc-neuron-node")
    assert folded.count() == 3 and folded.first.is_visible()
    assert page.locator('g.node:has(> title:text-is("v0"))').first.is_hidden()
    page.focus(".agc-step")
    page.keyboard.press("End")
    loss.backward()
    order = topological_order(loss)
    payload = steps.payload()
    titles = [neuron["title"] for neuron in payload["neurons"]]
    assert sorted(titles) == ["Neuron layers.0.neurons.0", "Neuron layers.0.neurons.1",
                              "Neuron layers.1.neurons.0"]
    for k, neuron in enumerate(payload["neurons"]):
        output = order[neuron["output"]]
        texts = page.locator(
            f'.agc-graph-folded g.node:has(> title:text-is("n{k}")) text').all_text_contents()
        assert texts == [neuron["title"], f"data {output.data:.4g}", f"grad {output.grad:.4g}"]
    keep(page, tmp_path, "step_through_network_folded.png")
    page.locator('.agc-graph-folded g.node:has(> title:text-is("n0"))').click()
    assert page.get_attribute(".agc-step", "data-view") == "open"
    assert page.locator(".agc-graph:not(.agc-graph-folded) g.agc-neuron:not(.agc-hidden)").count() == 2
    first = payload["neurons"][0]
    for i in first["members"]:
        assert page.locator(f'.agc-graph:not(.agc-graph-folded) g.node:has(> title:text-is("v{i}"))').is_visible()
        assert box_texts(page, i)[-1] == f"grad {order[i].grad:.4g}"
    weights = [i for i in first["members"] if not order[i].parents]
    assert weights and all(order[i] in set(model.parameters()) for i in weights)
    keep(page, tmp_path, "step_through_network_open.png")
    # Fold it again by its title (the open neuron's own title: the boxes are listed in the
    # order their outputs are computed, so it need not be the first title on the page).
    page.locator(f'.agc-graph:not(.agc-graph-folded) .agc-fold[data-neuron="{first["title"]}"]').click()
    assert page.locator("g.agc-neuron:not(.agc-hidden)").count() == 3
    page.click(".agc-fold-all")
    assert page.get_attribute(".agc-step", "data-view") == "folded"
    only_local(page)


def test_a_networks_captions_and_chain_rule_name_each_parameter_once(
    page: Any, tmp_path: Path  # noqa: F811
) -> None:
    """In the open 2-2-1 network, a weight's box reads weights.0 inside its neuron's box; the
    caption and the chain-rule panel call it by its full name; the last caption lists each
    parameter once."""
    model = nn.MLP(2, [2, 1], seed=0)
    loss = (model([1.0, -2.0])[0] - 1.0).square()
    loss.label = "loss"
    steps = step_through(loss, model=model, collapse_above=None)
    page.goto(steps.save_html(tmp_path / "network_names.html").as_uri())
    full = {parameter: name for name, parameter in model.named_parameters()}
    order = topological_order(loss)
    target = next(
        i for i, node in enumerate(order) if full.get(node) == "layers.0.neurons.1.weights.0"
    )
    assert box_texts(page, target)[0] == "weights.0"
    update = next(k for k, f in enumerate(steps.frames) if f.step is not None and f.parent == target)
    page.fill(".agc-slider", str(update))
    caption = page.text_content(".agc-caption-main")
    assert caption.startswith("layers.0.neurons.1.weights.0.grad += "), caption
    keep(page, tmp_path, "step_through_network_unique_names.png", ".agc-step")
    page.focus(".agc-step")
    page.keyboard.press("End")
    listed = re.findall(r"(\S+)\.grad = ", page.text_content(".agc-caption-main") or "")
    assert listed and len(listed) == len(set(listed)), listed
    page.click(f'g.node:has(> title:text-is("v{target}"))')
    assert page.inner_text(".agc-explain-title") == "Chain rule for layers.0.neurons.1.weights.0"
    assert "dloss/d(layers.0.neurons.1.weights.0)" in page.inner_text(".agc-explain-text")
    keep(page, tmp_path, "step_through_network_unique_explain.png")
    only_local(page)


def test_diagram_labels_fit_their_boxes_in_the_browser(page: Any, tmp_path: Path) -> None:  # noqa: F811
    """In Chromium, every text of a value box ends inside its cell (with the font the
    browser really uses), Latin numbers and Japanese labels alike."""
    a = Value(-1.1703, label="重みパラメータ")
    b = Value(2.0, label="WWW mmm")
    c = Value(0.5)
    y = (a * b + c).tanh()
    y.label = "出力"
    y.backward()
    svg = save_graph(y, tmp_path / "graph.svg")
    page.goto(svg.as_uri())
    overflow = page.evaluate(
        """() => {
        const bad = [];
        for (const group of document.querySelectorAll('g.node')) {
          const cells = [...group.querySelectorAll('polygon[fill="none"]')].map(p => p.getBBox());
          if (!cells.length) continue;  // an operation's circle
          for (const t of group.querySelectorAll('text')) {
            const box = t.getBBox();
            const cell = cells.find(c => box.x >= c.x - 0.5 && box.x <= c.x + c.width);
            if (!cell || box.x + box.width > cell.x + cell.width + 0.5)
              bad.push([t.textContent, box.x + box.width, cell && cell.x + cell.width]);
          }
        }
        return bad;
      }"""
    )
    assert overflow == []
    font = page.evaluate("getComputedStyle(document.querySelector('g.node text')).fontFamily")
    assert font.startswith('"DejaVu Sans"')
    keep(page, tmp_path, "diagram_fonts.png", "svg")


def test_the_japanese_page_steps_through_with_japanese_controls(page: Any, tmp_path: Path) -> None:  # noqa: F811
    """step_through(lang="ja"): Japanese buttons, phase marks, captions and cells in the
    browser, the same numbers as in English, and every cell's text inside its box."""
    graph = build_seed_graph()
    for node, name in zip((graph.I, graph.M, graph.D, graph.L), ("掛け算 I", "足し算 M", "引き算 D", "2乗 L")):
        node.label = name
    steps = step_through(graph.L, lang="ja")
    page.goto(steps.save_html(tmp_path / "steps_ja.html").as_uri())
    assert page.get_attribute("html", "lang") == "ja"
    assert [page.inner_text(f".agc-{name}") for name in ("reset", "previous", "play", "next")] == [
        "最初から", "前へ", "再生", "次へ"]
    assert page.inner_text(".agc-phase-forward") == "順伝播"
    assert box_texts(page, 0)[-2:] == ["値 ?", "勾配 ?"]
    for frame in steps.frames[1:]:
        page.click(".agc-next")
        assert page.text_content(".agc-caption-main") == frame.caption
        if frame.caption == "w.grad += 5 * 6 -> 30":
            assert "局所的な微分 d(掛け算 I)/dw = x = 5" in page.text_content(".agc-caption-detail")
            keep(page, tmp_path, "step_through_ja_backward.png")
    assert [box_texts(page, i)[-1] for i in (0, 1, 3, 5)] == ["勾配 30", "勾配 60", "勾配 6", "勾配 -6"]
    assert page.inner_text(".agc-counter") == f"ステップ {len(steps.frames)} / {len(steps.frames)}"
    page.click('g.node:has(> title:text-is("v0"))')
    assert page.inner_text(".agc-explain-title") == "w の連鎖律"
    assert "連鎖律" in page.inner_text(".agc-explain-text")
    overflow = page.evaluate(
        """() => {
        const bad = [];
        for (const group of document.querySelectorAll('.agc-graph g.node')) {
          const cells = [...group.querySelectorAll('polygon[fill="none"]')].map(p => p.getBBox());
          if (!cells.length) continue;
          for (const t of group.querySelectorAll('text')) {
            const box = t.getBBox();
            const cell = cells.find(c => box.x >= c.x - 0.5 && box.x <= c.x + c.width);
            if (!cell || box.x + box.width > cell.x + cell.width + 0.5) bad.push(t.textContent);
          }
        }
        return bad;
      }"""
    )
    assert overflow == []
    keep(page, tmp_path, "step_through_ja_done.png")
    only_local(page)
