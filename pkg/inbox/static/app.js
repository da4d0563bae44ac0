// The inbox: poll /api/messages and draw what is new, newest first, and
// redraw in place what changed (an edited card, a recall, a new reply in
// a thread, a toast, the language), keeping each message's JSON/Card view
// and the scroll position. Callback buttons (data-callback) send a card click to the
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

  // who is a message's sender (named by the server), its badge's class
  // and where it went, for its header line.
  function who(m) {
    var dest = m.receive_id ? m.receive_id_type + ": " + m.receive_id : "";
    var cls = { app: "app", batch: "app", webhook: "webhook", user: "user" }[m.mode] || "other";
    if (cls === "webhook") dest = ""; // the group behind the hook is not known
    else if (dest) dest = (cls === "user" ? "in " : "→ ") + dest;
    return [m.from || m.mode || "unknown", cls, dest];
  }

  function clock(t) {
    var d = new Date(t);
    return isNaN(d) ? "" : d.toLocaleString();
  }

  // meta draws a message's header line; toggle is its JSON button, kept
  // across redraws.
  function meta(m, toggle) {
    var box = el("div", "msg-meta");
    var w = who(m);
    box.appendChild(el("span", "time", clock(m.time)));
    box.appendChild(el("span", "mode " + w[1], w[0]));
    if (w[2]) box.appendChild(el("span", "to", w[2]));
    box.appendChild(el("span", "type", m.msg_type));
    if (m.message_id) box.appendChild(el("span", "id", m.message_id));
    if (m.thread_id) box.appendChild(el("span", "thread", "thread " + m.thread_id));
    else if (m.parent_id) box.appendChild(el("span", "reply", "reply"));
    var edits = m.edits || [];
    if (edits.length) {
      var e = el("span", "state edited", "edited" + (edits.length > 1 ? " ×" + edits.length : ""));
      e.title = "last edited " + clock(edits[edits.length - 1].time);
      box.appendChild(e);
    }
    if (m.recalled) {
      var r = el("span", "state recalled", "recalled");
      if (m.recalled_at) r.title = "recalled " + clock(m.recalled_at);
      box.appendChild(r);
    }
    if (m.deleted) box.appendChild(el("span", "state deleted", "deleted"));
    if (m.locales && m.locales.length > 1) box.appendChild(el("span", "langs", m.locales.join(" · ")));
    box.appendChild(toggle);
    return box;
  }

  function pretty(v) {
    return JSON.stringify(v === undefined ? null : v, null, 2);
  }

  // requests draws what is behind the JSON toggle: the request as sent
  // and, for an edited message, every update after it with its time,
  // newest first, so each earlier version is there with when it was
  // replaced; a recall is noted on top.
  function requests(m) {
    var pane = el("div", "json-pane");
    var edits = m.edits || [];
    if (!edits.length && !m.recalled && !m.deleted) {
      pane.appendChild(el("pre", "json", pretty(m.body)));
      return pane;
    }
    if (m.recalled) pane.appendChild(el("div", "json-head json-recalled", "Recalled" + (m.recalled_at ? " " + clock(m.recalled_at) : "") + " · DELETE /open-apis/im/v1/messages/" + m.message_id));
    if (m.deleted) pane.appendChild(el("div", "json-head json-recalled", "Deleted"));
    for (var k = edits.length; k >= 0; k--) {
      var v = el("section", "json-version" + (k === edits.length ? " json-current" : ""));
      v.dataset.version = k + 1;
      var head, body;
      if (k === 0) {
        head = "Version 1 · sent " + clock(m.time);
        body = m.body;
      } else {
        var e = edits[k - 1];
        head = "Version " + (k + 1) + " · edited " + clock(e.time) + " · PATCH /open-apis/im/v1/messages/" + m.message_id;
        body = e.body !== undefined ? e.body : { content: JSON.stringify(e.content) };
      }
      if (k === edits.length && edits.length) head += " (current)";
      else if (k < edits.length) head += " · replaced " + clock(edits[k].time);
      v.appendChild(el("div", "json-head", head));
      v.appendChild(el("pre", "json", pretty(body)));
      pane.appendChild(v);
    }
    return pane;
  }

  // draw makes a message's element.
  function draw(m) {
    var li = el("li", "msg");
    li.id = "msg-" + m.seq;
    li.dataset.seq = m.seq;
    var toggle = el("button", "toggle", "JSON");
    toggle.type = "button";
    toggle.addEventListener("click", function () {
      li.dataset.view = li.dataset.view === "json" ? "" : "json";
      show(li);
    });
    li.appendChild(meta(m, toggle));
    li.appendChild(el("div", "msg-body"));
    fill(li, m);
    return li;
  }

  // fill (re)draws a message's header, content, toast and requests in
  // place: the element, its JSON/Card view and the open state of its
  // <details> (earlier versions, thread replies) stay as they were.
  function fill(li, m) {
    li.dataset.msgType = m.msg_type;
    if (m.message_id) li.dataset.messageId = m.message_id;
    li.dataset.mode = m.mode;
    if (m.edits && m.edits.length) li.dataset.edits = m.edits.length; else delete li.dataset.edits;
    if (m.recalled) li.dataset.recalled = "true"; else delete li.dataset.recalled;
    var toggle = li.querySelector(".msg-meta > .toggle");
    li.replaceChild(meta(m, toggle), li.querySelector(".msg-meta"));
    var body = li.querySelector(".msg-body");
    var open = details(body, {});
    body.innerHTML = m.html; // drawn and escaped by the server
    details(body, open);
    var t = li.querySelector(".msg-toast");
    if (t) t.remove();
    if (m.toast) li.insertBefore(el("div", "msg-toast toast-" + m.toast.type, m.toast.content), body.nextSibling);
    // The requests change only with an update or a recall: otherwise the
    // pane, and how far it is scrolled, stays.
    var key = [m.edits ? m.edits.length : 0, !!m.recalled, !!m.deleted].join();
    var pane = li.querySelector(".json-pane");
    if (!pane || pane.dataset.key !== key) {
      if (pane) pane.remove();
      pane = requests(m);
      pane.dataset.key = key;
      li.appendChild(pane);
    }
    show(li);
  }

  // details names each <details> in box by its class and its place
  // among those of that class, opens those named in reopen, and returns
  // the names of those open.
  function details(box, reopen) {
    var open = {}, seen = {};
    var all = box.querySelectorAll("details");
    for (var i = 0; i < all.length; i++) {
      var name = all[i].className + "#" + (seen[all[i].className] = (seen[all[i].className] || 0) + 1);
      if (reopen[name]) all[i].open = true;
      if (all[i].open) open[name] = true;
    }
    return open;
  }

  function show(li) {
    var json = li.dataset.view === "json";
    li.querySelector(".json-pane").hidden = !json;
    li.querySelector(".msg-body").hidden = json;
    var t = li.querySelector(".msg-toast");
    if (t) t.hidden = json;
    li.querySelector(".msg-meta > .toggle").textContent = json ? "Card" : "JSON";
  }

  // anchor is the first message in view under the header bar and its
  // distance from the top, so redraws above it do not move what is read.
  function anchor() {
    if (window.scrollY <= 0) return null; // at the top: the newest shows
    var top = document.querySelector(".bar").getBoundingClientRect().bottom;
    var items = list.children;
    for (var i = 0; i < items.length; i++) {
      var r = items[i].getBoundingClientRect();
      if (r.bottom > top) return { el: items[i], top: r.top };
    }
    return null;
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
        var keep = anchor();
        for (var i = 0; i < msgs.length; i++) {
          var m = msgs[i];
          if (only && String(m.seq) !== only) continue;
          var sig = JSON.stringify([m.html, m.toast || null, m.edits ? m.edits.length : 0, !!m.recalled, !!m.deleted, m.locales || null]);
          if (drawn[m.seq] === sig) continue;
          var old = document.getElementById("msg-" + m.seq);
          if (old) fill(old, m); else list.insertBefore(draw(m), list.firstChild);
          drawn[m.seq] = sig;
        }
        if (keep && keep.el.isConnected) window.scrollBy(0, keep.el.getBoundingClientRect().top - keep.top);
        empty.hidden = msgs.length > 0;
        document.body.dataset.locale = locale || "zh_cn";
        document.body.dataset.ready = "true";
      })
      .catch(function () { live.classList.add("off"); })
      .then(function () { if (mine === gen) timer = setTimeout(refresh, 1000); });
  }
  refresh();
})();
