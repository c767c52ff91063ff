/* The support console: classify a profile, ask the guidance, open a customer's conversation. */
(function () {
  "use strict";

  var MA = window.MotionAdvisor;
  var el = MA.el;
  var FIELDS = ["seats", "azure_annual_usd", "special_terms", "self_service", "preferred_motion"];
  var shown = { classification: null, answer: null, session: null, leads: null, analytics: null };
  var TOKEN_KEY = "motion-advisor.console-token";
  var auth = { token: null, agent: null, pendingSession: null };

  function $(id) { return document.getElementById(id); }

  /* The access token lives in sessionStorage: it is gone when the tab closes. */
  function tabStorage() {
    try {
      return window.sessionStorage;
    } catch (e) {
      return null;
    }
  }

  function loadToken() {
    var s = tabStorage();
    try { return s ? s.getItem(TOKEN_KEY) : null; } catch (e) { return null; }
  }

  function saveToken(value) {
    var s = tabStorage();
    try {
      if (!s) return;
      if (value === null) s.removeItem(TOKEN_KEY); else s.setItem(TOKEN_KEY, value);
    } catch (e) { /* storage blocked: the token is kept for this page only */ }
  }

  /* Call the console API with the agent's bearer token; a 401 means signing in again. */
  function consoleApi(path, method, body) {
    var headers = { Accept: "application/json", Authorization: "Bearer " + auth.token };
    if (body !== undefined) headers["Content-Type"] = "application/json";
    return MA.requestJSON("console/api/" + path, {
      method: method || "GET",
      headers: headers,
      body: body === undefined ? undefined : JSON.stringify(body)
    }).catch(function (err) {
      if (err instanceof MA.ApiError && err.status === 401) signOut(MA.t("console.expired"));
      throw err;
    });
  }

  /* Say what went wrong with a console call, sign-in problems included. */
  function consoleErrorText(err) {
    if (err instanceof MA.ApiError) {
      if (err.status === 401) return MA.t("console.expired");
      if (err.status === 403) return MA.t("console.noRole");
      if (err.status === 404 && err.message.indexOf("the support console is off") === 0) return MA.t("console.off");
    }
    return MA.errorText(err);
  }

  function renderWho() {
    if (!auth.agent) return;
    var admin = (auth.agent.roles || []).indexOf("admin") >= 0; // exporting and settings are for admins
    $("export").hidden = !admin;
    $("settings-panel").hidden = !admin;
    $("settings-nav").hidden = !admin;
    var roles = (auth.agent.roles || []).join(", ") || "—";
    $("signed-in-as").textContent = MA.t("console.signedInAs", { name: auth.agent.name, roles: roles });
  }

  function showSignedIn(signedIn) {
    $("signin-main").hidden = signedIn;
    $("console-main").hidden = !signedIn;
    $("console-nav").hidden = !signedIn;
    $("signed-in").hidden = !signedIn;
  }

  function signInError(text) {
    var box = $("signin-error");
    box.textContent = "";
    if (text) box.appendChild(notice(text));
  }

  function signIn(token) {
    auth.token = token;
    signInError("");
    $("sign-in").setAttribute("aria-disabled", "true");
    return consoleApi("me").then(function (agent) {
      auth.agent = agent;
      saveToken(token);
      $("access-token").value = "";
      renderWho();
      if ((agent.roles || []).indexOf("admin") >= 0) loadSettings();
      showSignedIn(true);
      if (auth.pendingSession) {
        $("session-id").value = auth.pendingSession;
        auth.pendingSession = null;
        openSession();
      }
    }, function (err) {
      auth.token = null;
      auth.agent = null;
      saveToken(null);
      showSignedIn(false);
      signInError(err instanceof MA.ApiError && err.status === 401 ? MA.t("console.badToken") : consoleErrorText(err));
      $("access-token").focus();
    }).then(function () {
      $("sign-in").removeAttribute("aria-disabled");
    });
  }

  function signOut(message) {
    auth.token = null;
    auth.agent = null;
    saveToken(null);
    shown.session = null;
    $("session").textContent = "";
    showSignedIn(false);
    signInError(message || "");
    $("access-token").focus();
  }

  function numberOrNull(input) {
    var text = input.value.trim();
    if (text === "") return null;
    var value = Number(text);
    return isFinite(value) ? value : text; // keep what was typed, so the API names the problem
  }

  function termChecks() {
    return Array.prototype.slice.call(document.querySelectorAll("#f-term-checks input"));
  }

  function formProfile() {
    var state = $("f-terms").value;
    var terms = null;
    if (state === "none") terms = [];
    if (state === "some") terms = termChecks().filter(function (c) { return c.checked; }).map(function (c) { return c.value; });
    var self = $("f-self").value;
    return {
      seats: numberOrNull($("f-seats")),
      azure_annual_usd: numberOrNull($("f-azure")),
      special_terms: terms,
      self_service: self === "" ? null : self === "true",
      preferred_motion: $("f-pref").value || null
    };
  }

  function writeJson(profile) {
    $("f-json").value = JSON.stringify(profile, null, 2);
    $("f-json").removeAttribute("aria-invalid");
    $("f-json-note").textContent = "";
  }

  function fillForm(profile) {
    $("f-seats").value = profile.seats === null || profile.seats === undefined ? "" : profile.seats;
    $("f-azure").value = profile.azure_annual_usd === null || profile.azure_annual_usd === undefined ? "" : profile.azure_annual_usd;
    var terms = profile.special_terms;
    $("f-terms").value = Array.isArray(terms) ? (terms.length ? "some" : "none") : "unknown";
    termChecks().forEach(function (c) { c.checked = Array.isArray(terms) && terms.indexOf(c.value) >= 0; });
    $("f-self").value = profile.self_service === true ? "true" : profile.self_service === false ? "false" : "";
    $("f-pref").value = profile.preferred_motion || "";
  }

  function syncFromForm(event) {
    if (event && event.target && event.target.name === "term") {
      var any = termChecks().some(function (c) { return c.checked; });
      $("f-terms").value = any ? "some" : "none";
    }
    if (event && event.target && event.target.id === "f-terms" && event.target.value !== "some") {
      termChecks().forEach(function (c) { c.checked = false; });
    }
    writeJson(formProfile());
  }

  function syncFromJson() {
    var text = $("f-json").value;
    var data;
    try {
      data = JSON.parse(text);
    } catch (e) {
      data = undefined;
    }
    if (!data || typeof data !== "object" || Array.isArray(data)) {
      $("f-json").setAttribute("aria-invalid", "true");
      $("f-json-note").textContent = MA.t("console.jsonInvalid");
      return;
    }
    $("f-json").removeAttribute("aria-invalid");
    $("f-json-note").textContent = "";
    fillForm(data);
  }

  function notice(text) {
    return el("div", { className: "notice", role: "alert" }, [el("p", { text: text })]);
  }

  function working(target) {
    target.textContent = "";
    target.appendChild(el("p", { className: "status-line", text: MA.t("console.working") }));
  }

  function renderClassification(result, citations) {
    var box = $("classification");
    box.textContent = "";
    if (result.motion) {
      box.appendChild(MA.recommendationCard(result, citations, { headingLevel: "h3", cta: false, ruleLabel: MA.t("console.rule") }));
      return;
    }
    var card = el("section", { className: "rec-card undecided", "aria-labelledby": "undecided-title", lang: result.lang }, [
      el("p", { className: "eyebrow", text: MA.t("console.result") }),
      el("h3", { id: "undecided-title", className: "rec-title", text: MA.t("console.undecided") }),
      result.rule ? MA.ruleBox(result.rule, MA.t("console.rule")) : null
    ]);
    if (result.missing && result.missing.length) {
      card.appendChild(el("div", { className: "card-section" }, [
        el("h4", { text: MA.t("console.missing") }),
        el("ol", { className: "missing-list" }, result.missing.map(function (slot) {
          return el("li", { "data-slot": slot, text: MA.t("slot." + slot) });
        }))
      ]));
    }
    if (result.facts && result.facts.length) {
      card.appendChild(el("div", { className: "card-section" }, [
        el("h4", { text: MA.t("console.facts") }),
        el("ul", { className: "fact-list" }, result.facts.map(function (f) { return el("li", { text: f }); }))
      ]));
    }
    box.appendChild(card);
  }

  function classify(event) {
    if (event) event.preventDefault();
    var box = $("classification");
    var lang = MA.lang;
    working(box);
    fetch("v1/classify?lang=" + encodeURIComponent(lang), {
      method: "POST",
      headers: { "Content-Type": "application/json", Accept: "application/json" },
      body: $("f-json").value
    }).then(function (response) {
      if (!response.ok) return MA.readError(response).then(function (err) { throw err; });
      return response.json();
    }, function () {
      throw new MA.ApiError(0, "");
    }).then(function (result) {
      return MA.citationTable(result.lang || lang).then(function (table) {
        shown.classification = { result: result, citations: table };
        renderClassification(result, table);
      });
    }).catch(function (err) {
      shown.classification = null;
      box.textContent = "";
      box.appendChild(notice(MA.errorText(err)));
    });
  }

  function renderAnswer(answer) {
    var box = $("answer");
    box.textContent = "";
    var wrap = el("div", { className: "answer", lang: answer.lang });
    wrap.appendChild(el("h3", { className: "visually-hidden", text: MA.t("console.answer") }));
    if (answer.answered === false) wrap.appendChild(el("p", { className: "status-line", text: MA.t("console.notAnswered") }));
    wrap.appendChild(el("p", { className: "answer-text", text: answer.answer }));
    if (answer.citations && answer.citations.length) {
      wrap.appendChild(el("h4", { className: "status-line", text: MA.t("card.sources") }));
      wrap.appendChild(el("ol", { className: "sources" }, answer.citations.map(function (c) {
        return el("li", { "data-citation": c.id }, [
          el("strong", { text: c.section }),
          el("span", { className: "src-meta", text: " — " + c.title + " · " + MA.t("card.asOf", { date: c.published }) })
        ]);
      })));
    }
    box.appendChild(wrap);
  }

  function ask(event) {
    event.preventDefault();
    var question = $("question").value.trim();
    if (!question) {
      $("question").focus();
      return;
    }
    var body = { question: question };
    if (MA.langChosen || !MA.hasWords(question)) body.lang = MA.lang;
    working($("answer"));
    MA.postJSON("v1/ask", body).then(function (answer) {
      shown.answer = answer;
      renderAnswer(answer);
    }, function (err) {
      shown.answer = null;
      $("answer").textContent = "";
      $("answer").appendChild(notice(MA.errorText(err)));
    });
  }

  function when(stamp) {
    if (!stamp) return "";
    var date = new Date(stamp);
    if (isNaN(date.getTime())) return String(stamp);
    return date.toLocaleString(MA.lang === "ja" ? "ja-JP" : "en-GB", { dateStyle: "medium", timeStyle: "short" });
  }

  function renderSession(session, citations) {
    var box = $("session");
    box.textContent = "";
    var turns = session.transcript || [];
    var ratings = {};
    (session.feedback || []).forEach(function (f) { ratings[f.turn] = f; });
    var advisorTurns = turns.filter(function (e) { return e.role === "advisor"; }).length;
    var number = (session.turn_count || advisorTurns) - advisorTurns;
    var list = turns.length
      ? el("ol", { className: "turns" }, turns.map(function (entry) {
        var who = entry.role === "customer" ? MA.t("console.customer") : MA.t("chat.advisor");
        var rated = null;
        if (entry.role === "advisor") {
          number += 1;
          var f = ratings[(entry.turn && entry.turn.number) || number];
          if (f) {
            rated = el("p", { className: "turn-rating " + f.rating }, [
              MA.t("console.rated." + f.rating),
              f.comment ? el("q", { text: f.comment }) : null
            ]);
          }
        }
        return el("li", { className: entry.role }, [
          el("span", { className: "turn-meta", text: who + (entry.at ? " · " + when(entry.at) : "") }),
          entry.text,
          rated
        ]);
      }))
      : el("p", { className: "status-line", text: MA.t("console.noTurns") });

    var profile = session.profile || {};
    var facts = el("dl", { className: "kv" });
    FIELDS.forEach(function (field) {
      if (!(field in profile)) return;
      var value = profile[field];
      facts.appendChild(el("dt", { text: field }));
      facts.appendChild(el("dd", { text: value === null ? "—" : JSON.stringify(value) }));
    });
    var side = el("div", { className: "side-stack" }, [
      el("div", { className: "panel" }, [
        el("h3", { className: "status-line", text: MA.t("console.gathered") }),
        facts,
        session.created_at ? el("p", { className: "status-line", text: MA.t("console.created", { date: when(session.created_at) }) }) : null
      ])
    ]);
    var rec = session.recommendation;
    if (rec && rec.motion) side.appendChild(MA.recommendationCard(rec, citations, { headingLevel: "h3", cta: false, ruleLabel: MA.t("console.rule") }));
    side.appendChild(regressionPanel(session));
    box.appendChild(el("div", { className: "transcript" }, [list, side]));
  }

  /* One click: the conversation as an evals regression case, the motion correctable. */
  function regressionPanel(session) {
    var recommended = session.recommendation && session.recommendation.motion;
    var choice = el("select", { id: "case-motion" }, [
      el("option", { value: "", text: MA.t("console.case.asIs") })
    ].concat(["breadth", "enterprise", "self_service"].map(function (m) {
      return el("option", { value: m, text: MA.t("card.motion", { motion: MA.motionName(m) }) });
    })));
    var out = el("div", { className: "case-out", "aria-live": "polite" });
    var make = el("button", { type: "button", className: "button primary", text: MA.t("console.case.make") });
    make.addEventListener("click", function () {
      var body = choice.value && choice.value !== recommended ? { motion: choice.value } : {};
      out.textContent = "";
      consoleApi("sessions/" + encodeURIComponent(session.session_id) + "/regression-case", "POST", body).then(function (made) {
        var link = el("a", {
          className: "button",
          download: made.filename,
          href: URL.createObjectURL(new Blob([made.yaml], { type: "application/x-yaml" })),
          text: MA.t("console.case.download", { file: made.filename })
        });
        out.appendChild(el("p", { className: "status-line", text: MA.t("console.case.where") }));
        out.appendChild(link);
        out.appendChild(el("pre", { className: "code case-yaml", text: made.yaml }));
      }, function (err) {
        out.appendChild(notice(consoleErrorText(err)));
      });
    });
    return el("div", { className: "panel regression" }, [
      el("h3", { className: "status-line", text: MA.t("console.case.title") }),
      el("p", { className: "field" }, [el("label", { for: "case-motion", text: MA.t("console.case.motion") }), choice]),
      make,
      out
    ]);
  }

  function openSession(event) {
    if (event) event.preventDefault();
    var id = $("session-id").value.trim();
    if (!id) {
      $("session-id").focus();
      return;
    }
    working($("session"));
    consoleApi("sessions/" + encodeURIComponent(id)).then(function (session) {
      var lang = (session.recommendation && session.recommendation.lang) || session.lang || MA.lang;
      return MA.citationTable(lang).then(function (table) {
        shown.session = { session: session, citations: table };
        renderSession(session, table);
      });
    }).catch(function (err) {
      shown.session = null;
      $("session").textContent = "";
      $("session").appendChild(notice(consoleErrorText(err)));
    });
  }

  function renderLeads(leads, webhook) {
    var box = $("leads");
    box.textContent = "";
    if (!leads.length) {
      box.appendChild(el("p", { className: "result-empty", text: MA.t("console.noLeads") }));
      return;
    }
    var head = ["when", "who", "motion", "delivery", "conversation"].map(function (key) {
      return el("th", { scope: "col", text: MA.t("console.lead." + key) });
    });
    var rows = leads.map(function (lead) {
      var delivery = lead.delivery.status === "delivered"
        ? MA.t("console.lead.delivered")
        : webhook
          ? MA.t("console.lead.pending", { attempts: lead.delivery.attempts })
          : MA.t("console.lead.kept");
      var open = el("button", { type: "button", className: "button subtle", text: MA.t("console.lead.open") });
      open.addEventListener("click", function () {
        $("session-id").value = lead.session_id;
        openSession();
        $("session-panel").focus();
      });
      return el("tr", {}, [
        el("td", { text: lead.created_at.replace("T", " ").replace("+00:00", " UTC") }),
        el("td", {}, [
          el("strong", { text: lead.contact.name }), el("br"),
          lead.contact.company + " · ",
          el("a", { href: "mailto:" + lead.contact.email, text: lead.contact.email })
        ]),
        el("td", { text: MA.t("card.motion", { motion: MA.motionName(lead.motion) }) }),
        el("td", { className: webhook ? lead.delivery.status : "kept", text: delivery }),
        el("td", {}, [open])
      ]);
    });
    box.appendChild(el("table", { className: "leads" }, [
      el("thead", {}, [el("tr", {}, head)]),
      el("tbody", {}, rows)
    ]));
  }

  var SVG = "http://www.w3.org/2000/svg";

  function svg(tag, attrs, children) {
    var node = document.createElementNS(SVG, tag);
    Object.keys(attrs || {}).forEach(function (k) { node.setAttribute(k, attrs[k]); });
    (children || []).forEach(function (c) { node.appendChild(c); });
    return node;
  }

  /* A horizontal bar chart: one labelled bar a row, its value at its end. */
  function barChart(title, rows, className) {
    var max = Math.max.apply(null, rows.map(function (r) { return r[1]; }).concat([1]));
    var width = 580, label = 250, row = 30, bar = 18;
    var chart = svg("svg", {
      viewBox: "0 0 " + width + " " + (rows.length * row + 6),
      width: "100%",
      role: "img",
      "aria-label": title + ": " + rows.map(function (r) { return r[0] + " " + r[1]; }).join(", ")
    });
    rows.forEach(function (r, i) {
      var y = i * row + 4;
      var w = Math.round((width - label - 50) * r[1] / max);
      var text = svg("text", { x: label - 8, y: y + bar - 4, "text-anchor": "end", class: "chart-label" });
      text.textContent = r[0];
      var value = svg("text", { x: label + w + 6, y: y + bar - 4, class: "chart-value" });
      value.textContent = String(r[1]);
      chart.appendChild(text);
      chart.appendChild(svg("rect", { x: label, y: y, width: Math.max(w, r[1] ? 2 : 0), height: bar, rx: 3, class: "chart-bar " + (r[2] || className || "") }));
      chart.appendChild(value);
    });
    return el("figure", { className: "chart" }, [el("figcaption", { text: title }), chart]);
  }

  function renderAnalytics(data) {
    var box = $("analytics");
    box.textContent = "";
    var share = data.conversations ? Math.round(100 * data.recommendations / data.conversations) : 0;
    var q = data.questions;
    var tiles = [
      [MA.t("analytics.conversations"), String(data.conversations)],
      [MA.t("analytics.recommended"), data.recommendations + " (" + share + "%)"],
      [MA.t("analytics.handoffs"), String(data.handoffs)],
      [MA.t("analytics.clicks"), String(data.next_step_clicks)],
      [MA.t("analytics.questions"), q.asked === null ? "—" : MA.t("analytics.askedOf", { asked: q.asked, min: q.policy_minimum })]
    ];
    box.appendChild(el("div", { className: "tiles" }, tiles.map(function (t) {
      return el("div", { className: "tile" }, [el("div", { className: "tile-value", text: t[1] }), el("div", { className: "tile-label", text: t[0] })]);
    })));
    box.appendChild(el("div", { className: "charts" }, [
      barChart(MA.t("analytics.funnel"), [
        [MA.t("analytics.conversations"), data.conversations],
        [MA.t("analytics.recommended"), data.recommendations],
        [MA.t("analytics.clicks"), data.next_step_clicks],
        [MA.t("analytics.handoffs"), data.handoffs]
      ], "funnel"),
      barChart(MA.t("analytics.mix"), ["breadth", "enterprise", "self_service"].map(function (m) {
        return [MA.motionName(m), data.motions[m] || 0, "mix-" + m]; // each motion in its colour
      }), "mix"),
      barChart(MA.t("analytics.dropOff"), Object.keys(data.drop_off).map(function (slot) {
        return [MA.t("slot." + slot), data.drop_off[slot]];
      }), "drop")
    ]));
    var items = data.unanswered.map(function (g) {
      var why = g.why.map(function (w) { return MA.t("analytics.why." + w.replace(" ", "_")); }).join(", ");
      return el("li", {}, [el("span", { className: "count", text: "× " + g.count }), " ", el("q", { text: g.question }), el("span", { className: "why", text: " · " + why })]);
    });
    box.appendChild(el("h3", { text: MA.t("analytics.unanswered") }));
    box.appendChild(items.length ? el("ul", { className: "unanswered" }, items) : el("p", { className: "result-empty", text: MA.t("analytics.noneUnanswered") }));
  }

  /* The period, channel and language chosen in the Outcomes panel, as a query string. */
  function outcomesQuery() {
    var days = Number($("a-period").value);
    var until = new Date();
    var since = new Date(until.getTime() - (days - 1) * 86400000);
    return "since=" + since.toISOString().slice(0, 10) + "&until=" + until.toISOString().slice(0, 10) +
      "&channel=" + $("a-channel").value + "&lang=" + $("a-lang").value;
  }

  /* Admins download the chosen conversations in full, as JSON Lines. */
  function exportConversations() {
    var status = $("export-status");
    status.textContent = "";
    $("export").setAttribute("aria-disabled", "true");
    fetch("console/api/export?" + outcomesQuery(), { headers: { Authorization: "Bearer " + auth.token } })
      .then(function (response) {
        if (!response.ok) return MA.readError(response).then(function (err) { throw err; });
        var name = /filename="([^"]+)"/.exec(response.headers.get("Content-Disposition") || "");
        return response.blob().then(function (blob) {
          var link = el("a", { href: URL.createObjectURL(blob), download: name ? name[1] : "conversations.jsonl" });
          document.body.appendChild(link);
          link.click();
          link.remove();
          setTimeout(function () { URL.revokeObjectURL(link.href); }, 1000);
          status.appendChild(el("p", { className: "status-line", "data-i18n": "analytics.exported", text: MA.t("analytics.exported") }));
        });
      }, function () { throw new MA.ApiError(0, ""); })
      .catch(function (err) { status.appendChild(notice(consoleErrorText(err))); })
      .then(function () { $("export").removeAttribute("aria-disabled"); });
  }

  function loadAnalytics(event) {
    if (event) event.preventDefault();
    var query = "analytics?" + outcomesQuery();
    working($("analytics"));
    consoleApi(query).then(function (data) {
      shown.analytics = data;
      renderAnalytics(data);
    }).catch(function (err) {
      shown.analytics = null;
      $("analytics").textContent = "";
      $("analytics").appendChild(notice(consoleErrorText(err)));
    });
  }

  var MOTION_KEYS = ["breadth", "enterprise", "self_service"];

  /* Admins: what the advisor links to and how long it keeps conversations. */
  function showSettings(view) {
    MOTION_KEYS.forEach(function (m) { $("s-link-" + m).value = view.next_step_links[m]; });
    $("s-retention").value = String(view.session_retention_days);
    var status = $("settings-status");
    status.textContent = "";
    var last = Object.keys(view.changed).map(function (k) { return view.changed[k]; })
      .sort(function (a, b) { return a.at < b.at ? 1 : -1; })[0];
    if (last) status.appendChild(el("p", { className: "status-line", text: MA.t("settings.changedBy", { who: last.by, when: when(last.at) }) }));
  }

  function loadSettings() {
    consoleApi("settings").then(showSettings).catch(function (err) {
      $("settings-status").textContent = "";
      $("settings-status").appendChild(notice(consoleErrorText(err)));
    });
  }

  function saveSettings(event) {
    event.preventDefault();
    var links = {};
    MOTION_KEYS.forEach(function (m) { links[m] = $("s-link-" + m).value.trim(); });
    var days = $("s-retention").value.trim();
    var body = { next_step_links: links, session_retention_days: days === "" ? null : Number(days) };
    $("save-settings").setAttribute("aria-disabled", "true");
    consoleApi("settings", "PUT", body).then(function (view) {
      showSettings(view);
      MA.links = view.next_step_links;
      $("settings-status").prepend(el("p", { className: "status-line", role: "status", text: MA.t("settings.saved") }));
    }).catch(function (err) {
      $("settings-status").textContent = "";
      $("settings-status").appendChild(notice(consoleErrorText(err)));
    }).then(function () { $("save-settings").removeAttribute("aria-disabled"); });
  }

  function loadLeads() {
    working($("leads"));
    consoleApi("leads").then(function (result) {
      shown.leads = result;
      renderLeads(result.leads, result.webhook);
    }).catch(function (err) {
      shown.leads = null;
      $("leads").textContent = "";
      $("leads").appendChild(notice(consoleErrorText(err)));
    });
  }

  function rerender() {
    renderWho();
    if (shown.leads) renderLeads(shown.leads.leads, shown.leads.webhook);
    if (shown.analytics) renderAnalytics(shown.analytics);
    if (shown.classification) renderClassification(shown.classification.result, shown.classification.citations);
    if (shown.answer) renderAnswer(shown.answer);
    if (shown.session) renderSession(shown.session.session, shown.session.citations);
  }

  function init() {
    MA.initLang();
    MA.applyStrings(document);
    MA.bindLangSwitch(rerender);

    var form = $("profile-form");
    form.addEventListener("change", function (event) {
      if (event.target.id !== "f-json") syncFromForm(event);
    });
    form.addEventListener("input", function (event) {
      if (event.target.id === "f-json") syncFromJson();
      else if (event.target.type === "number") syncFromForm(event);
    });
    form.addEventListener("submit", classify);
    $("clear-profile").addEventListener("click", function () {
      fillForm({});
      writeJson(formProfile());
      $("classification").textContent = "";
      $("classification").appendChild(el("p", { className: "result-empty", "data-i18n": "console.resultEmpty", text: MA.t("console.resultEmpty") }));
      shown.classification = null;
      $("f-seats").focus();
    });
    $("ask-form").addEventListener("submit", ask);
    $("question").addEventListener("keydown", function (event) {
      if (event.key === "Enter" && (event.ctrlKey || event.metaKey)) ask(event);
    });
    $("session-form").addEventListener("submit", openSession);
    $("load-leads").addEventListener("click", loadLeads);
    $("analytics-form").addEventListener("submit", loadAnalytics);
    $("export").addEventListener("click", exportConversations);
    $("settings-form").addEventListener("submit", saveSettings);

    writeJson(formProfile());

    $("signin-form").addEventListener("submit", function (event) {
      event.preventDefault();
      var token = $("access-token").value.trim();
      if (!token) {
        $("access-token").focus();
        return;
      }
      signIn(token);
    });
    $("sign-out").addEventListener("click", function () { signOut(""); });

    var params = new URLSearchParams(window.location.search);
    auth.pendingSession = params.get("session") || null;
    if (document.body.getAttribute("data-provider-sign-in") === "1") {
      var link = $("provider-sign-in-link");
      if (auth.pendingSession) link.href = "console/sign-in?session=" + encodeURIComponent(auth.pendingSession);
      $("provider-sign-in").hidden = false;
      $("sign-in").classList.remove("primary"); // a pasted token is the other way in
    }
    // back from the identity provider: the token (or what went wrong) is in the fragment,
    // which no server sees; it is taken off the address at once
    var back = new URLSearchParams(window.location.hash.replace(/^#/, ""));
    var fromProvider = back.get("id_token");
    var failed = back.get("sign_in_error");
    if (fromProvider || failed) {
      window.history.replaceState(null, "", window.location.pathname + window.location.search);
    }
    var saved = fromProvider || loadToken();
    if (failed) {
      var kind = ["denied", "expired", "invalid", "unavailable"].indexOf(failed) >= 0 ? failed : "invalid";
      signInError(MA.t("console.signInError." + kind));
    }
    if (saved) signIn(saved);
    else if (!$("provider-sign-in").hidden) $("provider-sign-in-link").focus();
    else $("access-token").focus();
  }

  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", init);
  else init();
})();
