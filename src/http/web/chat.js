// kommunbot web chat: asks /api/v1/ask, shows the reply, sends feedback.
// Safety: nothing from the server or the visitor is ever parsed as HTML. Every node is built
// with createElement and textContent; the small Markdown subset of FAQ answers (paragraphs,
// lists, **bold**, [links](https://…)) is turned into nodes, and links must be http(s).
(function () {
  "use strict";

  var TEXTS = {
    sv: {
      title: "Fråga kommunbot",
      notice: "Du chattar med kommunbot, en automatisk tjänst som svarar utifrån kommuncenters vanliga frågor. Svaren kommer från en bot, inte från en människa.",
      human: "Vill du prata med en människa?",
      log: "Samtal med kommunbot",
      empty: "Här visas dina frågor och svaren.",
      label: "Din fråga",
      send: "Skicka",
      hint: "Skriv din fråga med några ord, till exempel ”När plogas min gata?”. Skriv inte personnummer eller andra personuppgifter.",
      you: "Du frågade",
      bot: "Svar från kommunbot",
      question: "Fråga",
      theme: "Tema",
      readMore: "Läs mer",
      listen: "Lyssna",
      from: "från",
      inPodcast: "Det tas upp i podden",
      didYouMean: "Menade du…?",
      noneOfThese: "Inget av dessa",
      notThis: "Inte den",
      helpful: "Det hjälpte",
      notHelpful: "Det hjälpte inte",
      thanks: "Tack för ditt svar!",
      thanksNot: "Tack för att du säger till. Frågan markeras så att kommuncenter kan se över svaret.",
      saved: "Tack! Frågan sparas så att kommuncenter kan ta upp den.",
      empty_q: "Skriv en fråga först.",
      waiting: "Kommunbot svarar…",
      error: "Det gick inte att få svar just nu. Försök igen om en stund.",
      tooMany: "Du har ställt många frågor på kort tid. Vänta en minut och försök igen.",
      forget: "Radera mina frågor",
      forgetConfirm: "Vill du radera alla frågor du har ställt i den här fliken? Det går inte att ångra.",
      forgotten: "Det du har frågat i den här fliken är raderat.",
      forgetFailed: "Det gick inte att radera just nu. Försök igen om en stund.",
    },
    en: {
      title: "Ask kommunbot",
      notice: "You are chatting with kommunbot, an automated service that answers from the service centre's frequently asked questions. The answers come from a bot, not a person. Answers are in Swedish.",
      human: "Want to talk to a person?",
      log: "Conversation with kommunbot",
      empty: "Your questions and the answers appear here.",
      label: "Your question",
      send: "Send",
      hint: "Write your question in a few words, for example “When is my street ploughed?”. Do not write personal identity numbers or other personal data.",
      you: "You asked",
      bot: "Answer from kommunbot",
      question: "Question",
      theme: "Topic",
      readMore: "Read more",
      listen: "Listen",
      from: "from",
      inPodcast: "Discussed in the podcast",
      didYouMean: "Did you mean…?",
      noneOfThese: "None of these",
      notThis: "Not that one",
      helpful: "This helped",
      notHelpful: "This did not help",
      thanks: "Thank you for your feedback!",
      thanksNot: "Thank you for telling us. The question is marked so that the service centre can review the answer.",
      saved: "Thank you! The question is saved so that the service centre can take it up.",
      empty_q: "Please write a question first.",
      waiting: "kommunbot is answering…",
      error: "No answer could be had right now. Please try again in a while.",
      tooMany: "You have asked many questions in a short time. Please wait a minute and try again.",
      forget: "Delete my questions",
      forgetConfirm: "Do you want to delete every question you have asked in this tab? This cannot be undone.",
      forgotten: "What you have asked in this tab is deleted.",
      forgetFailed: "They could not be deleted right now. Please try again in a while.",
    },
  };

  var langs = navigator.languages && navigator.languages.length ? navigator.languages : [navigator.language || "sv"];
  var lang = /^en\b/i.test(langs[0] || "") ? "en" : "sv";
  var T = TEXTS[lang];

  function el(tag, attrs, text) {
    var e = document.createElement(tag);
    if (attrs) {
      Object.keys(attrs).forEach(function (k) { e.setAttribute(k, attrs[k]); });
    }
    if (text !== undefined && text !== null) { e.textContent = String(text); }
    return e;
  }

  function safeUrl(u) {
    return /^https?:\/\//i.test(u || "") ? u : null;
  }

  function link(text, url) {
    var href = safeUrl(url);
    if (!href) { return document.createTextNode(text); }
    var a = el("a", { href: href, target: "_blank", rel: "noopener noreferrer" }, text);
    return a;
  }

  // Inline Markdown: **bold**, [text](url) and bare URLs, as nodes.
  function inline(parent, text) {
    var re = /\*\*([^*]+)\*\*|\[([^\]]+)\]\((https?:\/\/[^\s)]+)\)|(https?:\/\/[^\s)<]+)/g;
    var last = 0, m;
    while ((m = re.exec(text)) !== null) {
      if (m.index > last) { parent.appendChild(document.createTextNode(text.slice(last, m.index))); }
      if (m[1] !== undefined) { parent.appendChild(el("strong", null, m[1])); }
      else if (m[2] !== undefined) { parent.appendChild(link(m[2], m[3])); }
      else { parent.appendChild(link(m[4], m[4])); }
      last = re.lastIndex;
    }
    if (last < text.length) { parent.appendChild(document.createTextNode(text.slice(last))); }
  }

  // Block Markdown: paragraphs and "- " lists.
  function markdown(text, textLang) {
    var box = el("div", { "class": "kb-answer", lang: textLang || "sv" });
    String(text || "").split(/\n\s*\n/).forEach(function (block) {
      var lines = block.split("\n").filter(function (l) { return l.trim() !== ""; });
      if (!lines.length) { return; }
      if (lines.every(function (l) { return /^\s*[-*]\s+/.test(l); })) {
        var ul = el("ul");
        lines.forEach(function (l) {
          var li = el("li");
          inline(li, l.replace(/^\s*[-*]\s+/, ""));
          ul.appendChild(li);
        });
        box.appendChild(ul);
      } else {
        var p = el("p");
        lines.forEach(function (l, i) {
          if (i > 0) { p.appendChild(el("br")); }
          inline(p, l.replace(/^#+\s*/, ""));
        });
        box.appendChild(p);
      }
    });
    return box;
  }

  var log, form, input, send, error;
  var user = null;
  // The visitor's id for this tab: it ties their questions together for "Radera mina
  // frågor", and is stored by the server only as a pseudonym.
  function newUser() {
    user = "web-" + Math.random().toString(36).slice(2) + Date.now().toString(36);
    try { sessionStorage.setItem("kommunbot-user", user); } catch (e) { /* private mode */ }
  }
  try { user = sessionStorage.getItem("kommunbot-user"); } catch (e) { user = null; }
  if (!user) { newUser(); }

  // Erases everything asked from this tab, then starts a new id.
  function forget(status) {
    if (!window.confirm(T.forgetConfirm)) { return; }
    status.textContent = "";
    post("api/v1/forget", { user: user, channel: "web" })
      .then(function (res) {
        if (!res.ok) { throw new Error(String(res.status)); }
        newUser();
        // Erased is erased on this screen too: the next person at a shared computer
        // must not read it.
        while (log.firstChild) { log.removeChild(log.firstChild); }
        status.textContent = T.forgotten;
      })
      .catch(function () { status.textContent = T.forgetFailed; });
  }

  // On a small screen a new reply starts below the fold; bring its beginning into view.
  function reveal(node) {
    if (node && node.scrollIntoView) { node.scrollIntoView({ block: "nearest" }); }
  }

  function post(path, body) {
    return fetch(path, {
      method: "POST",
      headers: { "Content-Type": "application/json" },
      body: JSON.stringify(body),
    });
  }

  function message(kind, who) {
    var m = el("article", { "class": "kb-msg " + (kind === "you" ? "kb-you" : "kb-bot") });
    m.appendChild(el("span", { "class": "kb-who" }, who));
    log.appendChild(m);
    return m;
  }

  function feedbackButtons(box, recordId, contact, contactLang) {
    var row = el("div", { "class": "kb-feedback", role: "group", "aria-label": T.helpful + " / " + T.notHelpful });
    var yes = el("button", { type: "button", "class": "kb-secondary", "aria-pressed": "false" }, "👍 " + T.helpful);
    var no = el("button", { type: "button", "class": "kb-secondary", "aria-pressed": "false" }, "👎 " + T.notHelpful);
    function give(kind, btn, thanks) {
      yes.disabled = true; no.disabled = true;
      btn.setAttribute("aria-pressed", "true");
      post("api/v1/feedback", { record_id: recordId, kind: kind }).catch(function () {});
      var t = el("p", { "class": "kb-meta kb-thanks" }, thanks);
      box.appendChild(t);
      // The way to a person, unless the reply already ends with it.
      if (kind === "not_helpful" && contact && !box.querySelector(".kb-contact")) {
        box.appendChild(el("p", { "class": "kb-meta kb-contact", lang: contactLang || "sv" }, contact));
      }
    }
    yes.addEventListener("click", function () { give("helpful", yes, T.thanks); });
    no.addEventListener("click", function () { give("not_helpful", no, T.thanksNot); });
    row.appendChild(yes); row.appendChild(no);
    box.appendChild(row);
  }

  function details(box, r) {
    if (r.theme) {
      var th = el("p", { "class": "kb-meta" });
      th.appendChild(el("strong", null, (r.kind === "no_answer" ? T.theme : T.theme) + ": "));
      th.appendChild(document.createTextNode(r.theme));
      box.appendChild(th);
    }
    if (r.links && r.links.length) {
      var lm = el("div", { "class": "kb-meta" });
      lm.appendChild(el("strong", null, T.readMore + ":"));
      var ul = el("ul");
      r.links.forEach(function (l) { var li = el("li"); li.appendChild(link(l.title, l.url)); ul.appendChild(li); });
      lm.appendChild(ul);
      box.appendChild(lm);
    }
    if (r.episode) {
      var ep = el("p", { "class": "kb-meta kb-episode" });
      ep.appendChild(document.createTextNode("🎧 " + (r.kind === "no_answer" ? T.inPodcast : T.listen) + ": "));
      var label = r.episode.title + (r.episode.at ? " (" + T.from + " " + r.episode.at + ")" : "");
      ep.appendChild(link(label, r.episode.url));
      box.appendChild(ep);
    }
  }

  function showAnswer(box, r, recordId) {
    box.appendChild(el("h2", { "class": "kb-q", lang: "sv" }, T.question + ": " + (r.question || "")));
    box.appendChild(markdown(r.text));
    details(box, r);
    feedbackButtons(box, recordId, r.contact, r.ui_lang);
  }

  function render(r) {
    var box = message("bot", T.bot);
    if (r.kind === "answer") {
      showAnswer(box, r, r.record_id);
    } else if (r.kind === "suggest") {
      box.appendChild(el("h2", null, T.didYouMean));
      box.appendChild(el("p", { lang: r.lang || "sv" }, r.text));
      var row = el("div", { "class": "kb-choices", role: "group", "aria-label": T.didYouMean });
      (r.choices || []).slice(0, 3).forEach(function (c) {
        var b = el("button", { type: "button", "class": "kb-choice", lang: "sv" }, c.question);
        b.addEventListener("click", function () {
          post("api/v1/feedback", { record_id: r.record_id, kind: "chosen", entry: c.entry }).catch(function () {});
          // The words around the answer in the language the choice was offered in.
          fetch("api/v1/entries/" + c.entry.split("/").map(encodeURIComponent).join("/") + "?lang=" + (r.ui_lang || "sv"))
            .then(function (res) { if (!res.ok) { throw new Error(res.status); } return res.json(); })
            .then(function (entry) {
              row.remove();
              var chosen = message("bot", T.bot);
              showAnswer(chosen, entry, r.record_id);
              reveal(chosen);
              var first = chosen.querySelector("button");
              if (first) { first.focus(); }
            })
            .catch(function () { error.textContent = T.error; });
        });
        row.appendChild(b);
      });
      var none = el("button", { type: "button", "class": "kb-secondary" },
        (r.choices || []).length === 1 ? T.notThis : T.noneOfThese);
      none.addEventListener("click", function () {
        post("api/v1/feedback", { record_id: r.record_id, kind: "none_of_these" }).catch(function () {});
        row.remove();
        var m = message("bot", T.bot);
        m.appendChild(el("p", null, T.saved));
        // The way to a person ends the reply right above; said once is enough.
        reveal(m);
        input.focus();
      });
      row.appendChild(none);
      box.appendChild(row);
    } else {
      box.appendChild(markdown(r.text, r.lang));
      details(box, r);
    }
    box.appendChild(el("p", { "class": "kb-meta kb-contact", lang: r.ui_lang || "sv" }, r.contact));
    return box;
  }

  function ask(q) {
    var mine = message("you", T.you);
    mine.appendChild(el("p", { "class": "kb-asked" }, q));
    send.disabled = true;
    log.setAttribute("aria-busy", "true");
    var body = { question: q, channel: "web" };
    if (user) { body.user = user; }
    post("api/v1/ask", body)
      .then(function (res) {
        if (res.status === 429) { throw new Error("429"); }
        if (!res.ok) { throw new Error(String(res.status)); }
        return res.json();
      })
      .then(function (r) { reveal(render(r)); })
      .catch(function (e) {
        error.textContent = e.message === "429" ? T.tooMany : T.error;
        // Nothing was answered: the question goes back into the box to send again.
        if (!input.value) { input.value = q; }
        reveal(error);
      })
      .then(function () {
        send.disabled = false;
        log.removeAttribute("aria-busy");
      });
  }

  function init() {
    log = document.getElementById("kb-log");
    form = document.getElementById("kb-form");
    input = document.getElementById("kb-q");
    send = document.getElementById("kb-send");
    error = document.getElementById("kb-error");
    var forgetButton = document.getElementById("kb-forget");
    var forgotten = document.getElementById("kb-forgotten");
    if (forgetButton) {
      forgetButton.addEventListener("click", function () { forget(forgotten); });
    }
    if (lang !== "sv") {
      document.documentElement.lang = lang;
      document.title = T.title;
      Array.prototype.forEach.call(document.querySelectorAll("[data-i18n]"), function (n) {
        n.textContent = T[n.getAttribute("data-i18n")];
      });
    }
    // In the widget's frame, keys never reach the host page: Escape asks it to close us.
    if (window.parent !== window) {
      document.addEventListener("keydown", function (ev) {
        if (ev.key === "Escape") { window.parent.postMessage({ kommunbot: "close" }, "*"); }
      });
    }
    log.setAttribute("aria-label", T.log);
    log.setAttribute("data-empty", T.empty);
    form.addEventListener("submit", function (ev) {
      ev.preventDefault();
      var q = input.value.trim();
      error.textContent = "";
      if (!q) { error.textContent = T.empty_q; input.focus(); return; }
      input.value = "";
      ask(q);
      input.focus();
    });
  }

  if (document.readyState === "loading") { document.addEventListener("DOMContentLoaded", init); } else { init(); }
})();
