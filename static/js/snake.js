// A small snake game on the error pages: something to do while the page that was looked for
// is not there. Only with script; it starts when asked to, and plays with the arrow keys,
// W A S D, or the buttons below the field (for touch screens); space pauses.
(function () {
  "use strict";
  var box = document.querySelector("[data-game]");
  if (!box) return;
  var canvas = box.querySelector("canvas");
  var ctx = canvas.getContext && canvas.getContext("2d");
  if (!ctx) return;
  box.hidden = false;
  var status = box.querySelector("[data-game-status]");
  var startButton = box.querySelector("[data-game-start]");
  var cols = 21, rows = 13, cell = Math.floor(canvas.width / cols);
  var texts = box.dataset;
  var snake, dir, next, food, score, timer = null, over = false;
  var style = getComputedStyle(document.documentElement);
  function color(name, fallback) { return (style.getPropertyValue(name) || "").trim() || fallback; }
  var colors = { bg: color("--bg-soft", "#f4f6f9"), snake: color("--theme", "#2a62ac"), food: color("--error", "#b00020") };

  function say(text) { status.textContent = text; }
  function place() {
    do {
      food = { x: Math.floor(Math.random() * cols), y: Math.floor(Math.random() * rows) };
    } while (snake.some(function (p) { return p.x === food.x && p.y === food.y; }));
  }
  function draw() {
    ctx.fillStyle = colors.bg;
    ctx.fillRect(0, 0, canvas.width, canvas.height);
    ctx.fillStyle = colors.food;
    ctx.fillRect(food.x * cell + 2, food.y * cell + 2, cell - 4, cell - 4);
    ctx.fillStyle = colors.snake;
    snake.forEach(function (p) { ctx.fillRect(p.x * cell + 1, p.y * cell + 1, cell - 2, cell - 2); });
  }
  function reset() {
    var y = Math.floor(rows / 2);
    snake = [{ x: 5, y: y }, { x: 4, y: y }, { x: 3, y: y }];
    dir = next = { x: 1, y: 0 };
    score = 0;
    over = false;
    place();
    draw();
  }
  function step() {
    dir = next;
    var head = { x: snake[0].x + dir.x, y: snake[0].y + dir.y };
    var hit = head.x < 0 || head.y < 0 || head.x >= cols || head.y >= rows ||
      snake.some(function (p) { return p.x === head.x && p.y === head.y; });
    if (hit) {
      stop();
      over = true;
      say(texts.over.replace("{score}", score));
      startButton.textContent = texts.again;
      return;
    }
    snake.unshift(head);
    if (head.x === food.x && head.y === food.y) {
      score++;
      say(texts.score.replace("{score}", score));
      place();
    } else {
      snake.pop();
    }
    draw();
  }
  function stop() {
    clearInterval(timer);
    timer = null;
  }
  function start() {
    if (over) reset();
    if (timer) return;
    // Slower for people who asked their system for less motion.
    var slow = window.matchMedia && window.matchMedia("(prefers-reduced-motion: reduce)").matches;
    timer = setInterval(step, slow ? 260 : 150);
    startButton.textContent = texts.pause;
    say(texts.running);
    canvas.focus();
  }
  function toggle() {
    if (timer) {
      stop();
      startButton.textContent = texts.resume;
      say(texts.paused);
    } else {
      start();
    }
  }
  var moves = {
    ArrowUp: { x: 0, y: -1 }, ArrowDown: { x: 0, y: 1 }, ArrowLeft: { x: -1, y: 0 }, ArrowRight: { x: 1, y: 0 },
    w: { x: 0, y: -1 }, s: { x: 0, y: 1 }, a: { x: -1, y: 0 }, d: { x: 1, y: 0 }
  };
  function turn(m) {
    if (!m || (m.x === -dir.x && m.y === -dir.y)) return; // no turning back into oneself
    next = m;
    if (!timer && !over) start();
  }
  canvas.addEventListener("keydown", function (ev) {
    if (ev.key === " ") { ev.preventDefault(); toggle(); return; }
    var m = moves[ev.key] || moves[ev.key.toLowerCase()];
    if (m) { ev.preventDefault(); turn(m); }
  });
  startButton.addEventListener("click", toggle);
  box.querySelectorAll("[data-game-move]").forEach(function (b) {
    b.addEventListener("click", function () { turn(moves[b.dataset.gameMove]); });
  });
  reset();
})();
