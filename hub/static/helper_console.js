// The helper console: replaces the lists with each push from /helper/ws and counts waiting time up.
"use strict";

(function () {
  const board = document.getElementById("board");
  const live = document.getElementById("live-status");
  let received = Date.now();

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
      // Keep a transfer choice the helper is making while the list refreshes.
      const open = document.activeElement && document.activeElement.tagName === "SELECT";
      if (open) return;
      board.innerHTML = msg.html;
      received = Date.now();
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
