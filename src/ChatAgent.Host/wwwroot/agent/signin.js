'use strict';
// Sign-in: fetches an antiforgery token first, since the sign-in request itself is state-changing.
(() => {
  const form = document.getElementById('signin-form');
  const error = document.getElementById('signin-error');
  let session = null;

  async function loadSession() {
    const response = await fetch('/agent/api/session', { credentials: 'same-origin', cache: 'no-store' });
    session = await response.json();
    if (session.agent) location.replace('/agent');
  }

  form.addEventListener('submit', async (event) => {
    event.preventDefault();
    error.textContent = '';
    try {
      if (!session) await loadSession();
      const response = await fetch('/agent/api/signin', {
        method: 'POST',
        credentials: 'same-origin',
        headers: { 'Content-Type': 'application/json', [session.antiforgeryHeader]: session.antiforgeryToken },
        body: JSON.stringify({ userName: form.userName.value, password: form.password.value }),
      });
      if (response.ok) {
        // The same address now serves the page that was asked for (queue, history or metrics).
        location.reload();
        return;
      }
      const body = await response.json().catch(() => null);
      error.textContent = body?.error?.message || `Sign-in failed (${response.status}).`;
      form.password.value = '';
      form.password.focus();
      session = null;
    } catch (e) {
      error.textContent = 'The server cannot be reached. Try again.';
    }
  });

  loadSession().catch(() => { error.textContent = 'The server cannot be reached.'; });
})();
