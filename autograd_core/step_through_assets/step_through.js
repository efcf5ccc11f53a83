// The browser side of autograd_core.step_through: steps a Graphviz SVG of the
// computational graph through its forward and backward frames.
//
// One source for both front ends: the saved HTML page calls
// mountStepThrough(element, data) from an inline module script, and the
// Jupyter widget (anywidget) calls renderWidget({model, el}), which reads the
// same data from the widget's "payload" trait. Python computes every number
// and every sentence; this script only shows them: it sets the texts of the
// value boxes, highlights SVG elements and writes captions (as text, never
// as HTML, so labels cannot inject markup).

const SVG_NS = "http://www.w3.org/2000/svg";
const SPEEDS = [0.5, 1, 2, 4];

function make(tag, className, text) {
  const element = document.createElement(tag);
  if (className) element.className = className;
  if (text !== undefined) element.textContent = text;
  return element;
}

// Graphviz writes each node and edge as <g class="node|edge"><title>v3</title>...
function svgIndex(svg) {
  const nodes = new Map();
  const edges = new Map();
  const clusters = new Map();
  for (const group of svg.querySelectorAll("g.node, g.edge, g.cluster")) {
    const title = group.querySelector("title");
    if (!title) continue;
    const name = title.textContent.trim();
    if (group.classList.contains("node")) nodes.set(name, group);
    else if (group.classList.contains("cluster")) clusters.set(name, group);
    else {
      if (!edges.has(name)) edges.set(name, []);
      edges.get(name).push(group);
    }
  }
  return { nodes, edges, clusters };
}

// The box around a cluster, read from its outline's coordinates (getBBox would
// need the SVG to be laid out, which a widget not yet on screen is not).
function outline(shape) {
  const source = shape.getAttribute("points") || shape.getAttribute("d") || "";
  const numbers = (source.match(/-?[0-9.]+/g) || []).map(Number);
  const xs = numbers.filter((_, k) => k % 2 === 0);
  const ys = numbers.filter((_, k) => k % 2 === 1);
  const x = Math.min(...xs);
  const y = Math.min(...ys);
  return { x, y, width: Math.max(...xs) - x, height: Math.max(...ys) - y };
}

function mountStepThrough(el, data, onStep) {
  const frames = data.frames;
  const text = data.text;
  const last = frames.length - 1;

  // ---- the page's parts -------------------------------------------------
  el.innerHTML = "";
  const box = make("div", "agc-step");
  box.tabIndex = 0;
  const bar = make("div", "agc-bar");
  const reset = make("button", "agc-reset", text.button_reset);
  const previous = make("button", "agc-previous", text.button_previous);
  const play = make("button", "agc-play", text.button_play);
  const next = make("button", "agc-next", text.button_next);
  const speedLabel = make("label", "agc-speed-label", text.label_speed + " ");
  const speed = make("select", "agc-speed");
  for (const value of SPEEDS) {
    const option = make("option", "", value + "x");
    option.value = String(value);
    if (value === 1) option.selected = true;
    speed.appendChild(option);
  }
  speedLabel.appendChild(speed);
  const slider = make("input", "agc-slider");
  slider.type = "range";
  slider.min = "0";
  slider.max = String(last);
  slider.value = "0";
  const counter = make("span", "agc-counter");
  const phase = make("span", "agc-phase");
  const forwardMark = make("span", "agc-phase-forward", text.phase_forward);
  const backwardMark = make("span", "agc-phase-backward", text.phase_backward);
  phase.append(forwardMark, " \u2192 ", backwardMark);
  for (const button of [reset, previous, play, next]) button.type = "button";
  bar.append(reset, previous, play, next, speedLabel, slider, counter, phase);
  const foldAll = make("button", "agc-fold-all", text.button_fold_all);
  foldAll.type = "button";
  if (data.folded_svg) bar.appendChild(foldAll);

  const caption = make("div", "agc-caption");
  const captionMain = make("p", "agc-caption-main");
  const captionDetail = make("p", "agc-caption-detail");
  caption.append(captionMain, captionDetail);

  const main = make("div", "agc-main");
  const graph = make("div", "agc-graph");
  graph.innerHTML = data.svg; // Graphviz's SVG: every label already escaped
  const aside = make("aside", "agc-explain");
  const asideTitle = make("h3", "agc-explain-title");
  const asideText = make("pre", "agc-explain-text");
  aside.append(asideTitle, asideText);
  aside.hidden = true;
  // With neurons, a second layout where each neuron is one box (drawn anew, so small).
  const foldedGraph = make("div", "agc-graph agc-graph-folded");
  if (data.folded_svg) foldedGraph.innerHTML = data.folded_svg;
  main.append(graph, foldedGraph, aside);
  let view = data.folded_svg && data.collapsed ? "folded" : "open";
  const hint = make(
    "p", "agc-hint", text.hint_click + (data.neurons.length ? " " + text.hint_collapse : ""),
  );
  box.append(bar, caption, main, hint);
  el.appendChild(box);

  const svg = graph.querySelector("svg");
  const found = svgIndex(svg);

  // ---- the value boxes ------------------------------------------------------
  const boxes = data.nodes.map((node, i) => {
    const group = found.nodes.get("v" + i);
    const texts = group ? group.querySelectorAll("text") : [];
    return {
      group,
      op: found.nodes.get("op" + i) || null,
      data: texts.length >= 2 ? texts[texts.length - 2] : null,
      grad: texts.length >= 2 ? texts[texts.length - 1] : null,
    };
  });
  boxes.forEach((b, i) => {
    if (!b.group) return;
    b.group.classList.add("agc-value");
    b.group.dataset.index = String(i);
    b.group.addEventListener("click", () => showExplanation(i));
  });

  function edgeGroups(frame) {
    if (!frame.edge) return [];
    const [parent, node, occurrence] = frame.edge;
    const into = (found.edges.get("v" + parent + "->op" + node) || [])[occurrence];
    const out = (found.edges.get("op" + node + "->v" + node) || [])[0];
    return [into, out].filter(Boolean);
  }

  // ---- folding neurons ---------------------------------------------------
  const member = new Map(); // node index -> neuron
  const neurons = data.neurons.map((neuron, k) => {
    const cluster = found.clusters.get(neuron.cluster);
    const inside = new Set(neuron.members);
    const hide = [];
    for (const i of neuron.members) {
      if (boxes[i].group) hide.push(boxes[i].group);
      if (boxes[i].op) hide.push(boxes[i].op);
    }
    for (const [name, groups] of found.edges) {
      const ends = name.split("->").map((end) => Number(end.replace(/^(v|op)/, "")));
      if (ends.every((end) => inside.has(end))) hide.push(...groups);
    }
    const folded = { ...neuron, k, cluster, hide, open: !data.collapsed, overlay: null };
    for (const i of neuron.members) member.set(i, folded);
    if (cluster) {
      const area = outline(cluster.querySelector("polygon, path"));
      const overlay = document.createElementNS(SVG_NS, "g");
      overlay.setAttribute("class", "agc-neuron");
      const rect = document.createElementNS(SVG_NS, "rect");
      for (const [key, value] of Object.entries({
        x: area.x, y: area.y, width: area.width, height: area.height, rx: 6,
      })) rect.setAttribute(key, String(value));
      overlay.appendChild(rect);
      const lines = [neuron.title, "", ""].map((line, k) => {
        const t = document.createElementNS(SVG_NS, "text");
        t.setAttribute("x", String(area.x + area.width / 2));
        t.setAttribute("y", String(area.y + area.height / 2 + (k - 1) * 15 + 4));
        t.setAttribute("text-anchor", "middle");
        t.textContent = line;
        overlay.appendChild(t);
        return t;
      });
      folded.overlay = overlay;
      folded.lines = lines;
      svg.querySelector("g").appendChild(overlay);
      overlay.addEventListener("click", () => { folded.open = true; show(current); });
      const label = cluster.querySelector("text");
      if (label) {
        label.classList.add("agc-fold");
        label.dataset.neuron = neuron.title;  // the box's own label says "neurons.0" only
        label.addEventListener("click", () => { folded.open = false; show(current); });
      }
    }
    return folded;
  });

  // ---- the folded layout ----------------------------------------------------
  const foldedSvg = data.folded_svg ? foldedGraph.querySelector("svg") : null;
  const foldedFound = foldedSvg ? svgIndex(foldedSvg) : null;
  const cellsOf = (group) => {
    const texts = group ? group.querySelectorAll("text") : [];
    return texts.length >= 2
      ? { group, data: texts[texts.length - 2], grad: texts[texts.length - 1] }
      : null;
  };
  const foldedBoxes = data.nodes.map((_, i) => {
    if (!foldedFound || member.has(i)) return null;
    const b = cellsOf(foldedFound.nodes.get("v" + i));
    if (b) {
      b.op = foldedFound.nodes.get("op" + i) || null;
      b.group.classList.add("agc-value");
      b.group.addEventListener("click", () => showExplanation(i));
    }
    return b;
  });
  const neuronBoxes = neurons.map((folded) => {
    const b = foldedFound ? cellsOf(foldedFound.nodes.get("n" + folded.k)) : null;
    if (b) {
      b.group.classList.add("agc-neuron-node");
      b.group.addEventListener("click", () => {
        for (const other of neurons) other.open = other === folded;
        view = "open";
        show(current);
      });
    }
    return b;
  });
  foldAll.addEventListener("click", () => {
    if (view === "folded") {
      for (const folded of neurons) folded.open = true;
      view = "open";
    } else view = "folded";
    show(current);
  });
  const foldedName = (i, asTarget) => {
    if (member.has(i)) return "n" + member.get(i).k;
    return (asTarget ? "op" : "v") + i;
  };

  function showFolded(frame, cells, fresh) {
    for (const el of foldedSvg.querySelectorAll(".agc-current, .agc-receive, .agc-input, .agc-edge-on")) {
      el.classList.remove("agc-current", "agc-receive", "agc-input", "agc-edge-on");
    }
    const put = (b, i, source) => {
      if (!b) return;
      b.data.textContent = cells[source][0];
      b.grad.textContent = cells[source][1];
      b.data.classList.toggle("agc-pending", cells[source][0] === data.initial[source][0]);
      b.grad.classList.toggle("agc-pending", cells[source][1] === data.initial[source][1]);
      b.data.classList.toggle("agc-fresh", fresh.has(source + "data"));
      b.grad.classList.toggle("agc-fresh", fresh.has(source + "grad"));
    };
    foldedBoxes.forEach((b, i) => put(b, i, i));
    neuronBoxes.forEach((b, k) => put(b, k, neurons[k].output));
    const mark = (i, name) => {
      if (i === null || i === undefined) return;
      const b = member.has(i) ? neuronBoxes[member.get(i).k] : foldedBoxes[i];
      if (b) b.group.classList.add(name);
    };
    mark(frame.node, "agc-current");
    if (frame.node !== null && foldedBoxes[frame.node] && foldedBoxes[frame.node].op) {
      foldedBoxes[frame.node].op.classList.add("agc-current");
    }
    mark(frame.parent, "agc-receive");
    for (const i of frame.inputs) mark(i, "agc-input");
    const light = (name) => {
      for (const group of foldedFound.edges.get(name) || []) group.classList.add("agc-edge-on");
    };
    if (frame.edge) {
      const [parent, node] = frame.edge;
      const source = foldedName(parent, false);
      const target = foldedName(node, true);
      if (source !== target) light(source + "->" + target);
      if (target.startsWith("op")) light(target + "->v" + node);
    }
    if (frame.phase === "forward" && frame.node !== null) {
      const target = foldedName(frame.node, true);
      for (const name of foldedFound.edges.keys()) {
        if (name.endsWith("->" + target) && !(target.startsWith("n") && name.startsWith(target))) {
          light(name);
        }
      }
      if (target.startsWith("op")) light(target + "->v" + frame.node);
    }
  }

  // ---- showing a frame -----------------------------------------------------
  let current = 0;
  let timer = null;

  function cellsAt(k) {
    const cells = data.initial.map((pair) => pair.slice());
    const fresh = new Set();
    for (let j = 0; j <= k; j++) {
      for (const [i, kind, value] of frames[j].cells) {
        cells[i][kind === "data" ? 0 : 1] = value;
        if (j === k) fresh.add(i + kind);
      }
    }
    return { cells, fresh };
  }

  function show(k) {
    current = Math.max(0, Math.min(last, k));
    const frame = frames[current];
    const { cells, fresh } = cellsAt(current);
    for (const el of svg.querySelectorAll(".agc-current, .agc-receive, .agc-input, .agc-edge-on")) {
      el.classList.remove("agc-current", "agc-receive", "agc-input", "agc-edge-on");
    }
    boxes.forEach((b, i) => {
      if (!b.data) return;
      b.data.textContent = cells[i][0];
      b.grad.textContent = cells[i][1];
      b.data.classList.toggle("agc-pending", cells[i][0] === data.initial[i][0]);
      b.grad.classList.toggle("agc-pending", cells[i][1] === data.initial[i][1]);
      b.data.classList.toggle("agc-fresh", fresh.has(i + "data"));
      b.grad.classList.toggle("agc-fresh", fresh.has(i + "grad"));
    });
    const mark = (i, name) => {
      if (i === null || i === undefined) return;
      const folded = member.get(i);
      if (folded && !folded.open && folded.overlay) folded.overlay.classList.add(name);
      else if (boxes[i].group) boxes[i].group.classList.add(name);
    };
    mark(frame.node, "agc-current");
    if (frame.node !== null && boxes[frame.node].op) boxes[frame.node].op.classList.add("agc-current");
    mark(frame.parent, "agc-receive");
    for (const i of frame.inputs) mark(i, "agc-input");
    for (const group of edgeGroups(frame)) group.classList.add("agc-edge-on");
    if (frame.phase === "forward" && frame.node !== null) {
      for (const [name, groups] of found.edges) {
        if (name.endsWith("->op" + frame.node) || name === "op" + frame.node + "->v" + frame.node) {
          for (const group of groups) group.classList.add("agc-edge-on");
        }
      }
    }
    for (const folded of neurons) {
      for (const el of folded.hide) el.classList.toggle("agc-hidden", !folded.open);
      if (folded.overlay) {
        folded.overlay.classList.toggle("agc-hidden", folded.open);
        folded.lines[1].textContent = cells[folded.output][0];
        folded.lines[2].textContent = cells[folded.output][1];
      }
    }
    graph.hidden = view === "folded";
    foldedGraph.hidden = view !== "folded";
    foldAll.textContent = view === "folded" ? text.button_open_all : text.button_fold_all;
    box.dataset.view = view;
    if (foldedSvg) showFolded(frame, cells, fresh);
    captionMain.textContent = frame.caption;
    captionDetail.textContent = frame.detail;
    slider.value = String(current);
    counter.textContent = text.label_step
      .replace("{number}", String(current + 1)).replace("{count}", String(frames.length));
    const backward = frame.phase === "backward" || frame.phase === "done";
    forwardMark.classList.toggle("agc-phase-on", !backward && frame.phase !== "start");
    backwardMark.classList.toggle("agc-phase-on", backward);
    box.dataset.phase = frame.phase;
    box.dataset.step = String(current);
    previous.disabled = current === 0;
    next.disabled = current === last;
    if (current === last) stop();
    if (onStep) onStep(current);
  }

  function showExplanation(i) {
    const explanation = data.explanations[String(i)];
    if (explanation === undefined) return;
    asideTitle.textContent = text.explain_title.replace("{name}", data.nodes[i].name);
    asideText.textContent = explanation;
    aside.hidden = false;
  }

  function stop() {
    if (timer !== null) clearInterval(timer);
    timer = null;
    play.textContent = text.button_play;
  }

  function start() {
    if (current === last) show(0);
    timer = setInterval(() => show(current + 1), 1000 / Number(speed.value));
    play.textContent = text.button_pause;
  }

  reset.addEventListener("click", () => { stop(); show(0); });
  previous.addEventListener("click", () => show(current - 1));
  next.addEventListener("click", () => show(current + 1));
  play.addEventListener("click", () => (timer === null ? start() : stop()));
  speed.addEventListener("change", () => { if (timer !== null) { stop(); start(); } });
  slider.addEventListener("input", () => show(Number(slider.value)));

  function key(event) {
    if (event.defaultPrevented) return;
    const target = event.target;
    if (target && target.tagName === "SELECT") return;
    const moves = { ArrowRight: 1, ArrowLeft: -1 };
    if (event.key in moves) show(current + moves[event.key]);
    else if (event.key === "Home") show(0);
    else if (event.key === "End") show(last);
    else return;
    event.preventDefault();
    event.stopPropagation();
  }
  box.addEventListener("keydown", key);

  show(0);
  return { show, key, stop, get step() { return current; } };
}

// The anywidget front end: the same stepper, its frame synced with the "step" trait.
function renderWidget({ model, el }) {
  const data = JSON.parse(model.get("payload"));
  let syncing = false;
  const stepper = mountStepThrough(el, data, (step) => {
    if (syncing || model.get("step") === step) return;
    model.set("step", step);
    model.save_changes();
  });
  const follow = () => {
    syncing = true;
    stepper.show(model.get("step"));
    syncing = false;
  };
  model.on("change:step", follow);
  if (model.get("step")) follow();
  return () => { stepper.stop(); model.off("change:step", follow); };
}
