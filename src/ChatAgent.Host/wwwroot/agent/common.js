'use strict';
// Shared by the console's pages (queue, history, metrics): session, API calls, DOM building, the page header.
// Every piece of customer, bot or agent text reaches the DOM through textContent only.
window.AgentConsole = (() => {
  const shared = { session: null };

  function el(tag, attrs, ...children) {
    const node = document.createElement(tag);
    for (const [key, value] of Object.entries(attrs || {})) {
      if (key === 'text') node.textContent = value;
      else if (value !== null && value !== undefined && value !== false) node.setAttribute(key, value);
    }
    for (const child of children) if (child) node.append(child);
    return node;
  }

  function formatTime(iso) {
    if (!iso) return '';
    return new Date(iso).toLocaleTimeString([], { hour: '2-digit', minute: '2-digit' });
  }

  function formatDateTime(iso) {
    if (!iso) return '';
    return new Date(iso).toLocaleString([], { year: 'numeric', month: '2-digit', day: '2-digit', hour: '2-digit', minute: '2-digit' });
  }

  async function loadSession() {
    const response = await fetch('/agent/api/session', { credentials: 'same-origin', cache: 'no-store' });
    shared.session = await response.json();
    if (!shared.session.agent) location.replace('/agent');
    return shared.session;
  }

  async function api(method, url, body) {
    const headers = { Accept: 'application/json' };
    if (method !== 'GET') headers[shared.session.antiforgeryHeader] = shared.session.antiforgeryToken;
    if (body !== undefined) headers['Content-Type'] = 'application/json';
    const response = await fetch(url, { method, headers, credentials: 'same-origin', body: body === undefined ? undefined : JSON.stringify(body) });
    if (response.status === 401) {
      location.replace('/agent');
      throw new Error('Signed out.');
    }
    const payload = response.status === 204 ? null : await response.json().catch(() => null);
    if (!response.ok) throw new Error(payload?.error?.message || `Request failed (${response.status}).`);
    return payload;
  }

  /** Fills the header: who is signed in, the admin-only links, sign-out. */
  function initHeader() {
    const me = shared.session.agent;
    document.getElementById('me').textContent = `${me.displayName} (${me.role.toLowerCase()})`;
    for (const node of document.querySelectorAll('[data-admin-only]')) node.hidden = me.role !== 'Admin';
    document.getElementById('signout').addEventListener('click', async () => {
      try { await api('POST', '/agent/api/signout'); } finally { location.replace('/agent'); }
    });
  }

  function exportUrl(conversationId, format) {
    return `/agent/api/conversations/${encodeURIComponent(conversationId)}/export?format=${format}`;
  }

  function ratingText(theCase) {
    if (!theCase || theCase.rating == null) return 'not rated';
    return `${theCase.rating}/5 ${'★'.repeat(theCase.rating)}${theCase.ratingComment ? ` — “${theCase.ratingComment}”` : ''}`;
  }

  return { shared, el, formatTime, formatDateTime, loadSession, api, initHeader, exportUrl, ratingText };
})();
