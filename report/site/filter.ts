import { html, type Html } from '../html.js';

/**
 * The filter box: the site's only script, inlined in each page that has one and allowed by its hash in
 * the page's Content-Security-Policy (page.ts). It hides the rows of the box's table that do not hold every
 * word typed (case-insensitive), counts what is shown, and takes a first value from `?q=` so a link can
 * open a list already filtered (`people/index.html?q=ann`). Without the script (blocked, or off) the box
 * stays hidden and every row shows.
 */
export const FILTER_SCRIPT = `(function () {
  var q = new URLSearchParams(location.search).get('q') || '';
  document.querySelectorAll('input[data-filter]').forEach(function (input) {
    var box = document.getElementById(input.getAttribute('data-filter'));
    var out = input.parentElement.querySelector('output');
    var rows = box ? Array.prototype.slice.call(box.querySelectorAll('tbody tr')) : [];
    var text = rows.map(function (r) { return r.textContent.toLowerCase(); });
    function apply() {
      var words = input.value.toLowerCase().split(/\\s+/).filter(Boolean);
      var shown = 0;
      rows.forEach(function (r, i) {
        var ok = words.every(function (w) { return text[i].indexOf(w) >= 0; });
        r.hidden = !ok;
        if (ok) shown++;
      });
      if (out) out.textContent = shown + ' of ' + rows.length + ' rows';
    }
    input.parentElement.hidden = false;
    if (q && !input.value) input.value = q;
    input.addEventListener('input', apply);
    apply();
  });
})();
`;

/** A filter box over the table inside the element `target` (hidden until the script shows it). */
export function filterBox(target: string, label: string): Html {
  return html`<div class="filter" hidden><input type="search" data-filter="${target}" aria-label="${label}" placeholder="${label}" autocomplete="off"><output aria-live="polite"></output></div>`;
}

/** A table with a filter box above it; the box only when the table has rows. */
export function filtered(id: string, label: string, table: Html, rows: number): Html {
  return rows > 0 ? html`${filterBox(id, label)}<div id="${id}">${table}</div>` : table;
}
