/* The web chat: streamed replies, quick replies, the recommendation card, sessions kept on reload. */
(function () {
  "use strict";

  var MA = window.MotionAdvisor;
  var el = MA.el;
  var SESSION_KEY = "motion-advisor.session";
  var STARTERS = ["chat.starter.1", "chat.starter.2", "chat.starter.3"];

  var ui = {};
  var state = { sessionId: null, busy: false, lastRecKey: null, cards: [], question: null };

  function $(id) { return document.getElementById(id); }

  function scrollToEnd() {
    ui.scroller.scrollTop = ui.scroller.scrollHeight;
  }

  /* Bring a new card's heading into view inside the conversation, not the whole page. */
  function scrollToTop(node) {
    var offset = node.getBoundingClientRect().top - ui.scroller.getBoundingClientRect().top;
    ui.scroller.scrollTop += offset - 12;
  }

  function paragraphs(text) {
    return String(text || "").split(/\n{2,}/).filter(function (p) { return p.trim(); }).map(function (p) {
      return el("p", { text: p });
    });
  }

  function addCustomer(text) {
    var node = el("div", { className: "msg customer" }, [
      el("span", { className: "visually-hidden", "data-i18n": "chat.you", text: MA.t("chat.you") }),
      el("div", { className: "bubble" }, [el("p", { text: text })])
    ]);
    ui.log.appendChild(node);
    scrollToEnd();
    return node;
  }

  function addAdvisor(text, options) {
    var opts = options || {};
    var bubble = el("div", { className: "bubble" });
    var node = el("div", { className: "msg advisor" + (opts.pending ? " pending" : "") }, [
      el("span", { className: "avatar", "aria-hidden": "true" }, [
        el("span", { className: "avatar-dot" })
      ]),
      el("div", { className: "msg-body" }, [
        el("span", { className: "visually-hidden", "data-i18n": "chat.advisor", text: MA.t("chat.advisor") }),
        bubble
      ])
    ]);
    if (opts.i18nKey) {
      bubble.appendChild(el("p", { "data-i18n": opts.i18nKey, text: MA.t(opts.i18nKey) }));
      if (opts.noteKey) node.querySelector(".msg-body").appendChild(el("p", { className: "disclaimer", "data-i18n": opts.noteKey, text: MA.t(opts.noteKey) }));
    } else if (opts.pending) {
      bubble.appendChild(el("p", { className: "stream-text" }));
      bubble.appendChild(el("span", { className: "typing" }, [
        el("span", { className: "dot", "aria-hidden": "true" }),
        el("span", { className: "dot", "aria-hidden": "true" }),
        el("span", { className: "dot", "aria-hidden": "true" }),
        el("span", { className: "visually-hidden", "data-i18n": "chat.writing", text: MA.t("chat.writing") })
      ]));
    } else {
      paragraphs(text).forEach(function (p) { bubble.appendChild(p); });
    }
    ui.log.appendChild(node);
    scrollToEnd();
    return node;
  }

  function finishAdvisor(node, text) {
    var bubble = node.querySelector(".bubble");
    bubble.textContent = "";
    paragraphs(text).forEach(function (p) { bubble.appendChild(p); });
    node.classList.remove("pending");
  }

  /* A guidance answer cites sections as [1], [2]: list them under the bubble, numbered alike. */
  function addSources(node, reply, citations) {
    var used = {};
    (String(reply || "").match(/\[\d+(?:,\s*\d+)*\]/g) || []).forEach(function (marker) {
      marker.replace(/\d+/g, function (n) { used[n] = true; return n; });
    });
    var items = (citations || []).map(function (c, i) {
      if (!used[String(i + 1)]) return null;
      return el("li", { title: c.title + " — " + c.source, "data-citation": c.id }, [
        el("span", { className: "source-mark", text: "[" + (i + 1) + "] " }),
        c.section,
        el("span", { className: "chip-date", text: " " + MA.t("card.asOf", { date: c.published }) })
      ]);
    }).filter(Boolean);
    if (!items.length) return;
    var list = el("ol", { className: "sources", "aria-label": MA.t("card.sources") }, items);
    node.querySelector(".msg-body").appendChild(list);
  }

  function recKey(rec) {
    return JSON.stringify(rec);
  }

  /* Thumbs up or down for a recommendation or a guidance answer; a thumbs down asks why. */
  function ratingBar(number, sessionId) {
    var bar = el("div", { className: "rating", role: "group", "aria-label": MA.t("rate.label") });
    var thanks = el("p", { className: "rating-thanks", role: "status", hidden: true, text: MA.t("rate.thanks") });
    var buttons = {};
    function send(rating, comment) {
      var body = { turn: number, rating: rating };
      if (comment) body.comment = comment;
      return MA.postJSON("v1/sessions/" + encodeURIComponent(sessionId) + "/feedback", body).then(function () {
        Object.keys(buttons).forEach(function (key) { buttons[key].setAttribute("aria-pressed", String(key === rating)); });
        thanks.hidden = false;
      }, function (err) {
        thanks.textContent = MA.errorText(err);
        thanks.hidden = false;
      });
    }
    ["up", "down"].forEach(function (rating) {
      buttons[rating] = el("button", { type: "button", className: "button rate-" + rating, "aria-pressed": "false", text: MA.t("rate." + rating) });
      buttons[rating].addEventListener("click", function () {
        send(rating).then(function () {
          if (rating !== "down" || bar.querySelector(".rating-comment")) return;
          var box = el("input", { type: "text", className: "rating-comment", maxLength: 1000, "aria-label": MA.t("rate.why"), placeholder: MA.t("rate.why") });
          var go = el("button", { type: "button", className: "button", text: MA.t("rate.send") });
          go.addEventListener("click", function () {
            if (!box.value.trim()) { box.focus(); return; }
            send("down", box.value.trim()).then(function () { box.disabled = true; go.disabled = true; });
          });
          bar.appendChild(el("div", { className: "rating-why" }, [box, go]));
          box.focus();
        });
      });
    });
    bar.appendChild(el("span", { className: "rating-ask", text: MA.t("rate.ask") }));
    bar.appendChild(buttons.up);
    bar.appendChild(buttons.down);
    bar.appendChild(thanks);
    return bar;
  }

  /* "Ask to be contacted": a form under the card, sent with the customer's consent. */
  function contactForm(card) {
    var fields = [["name", "text", "name"], ["email", "email", "email"], ["company", "text", "organization"]];
    var error = el("p", { className: "form-error", role: "alert", hidden: true });
    var consent = el("input", { type: "checkbox", id: "lead-consent", required: true });
    var inputs = {};
    var submit = el("button", { type: "submit", className: "button primary", text: MA.t("lead.send") });
    var form = el("form", { className: "lead-form", "aria-label": MA.t("lead.title"), noValidate: true }, [
      el("h3", { text: MA.t("lead.title") }),
      el("p", { className: "lead-intro", text: MA.t("lead.intro") })
    ].concat(fields.map(function (f) {
      inputs[f[0]] = el("input", { id: "lead-" + f[0], name: f[0], type: f[1], autocomplete: f[2], required: true, maxLength: f[0] === "email" ? 254 : 200 });
      return el("p", { className: "field" }, [el("label", { for: "lead-" + f[0], text: MA.t("lead." + f[0]) }), inputs[f[0]]]);
    })).concat([
      el("p", { className: "field consent" }, [consent, el("label", { for: "lead-consent", text: MA.t("lead.consent") })]),
      error,
      el("div", { className: "rec-actions" }, [submit])
    ]));
    form.addEventListener("input", function () { error.hidden = true; });
    form.addEventListener("submit", function (event) {
      event.preventDefault();
      error.hidden = true;
      var body = { name: inputs.name.value, email: inputs.email.value, company: inputs.company.value, consent: consent.checked, lang: MA.lang };
      var problem = null;
      fields.forEach(function (f) {
        var input = inputs[f[0]];
        if (problem) return;
        if (!input.value.trim()) problem = [input, MA.t("lead.missing", { field: MA.t("lead." + f[0]) })];
        else if (!input.checkValidity()) problem = [input, MA.t("lead.badEmail")];
      });
      if (!problem && !consent.checked) problem = [consent, MA.t("lead.needConsent")];
      if (problem) {
        error.textContent = problem[1];
        error.hidden = false;
        problem[0].focus();
        return;
      }
      submit.disabled = true;
      MA.postJSON("v1/sessions/" + encodeURIComponent(state.sessionId) + "/lead", body).then(function (lead) {
        var done = el("p", { className: "lead-done", role: "status", text: lead.message });
        form.parentNode.replaceChild(done, form);
        state.leadSent = true;
      }, function (err) {
        submit.disabled = false;
        error.textContent = MA.errorText ? MA.errorText(err) : (err.message || MA.t("error.title"));
        error.hidden = false;
      });
    });
    return form;
  }

  function contactButton(card) {
    var button = el("button", { type: "button", className: "button lead-open", text: MA.t("lead.open") });
    button.addEventListener("click", function () {
      var form = contactForm(card);
      button.parentNode.replaceChild(form, button);
      form.querySelector("input").focus();
    });
    return button;
  }

  function renderCard(entry) {
    var card = MA.recommendationCard(entry.rec, entry.citations, { headingLevel: "h2" });
    if (state.sessionId && !state.leadSent && entry === state.cards[state.cards.length - 1]) {
      card.appendChild(contactButton(card));
    }
    if (state.sessionId && entry.number) card.appendChild(ratingBar(entry.number, state.sessionId));
    var cta = card.querySelector("a.cta");
    if (cta && state.sessionId) {
      var sessionId = state.sessionId;
      cta.addEventListener("click", function () {
        // noted for the console's analytics; the link opens whatever the answer
        fetch("v1/sessions/" + encodeURIComponent(sessionId) + "/events", {
          method: "POST",
          keepalive: true,
          headers: { "Content-Type": "application/json" },
          body: JSON.stringify({ kind: "next_step" })
        }).catch(function () { /* the count is not worth an error */ });
      });
    }
    var wrapper = el("div", { className: "msg card-row" }, [card]);
    if (entry.node && entry.node.parentNode) entry.node.parentNode.replaceChild(wrapper, entry.node);
    entry.node = wrapper;
    return wrapper;
  }

  /* Add a card when the turn carries a decided recommendation that differs from the last one. */
  function addCard(rec, citations, number) {
    if (!rec || !rec.motion) return null;
    var key = recKey(rec);
    if (key === state.lastRecKey) return null;
    state.lastRecKey = key;
    var entry = { rec: rec, citations: MA.byId(citations), node: null, number: number || null };
    state.cards.push(entry);
    ui.log.appendChild(renderCard(entry));
    var missing = (rec.reasons || []).some(function (r) {
      return r.citations.some(function (id) { return !entry.citations[id]; });
    });
    if (missing) {
      MA.citationTable(rec.lang || MA.lang).then(function (table) {
        Object.keys(table).forEach(function (id) {
          if (!entry.citations[id]) entry.citations[id] = table[id];
        });
        renderCard(entry);
      });
    }
    return entry.node;
  }

  function clearQuick() {
    ui.quick.hidden = true;
    ui.quickButtons.textContent = "";
    ui.quickHelp.hidden = true;
    state.question = null;
  }

  // A quick reply for a question goes as structured input, {slot, value}, beside its label:
  // the advisor takes it as given, with no language model and no text reading.
  function quickButton(label, i18nKey, answer) {
    return el("button", {
      type: "button",
      className: "quick-reply",
      "data-i18n": i18nKey,
      text: i18nKey ? MA.t(i18nKey) : label,
      onclick: function (event) {
        var text = event.currentTarget.textContent;
        ui.input.focus();
        send(text, false, answer);
      }
    });
  }

  function showQuestion(question) {
    clearQuick();
    if (!question || !question.options || !question.options.length) return;
    state.question = question;
    ui.quickLabel.removeAttribute("data-i18n");
    ui.quickLabel.textContent = question.text;
    ui.quickLabel.className = "visually-hidden";
    question.options.forEach(function (option) {
      var answer = { slot: question.slot, value: option.value };
      ui.quickButtons.appendChild(quickButton(option.label, null, answer));
    });
    if (question.help) {
      ui.quickHelp.textContent = question.help;
      ui.quickHelp.hidden = false;
    }
    ui.quick.hidden = false;
    scrollToEnd();
  }

  function showStarters() {
    clearQuick();
    ui.quickLabel.setAttribute("data-i18n", "chat.starters");
    ui.quickLabel.textContent = MA.t("chat.starters");
    ui.quickLabel.className = "quick-label";
    STARTERS.forEach(function (key) { ui.quickButtons.appendChild(quickButton(null, key)); });
    ui.quick.hidden = false;
  }

  function showNotice(text) {
    ui.noticeText.textContent = text;
    ui.notice.hidden = false;
  }

  function hideNotice() {
    ui.notice.hidden = true;
    ui.noticeText.textContent = "";
  }

  function setBusy(busy) {
    state.busy = busy;
    ui.log.setAttribute("aria-busy", String(busy));
    ui.send.setAttribute("aria-disabled", String(busy));
    ui.form.classList.toggle("busy", busy);
  }

  function remember(sessionId) {
    state.sessionId = sessionId;
    MA.save(SESSION_KEY, sessionId);
  }

  function forget() {
    state.sessionId = null;
    MA.save(SESSION_KEY, null);
  }

  /* POST one message to the streaming route; resolve with the ChatTurn, reject with an ApiError. */
  function streamChat(body, onDelta) {
    return fetch("v1/chat/stream", {
      method: "POST",
      headers: { "Content-Type": "application/json", Accept: "text/event-stream" },
      body: JSON.stringify(body)
    }).then(function (response) {
      if (!response.ok) return MA.readError(response).then(function (err) { throw err; });
      var turn = null;
      var failure = null;
      var buffer = "";

      function handle(block) {
        var event = "message";
        var data = [];
        block.split("\n").forEach(function (line) {
          if (line.indexOf("event:") === 0) event = line.slice(6).trim();
          else if (line.indexOf("data:") === 0) data.push(line.slice(5).replace(/^ /, ""));
        });
        if (!data.length) return;
        var payload;
        try {
          payload = JSON.parse(data.join("\n"));
        } catch (e) {
          return;
        }
        if (event === "delta") onDelta(String(payload.text || ""));
        else if (event === "turn") turn = payload;
        else if (event === "error") failure = new MA.ApiError(payload.status || 500, payload.error || "");
      }

      function drain(final) {
        buffer = buffer.replace(/\r\n?/g, "\n");
        var at;
        while ((at = buffer.indexOf("\n\n")) >= 0) {
          handle(buffer.slice(0, at));
          buffer = buffer.slice(at + 2);
        }
        if (final && buffer.trim()) handle(buffer);
      }

      function finish() {
        if (failure) throw failure;
        if (!turn) throw new MA.ApiError(-1, "");
        return turn;
      }

      if (!response.body || !response.body.getReader) {
        return response.text().then(function (text) {
          buffer = text;
          drain(true);
          return finish();
        });
      }
      var reader = response.body.getReader();
      var decoder = new TextDecoder();
      function pump() {
        return reader.read().then(function (chunk) {
          if (chunk.done) {
            buffer += decoder.decode();
            drain(true);
            return finish();
          }
          buffer += decoder.decode(chunk.value, { stream: true });
          drain(false);
          return pump();
        });
      }
      return pump().catch(function (err) {
        throw err instanceof MA.ApiError ? err : new MA.ApiError(-1, "");
      });
    }, function () {
      throw new MA.ApiError(0, "");
    });
  }

  function applyTurn(turn, node) {
    remember(turn.session_id);
    if (!MA.langChosen && turn.lang && turn.lang !== MA.lang) {
      MA.setLang(turn.lang, false);
      refreshCards();
    }
    finishAdvisor(node, turn.reply);
    addSources(node, turn.reply, turn.citations);
    var card = addCard(turn.recommendation, turn.citations, turn.number);
    if (!card && turn.number && node.querySelector(".sources")) {
      node.querySelector(".msg-body").appendChild(ratingBar(turn.number, turn.session_id));
    }
    // the card shows why, the alternatives and the next step: the bubble need not say them too
    if (card && turn.brief) finishAdvisor(node, turn.brief);
    if (turn.question) showQuestion(turn.question);
    else clearQuick();
    if (card) scrollToTop(card);
    else scrollToEnd();
  }

  function send(raw, retried, answer) {
    var text = String(raw || "").trim();
    if (!text || state.busy) return;
    hideNotice();
    clearQuick();
    ui.input.value = "";
    autosize();
    setBusy(true);
    var customer = addCustomer(text);
    var pending = addAdvisor("", { pending: true });
    var streamed = pending.querySelector(".stream-text");
    var body = { message: text };
    if (state.sessionId) body.session_id = state.sessionId;
    if (answer && state.sessionId) body.answer = answer;
    // The switch, once used, decides the language; otherwise the advisor detects it from the text.
    if (MA.langChosen || !MA.hasWords(text)) body.lang = MA.lang;

    streamChat(body, function (delta) {
      streamed.textContent += delta;
      scrollToEnd();
    }).then(function (turn) {
      setBusy(false);
      applyTurn(turn, pending);
    }, function (err) {
      setBusy(false);
      pending.remove();
      customer.remove();
      if (err.status === 404 && body.session_id && !retried) {
        forget();
        state.lastRecKey = null;
        send(text, true);
        showNotice(MA.t("error.expired"));
        return;
      }
      ui.input.value = text;
      autosize();
      showNotice(err.status === -1 ? MA.t("error.cutOff") : MA.errorText(err));
      if (state.question) showQuestion(state.question);
      else if (!state.sessionId) showStarters();
    });
  }

  function refreshCards() {
    state.cards.forEach(renderCard);
  }

  function resetLog() {
    ui.log.textContent = "";
    state.cards = [];
    state.lastRecKey = null;
    addAdvisor("", { i18nKey: "chat.welcome", noteKey: "chat.disclaimer" });
  }

  function restore(sessionId) {
    ui.log.setAttribute("aria-busy", "true");
    return MA.requestJSON("v1/sessions/" + encodeURIComponent(sessionId)).then(function (session) {
      state.sessionId = sessionId;
      if (!MA.langChosen && session.lang && session.lang !== MA.lang) MA.setLang(session.lang, false);
      var last = null;
      (session.transcript || []).forEach(function (entry) {
        if (entry.role === "customer") {
          addCustomer(entry.text);
        } else {
          var restored = addAdvisor(entry.text);
          if (entry.turn) {
            addSources(restored, entry.text, entry.turn.citations);
            if (addCard(entry.turn.recommendation, entry.turn.citations, entry.turn.number) && entry.turn.brief) {
              finishAdvisor(restored, entry.turn.brief);
            }
            last = entry.turn;
          }
        }
      });
      if (last && last.question) showQuestion(last.question);
      else if (!last) showStarters();
      scrollToEnd();
    }, function (err) {
      if (err.status === 404 || err.status === 422) {
        forget();
      } else {
        showNotice(MA.t("error.restore"));
      }
      showStarters();
    }).then(function () {
      ui.log.setAttribute("aria-busy", "false");
    });
  }

  function autosize() {
    ui.input.style.height = "auto";
    ui.input.style.height = Math.min(ui.input.scrollHeight, 160) + "px";
  }

  function newConversation() {
    forget();
    hideNotice();
    resetLog();
    showStarters();
    ui.input.value = "";
    autosize();
    ui.input.focus();
  }

  function init() {
    ui.scroller = $("scroller");
    ui.log = $("log");
    ui.quick = $("quick");
    ui.quickLabel = $("quick-label");
    ui.quickButtons = $("quick-buttons");
    ui.quickHelp = $("quick-help");
    ui.form = $("composer");
    ui.input = $("message");
    ui.send = $("send");
    ui.notice = $("notice");
    ui.noticeText = $("notice-text");

    var embed = document.body.getAttribute("data-embed") === "1";
    document.body.classList.toggle("embed", embed);
    MA.initLang();
    MA.applyStrings(document);
    MA.bindLangSwitch(function () { refreshCards(); });

    ui.form.addEventListener("submit", function (event) {
      event.preventDefault();
      send(ui.input.value);
    });
    ui.input.addEventListener("keydown", function (event) {
      // Enter sends; Shift+Enter is a new line; never while an IME is composing Japanese.
      if (event.key === "Enter" && !event.shiftKey && !event.isComposing && event.keyCode !== 229) {
        event.preventDefault();
        send(ui.input.value);
      }
    });
    ui.input.addEventListener("input", autosize);
    $("new-chat").addEventListener("click", newConversation);
    $("notice-dismiss").addEventListener("click", function () {
      hideNotice();
      ui.input.focus();
    });
    if (embed) {
      var close = $("close-embed");
      close.hidden = false;
      close.addEventListener("click", function () {
        window.parent.postMessage({ type: "motion-advisor:close" }, "*");
      });
      document.addEventListener("keydown", function (event) {
        if (event.key === "Escape") window.parent.postMessage({ type: "motion-advisor:close" }, "*");
      });
    }

    resetLog();
    var saved = MA.load(SESSION_KEY);
    if (saved) restore(saved);
    else showStarters();
    // The widget opened this page because the customer asked to chat: be ready for typing.
    if (embed) ui.input.focus();
  }

  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", init);
  else init();
})();
