/*
 * govkpi — live consistency feedback on an AHP round's pairwise comparisons.
 *
 * The form works without this file: "check" and "submit" post it and the page shows the
 * feedback. With it, each change posts the form (same origin, the form's CSRF token, Accept:
 * application/json) to the round's check URL; the server computes the consistency ratio with
 * the one implementation of the maths (scoring.AHP) and answers
 * {cr, ok, weights, worst: {a, b, field, suggested, ...} | null, message}. The answer is shown
 * as text only (textContent, never markup) and the pair to reconsider is flagged. Nothing is
 * saved until the person submits.
 *
 * Loaded with <script defer> under script-src 'self': no inline handlers, no eval.
 */
(function () {
  'use strict';

  var form = document.getElementById('ahp-form');
  var box = document.getElementById('ahp-feedback');
  var text = document.getElementById('ahp-feedback-text');
  var list = document.getElementById('ahp-weights');
  if (!form || !box || !text || !list || !window.fetch || !window.URLSearchParams) {
    return;
  }

  var url = form.getAttribute('data-check');
  var DELAY = 250;
  var timer = null;
  var seq = 0; // only the latest answer is shown

  function csrf() {
    var el = form.elements.namedItem('csrf');
    return el ? el.value : '';
  }

  function body() {
    var params = new URLSearchParams();
    for (var i = 0; i < form.elements.length; i++) {
      var el = form.elements[i];
      if (el.name && el.tagName === 'SELECT') {
        params.append(el.name, el.value);
      }
    }
    params.append('csrf', csrf());
    return params;
  }

  function flag(field) {
    var rows = form.querySelectorAll('tr[data-field]');
    for (var i = 0; i < rows.length; i++) {
      var badge = rows[i].querySelector('[data-worst]');
      if (badge) {
        badge.hidden = rows[i].getAttribute('data-field') !== field;
      }
    }
  }

  function show(reply) {
    box.className = 'flash ' + (reply.ok ? 'ok' : 'warn');
    var unsaved = box.querySelectorAll('p');
    for (var i = 0; i < unsaved.length; i++) {
      if (unsaved[i] !== text) {
        unsaved[i].parentNode.removeChild(unsaved[i]);
      }
    }
    text.textContent = String(reply.message || '');
    while (list.firstChild) {
      list.removeChild(list.firstChild);
    }
    var weights = reply.weights || [];
    for (var k = 0; k < weights.length; k++) {
      var li = document.createElement('li');
      li.textContent = String(weights[k].name) + ': ' + String(weights[k].percent);
      list.appendChild(li);
    }
    flag(reply.worst ? String(reply.worst.field) : '');
  }

  function check() {
    var mine = ++seq;
    window.fetch(url, {
      method: 'POST',
      credentials: 'same-origin',
      headers: {
        'Accept': 'application/json',
        'Content-Type': 'application/x-www-form-urlencoded;charset=UTF-8',
        'X-CSRF-Token': csrf()
      },
      body: body().toString()
    }).then(function (res) {
      return res.json().then(function (data) {
        return {ok: res.ok, data: data};
      });
    }).then(function (r) {
      if (mine !== seq) {
        return;
      }
      if (!r.ok) {
        box.className = 'flash error';
        text.textContent = String((r.data && r.data.message) || '');
        return;
      }
      show(r.data);
    })['catch'](function () {
      // Offline or signed out: the buttons still check and submit.
    });
  }

  form.addEventListener('change', function (ev) {
    if (!ev.target || ev.target.tagName !== 'SELECT') {
      return;
    }
    if (timer) {
      window.clearTimeout(timer);
    }
    timer = window.setTimeout(check, DELAY);
  });
}());
