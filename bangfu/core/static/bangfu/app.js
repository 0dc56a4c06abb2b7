// bangfu's own script: no inline script anywhere, so the Content Security Policy can forbid it.
(function () {
  "use strict";

  function onReady(fn) {
    if (document.readyState !== "loading") fn();
    else document.addEventListener("DOMContentLoaded", fn);
  }

  // Phone layout: the sidebar slides in over the page.
  document.addEventListener("click", function (event) {
    var toggle = event.target.closest("[data-toggle-sidebar]");
    if (toggle) {
      var layout = document.getElementById("layout");
      if (layout) layout.classList.toggle("sidebar-open");
    }
  });

  // <form data-confirm="…"> asks before submitting (deletions, role removals).
  document.addEventListener("submit", function (event) {
    var form = event.target;
    var question = form.getAttribute && form.getAttribute("data-confirm");
    if (question && !window.confirm(question)) {
      // Captured at the document, before htmx's own listener on the form: stop it here too.
      event.preventDefault();
      event.stopPropagation();
    }
  }, true);

  // Charts: <div class="chart" data-chart="id-of-json-script"> with an ECharts option as JSON.
  function drawCharts(root) {
    if (!window.echarts) return;
    root.querySelectorAll("[data-chart]").forEach(function (el) {
      if (el.dataset.drawn) return;
      var source = document.getElementById(el.dataset.chart);
      if (!source) return;
      var chart = window.echarts.init(el, null, { renderer: "svg" });
      chart.setOption(JSON.parse(source.textContent));
      el.dataset.drawn = "1";
      window.addEventListener("resize", function () { chart.resize(); });
    });
  }

  onReady(function () { drawCharts(document); });
  document.addEventListener("htmx:afterSwap", function (event) { drawCharts(event.target); });
})();

// Organisation tree: a node's first opening loads its children through htmx; later clicks fold
// and unfold them without asking the server again.
document.addEventListener("click", function (event) {
  var button = event.target.closest("[data-tree-toggle]");
  if (!button) return;
  var list = document.getElementById(button.getAttribute("data-tree-toggle"));
  var open = button.getAttribute("aria-expanded") !== "true";
  button.setAttribute("aria-expanded", open ? "true" : "false");
  button.textContent = open ? "▾" : "▸";
  if (list) list.classList.toggle("hidden", !open);
});

// <select data-reload> in a form: picking another value (an activity type, whose fields differ)
// sends the form back with reload=1, so the page comes back with that value's fields and
// nothing typed is lost.
document.addEventListener("change", function (event) {
  var field = event.target.closest && event.target.closest("[data-reload]");
  if (!field || !field.form) return;
  var flag = document.createElement("input");
  flag.type = "hidden";
  flag.name = "reload";
  flag.value = "1";
  field.form.appendChild(flag);
  field.form.noValidate = true;
  field.form.submit();
});
