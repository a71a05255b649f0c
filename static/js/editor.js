// The Markdown fields, improved where script runs (every form works without it): a toolbar
// with shortcuts (Ctrl+B, Ctrl+I, Ctrl+K), a preview rendered by the site as the text will
// look, fields that grow with their text, Ctrl+Enter to send, and comments that are added
// without leaving the page.
(function () {
  "use strict";
  var texts = document.getElementById("editor-texts");
  if (!texts || !window.fetch) return;
  var t = texts.dataset;
  var loggedIn = !!document.querySelector("details.user-menu");

  function grow(area) {
    area.style.height = "auto";
    area.style.height = Math.max(area.scrollHeight + 2, 80) + "px";
  }
  // wrap puts marks around the selection (or a placeholder) and selects the text between.
  function wrap(area, before, after, placeholder) {
    var s = area.selectionStart, e = area.selectionEnd, v = area.value;
    var inner = v.slice(s, e) || placeholder;
    area.setRangeText(before + inner + after, s, e, "end");
    area.setSelectionRange(s + before.length, s + before.length + inner.length);
    area.focus();
    area.dispatchEvent(new Event("input", { bubbles: true }));
  }
  // prefix starts each selected line (or the current one) with a mark.
  function prefix(area, mark) {
    var v = area.value, s = v.lastIndexOf("\n", area.selectionStart - 1) + 1, e = area.selectionEnd;
    var lines = v.slice(s, e).split("\n").map(function (l) { return mark + l; }).join("\n");
    area.setRangeText(lines, s, e, "end");
    area.focus();
    area.dispatchEvent(new Event("input", { bubbles: true }));
  }
  var actions = {
    bold: function (a) { wrap(a, "**", "**", t.placeholder); },
    italic: function (a) { wrap(a, "_", "_", t.placeholder); },
    link: function (a) { wrap(a, "[", "](https://)", t.placeholder); },
    heading: function (a) { prefix(a, "## "); },
    quote: function (a) { prefix(a, "> "); },
    list: function (a) { prefix(a, "- "); }
  };
  var keys = { b: "bold", i: "italic", k: "link" };

  function preview(area, box, button) {
    if (!box.hidden) {
      box.hidden = true;
      area.hidden = false;
      button.setAttribute("aria-pressed", "false");
      area.focus();
      return;
    }
    var preset = area.closest("#comment-form") ? "comment" : "content";
    fetch("/stadt/api/content/markdown/", { method: "POST", credentials: "same-origin",
      headers: { "Content-Type": "application/json", "Accept": "application/json" },
      body: JSON.stringify({ content: area.value, preset: preset }) })
      .then(function (res) { if (!res.ok) throw new Error(res.status); return res.json(); })
      .then(function (out) {
        box.innerHTML = out.content || "<p>" + t.empty + "</p>"; // the site's sanitised HTML
        box.hidden = false;
        area.hidden = true;
        button.setAttribute("aria-pressed", "true");
      })
      .catch(function () { box.textContent = t.failed; box.hidden = false; });
  }

  function enhance(area) {
    if (area.dataset.enhanced) return;
    area.dataset.enhanced = "1";
    var bar = document.createElement("div");
    bar.className = "editor-toolbar";
    bar.setAttribute("role", "toolbar");
    bar.setAttribute("aria-label", t.toolbar);
    bar.setAttribute("aria-controls", area.id);
    Object.keys(actions).forEach(function (name) {
      var b = document.createElement("button");
      b.type = "button";
      b.className = "secondary editor-" + name;
      b.textContent = t[name + "Mark"] || name;
      b.title = t[name];
      b.setAttribute("aria-label", t[name]);
      b.addEventListener("click", function () { actions[name](area); });
      bar.appendChild(b);
    });
    var box = document.createElement("div");
    box.className = "editor-preview text";
    box.hidden = true;
    box.setAttribute("aria-live", "polite");
    if (loggedIn) {
      var p = document.createElement("button");
      p.type = "button";
      p.className = "secondary editor-preview-toggle";
      p.textContent = t.preview;
      p.setAttribute("aria-pressed", "false");
      p.addEventListener("click", function () { preview(area, box, p); });
      bar.appendChild(p);
    }
    area.parentNode.insertBefore(bar, area);
    area.parentNode.insertBefore(box, area.nextSibling);
    area.addEventListener("input", function () { grow(area); });
    area.addEventListener("keydown", function (ev) {
      if (!(ev.ctrlKey || ev.metaKey)) return;
      if (ev.key === "Enter") {
        ev.preventDefault();
        var form = area.form;
        if (form.requestSubmit) form.requestSubmit(); else form.submit();
      } else if (keys[ev.key.toLowerCase()]) {
        ev.preventDefault();
        actions[keys[ev.key.toLowerCase()]](area);
      }
    });
    grow(area);
  }

  // Comments: sent in the background; the comments of the answer replace those on the page
  // (with the form and its messages when something was wrong), and the page stays where it is.
  function sendComment(form) {
    form.addEventListener("submit", function (ev) {
      if (!window.DOMParser) return;
      ev.preventDefault();
      var button = form.querySelector("button[type=submit]");
      if (button) button.disabled = true;
      fetch(form.action, { method: "POST", credentials: "same-origin", body: new URLSearchParams(new FormData(form)) })
        .then(function (res) { return res.text(); })
        .then(function (html) {
          var doc = new DOMParser().parseFromString(html, "text/html");
          var fresh = doc.getElementById("comments"), old = document.getElementById("comments");
          if (!fresh || !old) { form.submit(); return; }
          old.replaceWith(fresh);
          var news = doc.querySelector(".messages");
          var live = document.getElementById("comment-status");
          if (news && live) live.textContent = news.textContent.trim();
          setup(fresh);
          var next = fresh.querySelector("#comment-form textarea");
          if (next && fresh.querySelector("#comment-form .field-error, #comment-form .form-error")) next.focus();
        })
        .catch(function () { form.submit(); });
    });
  }

  function setup(root) {
    root.querySelectorAll("form textarea[name=text]").forEach(enhance);
    var form = root.querySelector ? root.querySelector("#comment-form") : null;
    if (form) sendComment(form);
  }
  var status = document.createElement("p");
  status.id = "comment-status";
  status.className = "visually-hidden";
  status.setAttribute("aria-live", "polite");
  document.body.appendChild(status);
  setup(document);
})();
