// citeaudit HTML report: the claim panel, the findings filter, next/previous finding.
// Everything shown comes from elements the report already escaped, or is set
// through textContent: no string from the draft is ever parsed as HTML here.
(function () {
  "use strict";
  var data = JSON.parse(document.getElementById("citeaudit-data").textContent);
  var panel = document.getElementById("panel");
  var panelTitle = document.getElementById("panel-title");
  var panelBody = document.getElementById("panel-body");
  var opener = null;

  function highlight(box, ranges) {
    var text = box.textContent;
    var last = 0;
    box.textContent = "";
    ranges.forEach(function (range) {
      box.appendChild(document.createTextNode(text.slice(last, range[0])));
      var mark = document.createElement("mark");
      mark.textContent = text.slice(range[0], range[1]);
      box.appendChild(mark);
      last = range[1];
    });
    box.appendChild(document.createTextNode(text.slice(last)));
  }

  function closePanel() {
    if (panel.hidden) return;
    panel.hidden = true;
    if (opener) {
      opener.setAttribute("aria-expanded", "false");
      opener.focus();
      opener = null;
    }
  }

  // A copy for the panel, without ids (they stay unique on the page).
  function idless(node) {
    var copy = node.cloneNode(true);
    copy.removeAttribute("id");
    copy.querySelectorAll("[id]").forEach(function (el) { el.removeAttribute("id"); });
    return copy;
  }

  // A finding's copy is not counted as a finding (filters, next/previous).
  function copyOf(item) {
    var copy = idless(item);
    copy.classList.remove("finding");
    copy.classList.add("finding-copy");
    copy.hidden = false;
    return copy;
  }

  function note(text) {
    var p = document.createElement("p");
    p.className = "none";
    p.textContent = text;
    return p;
  }

  function heading(text) {
    var h = document.createElement("h3");
    h.textContent = text;
    return h;
  }

  function openPanel(button) {
    if (opener) opener.setAttribute("aria-expanded", "false");
    opener = button;
    button.setAttribute("aria-expanded", "true");
    var doc = button.dataset.doc, claim = button.dataset.claim, number = button.dataset.number;
    panelTitle.textContent = "Claim " + claim + ", reference " + number;
    panelBody.textContent = "";
    var claimEl = document.getElementById("d" + doc + "-c" + claim);
    if (claimEl) {
      var quote = document.createElement("p");
      quote.className = "claim-quote";
      quote.textContent = "Claim " + claim + ": " + claimEl.querySelector(".claim-text").textContent;
      panelBody.appendChild(quote);
    }
    // Why the claim is flagged comes first: its own findings, then its references'.
    var own = document.querySelectorAll("#d" + doc + "-c" + claim + "-findings li.finding");
    var source = button.dataset.target ? document.getElementById(button.dataset.target) : null;
    var theirs = source ? source.querySelectorAll("li.finding") : [];
    var list = document.createElement("ul");
    list.className = "findings panel-findings";
    own.forEach(function (item) { list.appendChild(copyOf(item)); });
    theirs.forEach(function (item) { list.appendChild(copyOf(item)); });
    panelBody.appendChild(heading(list.children.length ? "Why this claim is flagged" : "No finding"));
    panelBody.appendChild(list.children.length ? list
      : note("No check found a problem with this claim or reference " + number + "."));
    panelBody.appendChild(heading("Reference " + number));
    if (source) {
      var copy = idless(source);
      copy.querySelectorAll(".ref-findings").forEach(function (el) { el.remove(); });
      var ranges = ((data.highlights[doc] || {})[claim] || {})[number];
      var box = copy.querySelector(".abstract");
      if (box && ranges && ranges.length) highlight(box, ranges);
      panelBody.appendChild(copy);
    } else {
      panelBody.appendChild(note("The reference list has no entry " + number + "."));
    }
    panel.hidden = false;
    panel.focus();
  }

  document.addEventListener("click", function (event) {
    var button = event.target.closest("button.cite");
    if (button) {
      if (button === opener && !panel.hidden) closePanel(); else openPanel(button);
      return;
    }
    if (event.target.closest("button.close")) { closePanel(); return; }
    var step = event.target.closest("button[data-step]");
    if (step) move(Number(step.dataset.step));
  });

  // -- next / previous finding ------------------------------------------------
  var current = -1;

  function findings() {
    return Array.prototype.filter.call(document.querySelectorAll("main li.finding"),
      function (item) { return !item.hidden; });
  }

  function move(step) {
    var items = findings();
    if (!items.length) return;
    var at = items.indexOf(document.activeElement.closest ? document.activeElement.closest("li.finding") : null);
    if (at < 0) at = Math.min(current, items.length - 1);
    current = at < 0 ? (step > 0 ? 0 : items.length - 1) : (at + step + items.length) % items.length;
    var item = items[current];
    document.querySelectorAll("li.finding.current").forEach(function (el) { el.classList.remove("current"); });
    item.classList.add("current");
    item.focus();
    item.scrollIntoView({block: "center"});
    var status = document.getElementById("step-status");
    if (status) status.textContent = "Finding " + (current + 1) + " of " + items.length;
  }

  function typing(target) {
    return target && (target.isContentEditable || /^(INPUT|SELECT|TEXTAREA)$/.test(target.tagName));
  }

  document.addEventListener("keydown", function (event) {
    if (event.key === "Escape") { closePanel(); return; }
    if (event.altKey || event.ctrlKey || event.metaKey || typing(event.target)) return;
    if (event.key === "n" || event.key === "j") { event.preventDefault(); move(1); }
    else if (event.key === "p" || event.key === "k") { event.preventDefault(); move(-1); }
  });

  // -- filters -------------------------------------------------------------------
  function applyFilter(form) {
    var shown = {};
    form.querySelectorAll("input[name=severity]").forEach(function (box) { shown[box.value] = box.checked; });
    var rule = form.querySelector("select[name=rule]").value;
    var scope = document.getElementById(form.dataset.scope);
    var items = scope.querySelectorAll("li.finding");
    var visible = 0;
    items.forEach(function (item) {
      var keep = shown[item.dataset.severity] !== false && (rule === "" || item.dataset.rule === rule);
      item.hidden = !keep;
      if (keep) visible += 1;
    });
    form.querySelector(".count").textContent = "Showing " + visible + " of " + items.length;
  }

  document.querySelectorAll("form.filter-form").forEach(function (form) {
    form.addEventListener("change", function () { applyFilter(form); });
    form.addEventListener("submit", function (event) { event.preventDefault(); });
    applyFilter(form);
  });

  // Collapsed details would not print; open them for paper.
  window.addEventListener("beforeprint", function () {
    document.querySelectorAll("details").forEach(function (d) { d.open = true; });
  });
})();
