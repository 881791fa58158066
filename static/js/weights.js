// Budget points: shows each group's running total as points are typed and
// marks a group whose points do not sum to 100. The form works without it;
// the server checks every group again.
(function () {
  "use strict";
  function update(group) {
    var sum = 0, whole = true;
    group.querySelectorAll("input[data-points]").forEach(function (input) {
      var v = input.value.trim();
      if (!/^\d+$/.test(v)) { whole = false; return; }
      sum += parseInt(v, 10);
    });
    var out = group.querySelector("output[data-sum]");
    if (out) { out.textContent = whole ? String(sum) : "?"; }
    var ok = whole && sum === 100;
    group.classList.toggle("invalid", !ok);
    if (out) { out.setAttribute("aria-invalid", ok ? "false" : "true"); }
  }
  document.addEventListener("DOMContentLoaded", function () {
    document.querySelectorAll("form[data-weights] [data-group]").forEach(function (group) {
      group.addEventListener("input", function () { update(group); });
      update(group);
    });
  });
})();
