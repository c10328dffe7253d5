// citeaudit HTML report: the reference panel and the findings filter.
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

  function openPanel(button) {
    if (opener) opener.setAttribute("aria-expanded", "false");
    opener = button;
    button.setAttribute("aria-expanded", "true");
    var doc = button.dataset.doc, claim = button.dataset.claim, number = button.dataset.number;
    panelTitle.textContent = "Reference " + number;
    panelBody.textContent = "";
    var claimEl = document.getElementById("d" + doc + "-c" + claim);
    if (claimEl) {
      var quote = document.createElement("p");
      quote.className = "claim-quote";
      quote.textContent = "Claim " + claim + ": " + claimEl.querySelector(".claim-text").textContent;
      panelBody.appendChild(quote);
    }
    var source = button.dataset.target ? document.getElementById(button.dataset.target) : null;
    if (source) {
      var copy = source.cloneNode(true);
      copy.removeAttribute("id");
      copy.querySelectorAll("[id]").forEach(function (el) { el.removeAttribute("id"); });
      var ranges = ((data.highlights[doc] || {})[claim] || {})[number];
      var box = copy.querySelector(".abstract");
      if (box && ranges && ranges.length) highlight(box, ranges);
      panelBody.appendChild(copy);
    } else {
      var none = document.createElement("p");
      none.className = "none";
      none.textContent = "The reference list has no entry " + number + ".";
      panelBody.appendChild(none);
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
    if (event.target.closest("button.close")) closePanel();
  });

  document.addEventListener("keydown", function (event) {
    if (event.key === "Escape") closePanel();
  });

  function applyFilter(form) {
    var shown = {};
    form.querySelectorAll("input[name=severity]").forEach(function (box) { shown[box.value] = box.checked; });
    var rule = form.querySelector("select[name=rule]").value;
    var list = document.getElementById(form.dataset.list);
    var items = list.querySelectorAll("li.finding");
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

  // Collapsed evidence would not print; open it for paper.
  window.addEventListener("beforeprint", function () {
    document.querySelectorAll("details").forEach(function (d) { d.open = true; });
  });
})();
