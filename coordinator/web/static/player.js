/* The expert's scoring page: the answer's player (waveform from peaks measured on the
   node, drawn on a canvas; speed 0.75-1.5x; back 5 s; a loop over a selection dragged
   on the waveform) and the keyboard for everything (shown on the page). The task total
   shown here is a preview by the same rule as the node's (sum, 0 when a gate criterion
   is 0); the node computes the score it keeps. No data leaves but the form. */
(function () {
  "use strict";
  var root = document.getElementById("scoring");
  if (!root) { return; }
  var audio = document.getElementById("answer-audio");
  var canvas = document.getElementById("wave");
  var form = document.getElementById("score-form");
  var peaks = canvas ? JSON.parse(canvas.getAttribute("data-peaks") || "[]") : [];
  var zeroIf = (root.getAttribute("data-zero-if") || "").split(",").filter(Boolean);
  var groups = Array.prototype.slice.call(document.querySelectorAll(".criterion"));
  var current = 0;
  var loop = null;            // [start, end] seconds
  var dragFrom = null;
  var rates = [0.75, 1, 1.25, 1.5];

  function draw() {
    if (!canvas) { return; }
    var ctx = canvas.getContext("2d");
    var w = canvas.width, h = canvas.height, n = peaks.length || 1;
    var dur = audio && isFinite(audio.duration) ? audio.duration : 0;
    var played = dur ? audio.currentTime / dur : 0;
    ctx.clearRect(0, 0, w, h);
    if (loop && dur) {
      ctx.fillStyle = "#fff2b3";
      ctx.fillRect(loop[0] / dur * w, 0, (loop[1] - loop[0]) / dur * w, h);
    }
    for (var i = 0; i < n; i++) {
      var x = i / n * w, bar = Math.max(1, peaks[i] / 100 * (h - 4));
      ctx.fillStyle = i / n < played ? "#0b5cad" : "#8c959f";
      ctx.fillRect(x, (h - bar) / 2, Math.max(1, w / n - 0.5), bar);
    }
    if (dur) {
      ctx.fillStyle = "#c0271d";
      ctx.fillRect(played * w, 0, 2, h);
    }
    var t = document.getElementById("time");
    if (t && audio) { t.textContent = fmt(audio.currentTime) + " / " + fmt(dur); }
  }

  function fmt(s) {
    s = Math.max(0, Math.floor(s || 0));
    return Math.floor(s / 60) + ":" + ("0" + (s % 60)).slice(-2);
  }

  function timeAt(ev) {
    var r = canvas.getBoundingClientRect();
    var dur = isFinite(audio.duration) ? audio.duration : 0;
    return Math.min(dur, Math.max(0, (ev.clientX - r.left) / r.width * dur));
  }

  function setRate(rate) {
    if (!audio) { return; }
    audio.playbackRate = rate;
    var el = document.getElementById("rate");
    if (el) { el.textContent = rate.toFixed(2).replace(/0$/, "") + "×"; }
  }

  function step(dir) {
    var i = rates.indexOf(audio.playbackRate);
    setRate(rates[Math.min(rates.length - 1, Math.max(0, (i < 0 ? 1 : i) + dir))]);
  }

  function toggle() {
    if (!audio) { return; }
    if (audio.paused) { audio.play(); } else { audio.pause(); }
  }

  function back() { if (audio) { audio.currentTime = Math.max(0, audio.currentTime - 5); } }

  function focusGroup(i) {
    if (!groups.length) { return; }
    current = (i + groups.length) % groups.length;
    groups.forEach(function (g, k) { g.classList.toggle("current", k === current); });
  }

  function choose(points) {
    var g = groups[current];
    if (!g) { return; }
    var input = g.querySelector("input[value='" + points + "']");
    if (input) {
      input.checked = true;
      total();
      if (current < groups.length - 1) { focusGroup(current + 1); }
    }
  }

  function total() {
    var sum = 0, all = true, zero = false;
    groups.forEach(function (g) {
      var c = g.querySelector("input:checked");
      if (!c) { all = false; return; }
      var v = parseInt(c.value, 10);
      sum += v;
      if (v === 0 && zeroIf.indexOf(g.getAttribute("data-criterion")) >= 0) { zero = true; }
    });
    var out = document.getElementById("total");
    if (out) { out.textContent = all ? String(zero ? 0 : sum) : "—"; }
    return all;
  }

  if (audio) {
    audio.addEventListener("timeupdate", function () {
      if (loop && audio.currentTime >= loop[1]) { audio.currentTime = loop[0]; }
      draw();
    });
    ["loadedmetadata", "play", "pause", "seeked"].forEach(function (e) { audio.addEventListener(e, draw); });
  }
  if (canvas && audio) {
    canvas.addEventListener("mousedown", function (ev) { dragFrom = timeAt(ev); });
    canvas.addEventListener("mouseup", function (ev) {
      var to = timeAt(ev);
      if (dragFrom !== null && Math.abs(to - dragFrom) > 0.3) {
        loop = [Math.min(dragFrom, to), Math.max(dragFrom, to)];
        audio.currentTime = loop[0];
      } else {
        audio.currentTime = to;
      }
      dragFrom = null;
      draw();
    });
  }
  document.querySelectorAll("[data-action]").forEach(function (b) {
    b.addEventListener("click", function () {
      var a = b.getAttribute("data-action");
      if (a === "play") { toggle(); }
      if (a === "back") { back(); }
      if (a === "slower") { step(-1); }
      if (a === "faster") { step(1); }
      if (a === "unloop") { loop = null; draw(); }
    });
  });
  groups.forEach(function (g, k) {
    g.addEventListener("change", function () { current = k; total(); });
  });
  document.addEventListener("keydown", function (ev) {
    var tag = (ev.target && ev.target.tagName) || "";
    if (tag === "TEXTAREA" || tag === "SELECT" || (tag === "INPUT" && ev.target.type === "text")) {
      if (ev.key === "Escape") { ev.target.blur(); }
      return;
    }
    if (ev.ctrlKey || ev.altKey || ev.metaKey) { return; }
    var k = ev.key;
    if (k === " " || k === "k" || k === "л") { toggle(); ev.preventDefault(); }
    else if (k === "ArrowLeft") { back(); ev.preventDefault(); }
    else if (k === "[" || k === "х") { step(-1); }
    else if (k === "]" || k === "ъ") { step(1); }
    else if (k === "l" || k === "д") { loop = null; draw(); }
    else if (k === "ArrowDown") { focusGroup(current + 1); ev.preventDefault(); }
    else if (k === "ArrowUp") { focusGroup(current - 1); ev.preventDefault(); }
    else if (/^[0-9]$/.test(k)) { choose(parseInt(k, 10)); ev.preventDefault(); }
    else if (k === "f" || k === "а") { var f = document.getElementById("flag"); if (f) { f.focus(); } ev.preventDefault(); }
    else if (k === "c" || k === "с") { var c = document.getElementById("comment"); if (c) { c.focus(); } ev.preventDefault(); }
    else if (k === "Enter" && form) {
      var flagged = document.getElementById("flag") && document.getElementById("flag").value;
      if (total() || flagged) { form.requestSubmit ? form.requestSubmit() : form.submit(); }
      ev.preventDefault();
    }
  });
  focusGroup(0);
  total();
  draw();
  window.addEventListener("resize", draw);
}());
