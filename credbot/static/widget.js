/* credbot chat widget: one <script> tag, no build step, no dependencies.
   <script src="https://bot.example/widget.js" data-state="OH" data-lang="es" data-title="Credentials questions"></script>
   Renders in a shadow root (isolated from the page's CSS); all text is set with textContent.
   Interface language: data-lang on the script tag, else the page's <html lang>, else the language a
   reply says it is in (its "language" field), else English. Links are made only from https addresses
   in a reply's source.urls (which come from the knowledge files), never from what anyone typed. */
(function () {
  "use strict";
  var script = document.currentScript;
  if (!script || window.__credbotLoaded) return;
  window.__credbotLoaded = true;
  var API = new URL(script.src, location.href).origin;
  var STATE = (script.dataset.state || "").toUpperCase();
  if (STATE !== "OH" && STATE !== "IL") STATE = null;

  var WORDS = {
    en: {
      title: "Questions about credentials",
      launcher: "Ask a question",
      close: "Close chat",
      log: "Conversation",
      inputLabel: "Your question",
      placeholder: "Type your question",
      send: "Send",
      greeting: "Hello! Ask me about industry-recognized credentials: what they are, how students earn them, what they cost, or about a credential like ServSafe.",
      choose: "Choose one",
      helpful: "Was this helpful?",
      yes: "Yes",
      no: "No",
      thanksYes: "Thank you for your feedback.",
      thanksNo: "Thank you. You can also ask a person below.",
      askPerson: "Ask a person",
      personCan: "A person at {to} can answer. We will send them your question and this conversation.",
      theHelpDesk: "the help desk",
      emailLabel: "Your email address, for the reply",
      consent: " Send my question “{question}” to {to}",
      submit: "Send to the help desk",
      fillIn: "Please give your email address and tick the box.",
      sent: "Sent. The help desk at {to} will reply to {email}.",
      codeSent: "We've emailed a 6-digit code to {email}. Enter it to send your question (nothing is sent until then).",
      codeLabel: "Code from the email",
      confirmEmail: "Confirm your email address",
      confirmSend: "Confirm and send",
      badEmail: "Please check your email address.",
      tooMany: "Too many messages in a short time. Please wait a moment and try again.",
      error: "Sorry, something went wrong. Please try again.",
      source: "Source:",
      sources: "Sources:",
      newTab: "(opens in a new tab)",
      officialText: "Official text (English)"
    },
    es: {
      title: "Preguntas sobre credenciales",
      launcher: "Haga una pregunta",
      close: "Cerrar el chat",
      log: "Conversación",
      inputLabel: "Su pregunta",
      placeholder: "Escriba su pregunta",
      send: "Enviar",
      greeting: "¡Hola! Pregúnteme sobre las credenciales reconocidas por la industria: qué son, cómo las obtienen los estudiantes, cuánto cuestan, o sobre una credencial como ServSafe.",
      choose: "Elija una",
      helpful: "¿Le sirvió esta respuesta?",
      yes: "Sí",
      no: "No",
      thanksYes: "Gracias por su opinión.",
      thanksNo: "Gracias. También puede preguntarle a una persona aquí abajo.",
      askPerson: "Preguntarle a una persona",
      personCan: "Una persona de {to} puede responderle. Le enviaremos su pregunta y esta conversación.",
      theHelpDesk: "la mesa de ayuda",
      emailLabel: "Su correo electrónico, para la respuesta",
      consent: " Enviar mi pregunta “{question}” a {to}",
      submit: "Enviar a la mesa de ayuda",
      fillIn: "Escriba su correo electrónico y marque la casilla.",
      sent: "Enviada. La mesa de ayuda ({to}) le responderá a {email}.",
      codeSent: "Le enviamos un código de 6 dígitos a {email}. Escríbalo para enviar su pregunta (no se envía nada antes).",
      codeLabel: "Código del correo",
      confirmEmail: "Confirme su correo electrónico",
      confirmSend: "Confirmar y enviar",
      badEmail: "Revise su correo electrónico, por favor.",
      tooMany: "Demasiados mensajes en poco tiempo. Espere un momento y vuelva a intentarlo.",
      error: "Lo sentimos, algo salió mal. Vuelva a intentarlo.",
      source: "Fuente:",
      sources: "Fuentes:",
      newTab: "(se abre en una pestaña nueva)",
      officialText: "Texto oficial (en inglés)"
    }
  };
  function supported(code) {
    code = (code || "").trim().toLowerCase().split(/[-_]/)[0];
    return WORDS[code] ? code : null;
  }
  // The page decides when it says (data-lang, then <html lang>); otherwise replies may switch it.
  var PAGE_LANG = supported(script.dataset.lang) || supported(document.documentElement.getAttribute("lang"));
  var LANG = PAGE_LANG || "en";
  function t(key, values) {
    var text = (WORDS[LANG] || WORDS.en)[key] || WORDS.en[key];
    Object.keys(values || {}).forEach(function (k) { text = text.split("{" + k + "}").join(values[k]); });
    return text;
  }
  var CUSTOM_TITLE = script.dataset.title || null;

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
    ".launcher{position:fixed;right:16px;bottom:16px;z-index:2147483000;background:#0b5394;color:#fff;border:0;border-radius:28px;padding:12px 18px;font-size:16px;cursor:pointer;box-shadow:0 2px 8px rgba(0,0,0,.3);max-width:calc(100vw - 32px)}",
    ".launcher:focus-visible,button:focus-visible,input:focus-visible,a:focus-visible,summary:focus-visible,.log:focus-visible{outline:3px solid #ffbf47;outline-offset:2px}",
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
    ".source{display:flex;flex-wrap:wrap;align-items:center;gap:2px 8px;margin-top:6px;font-size:14px;color:#3d3d3d;white-space:normal}",
    ".source a{color:#0b5394;text-decoration:underline;display:inline-block;min-height:24px;line-height:24px;padding:0 2px}",
    "details.official{margin-top:6px;white-space:normal}",
    "details.official summary{cursor:pointer;color:#0b5394;min-height:24px;line-height:24px}",
    "details.official div{white-space:pre-wrap;margin-top:4px}",
    ".row{display:flex;flex-wrap:wrap;gap:6px;margin-top:6px;white-space:normal}",
    ".row button,.escalate button,.send{background:#fff;color:#0b5394;border:1px solid #0b5394;border-radius:16px;padding:6px 10px;font-size:14px;cursor:pointer;min-height:36px;min-width:44px}",
    ".send{background:#0b5394;color:#fff;border-radius:8px}",
    "form.ask{display:flex;gap:6px;padding:10px;border-top:1px solid #ccc}",
    "form.ask input{flex:1;min-width:0;font-size:16px;padding:8px;border:1px solid #767676;border-radius:8px}",
    ".escalate{display:flex;flex-direction:column;gap:6px;margin-top:6px;white-space:normal}",
    ".escalate input[type=email],.escalate input[type=text]{font-size:16px;padding:6px;border:1px solid #767676;border-radius:6px;min-height:36px}",
    ".consent{display:flex;align-items:flex-start;gap:6px}",
    ".consent input{width:24px;height:24px;margin:0;flex:none}",
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

  var launcher = el("button", { "class": "launcher", type: "button", "aria-expanded": "false", "aria-controls": "credbot-panel" });
  var panel = el("section", { "class": "panel", id: "credbot-panel", role: "dialog", hidden: "" });
  var header = el("header");
  var heading = el("h2");
  header.appendChild(heading);
  var closeBtn = el("button", { "class": "close", type: "button" }, "×");
  header.appendChild(closeBtn);
  var log = el("div", { "class": "log", role: "log", "aria-live": "polite", "aria-relevant": "additions", tabindex: "0" });
  var form = el("form", { "class": "ask" });
  var label = el("label", { "for": "credbot-input", "class": "sr" });
  var input = el("input", { id: "credbot-input", type: "text", autocomplete: "off", maxlength: "1000" });
  var send = el("button", { "class": "send", type: "submit" });
  form.appendChild(label); form.appendChild(input); form.appendChild(send);
  panel.appendChild(header); panel.appendChild(log); panel.appendChild(form);
  root.appendChild(launcher); root.appendChild(panel);

  /* The interface's own words in LANG (the widget keeps its lang attribute, for screen readers). */
  function applyLanguage() {
    host.setAttribute("lang", LANG);
    var title = CUSTOM_TITLE || t("title");
    launcher.textContent = t("launcher");
    panel.setAttribute("aria-label", title);
    heading.textContent = title;
    closeBtn.setAttribute("aria-label", t("close"));
    log.setAttribute("aria-label", t("log"));
    label.textContent = t("inputLabel");
    input.setAttribute("placeholder", t("placeholder"));
    send.textContent = t("send");
  }
  applyLanguage();
  function followReply(reply) {
    var lang = supported(reply.language);
    if (!PAGE_LANG && lang && lang !== LANG) { LANG = lang; applyLanguage(); }
  }

  function open() {
    panel.hidden = false;
    launcher.setAttribute("aria-expanded", "true");
    if (!log.childNodes.length) {
      addBot({ kind: "smalltalk", text: t("greeting") });
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

  /* Only https addresses become links; anything else (javascript:, data:, http:, markup) is dropped. */
  function httpsUrl(value) {
    if (typeof value !== "string") return null;
    try {
      var url = new URL(value);
      return url.protocol === "https:" ? url : null;
    } catch (e) { return null; }
  }

  function addSources(box, reply) {
    var urls = ((reply.source && reply.source.urls) || []).map(httpsUrl).filter(Boolean);
    if (!urls.length) return;
    var row = el("div", { "class": "source" });
    row.appendChild(el("span", {}, urls.length > 1 ? t("sources") : t("source")));
    urls.forEach(function (url) {
      var link = el("a", { href: url.href, target: "_blank", rel: "noopener noreferrer" }, url.hostname);
      link.appendChild(el("span", { "class": "sr" }, " " + t("newTab")));
      row.appendChild(link);
    });
    box.appendChild(row);
  }

  function addOfficialText(box, reply) {
    if (typeof reply.official_text !== "string" || !reply.official_text) return;
    var details = el("details", { "class": "official" });
    details.appendChild(el("summary", {}, t("officialText")));
    details.appendChild(el("div", { lang: "en" }, reply.official_text));
    box.appendChild(details);
  }

  function addBot(reply) {
    var attrs = { "class": "msg bot" };
    var lang = supported(reply.language);
    if (lang && lang !== LANG) attrs.lang = lang;  // the reply's language, for screen readers
    var box = el("div", attrs);
    box.appendChild(document.createTextNode(reply.text));
    addOfficialText(box, reply);
    addSources(box, reply);
    if (reply.choices && reply.choices.length) {
      var row = el("div", { "class": "row", role: "group", "aria-label": t("choose") });
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
    var row = el("div", { "class": "row", role: "group", "aria-label": t("helpful") });
    row.appendChild(el("span", {}, t("helpful")));
    [["yes", true], ["no", false]].forEach(function (pair) {
      var b = el("button", { type: "button" }, t(pair[0]));
      b.addEventListener("click", function () {
        post("/api/feedback", { session_id: sessionId, entry_id: reply.faq_id || reply.credential_id || null,
                                question: lastQuestion, helpful: pair[1] });
        row.textContent = "";
        row.appendChild(el("span", {}, pair[1] ? t("thanksYes") : t("thanksNo")));
        if (!pair[1] && !reply.offer_escalation) addEscalation(box, reply);  // one form: an unsure answer has its own
      });
      row.appendChild(b);
    });
    box.appendChild(row);
  }

  var escalationCount = 0;
  function addEscalation(box, reply) {
    var state = reply.state || STATE;
    var to = reply.help_email || HELP[state] || t("theHelpDesk");
    var question = lastQuestion;
    var n = ++escalationCount;
    var wrap = el("form", { "class": "escalate", "aria-label": t("askPerson") });
    wrap.appendChild(el("span", {}, t("personCan", { to: to })));
    var emailId = "credbot-email-" + n, consentId = "credbot-consent-" + n;
    wrap.appendChild(el("label", { "for": emailId }, t("emailLabel")));
    var email = el("input", { id: emailId, type: "email", autocomplete: "email", required: "" });
    wrap.appendChild(email);
    var consentRow = el("div", { "class": "consent" });
    var consent = el("input", { id: consentId, type: "checkbox", required: "" });
    consentRow.appendChild(consent);
    consentRow.appendChild(el("label", { "for": consentId }, t("consent", { question: question, to: to })));
    wrap.appendChild(consentRow);
    var submit = el("button", { type: "submit" }, t("submit"));
    wrap.appendChild(submit);
    var status = el("span", { role: "status" });
    wrap.appendChild(status);
    var key = "esc-" + Math.random().toString(36).slice(2) + Date.now().toString(36);
    wrap.addEventListener("submit", function (e) {
      e.preventDefault();
      if (!email.value || !consent.checked) { status.textContent = t("fillIn"); status.className = "error"; return; }
      submit.disabled = true;
      var address = email.value.trim();
      post("/api/escalations", { session_id: sessionId, session_secret: sessionSecret, question: question, email: address, consent: true, state: state },
           { "Idempotency-Key": key })
        .then(function (res) {
          wrap.textContent = "";
          if (res.status === "unconfirmed") { addCode(wrap, res, address, n); return; }
          wrap.appendChild(el("span", { role: "status" }, t("sent", { to: res.to, email: address })));
        })
        .catch(function (err) { submit.disabled = false; status.className = "error"; status.textContent = err.message; });
    });
    box.appendChild(wrap);
  }

  // The help desk replies to an address only once its owner confirms it: the code mailed there.
  function addCode(form, res, address, n) {
    var codeId = "credbot-code-" + n;
    var wrap = el("form", { "class": "escalate", "aria-label": t("confirmEmail") });
    form.parentNode.replaceChild(wrap, form);
    wrap.appendChild(el("span", { role: "status" }, t("codeSent", { email: address })));
    wrap.appendChild(el("label", { "for": codeId }, t("codeLabel")));
    var code = el("input", { id: codeId, type: "text", inputmode: "numeric", autocomplete: "one-time-code", maxlength: "6", pattern: "[0-9]{6}", required: "" });
    wrap.appendChild(code);
    var confirm = el("button", { type: "submit" }, t("confirmSend"));
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
          wrap.appendChild(el("span", { role: "status" }, t("sent", { to: done.to, email: address })));
        })
        .catch(function (err) { confirm.disabled = false; status.className = "error"; status.textContent = err.message; });
    });
  }

  /* The server's errors are in English: in another language the widget says it in its own words. */
  function errorText(status, data) {
    if (status === 429) return t("tooMany");
    if (data.field === "email") return LANG === "en" && data.error ? data.error : t("badEmail");
    return LANG === "en" && data.error ? data.error : t("error");
  }

  function post(path, body, headers) {
    var h = { "Content-Type": "application/json" };
    Object.keys(headers || {}).forEach(function (k) { h[k] = headers[k]; });
    return fetch(API + path, { method: "POST", headers: h, body: JSON.stringify(body), credentials: "omit" })
      .catch(function () { throw new Error(t("error")); })
      .then(function (r) {
        return r.json().catch(function () { return {}; }).then(function (data) {
          if (!r.ok) throw new Error(errorText(r.status, data));
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
    var body = { message: message, session_id: sessionId, session_secret: sessionSecret, state: STATE };
    if (PAGE_LANG) body.language = PAGE_LANG;  // a hint: the page's language
    post("/api/chat", body)
      .then(function (reply) {
        if (reply.session_id !== sessionId) { sessionId = reply.session_id; sessionSecret = reply.session_secret || null; }
        followReply(reply);
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
