// The broadcast report: refreshes it while it sends, and while Meta's statuses keep arriving after the end (polls the
// JSON progress endpoint, updates the marked elements), and asks before cancelling.
// Without JavaScript the page still works: a <noscript> refresh reloads it every 10 seconds (60 while settling).
(function () {
  'use strict';
  // Forms marked data-confirm (cancelling a broadcast) ask before they submit.
  document.querySelectorAll('form[data-confirm]').forEach(function (form) {
    form.addEventListener('submit', function (event) {
      if (!window.confirm(form.dataset.confirm)) event.preventDefault();
    });
  });

  var report = document.querySelector('[data-broadcast-report]');
  if (!report || report.dataset.polling !== 'true') return;
  var url = report.dataset.progressUrl;
  var wasActive = report.dataset.active === 'true';
  var language = document.documentElement.lang || undefined;
  var SENDING_DELAY = 2000;
  var SETTLING_DELAY = 15000; // after the end only delivered and read move, and slowly
  var delay = wasActive ? SENDING_DELAY : SETTLING_DELAY;

  function valueAt(data, path) {
    return path.split('.').reduce(function (value, key) { return value == null ? value : value[key]; }, data);
  }

  // The server writes 12,8 in Italian: decimals are shown the page's way, never JSON's 12.8.
  function shown(value) {
    return typeof value === 'number' && !Number.isInteger(value) ? value.toLocaleString(language) : value;
  }

  function update(data) {
    report.querySelectorAll('[data-progress-field]').forEach(function (element) {
      var value = valueAt(data, element.dataset.progressField);
      if (value == null) return;
      element.textContent = shown(value);
      if ('progressHideEmpty' in element.dataset) element.hidden = value === '';
    });
    var bar = report.querySelector('[data-progress-bar]');
    if (bar) {
      bar.setAttribute('aria-valuenow', data.percent);
      bar.firstElementChild.style.width = data.percent + '%'; // a JSON number: always a dot, valid CSS
    }
  }

  function poll() {
    fetch(url, { credentials: 'same-origin', headers: { Accept: 'application/json' } })
      .then(function (response) { return response.ok ? response.json() : Promise.reject(response.status); })
      .then(function (data) {
        update(data);
        // Once it stops sending (done, paused, cancelled, failed) reload: the buttons and failure table change.
        // The reloaded page polls on, more slowly, while statuses still arrive ("settling").
        if (wasActive && !data.active) { window.location.reload(); return; }
        if (!data.polling) return;
        delay = data.active ? SENDING_DELAY : SETTLING_DELAY;
        window.setTimeout(poll, delay);
      })
      .catch(function () {
        delay = Math.min(delay * 2, 60000); // back off while the server is unreachable
        window.setTimeout(poll, delay);
      });
  }

  window.setTimeout(poll, delay);
})();
