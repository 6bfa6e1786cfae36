// Progressive enhancement for the "new token" page: reveal a Copy button that copies the token
// and announces the result in a live region. Without JavaScript the token is plain selectable
// text and the button stays hidden.
(function () {
  "use strict";
  function selectText(element) {
    var range = document.createRange();
    range.selectNodeContents(element);
    var selection = window.getSelection();
    selection.removeAllRanges();
    selection.addRange(range);
  }
  document.querySelectorAll("button[data-copy-target]").forEach(function (button) {
    var target = document.getElementById(button.getAttribute("data-copy-target"));
    var status = button.parentElement.querySelector(".copy-status");
    if (!target || !status) {
      return;
    }
    function announce(message) {
      // Clear first so that the same message is announced again on a second copy.
      status.textContent = "";
      window.setTimeout(function () { status.textContent = message; }, 50);
    }
    function failed() {
      selectText(target);
      announce(button.getAttribute("data-failed-message"));
    }
    button.addEventListener("click", function () {
      if (!navigator.clipboard || !window.isSecureContext) {
        failed();
        return;
      }
      navigator.clipboard.writeText(target.textContent.trim()).then(function () {
        announce(button.getAttribute("data-copied-message"));
      }, failed);
    });
    button.hidden = false;
  });
})();
