// Maps (geo.enabled): Leaflet from Debian's libjs-leaflet. Without JavaScript, or without
// Leaflet, the pages show the coordinates and links to the map service instead.
(function () {
  "use strict";
  function ready(fn) {
    if (document.readyState !== "loading") fn(); else document.addEventListener("DOMContentLoaded", fn);
  }
  function base(el) {
    var map = L.map(el, { scrollWheelZoom: false });
    L.tileLayer(el.dataset.tiles, { attribution: el.dataset.attribution, maxZoom: 19 }).addTo(map);
    // Gesture handling: zoom with the wheel only while Ctrl is held, so that the page scrolls.
    el.addEventListener("wheel", function (ev) {
      if (ev.ctrlKey) { map.scrollWheelZoom.enable(); } else { map.scrollWheelZoom.disable(); }
    }, { passive: true });
    el.classList.add("active");
    el.removeAttribute("aria-hidden");
    return map;
  }
  // The initial view: the configured bounds (geo.location_selector.center), at the configured
  // zoom (geo.location_selector.zoom) around their middle when there is one.
  function center(map, el) {
    var zoom = parseInt(document.body.dataset.mapZoom, 10);
    try {
      var bounds = L.latLngBounds(JSON.parse(el.dataset.center));
      if (zoom > 0) map.setView(bounds.getCenter(), zoom); else map.fitBounds(bounds);
    } catch (e) { map.setView([51, 10], zoom > 0 ? zoom : 5); }
  }
  ready(function () {
    if (typeof L === "undefined") return;
    document.querySelectorAll("[data-map]").forEach(function (el) {
      var map = base(el);
      var kind = el.dataset.map;
      if (kind === "point") {
        var at = [parseFloat(el.dataset.lat), parseFloat(el.dataset.lon)];
        map.setView(at, 15);
        L.marker(at).addTo(map);
      } else if (kind === "picker") {
        var form = el.closest("form");
        var lat = form.querySelector("[name=latitude]"), lon = form.querySelector("[name=longitude]");
        var marker = null;
        function place(p) {
          if (marker) marker.setLatLng(p); else marker = L.marker(p).addTo(map);
        }
        if (lat.value && lon.value) {
          var p = [parseFloat(lat.value.replace(",", ".")), parseFloat(lon.value.replace(",", "."))];
          place(p);
          map.setView(p, 15);
        } else {
          center(map, el);
        }
        map.on("click", function (ev) {
          place(ev.latlng);
          lat.value = ev.latlng.lat.toFixed(6);
          lon.value = ev.latlng.lng.toFixed(6);
        });
      } else if (kind === "groups") {
        var points = [];
        el.parentNode.querySelectorAll("[data-lat]").forEach(function (item) {
          var p = [parseFloat(item.dataset.lat), parseFloat(item.dataset.lon)];
          var link = item.querySelector("a");
          var popup = document.createElement("a");
          popup.href = link.href;
          popup.textContent = link.textContent;
          L.marker(p).addTo(map).bindPopup(popup);
          points.push(p);
        });
        if (points.length) map.fitBounds(points, { padding: [30, 30], maxZoom: 14 }); else center(map, el);
      }
    });
  });
})();
