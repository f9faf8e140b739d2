// bpnet's live training page: polls /status four times a second and draws what it says.
// Everything here is built from that JSON (documented in the README); nothing is fetched from
// anywhere but this page's own server.
"use strict";

const TOKEN = "?token=" + encodeURIComponent(new URLSearchParams(location.search).get("token"));
const POLL_MS = 250;
const COLORS = {train: "#0072bd", val: "#2e9e2e", test: "#d95319"};
const PICTURE_NAMES = {errors: "Performance", trainstate: "Training State",
  regression: "Regression", errhist: "Error Histogram", confusion: "Confusion", roc: "ROC",
  fit: "Fit", forecast: "Forecast"};
const RULES = {traingd: "Gradient Descent", traingdm: "Gradient Descent with Momentum",
  traingda: "Gradient Descent, adaptive lr", traingdx: "Gradient Descent with Momentum and " +
  "Adaptive LR", trainrp: "Resilient Backpropagation", trainlm: "Levenberg-Marquardt",
  trainscg: "Scaled Conjugate Gradient", trainbr: "Bayesian Regularization", adam: "Adam"};
const PERFORMS = {mse: "Mean Squared Error", crossentropy: "Cross-Entropy"};

function el(tag, attrs, ...children) {
  const node = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs || {})) node.setAttribute(k, v);
  for (const c of children) node.append(c);
  return node;
}

function svg(tag, attrs, text) {
  const node = document.createElementNS("http://www.w3.org/2000/svg", tag);
  for (const [k, v] of Object.entries(attrs || {})) node.setAttribute(k, v);
  if (text !== undefined) node.textContent = text;
  return node;
}

function num(x) {
  if (x === null || x === undefined) return "Inf";
  if (Number.isInteger(x)) return String(x);
  const a = Math.abs(x);
  return a !== 0 && (a < 1e-3 || a >= 1e5) ? x.toExponential(2) : x.toPrecision(4);
}

function clock(seconds) {
  if (seconds === null || seconds === undefined) return "Inf";
  const s = Math.floor(seconds);
  const mm = String(Math.floor(s / 60) % 60).padStart(2, "0");
  return `${Math.floor(s / 3600)}:${mm}:${String(s % 60).padStart(2, "0")}`;
}

// the network as MATLAB draws it: input, a box per layer (size, transfer function), output
function diagram(layers) {
  const box = 92, gap = 26, width = layers.length * box + (layers.length - 1) * gap;
  const root = svg("svg", {class: "diagram", viewBox: `0 0 ${width + 8} 104`});
  layers.forEach((layer, i) => {
    const x = 4 + i * (box + gap), io = i === 0 || i === layers.length - 1;
    root.append(svg("rect", {class: io ? "layer io" : "layer", x, y: 14, width: box,
                             height: 56, rx: 4}));
    root.append(svg("text", {x: x + box / 2, y: 10}, layer.name));
    const inside = layer.kind ? `${layer.kind}` : io && i === 0 ? "" : "W  b";
    root.append(svg("text", {x: x + box / 2, y: 36}, inside));
    if (layer.transfer) root.append(svg("text", {x: x + box / 2, y: 56}, layer.transfer));
    root.append(svg("text", {class: "size", x: x + box / 2, y: 92}, String(layer.size)));
    if (layer.kind) {   // the state fed back: a loop under the box, into its left side
      root.append(svg("path", {d: `M${x + box - 18} 70 v8 h-${box - 36} v-8`}));
      root.append(svg("path", {d: `M${x + 14} 75 L${x + 18} 70 L${x + 22} 75`}));
    }
    if (i > 0) {
      const x0 = x - gap;
      root.append(svg("line", {x1: x0, y1: 42, x2: x - 3, y2: 42}));
      root.append(svg("path", {d: `M${x - 8} 38 L${x - 2} 42 L${x - 8} 46`}));
    }
  });
  return root;
}

function modelSection(model) {
  const section = el("section", {class: "model", id: "model-" + model.name});
  const algo = el("table", {class: "algo"},
    el("tr", {}, el("td", {}, "Training:"),
       el("td", {}, `${RULES[model.algorithm] || model.algorithm} (${model.algorithm})`)),
    el("tr", {}, el("td", {}, "Performance:"),
       el("td", {}, `${PERFORMS[model.perform] || model.perform} (${model.perform})`)));
  section.append(el("h2", {}, `${model.name} (${model.type})`),
                 el("h3", {}, "Neural Network"), diagram(model.layers),
                 el("h3", {}, "Algorithms"), algo, el("h3", {}, "Progress"),
                 el("div", {class: "trainings"}), el("div", {class: "links"}));
  return section;
}

function trainingBlock(model, t, several) {
  const block = el("div", {class: "training", "data-run": t.run});
  const title = el("div", {class: "title"}, several ? `Run ${t.run} (seed ${t.seed})` : "");
  // with several runs a finished one shows one line; a click on its title opens it again
  title.addEventListener("click", () => { block.dataset.open = block.dataset.open ? "" : "1"; });
  block.append(title, el("div", {class: "done-line"}),
               el("table", {class: "bars"}), el("canvas", {class: "curve", width: 540,
               height: 220}), el("div", {class: "reason"}));
  return block;
}

function updateBars(table, bars) {
  for (const b of bars) {
    let row = table.querySelector(`tr[data-bar="${b.name}"]`);
    if (!row) {
      row = el("tr", {"data-bar": b.name}, el("td", {class: "name"}, b.name),
               el("td", {class: "start"}),
               el("td", {}, el("div", {class: "bar"}, el("div", {class: "fill"}),
                               el("div", {class: "value"}))),
               el("td", {class: "limit"}));
      table.append(row);
    }
    const time = b.name === "Time";
    const fmt = time ? clock : num;
    row.querySelector(".bar").classList.toggle("none", b.frac === null);
    row.querySelector(".fill").style.width = `${100 * (b.frac || 0)}%`;
    row.querySelector(".value").textContent = fmt(b.value);
    row.querySelector(".start").textContent = b.start === null ? "" : fmt(b.start);
    row.querySelector(".limit").textContent = b.limit === null && b.frac === null &&
      !time ? "" : fmt(b.limit);
  }
}

// plotperform: train, val and test perf on a log scale, the best epoch marked
function drawCurve(canvas, curve, best, perform) {
  const ctx = canvas.getContext("2d"), W = canvas.width, H = canvas.height;
  const L = 52, R = 10, T = 22, B = 26;
  ctx.clearRect(0, 0, W, H);
  const values = [].concat(curve.train, curve.val, curve.test).filter(v => v !== null && v > 0);
  if (!values.length) return;
  let lo = Math.floor(Math.log10(Math.min(...values)));
  let hi = Math.ceil(Math.log10(Math.max(...values)));
  if (hi === lo) hi = lo + 1;
  const last = Math.max(curve.epoch[curve.epoch.length - 1], 1);
  const X = e => L + (W - L - R) * e / last;
  const Y = v => T + (H - T - B) * (hi - Math.log10(v)) / (hi - lo);
  ctx.strokeStyle = "#ddd"; ctx.fillStyle = "#444"; ctx.font = "10px sans-serif";
  for (let d = lo; d <= hi; d++) {
    ctx.beginPath(); ctx.moveTo(L, Y(10 ** d)); ctx.lineTo(W - R, Y(10 ** d)); ctx.stroke();
    ctx.fillText(`1e${d}`, 6, Y(10 ** d) + 3);
  }
  ctx.fillText("0", L - 3, H - 10);
  ctx.textAlign = "right"; ctx.fillText(String(last), W - R, H - 10); ctx.textAlign = "left";
  ctx.fillText(`${perform} (log)`, L, 12);
  for (const part of ["train", "val", "test"]) {
    ctx.strokeStyle = COLORS[part]; ctx.lineWidth = 1.5; ctx.beginPath();
    let pen = false;
    curve.epoch.forEach((e, i) => {
      const v = curve[part][i];
      if (v === null || v <= 0) { pen = false; return; }
      if (pen) ctx.lineTo(X(e), Y(v)); else ctx.moveTo(X(e), Y(v));
      pen = true;
    });
    ctx.stroke();
  }
  ctx.lineWidth = 1;
  const at = curve.epoch.indexOf(best);
  const bestPart = curve.val.some(v => v !== null) ? "val" : "train";
  if (at >= 0 && curve[bestPart][at] !== null) {
    const v = curve[bestPart][at];
    ctx.setLineDash([4, 3]); ctx.strokeStyle = "#555"; ctx.beginPath();
    ctx.moveTo(X(best), T); ctx.lineTo(X(best), H - B); ctx.stroke(); ctx.setLineDash([]);
    ctx.strokeStyle = COLORS[bestPart]; ctx.beginPath();
    ctx.arc(X(best), Y(v), 5, 0, 2 * Math.PI); ctx.stroke();
    ctx.fillStyle = "#222";
    // ends at the canvas' right margin, whatever its length (it was cut there)
    ctx.textAlign = "right";
    ctx.fillText(`Best ${bestPart === "val" ? "validation" : "training"} performance ` +
                 `${num(v)} at epoch ${best}`, W - R, 12);
    ctx.textAlign = "left";
  }
  let x = L + 8;
  for (const part of ["train", "val", "test"]) {
    if (!curve[part].some(v => v !== null)) continue;
    ctx.fillStyle = COLORS[part]; ctx.fillRect(x, H - 14, 12, 3);
    ctx.fillStyle = "#222"; ctx.fillText(part, x + 16, H - 10); x += 56;
  }
}

function pictureLinks(names, ofRun) {
  return names.map(name => {
    const kind = name.replace(/\.png$/, "").split("_")[0];
    const label = (PICTURE_NAMES[kind] || name) + (ofRun && kind === "errors" ?
                                                   " (every model)" : "");
    return el("a", {href: `files/${encodeURIComponent(name)}${TOKEN}`, target: "_blank",
                    rel: "noopener"}, label);
  });
}

function updateTraining(block, model, t, several) {
  const open = !several || t.state === "training" || (t.state === "done" && block.dataset.open);
  block.querySelector(".bars").hidden = !open || !t.bars;
  block.querySelector(".curve").hidden = !open || !t.curve;
  const line = block.querySelector(".done-line");
  const idle = t.state === "waiting" || t.state === "not trained";
  line.textContent = idle ? t.state : !open && t.state === "done" ?
    `${t.epoch} epochs, best epoch ${t.best_epoch}: ${t.stop_reason}` : "";
  block.querySelector(".reason").textContent = open && t.stop_reason ? t.stop_reason : "";
  if (open && t.bars) updateBars(block.querySelector(".bars"), t.bars);
  if (open && t.curve) drawCurve(block.querySelector(".curve"), t.curve, t.best_epoch,
                                 model.perform);
}

function updateModel(model, several) {
  let section = document.getElementById("model-" + model.name);
  if (!section) {
    section = modelSection(model);
    document.getElementById("models").append(section);
  }
  const list = section.querySelector(".trainings");
  for (const t of model.trainings) {
    let block = list.querySelector(`[data-run="${t.run}"]`);
    if (!block) {
      block = trainingBlock(model, t, several);
      list.append(block);
    }
    updateTraining(block, model, t, several);
  }
  const links = section.querySelector(".links");
  if (model.pictures.length && !links.childElementCount) {
    links.append(...pictureLinks(model.pictures));
  }
}

// a sweep: one row per cell (its values, runs done, state, median selection perf), the best
// cell so far marked, and the sweep's totals above
function sweepCell(c, keys, best) {
  const winner = best !== null && best.cell === c.cell;
  const row = el("tr", {class: `cell ${c.state}` + (winner ? " best" : ""), "data-cell": c.cell},
    el("td", {}, String(c.cell)), ...keys.map(k => el("td", {}, c.values[k])),
    el("td", {}, `${c.runs}/${c.of}`), el("td", {class: "state"}, c.state),
    el("td", {}, c.median === null ? "" : num(c.median) + (c.model ? ` (${c.model})` : "")),
    el("td", {}, winner ? "\u2605 best so far" : ""));
  return row;
}

function renderSweep(sw) {
  let section = document.getElementById("sweep");
  if (!section) {
    section = el("section", {class: "sweep", id: "sweep"}, el("h2", {}, "Sweep"),
                 el("div", {class: "totals"}), el("table", {class: "cells"}));
    document.getElementById("models").append(section);
  }
  const left = sw.left === null ? "" : `, ~${clock(sw.left)} left`;
  section.querySelector(".totals").textContent =
    `${sw.runs_done}/${sw.runs_total} runs, ${sw.cells_done}/${sw.cells_total} cells done, ` +
    `${clock(sw.elapsed)} elapsed${left}` + (sw.best === null ? "" :
    `; best so far: cell ${sw.best.cell}, model ${sw.best.model}, median ${sw.select} perf ` +
    num(sw.best.median));
  const head = el("tr", {}, ...["cell", ...sw.keys, "runs", "state",
                               `median ${sw.select} perf`, ""].map(h => el("th", {}, h)));
  section.querySelector(".cells").replaceChildren(
    head, ...sw.cells.map(c => sweepCell(c, sw.keys, sw.best)));
}

const STAGES = {starting: "reading the data", training: "training",
  writing: "writing the results", written: "results written"};

function render(s) {
  document.getElementById("run").textContent = s.sweep ?
    `${s.config}: sweep of ${s.sweep.cells_total} cells x ${s.runs} runs \u2192 ${s.out}` :
    `${s.config}: ${s.models.length} model(s)` + (s.runs > 1 ? `, runs: ${s.runs}` : "") +
    ` \u2192 ${s.out}`;
  if (s.sweep) renderSweep(s.sweep);
  for (const model of s.models) updateModel(model, s.runs > 1);
  const pics = document.getElementById("pictures");
  if (s.pictures.length && !pics.childElementCount) {
    pics.append(...pictureLinks(s.pictures, true));
  }
  const stop = document.getElementById("stop");
  stop.disabled = s.stage !== "training" || s.stop_requested;
  let stage = STAGES[s.stage] || s.stage;
  if (s.stop_requested && s.stage === "training") {
    stage = s.sweep ? "stopping the sweep" : "stopping at the next epoch";
  }
  if (s.exit_status !== null) {
    stage = `finished, exit status ${s.exit_status}; the page shows the run until you ` +
            "press Enter in its terminal";
  }
  document.getElementById("stage").textContent = stage;
}

async function poll() {
  try {
    const answer = await fetch("status" + TOKEN, {cache: "no-store"});
    if (answer.ok) render(await answer.json());
  } catch (e) {
    document.getElementById("stage").textContent = "the run has ended (bpnet no longer answers)";
    document.getElementById("stop").disabled = true;
    return;
  }
  setTimeout(poll, POLL_MS);
}

document.getElementById("stop").addEventListener("click", async (event) => {
  event.target.disabled = true;
  await fetch("stop" + TOKEN, {method: "POST"});
});
poll();
