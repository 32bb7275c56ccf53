'use strict';
// History: the filters of GET /agent/api/history, a results table, a link that opens the conversation in the
// console and the two transcript exports. The filters live in the address, so a reload or a shared link keeps them.
(() => {
  const { el, api, formatDateTime, exportUrl, ratingText } = window.AgentConsole;
  const $ = (id) => document.getElementById(id);
  const fields = ['status', 'from', 'to', 'customer', 'q', 'reason'];

  function query() {
    const params = new URLSearchParams();
    for (const name of fields) {
      const value = $(`f-${name}`).value.trim();
      if (value) params.set(name, value);
    }
    return params;
  }

  function row(item) {
    const id = item.conversationId;
    return el('tr', { 'data-conversation-id': id },
      el('td', { text: formatDateTime(item.createdAt) }),
      el('td', { class: 'who', text: item.customer }),
      el('td', { text: item.status }),
      el('td', { class: 'reason', text: item.reason || '' }),
      el('td', { text: item.assignedTo || '' }),
      el('td', { text: item.outcome ? item.outcome.replace('_', ' ') : '' }),
      el('td', { class: 'rating', text: item.rating == null ? '' : ratingText({ rating: item.rating }) }),
      el('td', { class: 'links' },
        el('a', { class: 'open', href: `/agent#${encodeURIComponent(id)}`, text: 'Open' }),
        el('a', { class: 'export-json', href: exportUrl(id, 'json'), download: '', text: 'JSON' }),
        el('a', { class: 'export-text', href: exportUrl(id, 'text'), download: '', text: 'Text' })));
  }

  async function search() {
    $('h-error').textContent = '';
    const params = query();
    history.replaceState(null, '', `/agent/history${params.size ? '?' + params : ''}`);
    try {
      const items = await api('GET', `/agent/api/history?${params}`);
      $('h-rows').replaceChildren(...items.map(row));
      $('h-count').textContent = items.length === 1 ? '1 conversation' : `${items.length} conversations`;
    } catch (e) {
      $('h-error').textContent = e.message;
    }
  }

  $('filters').addEventListener('submit', (e) => { e.preventDefault(); search(); });
  $('filters').addEventListener('reset', () => setTimeout(search));

  (async () => {
    await window.AgentConsole.loadSession();
    window.AgentConsole.initHeader();
    const initial = new URLSearchParams(location.search);
    for (const name of fields) if (initial.has(name)) $(`f-${name}`).value = initial.get(name);
    await search();
  })();
})();
