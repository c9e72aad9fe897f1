import { ENDPOINTS } from '../endpoints.ts';

/** Served at this path as a file: the pages' CSP allows scripts from our origin only, never inline. */
export const COPY_BUTTON_SCRIPT_PATH = ENDPOINTS.copyButtonScript.path;

/**
 * Copy buttons: `<button type="button" class="copy-button" data-copy="#element-id">` copies the text of that
 * element (the value of an input or textarea) with the Clipboard API and says "Copied" in a polite live region.
 * Without script the button does nothing and the text stays selectable.
 */
export const COPY_BUTTON_SCRIPT = `'use strict';
(function () {
  var status = document.createElement('p');
  status.className = 'visually-hidden';
  status.setAttribute('role', 'status');
  status.setAttribute('aria-live', 'polite');
  document.body.appendChild(status);
  document.addEventListener('click', function (event) {
    var button = event.target instanceof Element ? event.target.closest('button.copy-button[data-copy]') : null;
    if (!button) return;
    var source = document.querySelector(button.getAttribute('data-copy'));
    if (!source) return;
    var text = 'value' in source ? source.value : source.textContent;
    var say = function (message) {
      status.textContent = '';
      setTimeout(function () { status.textContent = message; }, 50);
      button.setAttribute('data-copied', message === 'Copied' ? 'true' : 'false');
    };
    if (!navigator.clipboard) { say('Copy is not available here: select the text and copy it'); return; }
    navigator.clipboard.writeText(text).then(function () { say('Copied'); }, function () { say('Copy failed: select the text and copy it'); });
  });
})();
`;
