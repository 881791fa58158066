/*
 * govkpi — small progressive enhancements shared by every page.
 *
 * Every page works without this file: forms post and redirect on the server, and this script
 * only saves a click or asks a question first. It is loaded with <script defer> under
 * Content-Security-Policy script-src 'self', so it uses no inline handlers and no eval.
 * Written in ES5 so that older intranet browsers run it too.
 */
(function () {
  'use strict';

  var root = document.documentElement;

  // Lets the stylesheet hide controls that only no-JS users need (the language form's button)
  // and show controls that only work with this script (print buttons).
  root.classList.add('js');

  // submitForm submits like a click on a submit button would: the submit event fires (so
  // data-confirm and constraint validation apply). form.submit() skips both, so it is only the
  // fallback for browsers without requestSubmit.
  function submitForm(form) {
    if (!form) {
      return;
    }
    if (typeof form.requestSubmit === 'function') {
      form.requestSubmit();
    } else {
      form.submit();
    }
  }

  // The language select submits its form as soon as a language is chosen.
  //
  // A closed <select> changes value on arrow keys in some browsers, and reloading the page on
  // every key press would strand keyboard and screen-reader users (WCAG 3.2.2). So a change made
  // with the keyboard waits for Enter or for focus to leave the select; a change made with the
  // mouse or touch (or from an opened list) submits at once.
  var NAVIGATION_KEYS = {
    ArrowUp: true, ArrowDown: true, ArrowLeft: true, ArrowRight: true,
    Up: true, Down: true, Left: true, Right: true,
    Home: true, End: true, PageUp: true, PageDown: true
  };

  function enhanceLanguageSelect(select) {
    var keyed = false;   // the last interaction was a navigation key on the closed select
    var pending = false; // a keyboard change is waiting to be confirmed

    select.addEventListener('keydown', function (event) {
      if (NAVIGATION_KEYS[event.key]) {
        keyed = true;
        return;
      }
      if (event.key === 'Enter' && pending) {
        event.preventDefault();
        pending = false;
        submitForm(select.form);
      }
    });

    select.addEventListener('mousedown', function () {
      keyed = false;
    });

    select.addEventListener('change', function () {
      if (keyed) {
        keyed = false;
        pending = true;
        return;
      }
      submitForm(select.form);
    });

    select.addEventListener('blur', function () {
      if (pending) {
        pending = false;
        submitForm(select.form);
      }
    });
  }

  var langSelects = document.querySelectorAll('form.lang select');
  for (var i = 0; i < langSelects.length; i++) {
    enhanceLanguageSelect(langSelects[i]);
  }

  // Forms with data-confirm="…" ask before they submit; "Cancel" keeps the user on the page.
  // One listener on the document also covers forms added after load.
  document.addEventListener('submit', function (event) {
    var form = event.target;
    if (event.defaultPrevented || !form || form.nodeName !== 'FORM') {
      return;
    }
    var message = form.dataset ? form.dataset.confirm : form.getAttribute('data-confirm');
    if (!message) {
      return;
    }
    if (!window.confirm(message)) {
      event.preventDefault();
    }
  });

  // Buttons with data-print open the browser's print dialog (the print stylesheet hides the
  // navigation and controls). preventDefault keeps such a button from submitting a form it
  // sits in.
  document.addEventListener('click', function (event) {
    var target = event.target;
    var button = target && target.closest ? target.closest('button[data-print]') : null;
    if (!button || button.disabled) {
      return;
    }
    event.preventDefault();
    window.print();
  });
})();
