/* alignfetch's site: instant search, filters and sort over the entries of index.html.
 *
 * Every entry is an <article class="entry"> whose data attributes hold what it is
 * filtered and sorted on; its search text, lower-cased at build time, is in
 * assets/entries.js. A keystroke runs one plain loop over them (about 20 ms at 10,000
 * entries, benchmarks/bench_site.py: no search index is needed) and toggles `hidden`
 * only where it changes, a thousand entries a frame (see flush). The state lives in the
 * URL's query (?q=&section=&kind=
 * &year=&venue=&sort=), replaced as the reader types, so a search can be shared.
 * No request leaves the page.
 */
(function () {
  "use strict";
  var form = document.getElementById("controls");
  var input = document.getElementById("q");
  var count = document.getElementById("count");
  var listed = document.getElementById("listed");
  var sorted = document.getElementById("sorted");
  var none = document.getElementById("none");
  var selects = {
    section: document.getElementById("f-section"),
    kind: document.getElementById("f-kind"),
    year: document.getElementById("f-year"),
    venue: document.getElementById("f-venue"),
    sort: document.getElementById("f-sort")
  };
  var KEYS = ["q", "section", "kind", "year", "venue", "sort"];

  // assets/entries.js holds, in the page's order, each entry's lower-cased search text
  // and its abstract (or card summary), which stays out of the HTML: it is most of an
  // entry's text, and the page parses a third faster without it. An abstract is put
  // in its <details> when that is first opened.
  var data = window.alignfetchEntries || { q: [], abstracts: [] };

  function searchText(el, i) {
    var q = data.q[i];
    if (q === undefined) return el.textContent.toLowerCase();  // entries.js missing
    var long = data.abstracts[i];
    return long ? q + " " + long.toLowerCase() : q;
  }

  var nodes = document.querySelectorAll("article.entry");
  var entries = new Array(nodes.length);
  if (data.q.length !== nodes.length) {
    console.warn("assets/entries.js does not match index.html: searching the page's text only");
    data = { q: [], abstracts: [] };
  }
  for (var i = 0; i < nodes.length; i++) {
    var el = nodes[i];
    el.alignfetchIndex = i;
    var d = el.dataset;
    entries[i] = {
      el: el,
      home: el.parentNode,
      order: i,
      q: searchText(el, i),
      kind: d.kind,
      year: d.year || "",
      venue: d.venue || "",
      within: " " + d.in + " ",
      date: d.date || "",
      stars: d.stars ? +d.stars : -1,
      cites: d.cites ? +d.cites : -1,
      want: true,
      shown: true
    };
  }
  // Each section with the entries it holds, itself or below, to hide an emptied one.
  var sections = [];
  var secNodes = document.querySelectorAll("section.sec");
  var secIndex = {};
  for (var s = 0; s < secNodes.length; s++) {
    secIndex[secNodes[s].dataset.sec] = s;
    sections.push({ el: secNodes[s], parent: -1, shown: true, gone: false, n: 0 });
  }
  for (s = 0; s < secNodes.length; s++) {
    var up = secNodes[s].parentNode.closest("section.sec");
    if (up) sections[s].parent = secIndex[up.dataset.sec];
  }
  for (i = 0; i < entries.length; i++) {
    entries[i].sec = secIndex[entries[i].el.closest("section.sec").dataset.sec];
  }
  var total = entries.length;
  var currentSort = "";

  function state() {
    return {
      q: input.value,
      section: selects.section.value,
      kind: selects.kind.value,
      year: selects.year.value,
      venue: selects.venue.value,
      sort: selects.sort.value
    };
  }

  function apply() {
    var st = state();
    var terms = st.q.toLowerCase().split(/\s+/).filter(Boolean);
    var nt = terms.length;
    var within = st.section ? " " + st.section + " " : "";
    var shown = 0;
    for (var k = 0; k < sections.length; k++) sections[k].n = 0;
    for (var i = 0; i < total; i++) {
      var e = entries[i];
      var ok = (!st.kind || e.kind === st.kind) &&
        (!st.year || e.year === st.year) &&
        (!st.venue || e.venue === st.venue) &&
        (!within || e.within.indexOf(within) !== -1);
      for (var t = 0; ok && t < nt; t++) ok = e.q.indexOf(terms[t]) !== -1;
      e.want = ok;
      if (ok) {
        shown++;
        sections[e.sec].n++;
      }
    }
    // A section shows when it or a section below it holds a shown entry.
    for (k = sections.length - 1; k >= 0; k--) {
      var sec = sections[k];
      if (sec.parent >= 0) sections[sec.parent].n += sec.n;
    }
    for (k = 0; k < sections.length; k++) {
      sec = sections[k];
      sec.gone = sec.n === 0 || (sec.parent >= 0 && sections[sec.parent].gone);
      if (sec.n === 0 && sec.shown) {
        sec.shown = false;
        sec.el.hidden = true;
      }
    }
    if (st.sort !== currentSort) order(st.sort);
    // An entry in a section just hidden is hidden at once, which costs nothing there:
    // left for later, it would come back all at once with its section.
    if (view === entries) {
      for (i = 0; i < total; i++) {
        e = entries[i];
        if (!e.want && e.shown && sections[e.sec].gone) {
          e.shown = false;
          e.el.hidden = true;
        }
      }
    }
    for (k = 0; k < sections.length; k++) {
      sec = sections[k];
      if (sec.n > 0 && !sec.shown) {
        sec.shown = true;
        sec.el.hidden = false;
      }
    }
    if (frame) cancelAnimationFrame(frame);
    frame = 0;
    flush(0);
    count.textContent = shown === total
      ? total + " of " + total + " entries"
      : shown + " of " + total + " entries match";
    none.hidden = shown !== 0;
    remember(st);
  }

  // Showing or hiding an entry costs the browser about 15 microseconds of layout whatever
  // it holds: all 10,000 at once would take a keystroke 150 to 250 ms. So the entries
  // change in the order they are shown, BUDGET a frame: the top of the list is right in
  // the first frame (its sections, hidden or shown above, are right at once) and the
  // rest follows within a few frames; the count is right at once. A new keystroke
  // starts over.
  var BUDGET = 1000;
  var frame = 0;
  var view = entries;

  function flush(start) {
    var changes = 0;
    var i = start;
    for (; i < total && changes < BUDGET; i++) {
      var e = view[i];
      if (e.want !== e.shown) {
        e.shown = e.want;
        e.el.hidden = !e.want;
        changes++;
      }
    }
    frame = i < total ? requestAnimationFrame(function () { frame = 0; flush(i); }) : 0;
  }

  function key(e, by) {
    if (by === "date") return e.date;
    if (by === "stars") return e.stars;
    return e.cites;
  }

  // Sorted, the entries leave their sections for one flat list; in the list's order
  // they go back to their own sections, in their own places.
  function order(by) {
    currentSort = by;
    var frag = document.createDocumentFragment();
    var i;
    if (!by) {
      for (i = 0; i < total; i++) entries[i].home.appendChild(entries[i].el);
      view = entries;
      sorted.hidden = true;
      listed.hidden = false;
      return;
    }
    var copy = entries.slice();
    copy.sort(function (a, b) {
      var x = key(a, by), y = key(b, by);
      if (x === y) return a.order - b.order;
      if (by === "date") {
        if (!x) return 1;
        if (!y) return -1;
        return x < y ? 1 : -1;
      }
      return y - x;
    });
    for (i = 0; i < copy.length; i++) frag.appendChild(copy[i].el);
    sorted.appendChild(frag);
    view = copy;
    listed.hidden = true;
    sorted.hidden = false;
  }

  function remember(st) {
    var params = new URLSearchParams();
    for (var k = 0; k < KEYS.length; k++) {
      if (st[KEYS[k]]) params.set(KEYS[k], st[KEYS[k]]);
    }
    var query = params.toString();
    var url = location.pathname + (query ? "?" + query : "") + location.hash;
    if (url === location.pathname + location.search + location.hash) return;
    try {
      history.replaceState(history.state, "", url);
    } catch (err) {
      // A browser that refuses to change a file:// URL: the search still works.
    }
  }

  function restore() {
    var params = new URLSearchParams(location.search);
    input.value = params.get("q") || "";
    for (var name in selects) {
      var value = params.get(name) || "";
      var select = selects[name];
      // A value the page does not offer (an old link, a typo) is no filter at all.
      select.value = value;
      if (select.value !== value) select.value = "";
    }
  }

  document.addEventListener("toggle", function (ev) {
    var details = ev.target;
    if (!details.open || !details.classList || !details.classList.contains("long")) return;
    var p = details.querySelector(".abstract");
    var entry = details.closest("article.entry");
    if (p && !p.firstChild && entry) p.textContent = data.abstracts[entry.alignfetchIndex] || "";
  }, true);
  input.addEventListener("input", apply);
  form.addEventListener("change", apply);
  form.addEventListener("submit", function (ev) { ev.preventDefault(); });
  // "reset" comes before the form's values are reset: filter once they are.
  form.addEventListener("reset", function () { setTimeout(apply, 0); });
  document.getElementById("none-reset").addEventListener("click", function () {
    form.reset();
    apply();
    input.focus();
  });
  document.addEventListener("keydown", function (ev) {
    var t = ev.target;
    var typing = t && (t.tagName === "INPUT" || t.tagName === "SELECT" || t.tagName === "TEXTAREA" || t.isContentEditable);
    if (ev.key === "/" && !typing && !ev.ctrlKey && !ev.metaKey && !ev.altKey) {
      ev.preventDefault();
      input.focus();
      input.select();
    }
  });

  restore();
  apply();
  // A permalink's entry may have moved when a search or sort came back from the URL:
  // go to it again (without one, the browser has gone to it already).
  if (location.hash.length > 1 && location.search) {
    var raw = location.hash.slice(1);
    var target = document.getElementById(raw);
    if (!target) {
      try { target = document.getElementById(decodeURIComponent(raw)); } catch (err) { target = null; }
    }
    if (target && !target.hidden) target.scrollIntoView();
  }
})();
