"""Every sentence of the teaching output, once in each language: the message catalogue.

The explanations (:func:`~autograd_core.explain.explain`,
:func:`~autograd_core.explain.trace_backward`), the step-through's captions and
controls, gradcheck's report, the demo and the diagrams' cells take their words
from :data:`MESSAGES` and nowhere else. Each entry is keyed by a short id and
holds one template per language (``"en"``, ``"ja"``) with the *same* named
placeholders; the numbers are formatted before they are put in (by
:mod:`autograd_core.wording`), so both languages print the very same digits.
``tests/test_messages.py`` checks that every entry has every language and the
same placeholders in each.

Japanese uses the words of the source articles and the usual textbooks
(計算グラフ, 順伝播, 逆伝播, 局所的な微分, 連鎖律, 勾配, 学習率, 葉ノード, ...),
です・ます調 for sentences; code names (``w.grad``, ``backward()``) and formulas
stay as they are. Exceptions are not here: they stay in English.

To add a language: add its code to :data:`autograd_core.languages.LANGUAGES`
and a template under that code to every entry; the test names what is missing.
"""

from __future__ import annotations

from collections.abc import Mapping

#: Every message, by id, then by language code.
MESSAGES: Mapping[str, Mapping[str, str]] = {
    # ------------------------------------------------------------------
    # The backward trace and the step-through's backward captions.
    # ------------------------------------------------------------------
    "seed": {
        "en": "{root}.grad = 1   (the seed: d{droot}/d{droot} = 1)",
        "ja": "{root}.grad = 1   (起点: d{droot}/d{droot} = 1)",
    },
    "trace_update": {
        "en": "{parent}.grad += {local} * {upstream}  ->  {parent}.grad = {after}",
        "ja": "{parent}.grad += {local} * {upstream}  ->  {parent}.grad = {after}",
    },
    "trace_more": {
        "en": "  ... {count} more steps (trace_backward(root, max_steps={total}) shows them all)",
        "ja": "  ... あと {count} ステップあります(trace_backward(root, max_steps={total}) ですべて表示します)",
    },
    "trace_silent": {
        "en": "  ({count} computed node(s) had gradient 0 and passed nothing on, as in backward())",
        "ja": "  (勾配が 0 の計算ノード {count} 個は、backward() と同じく何も伝えませんでした)",
    },
    "step_update": {
        "en": "{parent}.grad += {local} * {upstream} -> {after}",
        "ja": "{parent}.grad += {local} * {upstream} -> {after}",
    },
    "step_update_more": {
        "en": "{parent}.grad += {local} * {upstream} -> {before} + {term} = {after}",
        "ja": "{parent}.grad += {local} * {upstream} -> {before} + {term} = {after}",
    },
    "step_why": {
        "en": (
            "{node} = {operation}: the local derivative d{dnode}/d{dparent} = {derivative} "
            "times the upstream gradient d{droot}/d{dnode} = {upstream}."
        ),
        "ja": (
            "{node} = {operation}: 局所的な微分 d{dnode}/d{dparent} = {derivative} に、"
            "上流から届いた勾配 d{droot}/d{dnode} = {upstream} を掛けます。"
        ),
    },
    "contribution": {
        "en": "Contribution {number} of {count} to {parent}.grad.",
        "ja": "{parent}.grad への寄与 {count} 個のうち {number} 個目です。",
    },
    "contribution_last": {
        "en": "Contribution {number} of {count}: {parent}.grad = {terms} = {after} is complete.",
        "ja": "寄与 {count} 個のうち {number} 個目で、{parent}.grad = {terms} = {after} がそろいました。",
    },
    # ------------------------------------------------------------------
    # The step-through's forward captions and the last frame.
    # ------------------------------------------------------------------
    "start": {
        "en": (
            "The graph of {root}: {values} values and {operations} operations. "
            "Press next to compute it forward, one node at a time."
        ),
        "ja": (
            "{root} の計算グラフです。値が {values} 個、演算が {operations} 個あります。"
            "「次へ」を押すと、ノードを1つずつ順伝播で計算します。"
        ),
    },
    "forward_leaf": {
        "en": "{name} = {value}   (a leaf: a number given to the graph)",
        "ja": "{name} = {value}   (葉ノード: グラフに与えられた数です)",
    },
    "forward_computed": {"en": "{equation}", "ja": "{equation}"},
    "backward_start": {
        "en": (
            "Forward pass done: {root} = {value}. Now backward: every grad starts at 0, "
            "and {root}.grad = 1 is the seed (d{droot}/d{droot} = 1)."
        ),
        "ja": (
            "順伝播が終わり、{root} = {value} になりました。ここから逆伝播です。どの grad も 0 から"
            "始まり、{root}.grad = 1 が起点になります(d{droot}/d{droot} = 1)。"
        ),
    },
    "done": {
        "en": "Backward pass done: each grad is d{droot}/d(node). {leaves}",
        "ja": "逆伝播が終わりました。各ノードの grad は d{droot}/d(そのノード) です。{leaves}",
    },
    "done_leaf": {"en": "{name}.grad = {grad}", "ja": "{name}.grad = {grad}"},
    "list_separator": {"en": ", ", "ja": "、"},
    # ------------------------------------------------------------------
    # The cells of a value box (diagrams and step-through).
    # ------------------------------------------------------------------
    "data_cell": {"en": "data {value}", "ja": "値 {value}"},
    "grad_cell": {"en": "grad {value}", "ja": "勾配 {value}"},
    "grad_partial": {
        "en": "grad {value} ({number}/{count})",
        "ja": "勾配 {value} ({number}/{count})",
    },
    "unknown": {"en": "?", "ja": "?"},
    # ------------------------------------------------------------------
    # The step-through's controls and page.
    # ------------------------------------------------------------------
    "phase_forward": {"en": "forward", "ja": "順伝播"},
    "phase_backward": {"en": "backward", "ja": "逆伝播"},
    "button_reset": {"en": "reset", "ja": "最初から"},
    "button_previous": {"en": "previous", "ja": "前へ"},
    "button_next": {"en": "next", "ja": "次へ"},
    "button_play": {"en": "play", "ja": "再生"},
    "button_pause": {"en": "pause", "ja": "一時停止"},
    "label_speed": {"en": "speed", "ja": "速さ"},
    "label_step": {"en": "step {number} of {count}", "ja": "ステップ {number} / {count}"},
    "hint_click": {
        "en": "Click a leaf to see its chain rule. Arrow keys step too.",
        "ja": "ノードをクリックすると、その連鎖律が表示されます。矢印キーでも進めます。",
    },
    "hint_collapse": {
        "en": (
            "Click a neuron to open the network and see inside it; click a neuron's title "
            "to fold it again."
        ),
        "ja": (
            "ニューロンをクリックするとネットワークが開き、中が見えます。"
            "ニューロンの見出しをクリックすると、また折りたたみます。"
        ),
    },
    "button_fold_all": {"en": "fold all neurons", "ja": "ニューロンをすべて折りたたむ"},
    "button_open_all": {"en": "open all neurons", "ja": "ニューロンをすべて開く"},
    "explain_title": {"en": "Chain rule for {name}", "ja": "{name} の連鎖律"},
    "page_title": {
        "en": "Backpropagation through {root}",
        "ja": "{root} の誤差逆伝播",
    },
    # ------------------------------------------------------------------
    # explain(): the chain rule, path by path.
    # ------------------------------------------------------------------
    "explain_heading": {
        "en": "How {y} depends on {x}: the chain rule for d{dy}/d{dx}",
        "ja": "{y} は {x} にどう依存するか: d{dy}/d{dx} の連鎖律",
    },
    "explain_no_path": {
        "en": "  No path leads from {x} to {y}: {y} does not depend on {x}, so d{dy}/d{dx} = 0.",
        "ja": "  {x} から {y} への経路はありません。{y} は {x} に依存しないので、d{dy}/d{dx} = 0 です。",
    },
    "explain_is_root": {
        "en": "  {x} is the output itself: d{dy}/d{dx} = 1 (the seed of backward()).",
        "ja": "  {x} は出力そのものなので、d{dy}/d{dx} = 1 です(backward() の起点)。",
    },
    "explain_too_many": {
        "en": "  {count} paths lead from {x} to {y}: too many to list (max_paths={max_paths}).",
        "ja": "  {x} から {y} への経路は {count} 本あり、多すぎるので並べません(max_paths={max_paths})。",
    },
    "explain_backprop_only": {
        "en": "  Backpropagation adds them all up in one sweep: d{dy}/d{dx} = {total}",
        "ja": "  逆伝播は1回の走査でそのすべてを足し合わせます: d{dy}/d{dx} = {total}",
    },
    "explain_locals": {
        "en": "Local derivatives on the way (stored when each node was computed):",
        "ja": "経路上の局所的な微分(各ノードを計算したときに保存された値です):",
    },
    "explain_one_path": {
        "en": (
            "1 path leads from {x} to {y}; d{dy}/d{dx} is the product of the local "
            "derivatives along it:"
        ),
        "ja": "{x} から {y} への経路は 1 本です。d{dy}/d{dx} はこの経路に沿った局所的な微分の積です:",
    },
    "explain_one_edge": {
        "en": (
            "1 path leads from {x} to {y}, and it is a single edge: d{dy}/d{dx} is that "
            "edge's local derivative, with nothing else to multiply:"
        ),
        "ja": (
            "{x} から {y} への経路は 1 本で、矢印がじかにつないでいます。d{dy}/d{dx} は"
            "その矢印の局所的な微分そのもので、ほかに掛けるものはありません:"
        ),
    },
    "explain_paths": {
        "en": "{count} paths lead from {x} to {y}; d{dy}/d{dx} is the sum of their products:",
        "ja": "{x} から {y} への経路は {count} 本です。d{dy}/d{dx} は各経路の積の和です:",
    },
    "explain_path": {"en": "  path {number}: {nodes}", "ja": "  経路 {number}: {nodes}"},
    "explain_sum": {
        "en": "Sum over the paths: d{dy}/d{dx} = {terms} = {total}",
        "ja": "経路についての和: d{dy}/d{dx} = {terms} = {total}",
    },
    "explain_backprop": {
        "en": "Backpropagation ({y}.backward()) gives d{dy}/d{dx} = {total} ({agreement}).",
        "ja": "逆伝播({y}.backward())でも d{dy}/d{dx} = {total} になります({agreement})。",
    },
    "explain_agree_exactly": {"en": "the same number", "ja": "同じ値です"},
    "explain_agree_rounding": {"en": "equal up to rounding", "ja": "丸め誤差の範囲で一致します"},
    "explain_hidden": {"en": "... ({count} more)", "ja": "...(ほか {count} 個)"},
    "formula_constant": {"en": "{formula} with c = {c}", "ja": "{formula}、ただし c = {c}"},
    # ------------------------------------------------------------------
    # gradcheck's report.
    # ------------------------------------------------------------------
    "gradcheck_input": {"en": "input", "ja": "入力"},
    "gradcheck_backprop": {"en": "backprop", "ja": "逆伝播"},
    "gradcheck_numerical": {"en": "numerical", "ja": "数値微分"},
    "gradcheck_relative": {"en": "rel. error", "ja": "相対誤差"},
    "gradcheck_mismatch": {"en": "  <-- mismatch", "ja": "  <-- 不一致"},
    "gradcheck_worst": {
        "en": "worst relative error: {error}",
        "ja": "最大の相対誤差: {error}",
    },
    # ------------------------------------------------------------------
    # check_operation's report (a learner's own operation).
    # ------------------------------------------------------------------
    "opcheck_passed": {
        "en": "check_operation({name}): the local derivatives match finite differences at every point.",
        "ja": "check_operation({name}): どの点でも、局所的な微分が有限差分(数値微分)と一致します。",
    },
    "opcheck_failed": {
        "en": "check_operation({name}): the local derivatives do NOT match finite differences.",
        "ja": "check_operation({name}): 局所的な微分が有限差分(数値微分)と一致しません。",
    },
    "opcheck_point": {"en": "point", "ja": "点"},
    "opcheck_input": {"en": "input", "ja": "入力"},
    "opcheck_yours": {"en": "yours", "ja": "あなたの値"},
    "opcheck_numerical": {"en": "numerical", "ja": "数値微分"},
    "opcheck_difference": {"en": "difference", "ja": "差"},
    "opcheck_wrong": {"en": "   <-- wrong", "ja": "   <-- 不一致"},
    "opcheck_more_wrong": {
        "en": "  ... and {count} more wrong",
        "ja": "  ... ほかに不一致が {count} 個あります",
    },
    "opcheck_diagnoses": {"en": "What it looks like:", "ja": "考えられる原因:"},
    "opcheck_elsewhere": {"en": "Elsewhere:", "ja": "ほかの場面では:"},
    "opcheck_label": {"en": "dy/d(input {index})", "ja": "dy/d(入力 {index})"},
    "opcheck_head": {
        "en": (
            "{label} is wrong at {wrong} of {total} points (e.g. at ({where}): "
            "yours {yours}, numerical {numerical})"
        ),
        "ja": (
            "{label} が {total} 点のうち {wrong} 点で違います(例: ({where}) で、"
            "あなたの値 {yours}、数値微分 {numerical})"
        ),
    },
    "opcheck_sign": {
        "en": "{head}: it is minus the right one everywhere. Check the sign.",
        "ja": "{head}。どの点でも正しい値の符号を逆にしたものです。符号を確かめてください。",
    },
    "opcheck_swapped_y_x": {
        "en": (
            "{head}: it becomes right when y (the output) and x (the input) trade "
            "places. The formula uses x where it should use y, or y where it should "
            "use x (tanh's derivative is 1 - y**2, not 1 - x**2; exp's is y, not x)."
        ),
        "ja": (
            "{head}。y(出力)と x(入力)を入れ替えると正しくなります。y を使うべきところで x を、"
            "または x を使うべきところで y を使っています(tanh の微分は 1 - x**2 ではなく "
            "1 - y**2、exp の微分は x ではなく y です)。"
        ),
    },
    "opcheck_order": {
        "en": (
            "{head}: it is the derivative towards input {other}. local_grads "
            "must return the derivatives in the order of the inputs."
        ),
        "ja": (
            "{head}。これは入力 {other} についての微分です。local_grads は入力の順に"
            "微分を返す必要があります。"
        ),
    },
    "opcheck_factor": {
        "en": (
            "{head}: the right one is {ratio} times yours at every point. A "
            "missing chain-rule factor, such as the inner derivative 2 in "
            "d/dx sin(2x) = 2 cos(2x)."
        ),
        "ja": (
            "{head}。どの点でも、正しい値はあなたの値の {ratio} 倍です。連鎖律の因子が"
            "抜けています(たとえば d/dx sin(2x) = 2 cos(2x) の内側の微分 2)。"
        ),
    },
    "opcheck_output": {
        "en": (
            "{head}: it equals the output y itself. Did local_grads return the "
            "function instead of its derivative?"
        ),
        "ja": (
            "{head}。出力 y そのものと同じ値です。local_grads が微分ではなく関数そのものを"
            "返していませんか?"
        ),
    },
    "opcheck_varying": {
        "en": (
            "{head}: the right one is yours times a factor that changes from point to "
            "point (from {low} to {high}). A missing inner "
            "derivative that depends on x, as the 2x in d/dx sin(x**2) = 2x cos(x**2), "
            "or a different formula."
        ),
        "ja": (
            "{head}。正しい値は、あなたの値に点ごとに変わる因子({low} から {high})を"
            "掛けたものです。x によって変わる内側の微分(d/dx sin(x**2) = 2x cos(x**2) の "
            "2x など)が抜けているか、式そのものが違います。"
        ),
    },
    "opcheck_zero": {
        "en": "{head}: yours is 0 where the derivative is not. Check the formula.",
        "ja": "{head}。微分が 0 でないところで、あなたの値が 0 になっています。式を確かめてください。",
    },
    "opcheck_higher_plain": {
        "en": (
            "higher-order gradients: local_grads gave plain floats with m = value_math, "
            "so the derivative is treated as a constant and second derivatives come out "
            "0. It probably calls math.cos(x) (or float) where m.cos(x) would build nodes."
        ),
        "ja": (
            "高階微分: m = value_math でも local_grads がただの float を返すので、微分が"
            "定数として扱われ、2階微分が 0 になります。m.cos(x) ならノードが作られるところで、"
            "math.cos(x)(または float)を呼んでいるのでしょう。"
        ),
    },
    "opcheck_higher_fine": {
        "en": "higher-order gradients: fine (local_grads builds Value nodes with m).",
        "ja": "高階微分: 問題ありません(local_grads が m で Value ノードを作ります)。",
    },
    "opcheck_higher_failed": {
        "en": (
            "higher-order gradients: local_grads failed with m = value_math "
            "({error}); write it with m's functions and operators."
        ),
        "ja": (
            "高階微分: m = value_math で local_grads が失敗しました({error})。"
            "m の関数と演算子で書いてください。"
        ),
    },
    "opcheck_compiled_fine": {
        "en": "compiled mode: fine (both functions run on NumPy arrays with m = array_math).",
        "ja": "コンパイルモード: 問題ありません(m = array_math で、2つの関数とも NumPy 配列の上で動きます)。",
    },
    "opcheck_compiled_failed": {
        "en": (
            "compiled mode: not available, the row fails on arrays with m = array_math "
            "({error}). Use m.sin(x) instead of math.sin(x), and "
            "no if/else on the value (m.relu, m.step, m.maximum work elementwise)."
        ),
        "ja": (
            "コンパイルモード: 使えません。m = array_math では、この行が配列の上で失敗します"
            "({error})。math.sin(x) ではなく m.sin(x) を使い、値による if/else は避けてください"
            "(m.relu、m.step、m.maximum は要素ごとに働きます)。"
        ),
    },
    "opcheck_forward_error": {
        "en": "at {point} the row raised {error}. Give a domain= where it is defined.",
        "ja": "{point} でこの行が {error} を送出しました。定義される範囲を domain= で指定してください。",
    },
    # ------------------------------------------------------------------
    # The demo (python -m autograd_core).
    # ------------------------------------------------------------------
    "demo_names": {
        "en": "The nodes, as in the articles: multiply {I}, add {M}, subtract {D}, square {L} (the loss).",
        "ja": (
            "第1回の記事と同じく、ノードを {I}、{M}、{D}、{L} と呼びます"
            "(L は損失関数の値です)。"
        ),
    },
    "demo_forward": {
        "en": "Forward pass, one elementary operation at a time:",
        "ja": "順伝播: 基本的な演算を1つずつ計算します。",
    },
    "demo_backward": {
        "en": "Backward pass, in the order L.backward() runs it (parent.grad += local * upstream):",
        "ja": "逆伝播: L.backward() が実行する順に、parent.grad += local * upstream を繰り返します。",
    },
    "demo_other_leaves": {
        "en": "The other leaves: d{L}/d{x} = {dx},  d{L}/d{yc} = {dyc}",
        "ja": "残りの葉ノード: d{L}/d{x} = {dx}、d{L}/d{yc} = {dyc}",
    },
    "demo_closed_form": {
        "en": "Closed form check: d{L}/dw = 2x((wx + b) - yc) = {value}",
        "ja": "解析的な式でも確かめます: d{L}/dw = 2x((wx + b) - yc) = {value}",
    },
    "demo_sgd": {
        "en": "One SGD step with learning rate {lr}:",
        "ja": "学習率 {lr} で勾配降下法を1ステップ進めます:",
    },
    "demo_loss": {"en": "  loss {before} -> {after}", "ja": "  損失 {before} -> {after}"},
    "demo_no_diagram": {"en": "No diagram drawn: {error}", "ja": "図は描けませんでした: {error}"},
    "demo_diagram": {
        "en": "The graph with its gradients, each arrow labelled with its local derivative:",
        "ja": "勾配を書き込んだ計算グラフです。各矢印には局所的な微分が書いてあります:",
    },
    "demo_open": {
        "en": "Open the .svg in a browser, or view the .png.",
        "ja": ".svg はブラウザで、.png は画像ビューアで開けます。",
    },
    "demo_html": {
        "en": "Step through the forward and backward pass (next, previous, play, arrow keys):",
        "ja": "順伝播と逆伝播を1ステップずつ見られます(次へ・前へ・再生・矢印キー):",
    },
    # ------------------------------------------------------------------
    # What a compiled program runs: describe(), describe(steps=True), plan().
    # Shapes and products, (K x B) = (J x K)^T @ (J x B), are the same in every language.
    # ------------------------------------------------------------------
    "plan_describe": {
        "en": (
            "BatchProgram: {nodes} nodes per sample in {levels} levels, run as {steps} grouped "
            "{where} steps ({products}); {parameters} parameters; inputs of width {widths}; "
            "batch loss = {reduction} over samples"
        ),
        "ja": (
            "BatchProgram: 1サンプルあたり {nodes} ノード、{levels} レベルを、{where} の"
            "グループごとのステップ {steps} 個で実行します({products})。パラメータは {parameters} 個、"
            "入力の幅は {widths}、バッチの損失はサンプルについての {reduction} です。"
        ),
    },
    "plan_product": {"en": "{count} matrix product", "ja": "行列積 {count} 個"},
    "plan_products": {"en": "{count} matrix products", "ja": "行列積 {count} 個"},
    "plan_node": {"en": "{count} node", "ja": "{count} ノード"},
    "plan_nodes": {"en": "{count} nodes", "ja": "{count} ノード"},
    "plan_label": {"en": "step {number}: {what} ({nodes})", "ja": "ステップ {number}: {what} ({nodes})"},
    "plan_step": {
        "en": "step {number} (level {level}): {what} -> {shape}",
        "ja": "ステップ {number} (レベル {level}): {what} -> {shape}",
    },
    "plan_forward": {"en": "forward:", "ja": "順伝播:"},
    "plan_backward": {"en": "backward:", "ja": "逆伝播:"},
    "plan_operation": {"en": "{operation} of {nodes}", "ja": "{nodes}の {operation}"},
    "plan_fused": {
        "en": "{what}, fused with {count} mul nodes",
        "ja": "{what}、mul ノード {count} 個と融合",
    },
    "plan_einsum": {
        "en": "{out} = sum over the first axis of {a} * {b} (np.einsum)",
        "ja": "{out} = {a} * {b} を最初の軸について足したもの (np.einsum)",
    },
    "plan_einsum_back": {
        "en": "{into} += {other} * upstream {out} (np.einsum)",
        "ja": "{into} += {other} * 上流の勾配 {out} (np.einsum)",
    },
    "plan_block_sum": {
        "en": "sum over the first axis of {block}",
        "ja": "{block} を最初の軸について足したもの",
    },
    "plan_block_back": {
        "en": "{block} += upstream {upstream}, the same for every term",
        "ja": "{block} += 上流の勾配 {upstream} (どの項にも同じもの)",
    },
    "plan_upstream": {"en": "upstream {shape}", "ja": "上流の勾配 {shape}"},
    "plan_local_upstream": {
        "en": "local derivative * upstream {shape}",
        "ja": "局所的な微分 * 上流の勾配 {shape}",
    },
    "plan_into": {"en": "{shape} += {what}", "ja": "{shape} += {what}"},
    "plan_into_summed": {
        "en": "{shape} += {what}, summed over B",
        "ja": "{shape} += {what} を B について足したもの",
    },
    "plan_elementwise": {"en": "{out} = {call}, elementwise", "ja": "{out} = {call}、要素ごと"},
    "plan_gathered": {"en": "{shape} gathered", "ja": "{shape} (添字で集めたもの)"},
    "plan_each_input": {
        "en": "{text} (for each of {count} inputs)",
        "ja": "{text} (入力 {count} 個のそれぞれについて)",
    },
}

#: Messages with no words of their own (only placeholders, symbols and code), the same in
#: every language by design; every other entry must differ between languages.
LANGUAGE_NEUTRAL = frozenset({
    "trace_update", "step_update", "step_update_more", "forward_computed", "done_leaf",
    "unknown", "plan_into",
})


def say(key: str, lang: str, /, **values: object) -> str:
    """The message ``key`` in language ``lang``, its placeholders filled in with ``values``.

    ``lang`` is a checked code (see :func:`autograd_core.languages.resolve_language`);
    callers resolve it once per call that makes output and pass it down.

    Raises:
        KeyError: ``key`` is not in the catalogue, ``lang`` not among its languages,
            or a placeholder is missing from ``values``.
    """
    return MESSAGES[key][lang].format(**values)
