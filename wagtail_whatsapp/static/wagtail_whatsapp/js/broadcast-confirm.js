// The confirmation page in the quiet hours: the button says "Schedule for 08:00" until a holder of the send_urgent
// permission ticks "Urgent", then "Send now, urgent". Without JavaScript the tick still sends at once (the box's help
// says so); only the button's words stay.
(function () {
  'use strict';
  var urgent = document.querySelector('.ww-confirm-form input[name="urgent"]');
  var button = document.querySelector('[data-confirm-button]');
  if (!urgent || !button) return;
  var scheduled = button.querySelector('[data-label-scheduled]');
  var now = button.querySelector('[data-label-urgent]');

  function show() {
    scheduled.hidden = urgent.checked;
    now.hidden = !urgent.checked;
  }

  urgent.addEventListener('change', show);
  show();
})();
