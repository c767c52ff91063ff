/*
 * Motion Advisor chat widget. Put it on any page with one tag:
 *   <script src="https://advisor.example.com/widget.js" data-lang="en" async></script>
 * It adds a launcher button and a panel holding the advisor's chat page in an iframe, so the
 * host page's styles and the widget's never mix. The advisor's origin comes from this script's src.
 * Optional attributes: data-lang ("en" or "ja"), data-position ("right" or "left").
 */
(function () {
  "use strict";

  var script = document.currentScript;
  if (!script || window.__motionAdvisorWidget) return;
  window.__motionAdvisorWidget = true;

  var origin = new URL(script.src, window.location.href).origin;
  var lang = script.getAttribute("data-lang");
  if (lang !== "en" && lang !== "ja") {
    lang = (document.documentElement.lang || navigator.language || "en").toLowerCase().indexOf("ja") === 0 ? "ja" : "en";
  }
  var left = script.getAttribute("data-position") === "left";
  var TEXT = {
    en: { open: "Chat with Motion Advisor", close: "Close Motion Advisor", launcher: "How should I buy?", frame: "Motion Advisor chat" },
    ja: { open: "Motion Advisor とチャット", close: "Motion Advisor を閉じる", launcher: "購入方法を相談", frame: "Motion Advisor チャット" }
  }[lang];

  var CSS = [
    ":host { all: initial; }",
    "* { box-sizing: border-box; }",
    ".launcher { position: fixed; bottom: 20px; " + (left ? "left" : "right") + ": 20px; z-index: 2147483000;",
    "  display: inline-flex; align-items: center; gap: 8px; min-height: 48px; padding: 10px 18px 10px 14px;",
    "  border: 0; border-radius: 999px; background: #0f6cbd; color: #fff; cursor: pointer;",
    "  font: 600 15px/1.2 'Segoe UI', system-ui, -apple-system, 'Helvetica Neue', Arial, 'Hiragino Sans', Meiryo, sans-serif;",
    "  box-shadow: 0 4px 14px rgba(0,0,0,.22); }",
    ".launcher:hover { background: #115ea3; }",
    ".launcher:focus-visible { outline: 3px solid #242424; outline-offset: 3px; }",
    ".launcher svg { width: 22px; height: 22px; fill: none; stroke: currentColor; stroke-width: 1.8; stroke-linejoin: round; }",
    ".launcher[aria-expanded='true'] .label { display: none; }",
    ".launcher[aria-expanded='true'] { padding: 10px 13px; }",
    ".panel { position: fixed; bottom: 80px; " + (left ? "left" : "right") + ": 20px; z-index: 2147483000;",
    "  width: 400px; height: min(640px, calc(100vh - 110px)); max-height: calc(100dvh - 110px);",
    "  border-radius: 14px; overflow: hidden; background: #fff;",
    "  box-shadow: 0 10px 40px rgba(0,0,0,.28); border: 1px solid #d1d1d1; }",
    ".panel[hidden] { display: none; }",
    "iframe { display: block; width: 100%; height: 100%; border: 0; }",
    "@media (max-width: 480px) {",
    "  .panel { inset: 0; width: 100%; height: 100%; max-height: none; border-radius: 0; border: 0; }",
    "  .launcher.open { display: none; }",
    "}"
  ].join("\n");

  var CHAT_ICON = '<svg viewBox="0 0 24 24" aria-hidden="true" focusable="false"><path d="M4 5.5A2.5 2.5 0 0 1 6.5 3h11A2.5 2.5 0 0 1 20 5.5v8a2.5 2.5 0 0 1-2.5 2.5H10l-4.5 4v-4A2.5 2.5 0 0 1 4 13.5z"/></svg>';
  var CLOSE_ICON = '<svg viewBox="0 0 24 24" aria-hidden="true" focusable="false"><path d="M6 6l12 12M18 6L6 18" stroke-linecap="round"/></svg>';

  function build() {
    var host = document.createElement("div");
    host.id = "motion-advisor-widget";
    var root = host.attachShadow ? host.attachShadow({ mode: "open" }) : host;
    var style = document.createElement("style");
    style.textContent = CSS;
    root.appendChild(style);

    var launcher = document.createElement("button");
    launcher.type = "button";
    launcher.className = "launcher";
    launcher.setAttribute("aria-expanded", "false");
    launcher.setAttribute("aria-controls", "motion-advisor-panel");
    launcher.setAttribute("aria-label", TEXT.open);
    launcher.innerHTML = CHAT_ICON + '<span class="label"></span>';
    launcher.querySelector(".label").textContent = TEXT.launcher;

    var panel = document.createElement("div");
    panel.className = "panel";
    panel.id = "motion-advisor-panel";
    panel.setAttribute("role", "dialog");
    panel.setAttribute("aria-label", TEXT.frame);
    panel.hidden = true;

    var frame = null;

    function open() {
      if (!frame) {
        frame = document.createElement("iframe");
        frame.title = TEXT.frame;
        frame.src = origin + "/?embed=1&lang=" + encodeURIComponent(lang);
        frame.setAttribute("allow", "clipboard-write");
        panel.appendChild(frame);
      }
      panel.hidden = false;
      launcher.classList.add("open");
      launcher.setAttribute("aria-expanded", "true");
      launcher.setAttribute("aria-label", TEXT.close);
      launcher.innerHTML = CLOSE_ICON;
      frame.focus();
      try {
        var box = frame.contentWindow && frame.contentWindow.document.getElementById("message");
        if (box) box.focus();
      } catch (e) { /* another origin: the page focuses its own message box */ }
    }

    function close() {
      panel.hidden = true;
      launcher.classList.remove("open");
      launcher.setAttribute("aria-expanded", "false");
      launcher.setAttribute("aria-label", TEXT.open);
      launcher.innerHTML = CHAT_ICON + '<span class="label"></span>';
      launcher.querySelector(".label").textContent = TEXT.launcher;
      launcher.focus();
    }

    launcher.addEventListener("click", function () {
      if (panel.hidden) open(); else close();
    });
    document.addEventListener("keydown", function (event) {
      if (event.key === "Escape" && !panel.hidden) close();
    });
    window.addEventListener("message", function (event) {
      if (event.origin !== origin || !event.data || event.data.type !== "motion-advisor:close") return;
      if (!panel.hidden) close();
    });

    root.appendChild(panel);
    root.appendChild(launcher);
    document.body.appendChild(host);
  }

  if (document.body) build();
  else document.addEventListener("DOMContentLoaded", build);
})();
