// Case review: move to the previous or next case with the arrow keys (or K / J) when no form field has focus.
// Loaded as a file from our own origin (CSP: script-src 'self'); the links it follows work without it.
(function () {
  "use strict";

  var KEYS = { ArrowLeft: "prev", k: "prev", K: "prev", ArrowRight: "next", j: "next", J: "next" };

  function typingIn(element) {
    if (!element || element === document.body) {
      return false;
    }
    if (element.isContentEditable) {
      return true;
    }
    // Radio buttons, selects and sliders use the arrow keys themselves; so do text fields.
    return /^(INPUT|TEXTAREA|SELECT)$/.test(element.tagName) || element.closest("[contenteditable]") !== null;
  }

  document.addEventListener("keydown", function (event) {
    var rel = KEYS[event.key];
    if (!rel || event.altKey || event.ctrlKey || event.metaKey || event.shiftKey && event.key.indexOf("Arrow") === 0) {
      return;
    }
    if (event.defaultPrevented || typingIn(document.activeElement)) {
      return;
    }
    var link = document.querySelector('.review-nav a[rel="' + rel + '"][href]');
    if (link) {
      event.preventDefault();
      window.location.assign(link.href);
    }
  });

  var hint = document.getElementById("review-keys");
  if (hint) {
    hint.hidden = false;
  }
})();
