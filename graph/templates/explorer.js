/* The explorer: builds the vis-network view from the page's JSON data.
 *
 * Safety: data only ever reaches the screen through textContent, createElement
 * and vis-network plain-string tooltips (shown as text). No innerHTML anywhere.
 * Speed: physics runs for a bounded number of iterations, then is switched off.
 * Labels: vis-network draws none; after each frame the page writes the names of the
 * most connected entities in view at a fixed, legible size, skipping any name that
 * would overlap one already written (see drawLabels).
 * State for tests and scripting: window.cdkg (network, nodes, edges, ready, labels).
 */
(function () {
  "use strict";

  // The physics budget: about 200 iterations for small graphs, fewer for big ones
  // (each iteration costs about n log n), never under 50; then physics is switched off.
  function stabilizationIterations(count) {
    return Math.max(50, Math.min(200, Math.round(50000 / Math.max(count, 1))));
  }

  var SVG = "http://www.w3.org/2000/svg"; // an XML namespace name, not a request
  var FACE = "Arial, 'WenQuanYi Micro Hei', 'PingFang SC', 'Microsoft YaHei', sans-serif";
  var LABEL_PX = 13;       // names on the canvas are written at this size, whatever the zoom
  var MAX_LABELS = 60;     // and at most this many at once (about 40 fit the overview)
  var started = performance.now();
  var DATA = JSON.parse(document.getElementById("cdkg-data").textContent);
  var byId = Object.create(null);
  var familyOn = Object.create(null);
  var familyByKey = Object.create(null);
  var predicateOn = Object.create(null);
  var relations = Object.create(null);
  var searchIndex = [];
  var api = { data: DATA, ready: false, readyMs: null, layoutMs: null, animating: false, labels: [] };
  window.cdkg = api;

  // -- small DOM helpers ------------------------------------------------------

  function el(tag, text, className) {
    var node = document.createElement(tag);
    if (text !== undefined && text !== null) node.textContent = String(text);
    if (className) node.className = className;
    return node;
  }

  function clear(node) {
    while (node.firstChild) node.removeChild(node.firstChild);
  }

  function swatch(shape, colour) {
    var svg = document.createElementNS(SVG, "svg");
    svg.setAttribute("width", "16");
    svg.setAttribute("height", "16");
    svg.setAttribute("viewBox", "0 0 16 16");
    svg.setAttribute("class", "swatch");
    var points = {
      diamond: "8,1 15,8 8,15 1,8", triangle: "8,1 15,14 1,14", triangleDown: "1,2 15,2 8,15",
      hexagon: "4,1.5 12,1.5 15.5,8 12,14.5 4,14.5 0.5,8", square: "2,2 14,2 14,14 2,14",
      star: "8,0.5 10,6 15.5,6 11,9.5 12.8,15 8,11.7 3.2,15 5,9.5 0.5,6 6,6"
    };
    var shapeEl;
    if (points[shape]) {
      shapeEl = document.createElementNS(SVG, "polygon");
      shapeEl.setAttribute("points", points[shape]);
    } else {
      shapeEl = document.createElementNS(SVG, "circle");
      shapeEl.setAttribute("cx", "8");
      shapeEl.setAttribute("cy", "8");
      shapeEl.setAttribute("r", "6.5");
    }
    shapeEl.setAttribute("fill", colour);
    shapeEl.setAttribute("stroke", "#555");
    shapeEl.setAttribute("stroke-width", "0.8");
    svg.appendChild(shapeEl);
    return svg;
  }

  function fold(text) {
    return String(text || "").normalize("NFKC").toLowerCase();
  }

  function words(name) {
    return name.replace(/([a-z])([A-Z])/g, "$1 $2").toLowerCase();
  }

  // -- the network ------------------------------------------------------------

  function visNode(n) {
    return { id: n.id, group: n.family, value: n.size, title: n.tooltip };
  }

  function visEdge(e) {
    var edge = { id: e.id, from: e.from, to: e.to, label: e.predicate, title: e.tooltip };
    if (e.curve > 0) {  // parallel relations between the same pair bend apart
      edge.smooth = { enabled: true, type: e.curve % 2 ? "curvedCW" : "curvedCCW", roundness: 0.2 * Math.ceil(e.curve / 2) };
    }
    return edge;
  }

  function groups() {
    var out = {};
    DATA.families.forEach(function (c) {
      out[c.key] = {
        shape: c.shape,
        color: { background: c.colour, border: "#4a4a4a",
                 highlight: { background: c.colour, border: "#111" }, hover: { background: c.colour, border: "#111" } }
      };
    });
    return out;
  }

  function options(count) {
    var big = count > 300;
    return {
      autoResize: true,
      groups: groups(),
      layout: { randomSeed: 20240601, improvedLayout: count <= 100 },
      nodes: {
        borderWidth: 1,
        font: { size: 14, face: FACE,
                color: "#1f2933", strokeWidth: 3, strokeColor: "#ffffff" },
        // Size grows with the number of links; so does the label, so that when zoomed
        // out the labels of hubs stay readable and those of leaves are left out.
        scaling: { min: 8, max: 36, label: { enabled: true, min: 12, max: 24, maxVisible: 24, drawThreshold: 6 } }
      },
      edges: {
        arrows: { to: { enabled: true, scaleFactor: 0.5 } },
        smooth: { enabled: true, type: "continuous", roundness: 0.15 },  // not "dynamic": no extra physics
        color: { color: "#9aa5b1", highlight: "#2f6fb3", hover: "#52606d", inherit: false },
        width: 1,
        selectionWidth: 2,
        font: { size: 10, color: "#52606d", strokeWidth: 3, strokeColor: "#ffffff" },
        scaling: { label: { drawThreshold: 7 } }
      },
      physics: {
        enabled: true,
        solver: "forceAtlas2Based",
        forceAtlas2Based: { gravitationalConstant: -200, centralGravity: 0.02, springLength: 150,
                            springConstant: 0.06, damping: 0.5, avoidOverlap: 0.6, theta: 0.9 },
        maxVelocity: 60,
        minVelocity: 0.75,
        stabilization: { enabled: true, iterations: stabilizationIterations(count), updateInterval: 10, fit: true }
      },
      interaction: { hover: true, tooltipDelay: 120, hideEdgesOnDrag: big, hideEdgesOnZoom: big,
                     keyboard: false, multiselect: false }
    };
  }

  DATA.nodes.forEach(function (n) {
    byId[n.id] = n;
    relations[n.id] = [];
    searchIndex.push({ id: n.id, names: [n.label, n.label_zh].concat(n.aliases, [n.id]).filter(Boolean).map(fold) });
  });
  DATA.edges.forEach(function (e) {
    relations[e.from].push({ edge: e, direction: "out", other: e.to });
    if (e.to !== e.from) relations[e.to].push({ edge: e, direction: "in", other: e.from });
  });
  Object.keys(relations).forEach(function (id) {
    relations[id].sort(function (a, b) {
      var ka = [a.direction === "out" ? 0 : 1, a.edge.predicate, byId[a.other].display, a.edge.id];
      var kb = [b.direction === "out" ? 0 : 1, b.edge.predicate, byId[b.other].display, b.edge.id];
      for (var i = 0; i < ka.length; i++) if (ka[i] !== kb[i]) return ka[i] < kb[i] ? -1 : 1;
      return 0;
    });
  });
  DATA.families.forEach(function (f) { familyOn[f.key] = true; familyByKey[f.key] = f; });
  // Who gets a name first when names would overlap: the most connected, then by name.
  var labelOrder = DATA.nodes.slice().sort(function (a, b) {
    return b.degree - a.degree || (a.display < b.display ? -1 : a.display > b.display ? 1 : 0);
  }).map(function (n) { return n.id; });
  DATA.predicates.forEach(function (p) { predicateOn[p.name] = true; });

  var nodes = new vis.DataSet(DATA.nodes.map(visNode));
  var edges = new vis.DataSet(DATA.edges.map(visEdge));
  var container = document.getElementById("network");
  var network = new vis.Network(container, { nodes: nodes, edges: edges }, options(DATA.nodes.length));
  api.network = network;
  api.nodes = nodes;
  api.edges = edges;

  // -- readiness: bounded stabilisation, then frozen ---------------------------

  var loading = document.getElementById("loading");
  var loadingFill = document.getElementById("loading-fill");
  var loadingText = document.getElementById("loading-text");
  loadingText.textContent = "Laying out " + DATA.nodes.length + " entities…";

  network.on("stabilizationProgress", function (p) {
    loadingFill.style.width = Math.round(100 * p.iterations / p.total) + "%";
  });

  function finish() {
    if (api.ready) return;
    network.setOptions({ physics: { enabled: false } });
    network.fit({ animation: false });
    loading.classList.add("done");
    api.layoutMs = Math.round(performance.now() - started);
    api.readyMs = Math.round(performance.now());
    api.ready = true;
    network.redraw();  // now with the names
    document.documentElement.setAttribute("data-ready", "true");
    updateStats();
    if (DATA.focus) select(DATA.focus, false);
    else selectFromAddress();
  }

  // graph.html#id:alibaba-group opens on that entity (the site's pages link here so).
  function selectFromAddress() {
    var id;
    try { id = decodeURIComponent(window.location.hash.slice(1)); } catch (e) { return; }
    if (id && byId[id]) select(id, false);
  }
  window.addEventListener("hashchange", selectFromAddress);

  network.once("stabilizationIterationsDone", finish);
  network.once("stabilized", finish);
  if (DATA.nodes.length === 0) finish();

  // -- stats, legend and filters -------------------------------------------------

  function updateStats() {
    var shownNodes = nodes.get({ filter: function (n) { return !n.hidden; } }).length;
    var shownEdges = edges.get({ filter: function (e) { return !e.hidden; } }).length;
    var text = shownNodes + " of " + DATA.nodes.length + " entities, " + shownEdges + " of " +
      DATA.edges.length + " relations";
    if (api.layoutMs !== null) text += " · laid out in " + api.layoutMs + " ms";
    document.getElementById("stats").textContent = text;
  }

  function shownIds() {
    return DATA.nodes.filter(function (n) { return familyOn[n.family]; }).map(function (n) { return n.id; });
  }

  // Hide what the filters leave out, then fit the view to what is left.
  function applyFilters() {
    nodes.update(DATA.nodes.map(function (n) { return { id: n.id, hidden: !familyOn[n.family] }; }));
    edges.update(DATA.edges.map(function (e) {
      var shown = predicateOn[e.predicate] && familyOn[byId[e.from].family] && familyOn[byId[e.to].family];
      return { id: e.id, hidden: !shown };
    }));
    var ids = shownIds();
    if (api.ready && ids.length) network.fit({ nodes: ids, animation: false });
    updateStats();
  }

  function checkboxList(listId, items, state, decorate) {
    var list = document.getElementById(listId);
    var boxes = [];
    items.forEach(function (item) {
      var li = el("li");
      var label = el("label");
      var box = el("input");
      box.type = "checkbox";
      box.checked = true;
      var key = item.key || item.name;
      box.value = key;
      box.addEventListener("change", function () { state[key] = box.checked; applyFilters(); });
      label.appendChild(box);
      if (decorate) label.appendChild(decorate(item));
      var name = el("span", item.name, "name");
      if (item.name_zh) name.appendChild(el("span", " " + item.name_zh, "zh"));
      if (item.classes) name.title = item.classes.join(", ");
      label.appendChild(name);
      label.appendChild(el("span", item.count, "count"));
      li.appendChild(label);
      list.appendChild(li);
      boxes.push(box);
    });
    return function setAll(on) {
      boxes.forEach(function (box) { box.checked = on; state[box.value] = on; });
      applyFilters();
    };
  }

  var setClasses = checkboxList("class-legend", DATA.families, familyOn, function (f) { return swatch(f.shape, f.colour); });
  var setPredicates = checkboxList("predicate-filters", DATA.predicates, predicateOn, null);
  document.getElementById("classes-all").addEventListener("click", function () { setClasses(true); });
  document.getElementById("classes-none").addEventListener("click", function () { setClasses(false); });
  document.getElementById("predicates-all").addEventListener("click", function () { setPredicates(true); });
  document.getElementById("predicates-none").addEventListener("click", function () { setPredicates(false); });

  function showFamily(name) {
    if (familyOn[name]) return;
    familyOn[name] = true;
    document.querySelectorAll("#class-legend input").forEach(function (box) {
      if (box.value === name) box.checked = true;
    });
    applyFilters();
  }

  // -- names on the canvas --------------------------------------------------------

  var widths = Object.create(null);

  function overlaps(box, placed) {
    for (var i = 0; i < placed.length; i++) {
      var o = placed[i];
      if (box.x < o.x + o.w && o.x < box.x + box.w && box.y < o.y + o.h && o.y < box.y + box.h) return true;
    }
    return false;
  }

  // Whether a name's box lies inside the canvas and clear of the names already written.
  function fits(box, placed, width, height) {
    return box.x >= 0 && box.y >= 0 && box.x + box.w <= width && box.y + box.h <= height && !overlaps(box, placed);
  }

  // After each frame: the selected entity's name, then those of the most connected entities
  // in view, each below its node (or above it when below is taken), skipping names that would
  // overlap one already written or leave the canvas. What was written is kept in cdkg.labels
  // (boxes in canvas pixels).
  function drawLabels(ctx) {
    var placed = [];
    if (api.ready) {
      var scale = network.getScale();
      var frame = network.canvas.frame.canvas;
      var width = frame.clientWidth, height = frame.clientHeight;
      var ratio = network.canvas.pixelRatio || 1;
      var order = network.getSelectedNodes().concat(labelOrder);
      var done = Object.create(null);
      ctx.save();
      ctx.setTransform(ratio, 0, 0, ratio, 0, 0);
      ctx.font = LABEL_PX + "px " + FACE;
      ctx.textAlign = "center";
      ctx.textBaseline = "top";
      ctx.lineJoin = "round";
      ctx.lineWidth = 4;
      ctx.strokeStyle = "rgba(255, 255, 255, 0.95)";
      ctx.fillStyle = "#1f2933";
      for (var i = 0; i < order.length && placed.length < MAX_LABELS; i++) {
        var id = order[i];
        var body = network.body.nodes[id];
        if (done[id] || !body || body.options.hidden) continue;
        done[id] = true;
        var p = network.canvasToDOM({ x: body.x, y: body.y });
        var text = byId[id].short;
        var w = widths[text] || (widths[text] = ctx.measureText(text).width);
        var gap = body.options.size * scale + 2;
        var box = { x: p.x - w / 2 - 2, y: p.y + gap, w: w + 4, h: LABEL_PX + 5 };  // below the node
        if (!fits(box, placed, width, height)) {
          box.y = p.y - gap - box.h;  // else above it, else not at all
          if (!fits(box, placed, width, height)) continue;
        }
        ctx.strokeText(text, p.x, box.y + 2);
        ctx.fillText(text, p.x, box.y + 2);
        placed.push({ id: id, text: text, x: box.x, y: box.y, w: box.w, h: box.h, px: LABEL_PX });
      }
      ctx.restore();
    }
    api.labels = placed;
  }

  network.on("afterDrawing", drawLabels);

  // -- the details panel ---------------------------------------------------------

  var details = document.getElementById("details");

  function section(title) {
    details.appendChild(el("h3", title));
  }

  function citeText(s) {
    var text = s.title || s.source;
    if (s.locator) text += ", " + s.locator;
    return text;
  }

  // A source's address as a link, only for http and https; anything else stays text.
  function webAddress(url) {
    try {
      var parsed = new URL(String(url || ""));
      return parsed.protocol === "http:" || parsed.protocol === "https:" ? parsed.href : null;
    } catch (e) {
      return null;
    }
  }

  function citation(s) {
    var href = webAddress(s.url);
    if (!href) return el("span", citeText(s));
    var a = el("a", citeText(s));
    a.href = href;
    a.target = "_blank";
    a.rel = "noopener noreferrer";
    return a;
  }

  function sourceList(sources) {
    var ul = el("ul", null, "sources");
    sources.forEach(function (s) {
      var li = el("li");
      li.appendChild(citation(s));
      if (s.note) li.appendChild(el("div", s.note, "cite"));
      li.appendChild(el("div", s.source, "cite"));
      ul.appendChild(li);
    });
    return ul;
  }

  function entityLink(id) {
    var b = el("button", byId[id].display, "link");
    b.type = "button";
    b.addEventListener("click", function () { select(id, true); });
    return b;
  }

  function edgeFacts(e) {
    var facts = [];
    if (e.start) facts.push("from " + e.start);
    if (e.end) facts.push("until " + e.end);
    if (e.stake !== null && e.stake !== undefined) facts.push("stake " + e.stake + "%");
    return facts.join(", ");
  }

  function showNode(id) {
    var n = byId[id];
    clear(details);
    details.appendChild(el("h2", n.label || n.display));
    if (n.label_zh) details.appendChild(el("div", n.label_zh, "zh"));
    var family = familyByKey[n.family];
    details.appendChild(el("div", n.types.join(", ") + " · " + family.name + " " + family.name_zh + " · " + n.id, "meta"));
    if (n.iri) details.appendChild(el("div", n.iri, "meta"));
    if (n.aliases.length) {
      section("Also known as");
      details.appendChild(el("div", n.aliases.join(" · ")));
    }
    var dateNames = Object.keys(n.dates);
    if (dateNames.length) {
      section("Dates");
      var dl = el("dl");
      dateNames.forEach(function (k) {
        dl.appendChild(el("dt", words(k)));
        dl.appendChild(el("dd", n.dates[k].join(", ")));
      });
      details.appendChild(dl);
    }
    section("Sources (" + n.sources.length + ")");
    details.appendChild(sourceList(n.sources));
    section("Relations (" + relations[id].length + ")");
    var ul = el("ul", null, "relations");
    relations[id].forEach(function (r) {
      var li = el("li");
      li.appendChild(el("span", r.direction === "out" ? "→ " + r.edge.predicate + " → " : "← " + r.edge.predicate + " ← ", "pred"));
      li.appendChild(entityLink(r.other));
      var facts = edgeFacts(r.edge);
      if (facts) li.appendChild(el("div", facts, "cite"));
      r.edge.sources.forEach(function (s) {
        var cite = el("div", "source: ", "cite");
        cite.appendChild(citation(s));
        li.appendChild(cite);
      });
      ul.appendChild(li);
    });
    details.appendChild(ul);
  }

  function showEdge(id) {
    var e = DATA.edges.filter(function (x) { return x.id === id; })[0];
    if (!e) return;
    clear(details);
    details.appendChild(el("h2", e.predicate, "pred"));
    var p = el("div");
    p.appendChild(entityLink(e.from));
    p.appendChild(el("span", " → " + e.predicate + " → ", "pred"));
    p.appendChild(entityLink(e.to));
    details.appendChild(p);
    var facts = edgeFacts(e);
    if (facts) details.appendChild(el("div", facts));
    details.appendChild(el("div", e.id, "meta"));
    section("Sources (" + e.sources.length + ")");
    details.appendChild(sourceList(e.sources));
  }

  function select(id, animate) {
    var n = byId[id];
    if (!n) return false;
    showFamily(n.family);
    network.selectNodes([id]);
    api.animating = !!animate;
    var scale = network.getScale();
    network.focus(id, { scale: scale < 0.7 ? 0.9 : scale,
                        animation: animate ? { duration: 300, easingFunction: "easeInOutQuad" } : false });
    showNode(id);
    return true;
  }

  api.select = select;
  network.on("animationFinished", function () { api.animating = false; });

  network.on("click", function (p) {
    if (p.nodes.length) showNode(p.nodes[0]);
    else if (p.edges.length) showEdge(p.edges[0]);
  });

  // -- search ------------------------------------------------------------------

  var search = document.getElementById("search");
  var results = document.getElementById("search-results");
  var current = [];

  function matches(text) {
    var q = fold(text).trim();
    if (!q) return [];
    var found = [];
    searchIndex.forEach(function (entry) {
      var rank = 3;
      entry.names.forEach(function (name) {
        if (name === q) rank = Math.min(rank, 0);
        else if (name.indexOf(q) === 0) rank = Math.min(rank, 1);
        else if (name.indexOf(q) > 0) rank = Math.min(rank, 2);
      });
      if (rank < 3) found.push({ id: entry.id, rank: rank });
    });
    found.sort(function (a, b) {
      var la = byId[a.id].display, lb = byId[b.id].display;
      return a.rank - b.rank || (la < lb ? -1 : la > lb ? 1 : 0);
    });
    return found.slice(0, 15).map(function (f) { return f.id; });
  }

  function closeResults() {
    results.hidden = true;
    clear(results);
  }

  function pick(id) {
    closeResults();
    search.value = byId[id].display;
    select(id, true);
  }

  function showResults() {
    current = matches(search.value);
    clear(results);
    if (!search.value.trim()) { results.hidden = true; return; }
    if (!current.length) results.appendChild(el("li", "no match", "empty"));
    current.forEach(function (id, i) {
      var li = el("li", byId[id].display);
      li.appendChild(el("span", byId[id].type, "kind"));
      li.setAttribute("role", "option");
      if (i === 0) li.className = "active";
      li.addEventListener("mousedown", function (ev) { ev.preventDefault(); pick(id); });
      results.appendChild(li);
    });
    results.hidden = false;
  }

  search.addEventListener("input", showResults);
  search.addEventListener("keydown", function (ev) {
    if (ev.key === "Enter") {
      var found = matches(search.value);
      if (found.length) pick(found[0]);
      ev.preventDefault();
    } else if (ev.key === "Escape") {
      closeResults();
    }
  });
  search.addEventListener("blur", closeResults);
  api.search = function (text) {
    var found = matches(text);
    if (found.length) select(found[0], false);
    return found;
  };

  updateStats();
}());
