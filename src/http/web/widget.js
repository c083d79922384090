// Embeds the kommunbot chat on another site with one line:
//   <script src="https://kommunbot.example.se/widget.js" defer></script>
// It adds a "Fråga kommunbot" button; the chat opens in an iframe served by kommunbot
// itself, so the host page's styles and scripts never touch it. Escape closes it.
(function () {
  "use strict";
  var script = document.currentScript;
  if (!script) { return; }
  var base = new URL(".", script.src).href;
  var en = /^en\b/i.test((navigator.languages && navigator.languages[0]) || navigator.language || "");

  var button = document.createElement("button");
  button.type = "button";
  button.textContent = en ? "Ask kommunbot" : "Fråga kommunbot";
  button.setAttribute("aria-expanded", "false");
  button.setAttribute("aria-controls", "kommunbot-chat");
  button.style.cssText = "position:fixed;right:1rem;bottom:1rem;z-index:2147483646;font:inherit;" +
    "font-size:1rem;padding:0.75rem 1rem;border-radius:0.5rem;border:2px solid #0b4f8a;" +
    "background:#0b4f8a;color:#fff;cursor:pointer;";

  var frame = document.createElement("iframe");
  frame.id = "kommunbot-chat";
  frame.title = en ? "Chat with kommunbot" : "Chatt med kommunbot";
  frame.src = base;
  frame.hidden = true;
  frame.style.cssText = "position:fixed;right:1rem;bottom:4.5rem;z-index:2147483647;" +
    "width:min(26rem,calc(100vw - 2rem));height:min(40rem,calc(100vh - 6rem));" +
    "border:2px solid #0b4f8a;border-radius:0.5rem;background:#fff;";

  function set(open) {
    frame.hidden = !open;
    button.setAttribute("aria-expanded", String(open));
    if (open) { frame.focus(); } else { button.focus(); }
  }
  button.addEventListener("click", function () { set(frame.hidden); });
  document.addEventListener("keydown", function (e) {
    if (e.key === "Escape" && !frame.hidden) { set(false); }
  });
  // With focus in the chat, its own page sees the key and asks to be closed.
  window.addEventListener("message", function (e) {
    if (e.source === frame.contentWindow && e.data && e.data.kommunbot === "close" && !frame.hidden) {
      set(false);
    }
  });

  function mount() {
    document.body.appendChild(frame);
    document.body.appendChild(button);
  }
  if (document.body) { mount(); } else { document.addEventListener("DOMContentLoaded", mount); }
})();
