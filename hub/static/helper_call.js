// The helper's call page: answers the kiosk's offer, shows its videos and step, sends text and highlights.
"use strict";

(function () {
  const cfg = JSON.parse(document.getElementById("call-config").textContent);
  const $ = (id) => document.getElementById(id);
  const LABELS = ["群众摄像头", "终端屏幕", "高拍仪"];
  const NAMED = [["camera", "群众摄像头"], ["face", "群众摄像头"], ["screen", "终端屏幕"], ["document", "高拍仪"]];
  const REASONS = {
    kiosk_hangup: "群众已挂断", kiosk_cancelled: "群众已取消", helper_hangup: "您已挂断",
    kiosk_gone: "终端断线超过等待时间", helper_gone: "您的网页断线超过等待时间", transferred: "已转接给其他工作人员",
    replaced: "终端发起了新的呼叫", hub_restart: "平台重启", ring_timeout: "无人接听",
  };

  let ws = null;
  let pc = null;
  let local = null;
  let ended = false;
  let reconnectUntil = 0;
  let offers = 0;
  let recorder = null;  // the site records calls: what the helper sees and hears, uploaded as it goes
  let recordPart = -1;

  function status(text) { $("call-status").textContent = text; }

  function showError(text) {
    const el = $("call-error");
    el.textContent = text;
    el.hidden = !text;
  }

  async function startLocal() {
    const tries = [{ audio: true, video: { width: 640, height: 480 } }, { audio: true, video: false }];
    for (const constraints of tries) {
      try {
        local = await navigator.mediaDevices.getUserMedia(constraints);
        $("local-video").srcObject = local;
        $("local-status").textContent = constraints.video ? "我的摄像头" : "没有摄像头：群众只能听到您的声音";
        return;
      } catch (err) {
        $("local-status").textContent = "无法打开摄像头或麦克风（" + err.name + "）：请检查浏览器权限";
      }
    }
  }

  function socketUrl() {
    return (location.protocol === "https:" ? "wss://" : "ws://") + location.host + cfg.socket;
  }

  function send(message) {
    if (ws && ws.readyState === WebSocket.OPEN) {
      ws.send(JSON.stringify(message));
      return true;
    }
    showError("与平台的连接已断开，正在重连…");
    return false;
  }

  function connect() {
    ws = new WebSocket(socketUrl());
    ws.onopen = () => { showError(""); reconnectUntil = 0; };
    ws.onmessage = (event) => { onMessage(JSON.parse(event.data)).catch((err) => showError("处理消息出错：" + err)); };
    ws.onclose = (event) => {
      if (ended) return;
      if (event.code === 4401) return finish("登录已失效，请重新登录");
      if (event.code === 4403) return finish("这个通话不是由您接听的");
      if (event.code === 4404) return finish("通话已结束");
      if (event.code === 4409) return finish("通话已在另一个窗口打开");
      if (event.code === 1000) return finish("通话已结束");
      // A network blip: the hub keeps the call for a few seconds; keep trying until then.
      if (!reconnectUntil) reconnectUntil = Date.now() + 14000;
      if (Date.now() > reconnectUntil) return finish("与平台的连接已断开，通话结束");
      showError("与平台的连接已断开，正在重连…");
      setTimeout(connect, 1500);
    };
  }

  async function onMessage(msg) {
    if (msg.type === "offer") await answer(msg.sdp);
    else if (msg.type === "state") { showStep(msg.step); showForm(msg.step); }
    else if (msg.type === "assist") showAssist(msg);
    else if (msg.type === "hangup") finish(REASONS[msg.reason] || "通话已结束");
    else if (msg.type === "error") showError(msg.detail);
  }

  function waitForGathering(peer) {
    // aiortc does not trickle ICE, so the answer carries every candidate; a few seconds at most.
    if (peer.iceGatheringState === "complete") return Promise.resolve();
    return new Promise((resolve) => {
      const done = () => { if (peer.iceGatheringState === "complete") { peer.removeEventListener("icegatheringstatechange", done); resolve(); } };
      peer.addEventListener("icegatheringstatechange", done);
      setTimeout(resolve, 5000);
    });
  }

  async function answer(sdp) {
    offers += 1;
    const mine = offers;
    if (pc) { stopRecording(); pc.close(); clearRemote(); }
    const peer = new RTCPeerConnection({ iceServers: cfg.iceServers });
    pc = peer;
    peer.ontrack = onTrack;
    peer.onconnectionstatechange = () => showConnection(peer);
    status("正在建立连接…");
    await peer.setRemoteDescription({ type: "offer", sdp: sdp });
    await localReady;
    if (mine !== offers || ended) return;
    if (local) local.getTracks().forEach((track) => peer.addTrack(track, local));
    await peer.setLocalDescription(await peer.createAnswer());
    await waitForGathering(peer);
    if (mine !== offers || ended) return;  // a newer offer replaced this one meanwhile
    send({ type: "answer", sdp: peer.localDescription.sdp });
  }

  function showConnection(peer) {
    if (peer !== pc || ended) return;
    const s = peer.connectionState;
    if (s === "connected") { status("通话中"); showError(""); startRecording(peer); }
    else if (s === "connecting" || s === "new") status("正在建立连接…");
    else if (s === "disconnected" || s === "failed") status("画面中断，等待终端重新连接…");
  }

  // Recording (only when the site's policy says so; the citizen was told before the call). The call is
  // peer to peer, so this page records: the citizen's camera with both voices, in WebM pieces of a few
  // seconds uploaded at once, so a call cut off midway keeps what came before. A reconnection gives
  // new tracks, hence a new recorder and a new part.
  function startRecording(peer) {
    if (!cfg.recording || !window.MediaRecorder || (recorder && recorder.peer === peer)) return;
    stopRecording();
    const received = peer.getReceivers().map((r) => r.track).filter((t) => t && t.readyState === "live");
    const video = received.find((t) => t.kind === "video");
    if (!video) return;
    const tracks = [video];
    try {
      const ctx = new AudioContext();
      const mix = ctx.createMediaStreamDestination();
      received.filter((t) => t.kind === "audio").forEach((t) => ctx.createMediaStreamSource(new MediaStream([t])).connect(mix));
      if (local && local.getAudioTracks().length) ctx.createMediaStreamSource(local).connect(mix);
      tracks.push(mix.stream.getAudioTracks()[0]);
    } catch (err) {
      received.filter((t) => t.kind === "audio").forEach((t) => tracks.push(t));
    }
    recordPart += 1;
    const part = recordPart;
    let seq = 0;
    const rec = new MediaRecorder(new MediaStream(tracks), { mimeType: "video/webm" });
    rec.peer = peer;
    rec.ondataavailable = (event) => {
      if (!event.data || !event.data.size) return;
      const url = cfg.recordingUrl + "?part=" + part + "&seq=" + (seq++);
      fetch(url, { method: "POST", body: event.data, headers: { "Content-Type": "video/webm" }, keepalive: event.data.size < 60000 })
        .then((r) => { if (!r.ok) showError("录像上传失败（" + r.status + "）"); })
        .catch(() => showError("录像上传失败：网络中断"));
    };
    rec.start(3000);
    recorder = rec;
    $("recording").hidden = false;
  }

  function stopRecording() {
    if (recorder && recorder.state !== "inactive") recorder.stop();  // its last piece is uploaded as it stops
    recorder = null;
  }

  function clearRemote() {
    $("remote-videos").querySelectorAll("figure").forEach((f) => f.remove());
    $("no-video").hidden = false;
  }

  function labelFor(event) {
    const names = [event.track.id].concat(event.streams.map((s) => s.id)).join(" ").toLowerCase();
    for (const [key, label] of NAMED) if (names.includes(key)) return label;
    const videos = pc.getTransceivers().filter((t) => t.receiver.track && t.receiver.track.kind === "video");
    const index = videos.indexOf(event.transceiver);
    return LABELS[index] || "画面 " + (index + 1);
  }

  function onTrack(event) {
    if (event.track.kind === "audio") {
      const audio = $("remote-audio");
      audio.srcObject = new MediaStream([event.track]);
      audio.play().catch(() => { $("audio-blocked").hidden = false; });
      return;
    }
    const figure = document.createElement("figure");
    const video = document.createElement("video");
    video.className = "remote";
    video.id = "remote-" + (event.transceiver.mid || event.track.id);
    video.autoplay = true;
    video.playsInline = true;
    video.muted = true;
    video.dataset.mid = event.transceiver.mid || "";
    video.dataset.track = event.track.id;
    video.srcObject = new MediaStream([event.track]);
    const caption = document.createElement("figcaption");
    caption.textContent = labelFor(event);
    figure.append(video, caption);
    $("remote-videos").append(figure);
    $("no-video").hidden = true;
    video.play().catch(() => {});
  }

  function showStep(step) {
    $("state-step").textContent = step.title || step.id;
    const table = $("state-fields");
    table.replaceChildren();
    for (const [label, value] of Object.entries(step.fields || {})) {
      const row = table.insertRow();
      const th = document.createElement("th");
      th.textContent = label;
      const td = document.createElement("td");
      td.textContent = value;
      row.append(th, td);
    }
  }

  // 帮办: the step as a form while the citizen lets the helper fill in; every change goes to the kiosk at once
  const ASSIST = { asked: "已请求，等待群众在屏幕上同意…", on: "群众已同意，您可以在下面填写；群众可随时收回。",
    declined: "群众没有同意协助填写（或当前没有正在办理的事项）。", off: "协助填写已结束。" };
  let assistOn = false, lastForm = "";

  function showAssist(msg) {
    assistOn = msg.state === "on";
    let text = ASSIST[msg.state] || "";
    if (msg.reason === "refused") text = "这一项须由群众本人填写，或不能在此步骤填写。";
    if (msg.reason === "withdrawn") text = "群众已收回操作，协助填写已结束。";
    $("assist-status").textContent = text;
    $("assist-request").hidden = assistOn || msg.state === "asked";
    $("assist-stop").hidden = !assistOn;
    if (!assistOn) { $("assist-form").hidden = true; lastForm = ""; }
  }

  function showForm(step) {
    const form = $("assist-form");
    if (!assistOn || !step.form) { form.hidden = true; lastForm = ""; return; }
    const shape = JSON.stringify([step.id, step.form.fields.map((f) => f.name), step.form.options]);
    form.hidden = false;
    if (shape === lastForm) {  // the same step: keep what the helper is typing, refresh the marks
      for (const f of step.form.fields) {
        const input = form.querySelector(`[name="${CSS.escape(f.name)}"]`);
        if (input && document.activeElement !== input && f.may_set) input.value = f.value;
        const err = form.querySelector(`[data-error="${CSS.escape(f.name)}"]`);
        if (err) err.textContent = f.error || "";
      }
      return;
    }
    lastForm = shape;
    form.replaceChildren();
    for (const f of step.form.fields) {
      const label = document.createElement("label");
      label.textContent = f.label + (f.may_set ? "" : "（群众本人的证件信息）");
      let input;
      if (f.choices.length) {
        input = document.createElement("select");
        for (const c of ["", ...f.choices]) input.add(new Option(c || "请选择", c));
      } else {
        input = document.createElement("input");
        input.maxLength = 500;
        input.autocomplete = "off";
      }
      input.name = f.name;
      input.id = "assist-field-" + f.name;
      input.value = f.value;
      input.disabled = !f.may_set;
      input.addEventListener(f.choices.length ? "change" : "input", () =>
        send({ type: "assist_input", action: "set_field", field: f.name, value: input.value }));
      const err = document.createElement("span");
      err.className = "err";
      err.dataset.error = f.name;
      err.textContent = f.error || "";
      label.append(input, err);
      form.append(label);
    }
    for (const o of step.form.options) {
      const b = document.createElement("button");
      b.type = "button";
      b.className = "btn";
      b.id = "assist-option-" + o.value;
      b.textContent = o.label;
      b.addEventListener("click", () => send({ type: "assist_input", action: "choose", option: o.value }));
      form.append(b);
    }
    if (step.form.next) {
      const next = document.createElement("button");
      next.type = "button";
      next.className = "btn primary";
      next.id = "assist-next";
      next.textContent = "下一步";
      next.addEventListener("click", () => send({ type: "assist_input", action: "next" }));
      form.append(next);
    }
  }

  function sendText() {
    const input = $("text-input");
    const text = input.value.trim();
    if (!text) return;
    if (send({ type: "text", text: text.slice(0, cfg.maxText) })) {
      const item = document.createElement("li");
      item.textContent = new Date().toLocaleTimeString("zh-CN") + "  " + text;
      $("text-log").prepend(item);
      input.value = "";
    }
  }

  function finish(text) {
    if (ended) return;
    ended = true;
    status(text);
    document.body.classList.add("ended");
    stopRecording();
    if (pc) pc.close();
    if (local) local.getTracks().forEach((t) => t.stop());
    document.querySelectorAll("button").forEach((b) => { if (b.form === null) b.disabled = true; });
    const back = document.createElement("a");
    back.href = "/helper";
    back.className = "btn primary big";
    back.id = "back-to-console";
    back.textContent = "返回工作台";
    $("hangup").replaceWith(back);
    if (ws && ws.readyState === WebSocket.OPEN) ws.close(1000);
  }

  function centrePixel(video) {
    if (!video.videoWidth) return [0, 0, 0];
    const canvas = document.createElement("canvas");
    canvas.width = canvas.height = 1;
    const ctx = canvas.getContext("2d", { willReadFrequently: true });
    ctx.drawImage(video, Math.floor(video.videoWidth / 2), Math.floor(video.videoHeight / 2), 1, 1, 0, 0, 1, 1);
    return Array.from(ctx.getImageData(0, 0, 1, 1).data.slice(0, 3));
  }

  // For tests and diagnosis: what arrives, per remote video, and how loud the citizen is.
  window.callStats = async function () {
    const byMid = {};
    const byTrack = {};
    let audioLevel = 0;
    if (pc) {
      (await pc.getStats()).forEach((r) => {
        if (r.type !== "inbound-rtp") return;
        if (r.kind === "video") {
          if (r.mid !== undefined) byMid[r.mid] = r.framesDecoded || 0;
          if (r.trackIdentifier) byTrack[r.trackIdentifier] = r.framesDecoded || 0;
        } else if (r.kind === "audio" && typeof r.audioLevel === "number") {
          audioLevel = Math.max(audioLevel, r.audioLevel);
        }
      });
    }
    const videos = Array.from(document.querySelectorAll("video.remote")).map((v) => ({
      id: v.id,
      label: v.nextElementSibling ? v.nextElementSibling.textContent : "",
      framesDecoded: byMid[v.dataset.mid] ?? byTrack[v.dataset.track] ?? 0,
      width: v.videoWidth,
      height: v.videoHeight,
      sample: centrePixel(v),
    }));
    return { videos: videos, audioLevel: audioLevel, connectionState: pc ? pc.connectionState : "new" };
  };

  $("hangup").addEventListener("click", () => { send({ type: "hangup" }); finish("您已挂断"); });
  $("assist-request").addEventListener("click", () => { if (send({ type: "assist_request" })) showAssist({ state: "asked" }); });
  $("assist-stop").addEventListener("click", () => send({ type: "assist_stop" }));
  $("assist-form").addEventListener("submit", (e) => e.preventDefault());
  $("text-send").addEventListener("click", sendText);
  $("text-input").addEventListener("keydown", (e) => { if (e.key === "Enter") sendText(); });
  $("restart").addEventListener("click", () => { if (send({ type: "restart" })) status("已请终端重新连接画面…"); });
  document.querySelectorAll("button.highlight").forEach((b) =>
    b.addEventListener("click", () => send({ type: "highlight", target: b.dataset.target })));
  $("audio-enable").addEventListener("click", () => {
    $("remote-audio").play().then(() => { $("audio-blocked").hidden = true; }).catch(() => {});
  });

  // Join at once (the hub ends a call whose page does not turn up); answers wait for the camera and microphone.
  const localReady = startLocal();
  connect();
})();
