// The confirmation page's button says what it will do. "Schedule for…" shows the date and time and makes it
// "Schedule the broadcast"; in the quiet hours it says "Schedule for 08:00". A holder of the send_urgent permission
// who ticks "Urgent" (at any time) sees "Send now, urgent". Without JavaScript the choices still work (their labels say
// what they do); only the button's words and the date field's hiding stay.
(function () {
  'use strict';
  var form = document.querySelector('.ww-confirm-form');
  var button = document.querySelector('[data-confirm-button]');
  if (!form || !button) return;
  var urgent = form.querySelector('input[name="urgent"]');
  var later = form.querySelector('input[name="when"][value="later"]');
  var time = form.querySelector('[data-schedule-time]');
  var labels = {
    now: button.querySelector('[data-label-now]'),
    scheduled: button.querySelector('[data-label-scheduled]'),
    urgent: button.querySelector('[data-label-urgent]'),
    later: button.querySelector('[data-label-later]'),
  };

  function current() {
    if (later && later.checked) return 'later';
    if (urgent && urgent.checked) return 'urgent';
    return labels.scheduled ? 'scheduled' : 'now';
  }

  function show() {
    var which = current();
    Object.keys(labels).forEach(function (name) {
      if (labels[name]) labels[name].hidden = name !== which;
    });
    if (time) time.hidden = which !== 'later';
  }

  form.addEventListener('change', show);
  show();
})();
