/* credbot chat widget: one <script> tag, no build step, no dependencies.
   <script src="https://bot.example/widget.js" data-state="OH" data-title="Credentials questions"></script>
   Renders in a shadow root (isolated from the page's CSS); all text is set with textContent. */
(function () {
  "use strict";
  var script = document.currentScript;
  if (!script || window.__credbotLoaded) return;
  window.__credbotLoaded = true;
  var API = new URL(script.src, location.href).origin;
  var STATE = (script.dataset.state || "").toUpperCase();
  if (STATE !== "OH" && STATE !== "IL") STATE = null;
  var TITLE = script.dataset.title || "Questions about credentials";
  var HELP = {};  // help desk by state: from the server's /api/config, the one source of these addresses
  fetch(API + "/api/config").then(function (r) { return r.ok ? r.json() : { states: [] }; }).then(function (c) {
    (c.states || []).forEach(function (s) { HELP[s.code] = s.help_email; });
  }).catch(function () { /* the replies carry their help_email too */ });
  // The conversation's id and its secret (which alone lets the conversation go to the help desk) are
  // kept in this closure only: not in the page's storage, where any script on the page could read them.
  var sessionId = null, sessionSecret = null;

  var CSS = [
    ":host{all:initial}",
    "*{box-sizing:border-box;font-family:system-ui,-apple-system,'Segoe UI',Roboto,Arial,sans-serif}",
    ".launcher{position:fixed;right:16px;bottom:16px;z-index:2147483000;background:#0b5394;color:#fff;border:0;border-radius:28px;padding:12px 18px;font-size:16px;cursor:pointer;box-shadow:0 2px 8px rgba(0,0,0,.3)}",
    ".launcher:focus-visible,button:focus-visible,input:focus-visible{outline:3px solid #ffbf47;outline-offset:2px}",
    ".panel{position:fixed;right:16px;bottom:76px;z-index:2147483001;width:min(380px,calc(100vw - 16px));height:min(560px,calc(100vh - 96px));background:#fff;color:#1b1b1b;border:1px solid #767676;border-radius:12px;display:flex;flex-direction:column;box-shadow:0 4px 20px rgba(0,0,0,.3)}",
    ".panel[hidden]{display:none}",
    "@media (max-width:480px){.panel{right:8px;left:8px;width:auto;bottom:72px;height:calc(100vh - 88px)}}",
    "header{display:flex;align-items:center;justify-content:space-between;padding:10px 12px;background:#0b5394;color:#fff;border-radius:12px 12px 0 0}",
    "h2{font-size:16px;margin:0}",
    ".close{background:transparent;color:#fff;border:0;font-size:22px;line-height:1;cursor:pointer;min-width:44px;min-height:44px}",
    ".log{flex:1;overflow-y:auto;padding:12px;display:flex;flex-direction:column;gap:8px;font-size:15px;line-height:1.45}",
    ".msg{max-width:92%;padding:8px 10px;border-radius:10px;white-space:pre-wrap;overflow-wrap:anywhere}",
    ".user{align-self:flex-end;background:#0b5394;color:#fff}",
    ".bot{align-self:flex-start;background:#f1f1f1;color:#1b1b1b}",
    ".source{display:block;margin-top:6px;font-size:13px;color:#3d3d3d}",
    ".row{display:flex;flex-wrap:wrap;gap:6px;margin-top:6px}",
    ".row button,.escalate button,.send{background:#fff;color:#0b5394;border:1px solid #0b5394;border-radius:16px;padding:6px 10px;font-size:14px;cursor:pointer;min-height:36px}",
    ".send{background:#0b5394;color:#fff;border-radius:8px}",
    "form.ask{display:flex;gap:6px;padding:10px;border-top:1px solid #ccc}",
    "form.ask input{flex:1;min-width:0;font-size:16px;padding:8px;border:1px solid #767676;border-radius:8px}",
    ".escalate{display:flex;flex-direction:column;gap:6px;margin-top:6px}",
    ".escalate input[type=email],.escalate input[type=text]{font-size:16px;padding:6px;border:1px solid #767676;border-radius:6px}",
    ".sr{position:absolute;width:1px;height:1px;overflow:hidden;clip:rect(0 0 0 0);white-space:nowrap}",
    ".error{color:#a00000}"
  ].join("\n");

  var host = document.createElement("div");
  host.id = "credbot-widget";
  document.body.appendChild(host);
  var root = host.attachShadow({ mode: "open" });
  var style = document.createElement("style");
  style.textContent = CSS;
  root.appendChild(style);

  function el(tag, attrs, text) {
    var node = document.createElement(tag);
    Object.keys(attrs || {}).forEach(function (k) { node.setAttribute(k, attrs[k]); });
    if (text != null) node.textContent = text;
    return node;
  }

  var launcher = el("button", { "class": "launcher", type: "button", "aria-expanded": "false", "aria-controls": "credbot-panel" }, "Ask a question");
  var panel = el("section", { "class": "panel", id: "credbot-panel", role: "dialog", "aria-label": TITLE, hidden: "" });
  var header = el("header");
  header.appendChild(el("h2", {}, TITLE));
  var closeBtn = el("button", { "class": "close", type: "button", "aria-label": "Close chat" }, "×");
  header.appendChild(closeBtn);
  var log = el("div", { "class": "log", role: "log", "aria-live": "polite", "aria-relevant": "additions", tabindex: "0", "aria-label": "Conversation" });
  var form = el("form", { "class": "ask" });
  var label = el("label", { "for": "credbot-input", "class": "sr" }, "Your question");
  var input = el("input", { id: "credbot-input", type: "text", autocomplete: "off", maxlength: "1000", placeholder: "Type your question" });
  var send = el("button", { "class": "send", type: "submit" }, "Send");
  form.appendChild(label); form.appendChild(input); form.appendChild(send);
  panel.appendChild(header); panel.appendChild(log); panel.appendChild(form);
  root.appendChild(launcher); root.appendChild(panel);

  function open() {
    panel.hidden = false;
    launcher.setAttribute("aria-expanded", "true");
    if (!log.childNodes.length) {
      addBot({ kind: "smalltalk", text: "Hello! Ask me about industry-recognized credentials: what they are, how students earn them, what they cost, or about a credential like ServSafe." });
    }
    input.focus();
  }
  function close() {
    panel.hidden = true;
    launcher.setAttribute("aria-expanded", "false");
    launcher.focus();
  }
  launcher.addEventListener("click", function () { panel.hidden ? open() : close(); });
  closeBtn.addEventListener("click", close);
  panel.addEventListener("keydown", function (e) { if (e.key === "Escape") close(); });

  function scroll() { log.scrollTop = log.scrollHeight; }
  function addUser(text) {
    log.appendChild(el("div", { "class": "msg user" }, text));
    scroll();
  }

  function addBot(reply) {
    var box = el("div", { "class": "msg bot" });
    box.appendChild(document.createTextNode(reply.text));
    if (reply.choices && reply.choices.length) {
      var row = el("div", { "class": "row", role: "group", "aria-label": "Choose one" });
      reply.choices.forEach(function (c) {
        var b = el("button", { type: "button" }, c.label);
        b.addEventListener("click", function () { ask(c.value, c.label); });
        row.appendChild(b);
      });
      box.appendChild(row);
    }
    if (reply.kind === "answer" || reply.kind === "credential") {
      addFeedback(box, reply);
    }
    if (reply.offer_escalation) {
      addEscalation(box, reply);
    }
    log.appendChild(box);
    scroll();
    return box;
  }

  function addFeedback(box, reply) {
    var row = el("div", { "class": "row", role: "group", "aria-label": "Was this helpful?" });
    row.appendChild(el("span", {}, "Was this helpful?"));
    [["Yes", true], ["No", false]].forEach(function (pair) {
      var b = el("button", { type: "button" }, pair[0]);
      b.addEventListener("click", function () {
        post("/api/feedback", { session_id: sessionId, entry_id: reply.faq_id || reply.credential_id || null,
                                question: lastQuestion, helpful: pair[1] });
        row.textContent = "";
        row.appendChild(el("span", {}, pair[1] ? "Thank you for your feedback." : "Thank you. You can also ask a person below."));
        if (!pair[1]) addEscalation(box, reply);
      });
      row.appendChild(b);
    });
    box.appendChild(row);
  }

  var escalationCount = 0;
  function addEscalation(box, reply) {
    var state = reply.state || STATE;
    var to = reply.help_email || HELP[state] || "the help desk";
    var question = lastQuestion;
    var n = ++escalationCount;
    var wrap = el("form", { "class": "escalate", "aria-label": "Ask a person" });
    wrap.appendChild(el("span", {}, "A person at " + to + " can answer. We will send them your question and this conversation."));
    var emailId = "credbot-email-" + n, consentId = "credbot-consent-" + n;
    wrap.appendChild(el("label", { "for": emailId }, "Your email address, for the reply"));
    var email = el("input", { id: emailId, type: "email", autocomplete: "email", required: "" });
    wrap.appendChild(email);
    var consentRow = el("div");
    var consent = el("input", { id: consentId, type: "checkbox", required: "" });
    consentRow.appendChild(consent);
    consentRow.appendChild(el("label", { "for": consentId }, " Send my question “" + question + "” to " + to));
    wrap.appendChild(consentRow);
    var submit = el("button", { type: "submit" }, "Send to the help desk");
    wrap.appendChild(submit);
    var status = el("span", { role: "status" });
    wrap.appendChild(status);
    var key = "esc-" + Math.random().toString(36).slice(2) + Date.now().toString(36);
    wrap.addEventListener("submit", function (e) {
      e.preventDefault();
      if (!email.value || !consent.checked) { status.textContent = "Please give your email address and tick the box."; status.className = "error"; return; }
      submit.disabled = true;
      var address = email.value.trim();
      post("/api/escalations", { session_id: sessionId, session_secret: sessionSecret, question: question, email: address, consent: true, state: state },
           { "Idempotency-Key": key })
        .then(function (res) {
          wrap.textContent = "";
          if (res.status === "unconfirmed") { addCode(wrap, res, address, n); return; }
          wrap.appendChild(el("span", { role: "status" }, "Sent. The help desk at " + res.to + " will reply to " + address + "."));
        })
        .catch(function (err) { submit.disabled = false; status.className = "error"; status.textContent = err.message; });
    });
    box.appendChild(wrap);
  }

  // The help desk replies to an address only once its owner confirms it: the code mailed there.
  function addCode(form, res, address, n) {
    var codeId = "credbot-code-" + n;
    var wrap = el("form", { "class": "escalate", "aria-label": "Confirm your email address" });
    form.parentNode.replaceChild(wrap, form);
    wrap.appendChild(el("span", { role: "status" }, "We've emailed a 6-digit code to " + address + ". Enter it to send your question (nothing is sent until then)."));
    wrap.appendChild(el("label", { "for": codeId }, "Code from the email"));
    var code = el("input", { id: codeId, type: "text", inputmode: "numeric", autocomplete: "one-time-code", maxlength: "6", pattern: "[0-9]{6}", required: "" });
    wrap.appendChild(code);
    var confirm = el("button", { type: "submit" }, "Confirm and send");
    wrap.appendChild(confirm);
    var status = el("span", { role: "status" });
    wrap.appendChild(status);
    code.focus();
    wrap.addEventListener("submit", function (e) {
      e.preventDefault();
      confirm.disabled = true;
      post("/api/escalations/" + res.id + "/confirm", { code: code.value.trim() })
        .then(function (done) {
          wrap.textContent = "";
          wrap.appendChild(el("span", { role: "status" }, "Sent. The help desk at " + done.to + " will reply to " + address + "."));
        })
        .catch(function (err) { confirm.disabled = false; status.className = "error"; status.textContent = err.message; });
    });
  }

  function post(path, body, headers) {
    var h = { "Content-Type": "application/json" };
    Object.keys(headers || {}).forEach(function (k) { h[k] = headers[k]; });
    return fetch(API + path, { method: "POST", headers: h, body: JSON.stringify(body), credentials: "omit" })
      .then(function (r) {
        return r.json().catch(function () { return {}; }).then(function (data) {
          if (!r.ok) throw new Error(data.error || "Sorry, something went wrong. Please try again.");
          return data;
        });
      });
  }

  var lastQuestion = "";
  var busy = false;
  function ask(message, shown) {
    if (busy || !message) return;
    busy = true;
    addUser(shown || message);
    if (!shown) lastQuestion = message;
    post("/api/chat", { message: message, session_id: sessionId, session_secret: sessionSecret, state: STATE })
      .then(function (reply) {
        if (reply.session_id !== sessionId) { sessionId = reply.session_id; sessionSecret = reply.session_secret || null; }
        addBot(reply);
      })
      .catch(function (err) { addBot({ kind: "smalltalk", text: err.message }); })
      .then(function () { busy = false; input.focus(); });
  }
  form.addEventListener("submit", function (e) {
    e.preventDefault();
    var text = input.value.trim();
    if (!text) return;
    input.value = "";
    ask(text);
  });
})();
