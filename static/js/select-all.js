// The retention page's "select all" box: hidden without JavaScript, it ticks every row's box.
(function () {
  "use strict";
  var all = document.getElementById("select-all");
  if (!all) { return; }
  var boxes = document.querySelectorAll('input[type="checkbox"][name="document"]');
  all.hidden = false;
  all.addEventListener("change", function () {
    boxes.forEach(function (box) { box.checked = all.checked; });
  });
})();
