// Row filter for the sprint status page (the page works without it).
(function () {
  const text = document.getElementById("filter");
  const stage = document.getElementById("stage-filter");
  const shown = document.getElementById("shown");
  const rows = Array.from(document.querySelectorAll("#status > tbody > tr.repro"));
  function apply() {
    const words = text.value.toLowerCase().split(/\s+/).filter(Boolean);
    let count = 0;
    for (const row of rows) {
      const haystack = row.textContent.toLowerCase();
      const visible = (!stage.value || row.dataset.stage === stage.value) &&
        words.every((w) => haystack.includes(w));
      row.hidden = !visible;
      count += visible;
    }
    shown.textContent = count === rows.length ? "" : count + " of " + rows.length + " shown";
  }
  if (text && stage) {
    text.addEventListener("input", apply);
    stage.addEventListener("change", apply);
  }
})();
