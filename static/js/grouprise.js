// Progressive enhancements only: every page works without this script.
(function () {
  "use strict";
  // Copy buttons: <button data-copy="text" hidden>, shown only where the script can copy.
  if (navigator.clipboard) {
    document.querySelectorAll("[data-copy][hidden]").forEach(function (btn) { btn.hidden = false; });
  }
  document.addEventListener("click", function (ev) {
    var btn = ev.target.closest("[data-copy]");
    if (!btn || !navigator.clipboard) return;
    ev.preventDefault();
    navigator.clipboard.writeText(btn.getAttribute("data-copy")).then(function () {
      btn.classList.add("copied");
      setTimeout(function () { btn.classList.remove("copied"); }, 1500);
    });
  });
  // Menus: <details class="menu"> close when another opens or on a click outside.
  document.addEventListener("click", function (ev) {
    document.querySelectorAll("details.menu[open]").forEach(function (d) {
      if (!d.contains(ev.target)) d.removeAttribute("open");
    });
  });
  // Hints: dismissed in the background, the box goes at once (the form works without this).
  document.addEventListener("submit", function (ev) {
    var form = ev.target.closest("form.hint-dismiss");
    if (!form || !window.fetch) return;
    ev.preventDefault();
    var box = form.closest(".hint");
    fetch(form.action, { method: "POST", body: new URLSearchParams(new FormData(form)),
      headers: { "Accept": "application/json" }, credentials: "same-origin" })
      .then(function (res) { if (res.ok && box) box.remove(); else form.submit(); })
      .catch(function () { form.submit(); });
  });
})();
