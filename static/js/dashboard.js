// dashboard.js draws every chart of a page. A chart is an element with
// data-chart="ID" whose options (built on the server with go-echarts) are the
// JSON text of <script type="application/json" id="ID">: data, never code.
// Tooltips are drawn as rich text, not HTML, so a department's name shows as
// the text it is. Colours come from the options; decal patterns are added so
// bands stay apart in print and for colour-blind readers. Charts follow the
// window's size.
(function () {
  'use strict';

  if (typeof window.echarts === 'undefined') {
    return;
  }

  var charts = [];

  // follow makes a click on a data item open the page its chart names for
  // it (a department's profile), from <script id="ID-links">: {prefix,
  // items}, the path being prefix + items[name], a path on this site.
  // Anything else is ignored.
  function follow(chart, id) {
    var source = document.getElementById(id + '-links');
    if (!source) {
      return;
    }
    var doc;
    try {
      doc = JSON.parse(source.textContent);
    } catch (e) {
      return;
    }
    var items = doc && doc.items ? doc.items : {};
    var prefix = doc && typeof doc.prefix === 'string' ? doc.prefix : '';
    chart.on('click', function (params) {
      if (!Object.prototype.hasOwnProperty.call(items, params.name)) {
        return;
      }
      var href = prefix + items[params.name];
      if (typeof href === 'string' && href.charAt(0) === '/' && href.charAt(1) !== '/' && href.charAt(1) !== '\\') {
        window.location.assign(href);
      }
    });
  }

  function draw(el) {
    var source = document.getElementById(el.getAttribute('data-chart'));
    if (!source) {
      return;
    }
    var option;
    try {
      option = JSON.parse(source.textContent);
    } catch (e) {
      el.textContent = '';
      return;
    }
    var height = parseInt(el.getAttribute('data-height'), 10);
    if (height > 0) {
      el.style.height = height + 'px';
    }
    // On a phone the category labels give up width to the bars.
    if (el.clientWidth < 600) {
      [].concat(option.yAxis || []).forEach(function (a) {
        if (a.type === 'category' && a.axisLabel && a.axisLabel.width > 90) {
          a.axisLabel.width = 90;
        }
      });
      [].concat(option.grid || []).forEach(function (g) {
        if (parseInt(g.left, 10) > 110) {
          g.left = '110';
        }
      });
    }
    // The project's palette (Okabe and Ito, colour-blind safe) for every
    // series that names no colour of its own.
    if (!option.color) {
      option.color = ['#0072B2', '#E69F00', '#009E73', '#CC79A7', '#56B4E9', '#D55E00', '#F0E442', '#000000'];
    }
    option.aria = { enabled: true, decal: { show: true } };
    option.animation = false;
    var tooltips = [].concat(option.tooltip || []);
    tooltips.forEach(function (t) {
      t.renderMode = 'richText';
      t.confine = true;
    });
    if (tooltips.length) {
      option.tooltip = tooltips;
    }
    // A document meant for print (a scorecard, a report) draws its charts
    // at twice the pixels at least, so they stay sharp on paper.
    var ratio = window.devicePixelRatio || 1;
    if (el.closest('.scorecard')) {
      ratio = Math.max(ratio, 2);
    }
    var chart = window.echarts.init(el, null, { renderer: 'canvas', devicePixelRatio: ratio });
    chart.setOption(option);
    follow(chart, el.getAttribute('data-chart'));
    el.setAttribute('data-drawn', 'true');
    if (charts.length === 0 && window.performance && window.performance.mark) {
      // When the first chart was drawn, for measurements.
      window.performance.mark('govkpi-first-chart');
    }
    charts.push(chart);
  }

  document.querySelectorAll('[data-chart]').forEach(draw);

  // The server's printer prints a run's scorecards one after another in
  // one tab: it puts the next scorecard's body in place of the last one's
  // and calls this, which lets the charts gone go and draws the new ones.
  window.govkpiRedraw = function () {
    charts.forEach(function (c) { c.dispose(); });
    charts = [];
    document.querySelectorAll('[data-chart]').forEach(draw);
  };

  var pending = 0;
  window.addEventListener('resize', function () {
    if (pending) {
      return;
    }
    pending = window.requestAnimationFrame(function () {
      pending = 0;
      charts.forEach(function (c) { c.resize(); });
    });
  });
})();
