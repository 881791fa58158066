/*
 * govkpi — autosave, a local mirror and live relevance for the filling form.
 *
 * The form works without this file (one section per page, POST/redirect/GET). With it:
 *
 * - every change is mirrored at once in localStorage, keyed by account and assignment, with
 *   the draft version it is based on, so a closed tab, a lost connection or an expired session
 *   loses nothing typed;
 * - about two seconds after the last change (one after a choice) the section is posted to
 *   /fill/{id}/autosave (form-encoded, the form's own names, with its CSRF token); a name the
 *   server confirms is dropped from the mirror, and the mirror goes when nothing is left;
 * - the reply's "errors" are shown beside their fields and its "relevant" map shows and hides
 *   the questions (a hidden question is disabled, so it posts nothing, as without script);
 * - a network failure retries with a growing delay; a 401 shows the sign-in link, which comes
 *   back to this section; a 409 with "conflict" shows the differing answers with "keep mine"
 *   and "use theirs";
 * - on load, answers of this section still in the mirror are put back and synced.
 *
 * Loaded with <script defer> under script-src 'self': no inline handlers, no eval. ES5, like
 * app.js, for older intranet browsers.
 */
(function () {
  'use strict';

  var form = document.getElementById('fill-form');
  if (!form || !form.getAttribute('data-autosave')) {
    return;
  }

  var TYPING_DELAY = 2000;  // after the last key press
  var CHOICE_DELAY = 1000;  // after a click on a choice, or leaving a field
  var MAX_RETRY = 60000;

  var url = form.getAttribute('data-autosave');
  var assignment = form.getAttribute('data-assignment');
  var storeKey = 'govkpi.fill.' + (form.getAttribute('data-account') || '0') + '.' + assignment;
  var statusBox = document.getElementById('autosave-status');
  var panel = document.getElementById('fill-conflict');
  var CONTROL = {csrf: true, section: true, version: true, client_id: true, action: true};

  var timer = null;
  var inFlight = false;
  var again = false;       // a change arrived while a save was on its way
  var blocked = false;     // signed out, page expired or answers locked: wait for the person
  var retryDelay = 0;
  var restoreBase = null;  // the version the mirror's answers started from, for the first sync
  var conflict = null;     // the last 409 conflict reply

  function msg(name) {
    return form.getAttribute('data-msg-' + name) || '';
  }

  function hidden(name) {
    var el = form.elements.namedItem(name);
    return el && el.value !== undefined ? el : null;
  }

  var section = hidden('section').value;

  // ------------------------------------------------------------ the form's answers

  function disabled(el) {
    if (el.matches) {
      return el.matches(':disabled');
    }
    return el.disabled;
  }

  // answerControls lists the form's answer inputs that would be posted now.
  function answerControls() {
    var out = [];
    for (var i = 0; i < form.elements.length; i++) {
      var el = form.elements[i];
      if (!el.name || CONTROL[el.name] || el.type === 'submit' || el.type === 'button' || disabled(el)) {
        continue;
      }
      out.push(el);
    }
    return out;
  }

  // readValues returns the section's answers by name, as the server stores them: the values of
  // a multiple choice joined by spaces, "" for nothing chosen.
  function readValues() {
    var values = {};
    var controls = answerControls();
    for (var i = 0; i < controls.length; i++) {
      var el = controls[i];
      if (!(el.name in values)) {
        values[el.name] = '';
      }
      if (el.type === 'radio' || el.type === 'checkbox') {
        if (el.checked) {
          values[el.name] = values[el.name] ? values[el.name] + ' ' + el.value : el.value;
        }
      } else {
        values[el.name] = el.value;
      }
    }
    return values;
  }

  function readValue(name) {
    var v = readValues()[name];
    return v === undefined ? null : v;
  }

  // setValue puts value into every control named name.
  function setValue(name, value) {
    var picked = value.split(' ');
    for (var i = 0; i < form.elements.length; i++) {
      var el = form.elements[i];
      if (el.name !== name) {
        continue;
      }
      if (el.type === 'radio') {
        el.checked = el.value === value;
      } else if (el.type === 'checkbox') {
        el.checked = picked.indexOf(el.value) >= 0;
      } else {
        el.value = value;
      }
    }
  }

  function hasControl(name) {
    for (var i = 0; i < form.elements.length; i++) {
      if (form.elements[i].name === name) {
        return true;
      }
    }
    return false;
  }

  // ------------------------------------------------------------ the mirror

  // The mirror is {base: version, answers: {name: value}}: the answers typed here that the
  // server has not confirmed yet. It exists only while there are such answers.
  function loadMirror() {
    try {
      var m = JSON.parse(window.localStorage.getItem(storeKey));
      if (m && typeof m.answers === 'object' && m.answers) {
        return m;
      }
    } catch (e) { /* no storage, or a damaged entry */ }
    return null;
  }

  function storeMirror(m) {
    try {
      var empty = true;
      for (var k in m.answers) {
        if (Object.prototype.hasOwnProperty.call(m.answers, k)) {
          empty = false;
          break;
        }
      }
      if (empty) {
        window.localStorage.removeItem(storeKey);
      } else {
        m.dirty = true;
        m.at = new Date().getTime();
        window.localStorage.setItem(storeKey, JSON.stringify(m));
      }
    } catch (e) { /* storage full or refused: the server copy still works */ }
  }

  function clearMirror() {
    try {
      window.localStorage.removeItem(storeKey);
    } catch (e) { /* nothing to clear */ }
  }

  // mirrorNames records the current values of names as unconfirmed.
  function mirrorNames(names) {
    var m = loadMirror() || {answers: {}};
    var values = readValues();
    for (var i = 0; i < names.length; i++) {
      if (names[i] in values) {
        m.answers[names[i]] = values[names[i]];
      }
    }
    if (restoreBase === null) {
      m.base = Number(hidden('version').value);
    }
    storeMirror(m);
  }

  function mirrorAll() {
    mirrorNames(Object.keys(readValues()));
  }

  // confirm drops from the mirror the answers the server now holds as sent.
  function confirmSent(sent, refused) {
    var m = loadMirror();
    if (!m) {
      return;
    }
    for (var name in sent) {
      if (Object.prototype.hasOwnProperty.call(sent, name) && m.answers[name] === sent[name] &&
          !(refused && refused[name])) {
        delete m.answers[name];
      }
    }
    m.base = Number(hidden('version').value);
    storeMirror(m);
  }

  // ------------------------------------------------------------ status line

  function setStatus(kind, text, link, linkText) {
    if (!statusBox) {
      return;
    }
    statusBox.hidden = false;
    statusBox.className = 'autosave-status' + (kind ? ' ' + kind : '');
    statusBox.textContent = text;
    if (link) {
      var a = document.createElement('a');
      a.href = link;
      a.textContent = linkText;
      statusBox.appendChild(document.createTextNode(' '));
      statusBox.appendChild(a);
    }
  }

  function clock(savedAt) {
    var m = /T(\d\d:\d\d:\d\d)/.exec(savedAt || '');
    if (m) {
      return m[1];
    }
    var d = new Date();
    function two(n) { return (n < 10 ? '0' : '') + n; }
    return two(d.getHours()) + ':' + two(d.getMinutes()) + ':' + two(d.getSeconds());
  }

  // ------------------------------------------------------------ messages and relevance

  function fieldBox(name) {
    for (var i = 0; i < form.elements.length; i++) {
      var el = form.elements[i];
      if (el.name === name) {
        return el.closest('.field') || el.closest('fieldset.q');
      }
    }
    var q = form.querySelector('fieldset.q[data-q="' + name + '"]');
    return q ? (q.querySelector('.field') || q) : null;
  }

  function clearLiveErrors(keep) {
    var live = form.querySelectorAll('p.error[data-live]');
    for (var i = 0; i < live.length; i++) {
      if (!keep[live[i].getAttribute('data-live')]) {
        var box = live[i].parentNode;
        box.removeChild(live[i]);
        if (box.classList && !box.querySelector('p.error')) {
          box.classList.remove('invalid');
        }
      }
    }
  }

  // showErrors shows the reply's messages beside their fields and takes away the earlier ones
  // of the answers sent that now pass.
  function showErrors(errors, sent) {
    errors = errors || {};
    clearLiveErrors(errors);
    for (var name in sent) {
      if (Object.prototype.hasOwnProperty.call(sent, name) && !errors[name] && sent[name] !== '') {
        var old = document.getElementById(name + '-error');
        if (old && form.contains(old)) {
          var box = old.parentNode;
          box.removeChild(old);
          if (!box.querySelector('p.error')) {
            box.classList.remove('invalid');
          }
        }
      }
    }
    for (var n in errors) {
      if (!Object.prototype.hasOwnProperty.call(errors, n)) {
        continue;
      }
      var target = fieldBox(n);
      if (!target) {
        continue;
      }
      var p = target.querySelector('p.error[data-live="' + n + '"]') || document.getElementById(n + '-error');
      if (!p) {
        p = document.createElement('p');
        p.className = 'error';
        p.setAttribute('data-live', n);
        target.appendChild(p);
      }
      p.textContent = errors[n];
      target.classList.add('invalid');
    }
  }

  function showRelevance(relevant) {
    if (!relevant) {
      return;
    }
    var qs = form.querySelectorAll('fieldset.q[data-q]');
    for (var i = 0; i < qs.length; i++) {
      var name = qs[i].getAttribute('data-q');
      if (name in relevant) {
        qs[i].hidden = !relevant[name];
        qs[i].disabled = !relevant[name];
      }
    }
  }

  // ------------------------------------------------------------ conflicts

  function showConflict(reply) {
    conflict = reply;
    if (!panel) {
      return;
    }
    var body = panel.querySelector('tbody');
    while (body.firstChild) {
      body.removeChild(body.firstChild);
    }
    // On phones the stylesheet stacks each row and names the value cells from data-label.
    var heads = panel.querySelectorAll('thead th');
    var theirsLabel = heads.length > 2 ? heads[1].textContent : '';
    var mineLabel = heads.length > 2 ? heads[2].textContent : '';
    var diff = reply.diff || [];
    for (var i = 0; i < diff.length; i++) {
      var tr = document.createElement('tr');
      tr.setAttribute('data-name', diff[i].name);
      var th = document.createElement('th');
      th.scope = 'row';
      th.textContent = diff[i].label;
      tr.appendChild(th);
      var theirs = document.createElement('td');
      theirs.setAttribute('data-label', theirsLabel);
      theirs.textContent = diff[i].theirs_text;
      tr.appendChild(theirs);
      var mine = document.createElement('td');
      mine.setAttribute('data-label', mineLabel);
      mine.textContent = diff[i].mine_text;
      tr.appendChild(mine);
      body.appendChild(tr);
    }
    panel.hidden = false;
  }

  function hideConflict() {
    conflict = null;
    if (panel) {
      panel.hidden = true;
    }
  }

  function keepMine(event) {
    event.preventDefault();
    if (conflict) {
      hidden('version').value = conflict.version;
    }
    hideConflict();
    blocked = false;
    save();
  }

  function useTheirs(event) {
    if (!conflict) {
      // Drawn by the server after a stale save: the link reloads the stored draft, so what was
      // typed here must not come back from the mirror.
      var m = loadMirror();
      if (m) {
        var names = Object.keys(readValues());
        for (var i = 0; i < names.length; i++) {
          delete m.answers[names[i]];
        }
        storeMirror(m);
      }
      return;
    }
    event.preventDefault();
    var values = readValues();
    var m2 = loadMirror() || {answers: {}};
    for (var name in values) {
      if (Object.prototype.hasOwnProperty.call(values, name)) {
        setValue(name, conflict.theirs[name] || '');
        delete m2.answers[name];
      }
    }
    hidden('version').value = conflict.version;
    storeMirror(m2);
    hideConflict();
    setStatus('ok', msg('theirs-loaded'));
    schedule(0); // refreshes relevance and messages; stores nothing new
  }

  // ------------------------------------------------------------ saving

  function schedule(delay) {
    if (timer) {
      clearTimeout(timer);
    }
    timer = setTimeout(save, delay);
  }

  function retry() {
    retryDelay = Math.min(Math.max(retryDelay * 2, 2000), MAX_RETRY);
    schedule(retryDelay);
  }

  function encode(values) {
    var parts = [];
    function add(k, v) {
      parts.push(encodeURIComponent(k) + '=' + encodeURIComponent(v));
    }
    add('csrf', hidden('csrf').value);
    add('section', section);
    add('version', restoreBase !== null ? restoreBase : hidden('version').value);
    for (var name in values) {
      if (Object.prototype.hasOwnProperty.call(values, name) && values[name] !== '') {
        add(name, values[name]);
      }
    }
    return parts.join('&');
  }

  function parse(text) {
    try {
      return JSON.parse(text) || {};
    } catch (e) {
      return {};
    }
  }

  function save() {
    timer = null;
    if (blocked || conflict) {
      return;
    }
    if (inFlight) {
      again = true;
      return;
    }
    inFlight = true;
    again = false;
    var sent = readValues();
    var body = encode(sent);
    restoreBase = null;
    var xhr = new XMLHttpRequest();
    xhr.open('POST', url, true);
    xhr.setRequestHeader('Content-Type', 'application/x-www-form-urlencoded');
    xhr.setRequestHeader('Accept', 'application/json');
    xhr.timeout = 20000;
    xhr.onload = function () {
      inFlight = false;
      answered(xhr.status, parse(xhr.responseText), sent);
    };
    xhr.onerror = xhr.ontimeout = function () {
      inFlight = false;
      setStatus('warn', msg('offline'));
      retry();
    };
    setStatus('', msg('saving'));
    xhr.send(body);
  }

  function answered(status, reply, sent) {
    if (status === 200) {
      retryDelay = 0;
      hidden('version').value = reply.version;
      confirmSent(sent, reply.errors);
      showErrors(reply.errors, sent);
      showRelevance(reply.relevant);
      if (reply.errors && Object.keys(reply.errors).length > 0) {
        setStatus('warn', msg('invalid'));
      } else {
        setStatus('ok', msg('saved').replace('%s', clock(reply.saved_at)));
      }
      if (again) {
        schedule(CHOICE_DELAY);
      }
      return;
    }
    if (status === 409 && reply.conflict) {
      showErrors(reply.errors, sent);
      showRelevance(reply.relevant);
      showConflict(reply);
      setStatus('warn', msg('conflict'));
      return;
    }
    if (status === 401) {
      blocked = true;
      var next = '/fill/' + assignment + '?section=' + section;
      setStatus('error', msg('expired'), '/login?next=' + encodeURIComponent(next), msg('signin'));
      return;
    }
    if (status === 403) {
      blocked = true;
      setStatus('error', msg('page-expired'), window.location.pathname + window.location.search, msg('reload'));
      return;
    }
    if (status === 0 || status >= 500) {
      setStatus('warn', status === 0 ? msg('offline') : msg('failed'));
      retry();
      return;
    }
    // 404, 409 (submitted, campaign closed), 400, 413: saving again will not help.
    blocked = true;
    setStatus('error', reply.message || msg('failed'));
  }

  // ------------------------------------------------------------ events

  function onEdit(event) {
    var el = event.target;
    if (!el || !el.name || CONTROL[el.name] || !form.contains(el)) {
      return;
    }
    mirrorNames([el.name]);
    if (event.type === 'input' && el.type !== 'radio' && el.type !== 'checkbox') {
      schedule(TYPING_DELAY);
    } else {
      schedule(CHOICE_DELAY);
    }
  }

  form.addEventListener('input', onEdit);
  form.addEventListener('change', onEdit);
  form.addEventListener('focusout', function (event) {
    // Leaving a field that changed saves a little sooner.
    if (timer && event.target && event.target.name && !CONTROL[event.target.name]) {
      schedule(CHOICE_DELAY);
    }
  });

  // The button that submits the form, for browsers without event.submitter.
  var lastAction = '';
  form.addEventListener('click', function (event) {
    var b = event.target && event.target.closest ? event.target.closest('button[name="action"]') : null;
    lastAction = b ? b.value : lastAction;
  });

  form.addEventListener('submit', function (event) {
    if (timer) {
      clearTimeout(timer);
      timer = null;
    }
    var action = event.submitter && event.submitter.name === 'action' ? event.submitter.value : lastAction;
    if (action === 'submit') {
      // The server saves this section before the final check; a refusal is drawn again with
      // what was typed (data-unsaved), which goes back into the mirror.
      clearMirror();
      return;
    }
    var m = loadMirror();
    if (m) {
      // The post stores this section: once the version has moved, the next page drops these
      // answers from the mirror (see restore).
      m.posted = {version: Number(hidden('version').value), names: Object.keys(readValues())};
      storeMirror(m);
    }
  });

  window.addEventListener('online', function () {
    if (!blocked && !inFlight && loadMirror()) {
      schedule(0);
    }
  });

  if (panel) {
    var mine = panel.querySelector('[data-conflict="mine"]');
    var theirs = panel.querySelector('[data-conflict="theirs"]');
    if (mine) {
      mine.addEventListener('click', keepMine);
    }
    if (theirs) {
      theirs.addEventListener('click', useTheirs);
    }
  }

  // ------------------------------------------------------------ on load

  (function restore() {
    var posted = loadMirror();
    if (posted && posted.posted) {
      if (Number(hidden('version').value) !== posted.posted.version) {
        for (var i = 0; i < posted.posted.names.length; i++) {
          delete posted.answers[posted.posted.names[i]];
        }
      }
      delete posted.posted;
      storeMirror(posted);
    }
    if (panel && !panel.hidden) {
      // A stale save drawn by the server: keep what was typed, wait for the choice.
      mirrorAll();
      return;
    }
    if (form.getAttribute('data-unsaved') === '1') {
      // A section the server refused or could not store: keep it and store what passes.
      mirrorAll();
      schedule(0);
      return;
    }
    var m = loadMirror();
    if (!m) {
      return;
    }
    var put = false;
    for (var name in m.answers) {
      if (!Object.prototype.hasOwnProperty.call(m.answers, name) || !hasControl(name)) {
        continue;
      }
      var now = readValue(name);
      if (now === m.answers[name]) {
        delete m.answers[name]; // the server has it already
        continue;
      }
      if (now === null) {
        continue; // the question is hidden now; keep the answer for later
      }
      setValue(name, m.answers[name]);
      put = true;
    }
    storeMirror(m);
    if (put) {
      restoreBase = typeof m.base === 'number' ? m.base : null;
      setStatus('', msg('restored'));
      save();
    }
  })();
})();
