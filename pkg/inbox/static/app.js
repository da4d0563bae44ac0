// The inbox: poll /api/messages and draw what is new, newest first.
(function () {
  "use strict";
  var list = document.getElementById("messages");
  var empty = document.getElementById("empty");
  var count = document.getElementById("count");
  var live = document.getElementById("live");
  document.getElementById("base").textContent = location.origin;
  var only = new URLSearchParams(location.search).get("seq"); // ?seq=N shows one message
  var shown = 0;

  function el(tag, cls, text) {
    var e = document.createElement(tag);
    if (cls) e.className = cls;
    if (text !== undefined) e.textContent = text;
    return e;
  }

  function draw(m) {
    var li = el("li", "msg");
    li.id = "msg-" + m.seq;
    li.dataset.seq = m.seq;
    li.dataset.msgType = m.msg_type;
    var meta = el("div", "msg-meta");
    meta.appendChild(el("span", "time", new Date(m.time).toLocaleString()));
    meta.appendChild(el("span", "mode " + m.mode, m.mode));
    meta.appendChild(el("span", "to", m.mode === "app" ? m.receive_id_type + ": " + m.receive_id : "group webhook"));
    meta.appendChild(el("span", "type", m.msg_type));
    if (m.message_id) meta.appendChild(el("span", "id", m.message_id));
    var toggle = el("button", "toggle", "JSON");
    meta.appendChild(toggle);
    li.appendChild(meta);
    var body = el("div", "msg-body");
    body.innerHTML = m.html; // drawn and escaped by the server
    li.appendChild(body);
    var pre = el("pre", "json", JSON.stringify(m.body, null, 2));
    pre.hidden = true;
    li.appendChild(pre);
    toggle.addEventListener("click", function () {
      pre.hidden = !pre.hidden;
      body.hidden = !pre.hidden;
      toggle.textContent = pre.hidden ? "JSON" : "Card";
    });
    return li;
  }

  function refresh() {
    fetch("/api/messages", { cache: "no-store" })
      .then(function (r) { return r.json(); })
      .then(function (data) {
        live.classList.remove("off");
        var msgs = data.messages || [];
        count.textContent = msgs.length + (msgs.length === 1 ? " message" : " messages");
        for (var i = shown; i < msgs.length; i++) {
          if (only && String(msgs[i].seq) !== only) continue;
          list.insertBefore(draw(msgs[i]), list.firstChild);
        }
        shown = msgs.length;
        empty.hidden = msgs.length > 0;
        document.body.dataset.ready = "true";
      })
      .catch(function () { live.classList.add("off"); })
      .then(function () { setTimeout(refresh, 1000); });
  }
  refresh();
})();
