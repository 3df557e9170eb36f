// bonewise: a little vanilla JS, progressive enhancement only (every form works without it).
"use strict";
(function () {
  // Food search-as-you-type: fills the result list under [data-food-search] from the JSON API.
  function debounce(fn, ms) {
    let timer = null;
    return function (...args) { clearTimeout(timer); timer = setTimeout(() => fn.apply(this, args), ms); };
  }
  function setupFoodSearch(box) {
    const input = box.querySelector("input[type=search]");
    const list = box.querySelector(".results");
    const status = box.querySelector("[role=status]");
    const target = document.getElementById(box.dataset.target);
    const label = document.getElementById(box.dataset.label);
    if (!input || !list || !target) return;
    const run = debounce(async function () {
      const q = input.value.trim();
      if (q.length < 2) { list.replaceChildren(); status.textContent = ""; return; }
      const resp = await fetch("/api/v1/foods?q=" + encodeURIComponent(q), { credentials: "same-origin" });
      if (!resp.ok) { status.textContent = "Search failed (" + resp.status + ")"; return; }
      const foods = await resp.json();
      list.replaceChildren();
      for (const f of foods) {
        const li = document.createElement("li");
        const b = document.createElement("button");
        b.type = "button";
        b.textContent = f.description;
        b.dataset.ndb = f.ndb_no;
        b.addEventListener("click", function () {
          target.value = f.ndb_no;
          if (label) label.textContent = f.description;
          input.value = f.description;
          list.replaceChildren();
          status.textContent = "Chosen: " + f.description;
          const measure = document.getElementById(box.dataset.measure);
          if (measure && f.measures) {
            measure.replaceChildren();
            const g = document.createElement("option"); g.value = "g"; g.textContent = "grams"; measure.append(g);
            for (const m of f.measures) { const o = document.createElement("option"); o.value = m; o.textContent = m; measure.append(o); }
            if (f.measures.length) measure.value = f.measures[0];
          }
        });
        li.append(b);
        list.append(li);
      }
      status.textContent = foods.length + (foods.length === 1 ? " food found" : " foods found");
    }, 200);
    input.addEventListener("input", run);
  }
  document.addEventListener("DOMContentLoaded", function () {
    document.querySelectorAll("[data-food-search]").forEach(setupFoodSearch);
  });
})();
