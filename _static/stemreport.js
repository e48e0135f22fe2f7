/* The book's own script: small enhancements that degrade to plain HTML without JavaScript.
 *
 * 1. Figures open at full size: each figure image becomes a link to its own file (on a phone, a
 *    reader can zoom into the image itself).
 * 2. Search works from file://: Sphinx's search fetches each result page to show a summary, which a
 *    browser refuses for local files (a CORS error per result). Opened from a file, the search page
 *    gets the summaries from _static/stemreport-pages.js (page texts written at build time) instead.
 * 3. The all-claims table gets search and filters (story, theme, verdict) from the vendored
 *    simple-datatables library, loaded only on that page.
 */
(function () {
  "use strict";
  const root = document.documentElement.dataset.content_root || "./";

  // 2. Search summaries offline (installed at once: Sphinx's search starts on DOMContentLoaded).
  if (location.protocol === "file:") {
    let pages = null;
    const load = () => pages || (pages = new Promise((done) => {
      const script = document.createElement("script");
      script.src = root + "_static/stemreport-pages.js";
      script.onload = script.onerror = () => done(window.STEMREPORT_PAGES || {});
      document.head.appendChild(script);
    }));
    const nativeFetch = window.fetch.bind(window);
    window.fetch = async (resource, options) => {
      const url = new URL(String(resource), location.href);
      if (url.protocol !== "file:") return nativeFetch(resource, options);
      const texts = await load();
      const base = new URL(root, location.href).pathname;
      const key = decodeURIComponent(url.pathname).slice(decodeURIComponent(base).length);
      return new Response(texts[key] || "", {status: 200, headers: {"Content-Type": "text/html"}});
    };
  }

  const ready = (fn) => document.readyState === "loading" ? document.addEventListener("DOMContentLoaded", fn) : fn();

  ready(() => {
    // 1. Figures at full size.
    document.querySelectorAll("figure img").forEach((img) => {
      if (img.closest("a")) return;
      const link = document.createElement("a");
      link.href = img.getAttribute("src");
      link.className = "figure-full-size";
      link.title = "Open the figure at full size";
      img.replaceWith(link);
      link.appendChild(img);
    });

    // 3. The all-claims table.
    const table = document.querySelector("table.all-claims");
    if (!table) return;
    const css = document.createElement("link");
    css.rel = "stylesheet";
    css.href = root + "_static/simple-datatables/style.css";
    document.head.appendChild(css);
    const script = document.createElement("script");
    script.src = root + "_static/simple-datatables/simple-datatables.js";
    script.onload = () => enhance(table);
    document.head.appendChild(script);
  });

  function enhance(table) {
    const headers = [...table.querySelectorAll("thead th")].map((th) => th.textContent.trim());
    const filterColumns = ["Story", "Theme", "Verdict"].map((name) => headers.indexOf(name)).filter((i) => i >= 0);
    const values = filterColumns.map((col) => [...new Set([...table.querySelectorAll("tbody tr")].map(
      (tr) => tr.children[col].textContent.trim()))].sort());
    // A filter matches its column exactly ("Supported" must not match "Partly supported"); the search box
    // matches words anywhere.
    const cellText = (cell) => String(cell.text !== undefined ? cell.text : cell.data).trim().toLowerCase();
    const exact = (terms, cell, row, column, source) => source === "filter"
      ? terms.some((t) => cellText(cell) === t.toLowerCase())
      : terms.every((t) => cellText(cell).includes(t.toLowerCase()));
    const dt = new window.simpleDatatables.DataTable(table, {
      paging: false, searchable: true, sortable: true, fixedHeight: false,
      fixedColumns: false,  // widths follow the window (fixed ones are measured once, at load, and then overflow)
      // Filter values keep their punctuation ("S004, Bone-marrow MSCs"): the library strips it from terms by default.
      columns: filterColumns.map((col) => ({select: col, searchMethod: exact, ignorePunctuation: false})),
      labels: {placeholder: "Search the claims", searchTitle: "Search the claims", noRows: "No claim matches",
               info: "{rows} claims shown", noResults: "No claim matches"},
    });
    const bar = document.createElement("div");
    bar.className = "claims-filters";
    const selects = filterColumns.map((col, i) => {
      const label = document.createElement("label");
      label.textContent = headers[col] + " ";
      const select = document.createElement("select");
      select.dataset.column = String(col);
      select.name = "filter-" + headers[col].toLowerCase();
      select.appendChild(new Option("all", ""));
      values[i].forEach((v) => select.appendChild(new Option(v, v)));
      label.appendChild(select);
      bar.appendChild(label);
      return select;
    });
    const count = document.createElement("span");
    count.className = "claims-count";
    count.setAttribute("aria-live", "polite");
    bar.appendChild(count);
    const wrapper = table.closest(".datatable-wrapper") || table.parentElement;
    wrapper.parentElement.insertBefore(bar, wrapper);
    const update = () => {
      const queries = selects.filter((s) => s.value).map((s) => ({terms: [s.value], columns: [Number(s.dataset.column)]}));
      dt.multiSearch(queries, "filter");
    };
    const shown = () => { count.textContent = `${table.querySelectorAll("tbody tr:not(.datatable-empty)").length} shown`; };
    selects.forEach((s) => s.addEventListener("change", update));
    dt.on("datatable.search", shown);
    dt.on("datatable.multisearch", shown);
    dt.on("datatable.update", shown);
    shown();
    document.documentElement.dataset.claimsTable = "ready";
  }
})();
