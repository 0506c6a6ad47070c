"""The browser half of the client-side step view (app/stepview.py): JavaScript and CSS.

The whole sequence arrives once as ``data`` (see ``app.views.rnn_parts.step_data``); a
step is drawn from it in the page itself: the label, the unrolled window, the live
equation's numbers, the prediction bars, the heatmaps' grey "not read yet" band and
outlined column, the trajectory so far. Nothing goes to the server on a step: the
browser's URL carries the step at once (``history.replaceState``: the address bar, a
reload, a copied link), and the server hears of it only when the student turns to
something the server draws — the pointer leaves the view, or a press or the focus lands
elsewhere on the page (the share box, the quiz, a control) — and only if the step
changed since the server last heard. Every piece of user text is set with
``textContent`` (never parsed as HTML).
"""

PLAY_MS = 80  # 12.5 steps per second

CSS = """
.sv { font-family: "Source Sans Pro", sans-serif; font-size: 1rem; color: #31333f; }
.sv-bar { display: flex; gap: .5rem; align-items: center; flex-wrap: wrap; margin: .25rem 0 .5rem; }
.sv-bar button { font: inherit; padding: .3rem .9rem; border: 1px solid #d5d6da; border-radius: .5rem;
  background: #fff; cursor: pointer; min-width: 6.5rem; }
.sv-bar button:disabled { color: #aaa; cursor: default; }
.sv-bar button.sv-on { background: #ff4b4b; color: #fff; border-color: #ff4b4b; }
.sv-bar input[type=range] { flex: 1; min-width: 10rem; accent-color: #ff4b4b; }
.sv-bar .sv-t { min-width: 5.5rem; font-weight: 600; }
.sv-label { margin: .25rem 0 .5rem; }
.sv-label code { background: #f0f2f6; padding: 0 .25rem; border-radius: .25rem; }
.sv-caption { color: #6b6f7b; font-size: .875rem; margin: .2rem 0 .6rem; }
.sv h4 { margin: 1rem 0 .25rem; font-size: 1.25rem; }
.sv-eq { text-align: center; margin: .6rem 0; overflow-x: auto; overflow-y: hidden; }
.sv-eq math { font-family: "Latin Modern Math", "STIX Two Math", "Cambria Math", "DejaVu Serif", serif;
  font-size: 1.25rem; color: #000; }
.sv-lecture .sv-equations math { font-size: 30px; }
.sv-lecture.sv-two .sv-equations math { font-size: 25px; }  /* h→ and h←: both on the first screen */
.sv-lecture .sv-details math { font-size: 1.5rem; }
.sv-eq mn.sv-h { font-weight: 700; }
.sv-eq .sv-label-under { font-size: 75%; }
.sv-eq .sv-brace { border: 0 solid #000; border-width: 0 1.5px 1.5px; border-radius: 0 0 .45em .45em;
  padding: 0 .25em .2em; margin: 0 .15em .15em; }
.sv-grid { display: grid; grid-template-columns: 1fr 1fr; gap: 2rem; }
.sv-bars { display: grid; grid-template-columns: 4rem 1fr 4rem; gap: .25rem .5rem; align-items: center; }
.sv-bars .sv-fill { height: 1.1rem; background: #56b4e9; }
.sv-bars .sv-fill.sv-actual { background: #e69f00; }
.sv svg text { font-family: "Source Sans Pro", sans-serif; }
.sv-heat { margin-top: .5rem; }
"""

JS = r"""
const NS = "http://www.w3.org/2000/svg";
const PLAY_MS = __PLAY_MS__;

function el(tag, cls, text) {
  const e = document.createElement(tag);
  if (cls) e.className = cls;
  if (text !== undefined) e.textContent = text;
  return e;
}
function svg(tag, attrs, text) {
  const e = document.createElementNS(NS, tag);
  for (const [k, v] of Object.entries(attrs || {})) e.setAttribute(k, v);
  if (text !== undefined) e.textContent = text;
  return e;
}
const sub = (n) => String(n).replace(/\d/g, (d) => "₀₁₂₃₄₅₆₇₈₉"[d]);
const show = (tok) => (tok === " " ? "␣" : tok === "<unk>" ? "⟨unk⟩" : tok);
// RdBu, reversed: blue < 0, white = 0, red > 0 (the app's diverging scale), |v| <= 1
const RDBU = [[5,48,97],[33,102,172],[67,147,195],[146,197,222],[209,229,240],[247,247,247],
  [253,219,199],[244,165,130],[214,96,77],[178,24,43],[103,0,31]];
function colour(v) {
  const x = (Math.max(-1, Math.min(1, v)) + 1) / 2 * (RDBU.length - 1);
  const k = Math.min(RDBU.length - 2, Math.floor(x)), f = x - k;
  const c = RDBU[k].map((a, n) => Math.round(a + f * (RDBU[k + 1][n] - a)));
  return `rgb(${c[0]},${c[1]},${c[2]})`;
}
// MathML Core (drawn by the browser itself, offline): mi / mn / mo, subscripts, braces
const MATH = "http://www.w3.org/1998/Math/MathML";
function m(tag, kids, attrs) {
  const e = document.createElementNS(MATH, tag);
  for (const [k, v] of Object.entries(attrs || {})) e.setAttribute(k, v);
  for (const k of kids) e.append(k);
  return e;
}
const mi = (x, attrs) => m("mi", [x], attrs), mn = (x, cls) => m("mn", [x], cls ? { class: cls } : {});
const mo = (x, attrs) => m("mo", [x], attrs);
const row = (...kids) => m("mrow", kids);
// a name as KaTeX sets it: one italic letter per <mi> ("xh" as x h, not an upright word)
const ident = (x) => (x.length === 1 ? mi(x) : row(...[...x].map((c) => mi(c))));
const sb = (base, s) => m("msub", [typeof base === "string" ? mi(base) : base, typeof s === "string" ? ident(s) : s]);
// h with an arrow over it (bidirectional) or plain h
const named = (x, arrow) => (arrow ? m("mover", [mi(x), mo(arrow, { stretchy: "false" })]) : mi(x));
const paren = (...kids) => row(mo("("), ...kids, mo(")"));
// \underbrace{value}_{label}: the number, a brace, the term's name under it
// (the brace is drawn by CSS: a stretched "⏟" needs a maths font the machine may not have)
const under = (value, label) => m("munder", [m("mrow", [value], { class: "sv-brace" }),
  m("mrow", [label], { class: "sv-label-under" })]);
function mathLine(cls, ...kids) {
  const line = el("div", "sv-eq " + cls);
  line.append(m("math", [row(...kids)], { display: "block" }));
  return line;
}
const num = (v) => String(v).replace(/^-/, "−");

// --- the parts of one step --------------------------------------------------------------

function equationLine(d, i, dir) {
  // h_{t,j} = f( (W_xh x_t)_j + (W_hh h_{t-1})_j + b_{h,j} ) = f(pre) = h
  const e = d.eq[dir][i], t = i + d.first, j = d.unit, f = d.nonlinearity;
  const arrow = d.bidirectional ? (dir === 0 ? "→" : "←") : "";
  const prev = dir === 1 ? t + 1 : t - 1;
  const W = (which) => sb(named("W", arrow), which);
  const big = { stretchy: "false" };  // the brackets of f(…) as tall as a line, not as the braces
  const line = mathLine("", sb(named("h", arrow), mn(`${t},${j}`)), mo("="), mi(f), mo("(", big),
    under(mn(num(e.x), "sv-num"), sb(paren(W("xh"), sb("x", mn(`${t}`))), mn(`${j}`))), mo("+"),
    under(mn(num(e.h), "sv-num"), sb(paren(W("hh"), sb(named("h", arrow), mn(`${prev}`))), mn(`${j}`))),
    mo("+"), under(mn(num(e.b), "sv-num"), sb(named("b", arrow), row(mi("h"), mo(","), mn(`${j}`)))),
    mo(")", big), mo("="), mi(f), paren(mn(num(e.pre), "sv-num sv-pre")), mo("="), mn(num(e.h_t), "sv-num sv-h"));
  line.dataset.dir = dir;
  return line;
}

function details(d, i) {
  const box = el("div");
  const t = i + d.first;
  if (d.onehot) {
    const o = d.onehot[i], n = d.norms[i], j = d.unit;
    box.append(mathLine("sv-onehot", sb("x", mn(`${t}`)), mo("="), sb("e", mn(`${o.id}`)),
      m("mspace", [], { width: "0.3em" }), paren(m("mtext", [`“${show(d.tokens[i])}”`])),
      mo("⇒", { lspace: "0.6em", rspace: "0.6em" }),
      sb(paren(sb("W", "xh"), sb("x", mn(`${t}`))), mn(`${j}`)), mo("="),
      sb(paren(sb("W", "xh")), mn(`${j},${o.id}`)), mo("="), mn(num(o.w), "sv-num")));
    const norm = (...kids) => row(mo("‖", { stretchy: "false" }), ...kids, mo("‖", { stretchy: "false" }));
    const gap = () => m("mspace", [], { width: "1em" });
    box.append(mathLine("sv-norms",
      norm(sb("W", "xh"), sb("x", mn(`${t}`))), mo("="), mn(num(n.x), "sv-num"), mo(","), gap(),
      norm(sb("W", "hh"), sb("h", mn(`${t - 1}`))), mo("="), mn(num(n.h), "sv-num"), mo(","), gap(),
      norm(sb("b", "h")), mo("="), mn(num(n.b), "sv-num"), mo(","), gap(),
      norm(sb("h", mn(`${t}`))), mo("="), mn(num(n.out), "sv-num")));
  }
  if (i === 0) box.append(el("div", "sv-caption",
    "At t = 1 nothing was read before x₁: h₀ = 0 is the initial state, so the memory term W_hh h₀ is 0."));
  if (d.how && d.how.equation) box.append(how(d.how.equation));
  return box;
}

function how(text) {
  const c = el("div", "sv-caption sv-how");
  c.append(el("b", "", "How to read this: "), document.createTextNode(text));
  return c;
}

function prediction(d, i) {
  const p = d.pred[i], t = i + d.first, box = el("div", "sv-pred");
  const x = () => sb("x", mn(`${d.pred_kind === "blank" ? t : t + 1}`));
  const given = d.pred_kind === "blank" ? [mo("|"), m("mtext", ["the rest"])] : [];
  const line = mathLine("sv-best", m("munder", [mi("max"), mi("c")]), mi("P"),
    paren(x(), mo("="), mi("c"), ...given), mo("="), mi("P"),
    paren(x(), mo("="), m("mtext", [`“${show(p.best)}”`])), mo("="),
    mn(num(p.best_p), "sv-num"));
  box.append(line);
  const bars = el("div", "sv-bars");
  for (const [tok, prob, text] of p.top) {
    bars.append(el("span", "", `“${show(tok)}”`));
    const track = el("div");
    const fill = el("div", "sv-fill" + (tok === p.actual ? " sv-actual" : ""));
    fill.style.width = `${Math.round(1000 * prob) / 10}%`;
    track.append(fill);
    bars.append(track, el("span", "", text));
  }
  box.append(bars);
  return box;
}

function unrolled(d, i) {
  // the window of (at most) 9 columns around step t: x_t at the bottom, h_t rows, y_t on top
  const T = d.tokens.length, w = Math.min(9, T);
  const start = Math.min(Math.max(i - Math.floor(w / 2), 0), T - w);
  const rows = d.rows, W = 96, Hrow = 52, height = (rows.length + 2) * Hrow + 20;
  const s = svg("svg", { viewBox: `0 0 ${W * w + 70} ${height}`, width: "100%", class: "sv-unrolled" });
  const y = (r) => height - 30 - r * Hrow;
  for (let c = 0; c < w; c++) {
    const k = start + c, x = 70 + c * W + W / 2, here = k === i;
    if (here) s.append(svg("rect", { x: x - W / 2 + 4, y: 4, width: W - 8, height: height - 8,
      fill: "#f0e442", "fill-opacity": 0.35, stroke: "#000", "stroke-width": 1.5, class: "sv-here" }));
    const boxes = [[`x${sub(k + d.first)}`, show(d.tokens[k])],
                   ...rows.map((r) => [`${r}${sub(k + d.first)}`, ""]), [`ŷ${sub(k + d.first)}`, ""]];
    boxes.forEach(([name, tok], r) => {
      s.append(svg("rect", { x: x - 26, y: y(r) - 17, width: 52, height: 34, rx: 6,
        fill: k > i ? "#f5f5f5" : "#fff", stroke: here ? "#000" : "#888" }));
      s.append(svg("text", { x, y: y(r) + 5, "text-anchor": "middle", "font-size": 13 },
        tok ? `“${tok}”` : name));
      if (r > 0) s.append(svg("line", { x1: x, y1: y(r - 1) - 17, x2: x, y2: y(r) + 17, stroke: "#555" }));
    });
    if (c > 0) rows.forEach((_, r) => s.append(svg("line", { x1: x - W + 26, y1: y(r + 1), x2: x - 26,
      y2: y(r + 1), stroke: "#555" })));
  }
  rows.forEach((r, n) => s.append(svg("text", { x: 4, y: y(n + 1) + 5, "font-size": 12 }, r)));
  return s;
}

function heatmap(d, h) {
  // k units x T steps, drawn once; a step moves the grey band and the outline
  const T = d.tokens.length, k = h.units.length, cw = Math.max(4, Math.min(18, 900 / T)), ch = 12;
  const left = 44, top = 22;
  const s = svg("svg", { viewBox: `0 0 ${left + cw * T + 10} ${top + ch * k + 24}`, width: "100%",
    class: "sv-heatmap" });
  if (h.title) s.append(svg("text", { x: left, y: 14, "font-size": 13 }, h.title));
  h.z.forEach((row, u) => {
    s.append(svg("text", { x: left - 4, y: top + ch * u + 10, "font-size": 9, "text-anchor": "end" },
      `${h.units[u]}`));
    row.forEach((v, c) => s.append(svg("rect", { x: left + cw * c, y: top + ch * u, width: cw,
      height: ch, fill: colour(v) })));
  });
  const band = svg("rect", { y: top, height: ch * k, fill: "#e6e6e6", class: "sv-future" });
  const mark = svg("rect", { y: top - 2, width: cw, height: ch * k + 4, fill: "none", stroke: "#000",
    "stroke-width": 2, class: "sv-mark" });
  const label = svg("text", { y: top + ch * k + 16, "font-size": 12, "text-anchor": "middle",
    class: "sv-mark-label" });
  s.append(band, mark, label);
  s.step = (i) => {
    band.setAttribute("x", left + cw * (i + 1));
    band.setAttribute("width", Math.max(0, cw * (T - i - 1)));
    mark.setAttribute("x", left + cw * i);
    label.setAttribute("x", left + cw * (i + 0.5));
    label.textContent = `t = ${i + d.first}`;
  };
  return s;
}

function trajectory(d) {
  const P = d.traj, W = 420, H = 300, pad = 24;
  const xs = P.map((p) => p[0]), ys = P.map((p) => p[1]);
  const [x0, x1, y0, y1] = [Math.min(...xs), Math.max(...xs), Math.min(...ys), Math.max(...ys)];
  const X = (v) => pad + (W - 2 * pad) * (x1 > x0 ? (v - x0) / (x1 - x0) : 0.5);
  const Y = (v) => H - pad - (H - 2 * pad) * (y1 > y0 ? (v - y0) / (y1 - y0) : 0.5);
  const s = svg("svg", { viewBox: `0 0 ${W} ${H}`, width: "100%", class: "sv-trajectory" });
  const path = svg("polyline", { fill: "none", stroke: "#999", "stroke-width": 1 });
  const dots = P.map((p) => svg("circle", { cx: X(p[0]), cy: Y(p[1]), r: 3.5, fill: "#0072b2" }));
  const labels = P.map((p, k) => svg("text", { x: X(p[0]) + 5, y: Y(p[1]) - 5, "font-size": 11 },
    show(d.tokens[k])));
  const big = svg("circle", { r: 8, fill: "#f0e442", stroke: "#000", "stroke-width": 1.5 });
  s.append(path, ...dots, ...labels, big);
  s.step = (i) => {
    path.setAttribute("points", P.slice(0, i + 1).map((p) => `${X(p[0])},${Y(p[1])}`).join(" "));
    dots.forEach((c, k) => {
      c.style.display = k <= i ? "" : "none";
      c.setAttribute("fill-opacity", Math.max(0.15, 1 - (i - k) / 30));
    });
    labels.forEach((l, k) => (l.style.display = k <= i && i - k < 12 ? "" : "none"));
    big.setAttribute("cx", X(P[i][0]));
    big.setAttribute("cy", Y(P[i][1]));
  };
  return s;
}

// --- the view -----------------------------------------------------------------------------

// the server sends the view's data once as UTF-8 JSON bytes ({"view": …, "step": …}):
// the same cached bytes for every student, only the step and the id are their own
function unpack(raw) {
  const sent = JSON.parse(new TextDecoder().decode(raw));
  const { view, ...own } = sent;
  return { ...view, ...own };
}

export default function (component) {
  const { parentElement, setStateValue } = component;
  const data = unpack(component.data);
  const all = (window.__seqvizStepViews = window.__seqvizStepViews || {});
  const T = data.tokens.length, first = data.first, last = first + T - 1;
  // Streamlit calls this again with the same data after a sync: keep the student's step
  const own = all[data.key];
  const same = own && own.id === data.id && own.root && own.root.isConnected;
  if (same) {
    own.attach();  // a re-run with the same data may follow a cleanup: listen again
    // a rerun of the page may have written the step the server last heard into the URL
    own.remember();
    return own.cleanup;
  }
  if (own && own.cleanup) own.cleanup();
  const state = (all[data.key] = { id: data.id, i: data.step, synced: data.step, playing: null, seq: 0 });

  const root = el("div", "sv");
  root.dataset.step = `${data.step + first}`;
  state.root = root;
  const bar = el("div", "sv-bar");
  const prev = el("button", "sv-prev", "‹ Previous"), next = el("button", "sv-next", "Next ›");
  const play = el("button", "sv-play", "▶ Play");
  const slider = el("input", "sv-slider");
  Object.assign(slider, { type: "range", min: first, max: last, step: 1 });
  slider.setAttribute("aria-label", "Time step t");
  const tOut = el("span", "sv-t");
  prev.title = "Step back one character (← Left arrow)";
  next.title = "Go to the next character (→ Right arrow)";
  play.title = "Play / pause (Space)";
  bar.append(prev, next, play, tOut, slider);
  const keysNote = el("div", "sv-caption", "Keys: → next step · ← previous · Space play / pause");
  const label = el("div", "sv-label");
  const eqBox = el("div", "sv-equations"), detailBox = el("div", "sv-details");
  const unrollBox = el("div", "sv-unroll");
  const predBox = el("div", "sv-prediction");
  const traj = trajectory(data);
  const heats = data.heat.map((h) => heatmap(data, h));
  const grid = el("div", "sv-grid");
  const left = el("div"), right = el("div");
  left.append(el("h4", "", data.pred_kind === "blank" ? "Fill in the blank at t" : "What comes next?"), predBox);
  right.append(el("h4", "", "The path of hₜ (PCA)"), traj);
  grid.append(left, right);
  const heatBox = el("div", "sv-heat");
  heatBox.append(el("h4", "", "The hidden state so far"), ...heats);
  const H = data.how || {};
  if (H.pred) left.append(how(H.pred));
  if (H.traj) right.append(how(H.traj));
  if (H.heat) heatBox.append(how(H.heat));
  const unrollHow = H.unrolled ? how(H.unrolled) : el("span");
  if (data.lecture) {
    root.classList.add("sv-lecture");
    if (data.bidirectional) root.classList.add("sv-two");
    root.append(bar, label, eqBox, unrollBox, unrollHow, keysNote, detailBox, grid, heatBox);
  } else root.append(bar, keysNote, label, unrollBox, unrollHow,
                     el("h4", "", "The equation, with this step's numbers"), eqBox, detailBox, grid, heatBox);
  // keep what Streamlit put in the root (the component's <style>): replace our view only
  // (the parent may be a shadow root, where ":scope > .sv" matches nothing)
  [...parentElement.children].filter((e) => e.classList.contains("sv")).forEach((e) => e.remove());
  parentElement.append(root);

  function draw(i) {
    const t0 = performance.now();
    state.i = i;
    const t = i + first;
    root.dataset.step = `${t}`;
    tOut.textContent = `t = ${t}`;
    slider.value = `${t}`;
    prev.disabled = i <= 0;
    next.disabled = i >= T - 1;
    const so = data.tokens.slice(0, i + 1).map((c, k) => (data.unknown[k] ? "?" : c)).join("");
    label.replaceChildren(el("b", "", `t = ${t}`), document.createTextNode(` of ${T}: the model reads x`),
      el("sub", "", `${t}`), document.createTextNode(` = “${show(data.tokens[i])}” — so far: `),
      el("code", "", so));
    eqBox.replaceChildren(...data.eq.map((_, dir) => equationLine(data, i, dir)));
    detailBox.replaceChildren(details(data, i));
    unrollBox.replaceChildren(unrolled(data, i));
    predBox.replaceChildren(prediction(data, i));
    traj.step(i);
    heats.forEach((h) => h.step(i));
    window.__seqvizDrawn = { key: data.key, step: t, drawMs: performance.now() - t0 };
  }
  // the URL carries the step at once; the server hears of it only when it needs it
  function remember() {
    const url = new URL(window.location.href), t = `${state.i + first}`;
    if (url.searchParams.get(data.key) === t) return;
    url.searchParams.set(data.key, t);
    try { window.history.replaceState(window.history.state, "", url); } catch (e) { /* throttled */ }
  }
  function sync() {
    if (state.playing !== null || state.i === state.synced) return;
    state.synced = state.i;
    state.seq += 1;
    setStateValue("step", { step: state.i + first, seq: state.seq });
  }
  function go(i) {
    i = Math.max(0, Math.min(T - 1, i));
    if (i === state.i) return;
    draw(i);
    if (state.playing === null) remember();
  }
  function stop() {
    if (state.playing === null) return;
    clearInterval(state.playing);
    state.playing = null;
    play.textContent = "▶ Play";
    play.classList.remove("sv-on");
    remember();
  }
  function start() {
    if (state.i >= T - 1) draw(0);
    play.textContent = "⏸ Pause";
    play.classList.add("sv-on");
    state.playing = setInterval(() => (state.i >= T - 1 ? stop() : draw(state.i + 1)), PLAY_MS);
  }
  prev.onclick = () => { stop(); go(state.i - 1); };
  next.onclick = () => { stop(); go(state.i + 1); };
  play.onclick = () => (state.playing === null ? start() : stop());
  slider.oninput = () => { stop(); go(Number(slider.value) - first); };
  const typing = (e) => e && (e.isContentEditable || /^(INPUT|TEXTAREA|SELECT)$/.test(e.tagName));
  const onKey = (event) => {
    if (event.altKey || event.ctrlKey || event.metaKey || event.shiftKey || event.defaultPrevented) return;
    if (typing(event.target) && event.target !== slider) return;
    if (typing(document.activeElement) && document.activeElement !== slider) return;
    const delta = { ArrowRight: 1, ArrowLeft: -1 }[event.key];
    if (delta) { event.preventDefault(); stop(); go(state.i + delta); }
    else if (event.key === " " || event.code === "Space") {
      event.preventDefault();
      play.onclick();
    }
  };
  // the student turns to the rest of the page: the server gets the step (if it changed)
  const elsewhere = (event) => { if (!event.composedPath().includes(root)) sync(); };
  const listen = (on) => {
    for (const [type, f, capture] of [["keydown", onKey, false], ["pointerdown", elsewhere, true],
                                      ["focusin", elsewhere, true]]) {
      document.removeEventListener(type, f, capture);
      if (on) document.addEventListener(type, f, capture);
    }
  };
  root.addEventListener("pointerleave", sync);
  state.attach = () => listen(true);
  state.remember = remember;
  state.attach();
  draw(state.i);
  state.cleanup = () => {
    listen(false);
    clearInterval(state.playing);
    state.playing = null;
  };
  return state.cleanup;
}
""".replace("__PLAY_MS__", str(PLAY_MS))
