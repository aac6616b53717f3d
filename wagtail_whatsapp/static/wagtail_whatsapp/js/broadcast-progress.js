// The broadcast report: refreshes it while it sends (polls the JSON progress endpoint, updates the marked elements)
// and asks before cancelling.
// Without JavaScript the page still works: a <noscript> refresh reloads it every 10 seconds.
(function () {
  'use strict';
  // Forms marked data-confirm (cancelling a broadcast) ask before they submit.
  document.querySelectorAll('form[data-confirm]').forEach(function (form) {
    form.addEventListener('submit', function (event) {
      if (!window.confirm(form.dataset.confirm)) event.preventDefault();
    });
  });

  var report = document.querySelector('[data-broadcast-report]');
  if (!report || report.dataset.active !== 'true') return;
  var url = report.dataset.progressUrl;
  var delay = 2000;

  function valueAt(data, path) {
    return path.split('.').reduce(function (value, key) { return value == null ? value : value[key]; }, data);
  }

  function update(data) {
    report.querySelectorAll('[data-progress-field]').forEach(function (element) {
      var value = valueAt(data, element.dataset.progressField);
      if (value != null) element.textContent = value;
    });
    var bar = report.querySelector('[data-progress-bar]');
    if (bar) {
      bar.setAttribute('aria-valuenow', data.percent);
      bar.firstElementChild.style.width = data.percent + '%';
    }
  }

  function poll() {
    fetch(url, { credentials: 'same-origin', headers: { Accept: 'application/json' } })
      .then(function (response) { return response.ok ? response.json() : Promise.reject(response.status); })
      .then(function (data) {
        update(data);
        // Once it stops (done, paused, cancelled, failed) reload: the buttons and failure table change.
        if (!data.active) { window.location.reload(); return; }
        delay = 2000;
        window.setTimeout(poll, delay);
      })
      .catch(function () {
        delay = Math.min(delay * 2, 30000); // back off while the server is unreachable
        window.setTimeout(poll, delay);
      });
  }

  window.setTimeout(poll, delay);
})();
