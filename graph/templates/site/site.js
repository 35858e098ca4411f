// The site's one script (graph/templates/site/site.js): the index search and the timeline filters.
// It only reads the page's own JSON and puts text on screen with textContent.
"use strict";
(function () {
  const norm = s => (s || "").normalize("NFKC").toLowerCase().replace(/\s+/g, " ").trim();

  function search() {
    const input = document.getElementById("search");
    const data = document.getElementById("index-data");
    if (!input || !data) return;
    const rows = JSON.parse(data.textContent).map(r => ({ ...r, keys: [r.en, r.zh, ...r.aka].map(norm) }));
    const list = document.getElementById("results");
    const count = document.getElementById("count");
    function show() {
      const q = norm(input.value);
      list.replaceChildren();
      if (!q) { count.textContent = ""; return; }
      // exact names first, then names that start with the text, then names that contain it
      const rank = r => Math.min(...r.keys.map(k => k === q ? 0 : k.startsWith(q) ? 1 : k.includes(q) ? 2 : 3));
      const found = rows.map((r, i) => [rank(r), i, r]).filter(x => x[0] < 3)
        .sort((a, b) => a[0] - b[0] || a[1] - b[1]).map(x => x[2]);
      count.textContent = found.length + " found";
      for (const r of found.slice(0, 200)) {
        const li = document.createElement("li");
        const a = document.createElement("a");
        a.href = r.p;
        a.textContent = r.en || r.zh || r.p;
        li.append(a);
        if (r.zh) { const z = document.createElement("span"); z.className = "zh"; z.lang = "zh"; z.textContent = r.zh; li.append(z); }
        const c = document.createElement("span"); c.className = "cls"; c.textContent = r.c; li.append(c);
        list.append(li);
      }
    }
    input.addEventListener("input", show);
    show();
  }

  function timeline() {
    const form = document.getElementById("timeline-filter");
    if (!form) return;
    const fields = ["f-issuer", "f-class", "f-from", "f-to"].map(id => document.getElementById(id));
    const items = [...document.querySelectorAll(".mark, .mark-row")];
    const shown = document.getElementById("shown");
    function apply() {
      const [issuer, cls, from, to] = fields.map(f => f.value.trim());
      let n = 0;
      for (const el of items) {
        const d = el.dataset, year = Number(d.year);
        const ok = (!issuer || d.issuers.split(" ").includes(issuer)) && (!cls || d.class === cls)
          && (!from || year >= Number(from)) && (!to || year <= Number(to));
        el.classList.toggle("off", !ok);
        if (ok && el.classList.contains("mark")) n += 1;
      }
      shown.textContent = n + " marks";
    }
    fields.forEach(f => f.addEventListener("input", apply));
    form.addEventListener("submit", e => e.preventDefault());
    apply();
  }

  document.addEventListener("DOMContentLoaded", () => {
    search();
    timeline();
    document.documentElement.dataset.ready = "true";
  });
})();
