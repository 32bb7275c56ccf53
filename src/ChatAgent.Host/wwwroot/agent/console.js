'use strict';
// The agent console. Every piece of customer, bot or agent text reaches the DOM through textContent only.
(() => {
  const $ = (id) => document.getElementById(id);
  const state = { session: null, openId: null, after: 0, queue: [], events: null, detail: null, agents: [] };

  const { el, formatTime, api, exportUrl, ratingText } = window.AgentConsole;

  function waited(iso) {
    const seconds = Math.max(0, (Date.now() - new Date(iso).getTime()) / 1000);
    if (seconds < 60) return `${Math.floor(seconds)} s`;
    if (seconds < 3600) return `${Math.floor(seconds / 60)} min`;
    return `${Math.floor(seconds / 3600)} h ${Math.floor((seconds % 3600) / 60)} min`;
  }

  // ---- queue -------------------------------------------------------------------------------------------------
  function renderQueue() {
    const list = $('queue');
    list.replaceChildren();
    for (const item of state.queue) {
      const li = el('li', { 'data-conversation-id': item.conversationId, tabindex: '0', 'aria-current': item.conversationId === state.openId ? 'true' : 'false' },
        el('span', { class: 'wait', 'data-since': item.waitingSince, text: waited(item.waitingSince) }),
        el('span', { class: 'who', text: item.customer }),
        el('span', { class: 'reason', text: item.reason ? `Reason: ${item.reason}` : 'Reason: not given' }),
        item.summary ? el('span', { class: 'reason summary', text: item.summary }) : null,
        el('span', { class: 'last', text: item.lastCustomerMessage ? `“${item.lastCustomerMessage}”` : '' }),
        el('span', { class: 'last assigned', text: item.assignedToName ? `Claimed by ${item.assignedToName}` : 'Unclaimed' }));
      li.addEventListener('click', () => openConversation(item.conversationId));
      li.addEventListener('keydown', (e) => { if (e.key === 'Enter') openConversation(item.conversationId); });
      list.append(li);
    }
    $('queue-count').textContent = String(state.queue.length);
    $('queue-empty').hidden = state.queue.length > 0;
  }

  setInterval(() => {
    for (const span of document.querySelectorAll('.queue .wait')) span.textContent = waited(span.dataset.since);
  }, 10000);

  // ---- conversation ------------------------------------------------------------------------------------------
  function kindOf(activity) {
    const from = activity.from || {};
    if (activity.channelData && activity.channelData.sender === 'agent') return 'agent';
    if (activity.type !== 'message') return 'event';
    return from.role === 'user' ? 'user' : 'bot';
  }

  // What is worth showing beside the text: tool calls, attachments, values, channel data other than plumbing.
  function extrasOf(activity) {
    const extras = {};
    for (const key of ['name', 'value', 'valueType', 'label', 'attachments', 'entities', 'suggestedActions']) {
      if (activity[key] !== undefined && activity[key] !== null) extras[key] = activity[key];
    }
    if (activity.channelData && typeof activity.channelData === 'object') {
      const { clientActivityID, sender, streamType, streamId, streamSequence, ...rest } = activity.channelData;
      if (Object.keys(rest).length > 0) extras.channelData = rest;
    }
    return extras;
  }

  function renderActivity(activity) {
    const kind = kindOf(activity);
    const from = activity.from || {};
    const who = kind === 'user' ? (from.name || 'Customer') : kind === 'agent' ? `${from.name || 'Agent'} (agent)` : kind === 'bot' ? 'Bot' : activity.type;
    const li = el('li', { class: 'msg', 'data-kind': kind, 'data-activity-id': activity.id || '' },
      el('span', { class: 'meta', text: `${who} · ${formatTime(activity.timestamp)}` }));
    if (kind === 'event') {
      const label = activity.name ? `${activity.type}: ${activity.name}` : activity.type;
      const details = el('details', { class: 'tool' }, el('summary', { text: label }), el('pre', { text: JSON.stringify(extrasOf(activity), null, 2) }));
      if (activity.text) li.append(el('div', { class: 'text', text: activity.text }));
      li.append(details);
      return li;
    }
    li.append(el('div', { class: 'text', text: activity.text || '' }));
    const extras = extrasOf(activity);
    if (Object.keys(extras).length > 0) {
      li.append(el('details', { class: 'extras' }, el('summary', { text: 'details' }), el('pre', { text: JSON.stringify(extras, null, 2) })));
    }
    return li;
  }

  function appendActivity(activity) {
    const list = $('transcript');
    if (activity.id && list.querySelector(`[data-activity-id="${CSS.escape(activity.id)}"]`)) return;
    const atBottom = list.scrollHeight - list.scrollTop - list.clientHeight < 40;
    list.append(renderActivity(activity));
    if (atBottom) list.scrollTop = list.scrollHeight;
  }

  function renderCase(status, theCase, notes, audit) {
    const me = state.session.agent;
    $('c-status').textContent = status + (theCase?.outcome ? ` (${theCase.outcome.replace('_', ' ')})` : '');
    const assigned = theCase?.assignedTo ? (state.agents.find((a) => a.userName === theCase.assignedTo)?.displayName || theCase.assignedTo) : '';
    $('c-assigned').textContent = assigned || 'nobody';
    $('c-reason').textContent = theCase?.reason || 'not given';
    $('c-summary').textContent = theCase?.summary || 'no summary';
    $('c-rating').textContent = ratingText(theCase);
    const escalated = status === 'Escalated';
    const mine = escalated && theCase?.assignedTo && (theCase.assignedTo === me.userName || me.role === 'Admin');
    $('claim').disabled = !escalated || Boolean(theCase?.assignedTo);
    for (const id of ['transfer', 'transfer-to', 'resolve', 'handback', 'reply-send', 'reply-text']) $(id).disabled = !mine;
    $('reply-text').placeholder = mine ? 'Reply to the customer' : escalated ? 'Claim the conversation to reply' : 'The bot has this conversation';

    $('notes').replaceChildren(...(notes || []).map((n) => el('li', { text: `${n.author} · ${formatTime(n.createdAt)}\n${n.text}` })));
    $('audit').replaceChildren(...(audit || []).map((a) => el('li', { text: `${formatTime(a.at)} ${a.actor} ${a.action.replace('_', ' ')}${a.detail && a.action !== 'replied' ? ' ' + a.detail : ''}` })));
  }

  async function openConversation(id) {
    $('action-error').textContent = '';
    state.openId = id;
    history.replaceState(null, '', `/agent#${encodeURIComponent(id)}`);
    const detail = await api('GET', `/agent/api/conversations/${encodeURIComponent(id)}`);
    if (state.openId !== id) return;
    state.detail = detail;
    $('conversation').hidden = false;
    $('no-selection').hidden = true;
    $('c-customer').textContent = detail.customer;
    $('export-json').href = exportUrl(id, 'json');
    $('export-text').href = exportUrl(id, 'text');
    loadCustomer(id);
    $('transcript').replaceChildren();
    for (const activity of detail.activities) appendActivity(activity);
    $('transcript').scrollTop = $('transcript').scrollHeight;
    renderCase(detail.status, detail.case, detail.notes, detail.audit);
    state.after = detail.lastSequence;
    renderQueue();
    connect();
  }

  // ---- the verified customer and their recent orders -------------------------------------------------------
  async function loadCustomer(id) {
    let panel;
    try {
      panel = await api('GET', `/agent/api/conversations/${encodeURIComponent(id)}/customer`);
    } catch (e) {
      if (state.openId === id) $('cust-status').textContent = e.message;
      return;
    }
    if (state.openId !== id) return;
    const facts = $('cust-facts');
    const orders = $('cust-orders');
    facts.replaceChildren();
    orders.replaceChildren();
    $('customer-panel').dataset.verified = String(panel.verified);
    if (!panel.verified) {
      $('cust-status').textContent = panel.failedVerificationAttempts > 0
        ? `Not verified (${panel.failedVerificationAttempts} failed attempt${panel.failedVerificationAttempts === 1 ? '' : 's'})`
        : 'Not verified';
      $('cust-orders-table').hidden = true;
      return;
    }
    $('cust-status').textContent = `Verified${panel.verificationMethod ? ` by ${panel.verificationMethod.replace('_', ' ')}` : ''}`;
    for (const [label, value] of [['Customer', panel.customerId], ['Name', panel.name], ['Email', panel.email]]) {
      if (value) facts.append(el('dt', { text: label }), el('dd', { text: value }));
    }
    for (const order of panel.recentOrders) {
      orders.append(el('tr', { 'data-order-id': order.orderId },
        el('td', { text: order.orderId }),
        el('td', { text: new Date(order.createdAt).toLocaleDateString() }),
        el('td', { text: order.status }),
        el('td', { class: 'num', text: Number(order.total).toFixed(2) })));
    }
    $('cust-orders-table').hidden = panel.recentOrders.length === 0;
    if (panel.recentOrders.length === 0) facts.append(el('dt', { text: 'Orders' }), el('dd', { text: 'none' }));
  }

  // ---- live events -------------------------------------------------------------------------------------------
  function connect() {
    if (state.events) state.events.close();
    const query = state.openId ? `?conversation=${encodeURIComponent(state.openId)}&after=${state.after}` : '';
    const source = new EventSource(`/agent/api/events${query}`);
    state.events = source;
    const live = $('live');
    source.onopen = () => { live.dataset.state = 'live'; live.textContent = 'live'; };
    source.onerror = () => { live.dataset.state = 'connecting'; live.textContent = 'reconnecting…'; };
    source.addEventListener('queue', (e) => { state.queue = JSON.parse(e.data); renderQueue(); });
    source.addEventListener('activity', (e) => {
      const { sequence, activity } = JSON.parse(e.data);
      if (source !== state.events) return;
      state.after = Math.max(state.after, sequence);
      appendActivity(activity);
    });
    source.addEventListener('case', (e) => {
      if (source !== state.events) return;
      const data = JSON.parse(e.data);
      renderCase(data.status, data.case, data.notes, data.audit);
      loadCustomer(state.openId);
    });
  }

  async function act(action, body) {
    $('action-error').textContent = '';
    try {
      const result = await api('POST', `/agent/api/conversations/${encodeURIComponent(state.openId)}/${action}`, body);
      const detail = await api('GET', `/agent/api/conversations/${encodeURIComponent(state.openId)}`);
      renderCase(detail.status, detail.case, detail.notes, detail.audit);
      for (const activity of detail.activities) appendActivity(activity);
      return result;
    } catch (e) {
      $('action-error').textContent = e.message;
      return null;
    }
  }

  $('claim').addEventListener('click', () => act('claim'));
  $('resolve').addEventListener('click', () => act('resolve'));
  $('handback').addEventListener('click', () => act('handback'));
  $('transfer').addEventListener('click', () => act('transfer', { to: $('transfer-to').value }));
  $('reply-form').addEventListener('submit', async (e) => {
    e.preventDefault();
    const text = $('reply-text').value.trim();
    if (!text) return;
    if (await act('reply', { text }) !== null) $('reply-text').value = '';
  });
  $('reply-text').addEventListener('keydown', (e) => {
    if (e.key === 'Enter' && !e.shiftKey) { e.preventDefault(); $('reply-form').requestSubmit(); }
  });
  $('note-form').addEventListener('submit', async (e) => {
    e.preventDefault();
    const text = $('note-text').value.trim();
    if (!text) return;
    if (await act('notes', { text }) !== null) $('note-text').value = '';
  });

  (async () => {
    state.session = await window.AgentConsole.loadSession();
    window.AgentConsole.initHeader();
    const me = state.session.agent;
    state.agents = await api('GET', '/agent/api/agents');
    $('transfer-to').replaceChildren(...state.agents.filter((a) => a.userName !== me.userName)
      .map((a) => el('option', { value: a.userName, text: `${a.displayName} (${a.userName})` })));
    const fromHash = decodeURIComponent(location.hash.slice(1));
    if (fromHash) await openConversation(fromHash).catch((e) => { $('action-error').textContent = e.message; connect(); });
    else connect();
  })();
})();
