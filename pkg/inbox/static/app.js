// The inbox: poll /api/messages and draw what is new or changed, newest
// first. Callback buttons (data-callback) send a card click to the
// listener; the form sends events. The language switch redraws
// multilingual cards in the chosen locale (?locale=, drawn by the server).
(function () {
  "use strict";
  var list = document.getElementById("messages");
  var empty = document.getElementById("empty");
  var count = document.getElementById("count");
  var live = document.getElementById("live");
  var toasts = document.getElementById("toasts");
  document.getElementById("base").textContent = location.origin;
  var only = new URLSearchParams(location.search).get("seq"); // ?seq=N shows one message
  var drawn = {}; // seq -> html drawn
  var langBox = document.getElementById("lang");
  var langSel = document.getElementById("locale");
  var names = { zh_cn: "简体中文", en_us: "English", ja_jp: "日本語", zh_hk: "繁體中文（香港）", zh_tw: "繁體中文（台灣）" };
  var locale = new URLSearchParams(location.search).get("locale") || "";
  if (!/^[a-z]{2}_[a-z]{2}$/.test(locale)) locale = "";
  if (!locale) { try { locale = localStorage.getItem("fp-locale") || ""; } catch (err) { locale = ""; } }
  var offered = ""; // the switch's options, joined

  // langs fills the switch with the languages the messages offer (zh_cn
  // always) and shows it once some message offers more than one.
  function langs(list) {
    list = list && list.length ? list : ["zh_cn"];
    if (locale && list.indexOf(locale) < 0) list = list.concat([locale]);
    var key = list.join(",");
    if (key === offered) return;
    offered = key;
    langSel.textContent = "";
    for (var i = 0; i < list.length; i++) {
      var o = el("option", "", names[list[i]] ? names[list[i]] + " (" + list[i] + ")" : list[i]);
      o.value = list[i];
      langSel.appendChild(o);
    }
    langSel.value = locale || "zh_cn";
    langBox.hidden = list.length < 2;
  }
  langSel.addEventListener("change", function () {
    locale = langSel.value === "zh_cn" ? "" : langSel.value;
    try { if (locale) localStorage.setItem("fp-locale", locale); else localStorage.removeItem("fp-locale"); } catch (err) { /* private mode */ }
    var q = new URLSearchParams(location.search);
    if (locale) q.set("locale", locale); else q.delete("locale");
    var qs = q.toString();
    history.replaceState(null, "", location.pathname + (qs ? "?" + qs : ""));
    document.body.dataset.locale = langSel.value;
    refresh();
  });

  function el(tag, cls, text) {
    var e = document.createElement(tag);
    if (cls) e.className = cls;
    if (text !== undefined) e.textContent = text;
    return e;
  }

  function toast(type, text) {
    var t = el("div", "toast toast-" + type, text);
    toasts.appendChild(t);
    setTimeout(function () { t.remove(); }, 4000);
  }

  function draw(m) {
    var li = el("li", "msg");
    li.id = "msg-" + m.seq;
    li.dataset.seq = m.seq;
    li.dataset.msgType = m.msg_type;
    if (m.message_id) li.dataset.messageId = m.message_id;
    var meta = el("div", "msg-meta");
    meta.appendChild(el("span", "time", new Date(m.time).toLocaleString()));
    meta.appendChild(el("span", "mode " + m.mode, m.mode));
    meta.appendChild(el("span", "to", m.mode === "app" ? m.receive_id_type + ": " + m.receive_id : "group webhook"));
    meta.appendChild(el("span", "type", m.msg_type));
    if (m.message_id) meta.appendChild(el("span", "id", m.message_id));
    if (m.locales && m.locales.length > 1) meta.appendChild(el("span", "langs", m.locales.join(" · ")));
    var toggle = el("button", "toggle", "JSON");
    meta.appendChild(toggle);
    li.appendChild(meta);
    var body = el("div", "msg-body");
    body.innerHTML = m.html; // drawn and escaped by the server
    li.appendChild(body);
    if (m.toast) li.appendChild(el("div", "msg-toast toast-" + m.toast.type, m.toast.content));
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

  // A click on a callback button: the sandbox sends card.action.trigger
  // to the listener and applies its answer; the next poll redraws.
  list.addEventListener("click", function (e) {
    var btn = e.target.closest ? e.target.closest("[data-callback]") : null;
    if (!btn) return;
    e.preventDefault();
    var li = btn.closest("li.msg");
    var value;
    try { value = JSON.parse(btn.getAttribute("data-callback") || "{}"); } catch (err) { value = {}; }
    var req = { seq: Number(li.dataset.seq), message_id: li.dataset.messageId || "", value: value };
    btn.classList.add("fp-btn-busy");
    fetch("/api/callback", { method: "POST", headers: { "Content-Type": "application/json" }, body: JSON.stringify(req) })
      .then(function (r) { return r.json(); })
      .then(function (res) {
        var t = res.toast || (res.result && res.result.toast);
        if (t) toast(t.type, t.content);
        if (res.error) toast("error", res.error);
        li.dataset.clicked = res.error ? "error" : "ok";
      })
      .catch(function (err) { toast("error", String(err)); })
      .then(function () { btn.classList.remove("fp-btn-busy"); refresh(); });
  });

  var form = document.getElementById("event-form");
  fetch("/api/listener").then(function (r) { return r.json(); }).then(function (info) {
    if (!info.url && !info.long_connections) return;
    form.hidden = false;
    document.getElementById("listener-url").textContent = info.url ? info.url + (info.encrypted ? " (encrypted, signed)" : "") : "the long-connection client";
  });
  form.addEventListener("submit", function (e) {
    e.preventDefault();
    var req = { type: form.elements.type.value };
    var extra = form.elements.event.value.trim();
    if (extra) {
      try { req.event = JSON.parse(extra); } catch (err) { toast("error", "event fields: " + err); return; }
    }
    fetch("/api/events", { method: "POST", headers: { "Content-Type": "application/json" }, body: JSON.stringify(req) })
      .then(function (r) { return r.json(); })
      .then(function (res) {
        if (res.error) { toast("error", res.error); return; }
        toast(res.status === 200 ? "success" : "error", req.type + " " + res.event_id + ": HTTP " + res.status);
      })
      .catch(function (err) { toast("error", String(err)); });
  });

  var timer, gen = 0;
  function refresh() {
    clearTimeout(timer);
    var mine = ++gen, asked = locale;
    fetch("/api/messages" + (asked ? "?locale=" + encodeURIComponent(asked) : ""), { cache: "no-store" })
      .then(function (r) { return r.json(); })
      .then(function (data) {
        live.classList.remove("off");
        if (mine !== gen || asked !== locale) return; // a newer refresh draws
        langs(data.locales);
        var msgs = data.messages || [];
        count.textContent = msgs.length + (msgs.length === 1 ? " message" : " messages");
        for (var i = 0; i < msgs.length; i++) {
          var m = msgs[i];
          if (only && String(m.seq) !== only) continue;
          var sig = m.html + (m.toast ? m.toast.type + m.toast.content : "");
          if (drawn[m.seq] === sig) continue;
          var old = document.getElementById("msg-" + m.seq);
          var li = draw(m);
          if (old) list.replaceChild(li, old); else list.insertBefore(li, list.firstChild);
          drawn[m.seq] = sig;
        }
        empty.hidden = msgs.length > 0;
        document.body.dataset.locale = locale || "zh_cn";
        document.body.dataset.ready = "true";
      })
      .catch(function () { live.classList.add("off"); })
      .then(function () { if (mine === gen) timer = setTimeout(refresh, 1000); });
  }
  refresh();
})();
