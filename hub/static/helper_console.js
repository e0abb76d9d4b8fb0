// The helper console: replaces the lists with each push from /helper/ws and counts waiting time up.
"use strict";

(function () {
  const board = document.getElementById("board");
  const live = document.getElementById("live-status");
  let received = Date.now();
  let pending = null;

  function show(html) {
    board.innerHTML = html;
    received = Date.now();
    pending = null;
  }

  board.addEventListener("focusout", (event) => {
    if (pending === null || event.target.tagName !== "SELECT") return;
    // Moving on to the form's own 转接 button submits it; redrawing now would swallow that click.
    if (event.relatedTarget && event.relatedTarget.form === event.target.form) return;
    show(pending);
  });

  function tick() {
    const extra = Math.floor((Date.now() - received) / 1000);
    board.querySelectorAll(".waited").forEach((cell) => {
      const s = Number(cell.dataset.seconds) + extra;
      cell.textContent = Math.floor(s / 60) + "分" + String(s % 60).padStart(2, "0") + "秒";
    });
  }

  function connect() {
    const ws = new WebSocket((location.protocol === "https:" ? "wss://" : "ws://") + location.host + "/helper/ws");
    ws.onopen = () => { live.textContent = "实时更新已连接"; live.className = "muted ok"; };
    ws.onmessage = (event) => {
      const msg = JSON.parse(event.data);
      if (msg.type !== "queue") return;
      // A helper picking a colleague to transfer to keeps the list until the choice is made.
      const picking = document.activeElement && document.activeElement.tagName === "SELECT";
      if (picking) {
        pending = msg.html;
        return;
      }
      show(msg.html);
      const ringing = msg.calls.filter((c) => c.status === "ringing" && !c.declined).length;
      document.title = (ringing ? "（" + ringing + "）" : "") + "工作台 · 远程视频帮办";
    };
    ws.onclose = (event) => {
      if (event.code === 4401) { location.href = "/helper/login?next=/helper"; return; }
      live.textContent = "实时更新已断开，正在重连…";
      live.className = "alert";
      setTimeout(connect, 2000);
    };
  }

  setInterval(tick, 1000);
  connect();
})();
