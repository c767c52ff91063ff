/* Shared by the chat page and the console: language, API calls, and the recommendation card. */
(function () {
  "use strict";

  var STRINGS = window.MotionAdvisorStrings;
  var LANG_KEY = "motion-advisor.lang";
  var HAS_WORDS = /[A-Za-z\u3040-\u30ff\u4e00-\u9fff]/;

  // Where each motion's next step leads (admins set them in the console; the server writes them
  // into the page); they open in a new tab.
  var NEXT_STEP_LINKS = (function () {
    try {
      var links = JSON.parse(document.body.getAttribute("data-next-step-links") || "{}");
      return links && typeof links === "object" ? links : {};
    } catch (e) {
      return {};
    }
  })();

  var MA = {
    lang: "en",
    langChosen: false,
    hasWords: function (text) { return HAS_WORDS.test(text); },
    links: NEXT_STEP_LINKS
  };

  function storage() {
    try {
      return window.localStorage;
    } catch (e) {
      return null; // storage blocked (private mode, third-party frame): keep going without it
    }
  }

  MA.load = function (key) {
    var s = storage();
    try { return s ? s.getItem(key) : null; } catch (e) { return null; }
  };

  MA.save = function (key, value) {
    var s = storage();
    try {
      if (!s) return;
      if (value === null) s.removeItem(key); else s.setItem(key, value);
    } catch (e) { /* storage full or blocked: the page still works for this visit */ }
  };

  /* Pick the starting language: a saved choice, else the browser's, else the page's. */
  MA.initLang = function () {
    var saved = MA.load(LANG_KEY);
    if (saved && STRINGS[saved]) {
      MA.lang = saved;
      MA.langChosen = true;
      return;
    }
    var asked = new URLSearchParams(window.location.search).get("lang");
    if (asked && STRINGS[asked]) {
      MA.lang = asked;
      return;
    }
    var nav = (navigator.languages && navigator.languages[0]) || navigator.language || "";
    if (nav) {
      MA.lang = nav.toLowerCase().indexOf("ja") === 0 ? "ja" : "en";
      return;
    }
    var page = document.documentElement.lang;
    MA.lang = STRINGS[page] ? page : "en";
  };

  MA.setLang = function (lang, chosen) {
    if (!STRINGS[lang]) return;
    MA.lang = lang;
    if (chosen) {
      MA.langChosen = true;
      MA.save(LANG_KEY, lang);
    }
    MA.applyStrings(document);
  };

  MA.t = function (key, values) {
    var table = STRINGS[MA.lang] || STRINGS.en;
    var text = table[key] !== undefined ? table[key] : (STRINGS.en[key] !== undefined ? STRINGS.en[key] : key);
    if (values) {
      Object.keys(values).forEach(function (name) {
        text = text.split("{" + name + "}").join(String(values[name]));
      });
    }
    return text;
  };

  /* Fill every element marked data-i18n (text), data-i18n-label (aria-label) or data-i18n-placeholder. */
  MA.applyStrings = function (root) {
    document.documentElement.lang = MA.lang;
    root.querySelectorAll("[data-i18n]").forEach(function (el) {
      el.textContent = MA.t(el.getAttribute("data-i18n"));
    });
    root.querySelectorAll("[data-i18n-label]").forEach(function (el) {
      el.setAttribute("aria-label", MA.t(el.getAttribute("data-i18n-label")));
    });
    root.querySelectorAll("[data-i18n-placeholder]").forEach(function (el) {
      el.setAttribute("placeholder", MA.t(el.getAttribute("data-i18n-placeholder")));
    });
    root.querySelectorAll("[data-lang-choice]").forEach(function (button) {
      button.setAttribute("aria-pressed", String(button.getAttribute("data-lang-choice") === MA.lang));
    });
  };

  /* Wire the EN / 日本語 buttons; `onChange` runs after the switch. */
  MA.bindLangSwitch = function (onChange) {
    document.querySelectorAll("[data-lang-choice]").forEach(function (button) {
      button.addEventListener("click", function () {
        MA.setLang(button.getAttribute("data-lang-choice"), true);
        if (onChange) onChange(MA.lang);
      });
    });
  };

  /* Make an element: el("p", {className: "x", text: "hi"}, [children]). */
  MA.el = function (tag, props, children) {
    var node = document.createElement(tag);
    Object.keys(props || {}).forEach(function (key) {
      var value = props[key];
      if (value === undefined || value === null || value === false) return;
      if (key === "text") node.textContent = value;
      else if (key === "className") node.className = value;
      else if (key.indexOf("on") === 0) node.addEventListener(key.slice(2), value);
      else node.setAttribute(key, value === true ? "" : value);
    });
    (children || []).forEach(function (child) {
      if (child) node.appendChild(typeof child === "string" ? document.createTextNode(child) : child);
    });
    return node;
  };

  /* An error from the API, with the one sentence it gave when it gave one. */
  function ApiError(status, message) {
    this.status = status;
    this.message = message;
  }
  MA.ApiError = ApiError;

  MA.readError = function (response) {
    return response.text().then(function (text) {
      var message = "";
      try {
        var data = JSON.parse(text);
        if (data && typeof data.error === "string") message = data.error;
      } catch (e) { /* not JSON (a proxy's page): show our own words instead */ }
      return new ApiError(response.status, message);
    }, function () {
      return new ApiError(response.status, "");
    });
  };

  MA.requestJSON = function (url, options) {
    var init = options || {};
    return fetch(url, init).then(function (response) {
      if (!response.ok) return MA.readError(response).then(function (err) { throw err; });
      if (response.status === 204) return null;
      return response.json();
    }, function () {
      throw new ApiError(0, "");
    });
  };

  MA.postJSON = function (url, body) {
    return MA.requestJSON(url, {
      method: "POST",
      headers: { "Content-Type": "application/json", Accept: "application/json" },
      body: JSON.stringify(body)
    });
  };

  /* Say what went wrong in the customer's language, calmly, without internals. */
  MA.errorText = function (err) {
    if (!(err instanceof ApiError)) return MA.t("error.server");
    if (err.status === 0) return MA.t("error.network");
    if (err.status === 429) return MA.t("error.rate");
    if (err.status === 413) return MA.t("error.tooLarge");
    if (err.status === 409) return MA.t("error.full");
    if (err.status >= 500 || !err.message) return MA.t("error.server");
    return MA.t("error.check", { message: err.message });
  };

  var citationCache = {};

  /* Fetch the knowledge base's citations by id, once per language. */
  MA.citationTable = function (lang) {
    if (!citationCache[lang]) {
      citationCache[lang] = MA.requestJSON("web/citations?lang=" + encodeURIComponent(lang)).catch(function () {
        delete citationCache[lang];
        return {};
      });
    }
    return citationCache[lang];
  };

  MA.byId = function (citations) {
    var table = {};
    (citations || []).forEach(function (c) { table[c.id] = c; });
    return table;
  };

  /* Citation chips: the section title and "as of <date>", with the document in the tooltip. */
  MA.chips = function (ids, citations) {
    var list = MA.el("ul", { className: "chips", "aria-label": MA.t("card.sources") });
    (ids || []).forEach(function (id) {
      var c = citations[id];
      var label = c ? c.section : id;
      var chip = MA.el("li", { className: "chip", title: c ? c.title + " — " + c.source : id, "data-citation": id }, [
        MA.el("span", { className: "chip-mark", "aria-hidden": "true", text: "§" }),
        MA.el("span", { className: "chip-title", text: label }),
        c ? MA.el("span", { className: "chip-date", text: MA.t("card.asOf", { date: c.published }) }) : null
      ]);
      list.appendChild(chip);
    });
    return list;
  };

  MA.stripRule = function (rule) {
    return (rule || "").replace(/^(Rule \d+: |ルール \d+: )/, "");
  };

  /* The rule that fired, word for word (with its number), for support agents. */
  MA.ruleBox = function (rule, label) {
    return MA.el("p", { className: "rule-box" }, [MA.el("strong", { text: label }), rule]);
  };

  MA.motionName = function (motion) {
    return MA.t("motion." + motion);
  };

  function section(title, items, className) {
    if (!items || !items.length) return null;
    return MA.el("div", { className: "card-section " + (className || "") }, [
      MA.el("h4", { text: title }),
      MA.el("ul", { className: "plain-list" }, items)
    ]);
  }

  /*
   * The recommendation card for a decided Classification.
   * options.headingLevel: "h2" or "h3"; options.cta: show the next-step button.
   */
  MA.recommendationCard = function (rec, citations, options) {
    var opts = options || {};
    var motion = rec.motion;
    var headingId = "rec-" + Math.random().toString(36).slice(2, 9);
    var heading = opts.headingLevel || "h3";
    var card = MA.el("section", { className: "rec-card motion-" + motion, "aria-labelledby": headingId, lang: rec.lang || MA.lang });
    var add = function (child) { if (child) card.appendChild(child); };
    var head = MA.el("div", { className: "rec-head" }, [
      MA.el("p", { className: "eyebrow", text: MA.t("card.eyebrow") }),
      MA.el(heading, { id: headingId, className: "rec-title", text: MA.t("card.motion", { motion: MA.motionName(motion) }) }),
      rec.vehicle ? MA.el("p", { className: "rec-vehicle", text: MA.t("card.vehicle", { vehicle: rec.vehicle }) }) : null
    ]);
    add(head);
    if (rec.rule && opts.ruleLabel) add(MA.ruleBox(rec.rule, opts.ruleLabel));
    else if (rec.rule) add(MA.el("p", { className: "rec-rule", text: MA.stripRule(rec.rule) }));
    if (rec.facts && rec.facts.length) {
      add(MA.el("div", { className: "card-section facts" }, [
        MA.el("h4", { text: MA.t("card.basedOn") }),
        MA.el("ul", { className: "fact-list" }, rec.facts.map(function (f) { return MA.el("li", { text: f }); }))
      ]));
    }
    add(section(MA.t("card.why"), (rec.reasons || []).map(function (r) {
      return MA.el("li", { className: "reason" }, [MA.el("p", { text: r.text }), MA.chips(r.citations, citations)]);
    }), "reasons"));
    add(section(MA.t("card.alternatives"), (rec.alternatives || []).map(function (a) {
      return MA.el("li", {}, [MA.el("strong", { text: MA.motionName(a.motion) + ": " }), a.note]);
    }), "alternatives"));
    add(section(MA.t("card.change"), (rec.what_would_change || []).map(function (w) {
      return MA.el("li", { text: w });
    }), "changes"));
    add(section(MA.t("card.partner"), (rec.partner_roles || []).map(function (p) {
      return MA.el("li", { text: p });
    }), "partner"));
    if (opts.cta !== false && MA.links[motion]) {
      add(MA.el("div", { className: "rec-actions" }, [
        MA.el("a", { className: "button primary cta", href: MA.links[motion], target: "_blank", rel: "noopener noreferrer" }, [
          MA.t("cta." + motion),
          MA.el("span", { className: "visually-hidden", text: " " + MA.t("card.newTab") })
        ])
      ]));
    }
    return card;
  };

  window.MotionAdvisor = MA;
})();
