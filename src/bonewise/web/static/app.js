// bonewise: a little vanilla JS, progressive enhancement only (every form works without it).
"use strict";
(function () {
  function debounce(fn, ms) {
    let timer = null;
    return function (...args) { clearTimeout(timer); timer = setTimeout(() => fn.apply(this, args), ms); };
  }
  // Food search-as-you-type: asks the server for the rendered result list and swaps it in.
  function setupFoodSearch(box) {
    const input = box.querySelector("input[type=search]");
    const results = document.getElementById(box.dataset.results);
    if (!input || !results) return;
    let latest = 0;
    const run = debounce(async function () {
      const q = input.value.trim();
      if (q.length < 2) return;
      const ticket = ++latest;
      const resp = await fetch(box.dataset.url + "&q=" + encodeURIComponent(q), { credentials: "same-origin" });
      if (ticket !== latest) return; // a newer search has started
      if (!resp.ok) { results.textContent = "Search failed (" + resp.status + "). Press Search to try again."; return; }
      results.innerHTML = await resp.text();
    }, 250);
    input.addEventListener("input", run);
  }
  // Narrow screens: every table with column headers can reflow into cards (CSS); each cell
  // gets its column's header as a label so a card reads "Calcium mg: 300", not a bare number.
  function labelCells(table) {
    const heads = Array.from(table.querySelectorAll("thead th")).map((th) => th.textContent.trim());
    if (!heads.length) return;
    table.querySelectorAll("tbody tr").forEach(function (row) {
      Array.from(row.children).forEach(function (cell, i) {
        if (heads[i] && !cell.hasAttribute("data-label")) cell.setAttribute("data-label", heads[i]);
      });
    });
    table.classList.add("cards-narrow", "labelled");
  }
  document.addEventListener("DOMContentLoaded", function () {
    document.querySelectorAll("main table").forEach(labelCells);
    document.querySelectorAll("[data-food-search]").forEach(setupFoodSearch);
  });
})();
