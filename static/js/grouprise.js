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
  // The groups menu's search: matching groups while typing (the form leads to the directory).
  document.querySelectorAll("[data-group-search]").forEach(function (input) {
    var list = input.closest(".menu-panel").querySelector("[data-group-results]");
    var timer = null, asked = "";
    input.addEventListener("input", function () {
      clearTimeout(timer);
      timer = setTimeout(function () {
        var q = input.value.trim();
        if (q.length < 2 || !window.fetch) { list.hidden = true; list.textContent = ""; return; }
        asked = q;
        fetch("/stadt/api/groups/?name=" + encodeURIComponent(q), { credentials: "same-origin", headers: { "Accept": "application/json" } })
          .then(function (res) { return res.ok ? res.json() : []; })
          .then(function (groups) {
            if (q !== asked) return; // an older answer
            list.textContent = "";
            groups.slice(0, 8).forEach(function (g) {
              var li = document.createElement("li"), a = document.createElement("a");
              a.href = "/" + g.slug + "/";
              a.textContent = g.name;
              li.appendChild(a);
              list.appendChild(li);
            });
            if (!groups.length) {
              var none = document.createElement("li");
              none.className = "menu-heading";
              none.textContent = input.dataset.none || "–";
              list.appendChild(none);
            }
            list.hidden = false;
          })
          .catch(function () { list.hidden = true; });
      }, 200);
    });
  });
  // Escape closes an open menu and gives the focus back to its button.
  document.addEventListener("keydown", function (ev) {
    if (ev.key !== "Escape") return;
    document.querySelectorAll("details.menu[open]").forEach(function (d) {
      d.removeAttribute("open");
      d.querySelector("summary").focus();
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
