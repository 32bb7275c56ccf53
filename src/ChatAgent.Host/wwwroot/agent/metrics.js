'use strict';
// Admin metrics: GET /agent/api/metrics drawn as inline SVG built node by node (no chart library, nothing fetched
// from elsewhere); each chart also carries its figures as a table for screen readers and copying.
(() => {
  const { el, api } = window.AgentConsole;
  const $ = (id) => document.getElementById(id);
  const NS = 'http://www.w3.org/2000/svg';
  const BLUE = '#2e5bd8';
  const ORANGE = '#e07b24';

  function svg(tag, attrs, text) {
    const node = document.createElementNS(NS, tag);
    for (const [key, value] of Object.entries(attrs || {})) node.setAttribute(key, String(value));
    if (text !== undefined) node.textContent = text;
    return node;
  }

  function percent(rate) {
    return `${Math.round(rate * 1000) / 10}%`;
  }

  function duration(seconds) {
    if (seconds == null) return '—';
    if (seconds < 60) return `${Math.round(seconds)} s`;
    if (seconds < 3600) return `${Math.round(seconds / 6) / 10} min`;
    return `${Math.round(seconds / 360) / 10} h`;
  }

  function dataTable(headers, rows) {
    return el('details', {}, el('summary', { text: 'Figures' }),
      el('table', {},
        el('thead', {}, el('tr', {}, ...headers.map((h) => el('th', { scope: 'col', text: h })))),
        el('tbody', {}, ...rows.map((r) => el('tr', {}, ...r.map((c) => el('td', { text: String(c) })))))));
  }

  function chartSvg(width, height, label) {
    return svg('svg', { viewBox: `0 0 ${width} ${height}`, role: 'img', 'aria-label': label, preserveAspectRatio: 'xMinYMin meet' });
  }

  function replaceChart(id, ...nodes) {
    const section = $(id);
    section.replaceChildren(section.querySelector('h2'), ...nodes);
  }

  function perDay(days) {
    const width = 640;
    const height = 220;
    const left = 34;
    const bottom = 24;
    const max = Math.max(1, ...days.map((d) => d.conversations));
    const slot = (width - left - 4) / Math.max(1, days.length);
    const chart = chartSvg(width, height, `Conversations per day, highest ${max}`);
    chart.append(svg('line', { class: 'axis', x1: left, y1: height - bottom, x2: width, y2: height - bottom }));
    chart.append(svg('text', { x: left - 4, y: 12, 'text-anchor': 'end' }, String(max)));
    chart.append(svg('text', { x: left - 4, y: height - bottom, 'text-anchor': 'end' }, '0'));
    const every = Math.ceil(days.length / 10);
    days.forEach((d, i) => {
      const h = (d.conversations / max) * (height - bottom - 16);
      const bar = svg('rect', {
        class: 'bar', 'data-day': d.day, 'data-value': d.conversations,
        x: left + i * slot + 1, y: height - bottom - h, width: Math.max(1, slot - 2), height: h, fill: BLUE,
      });
      bar.append(svg('title', {}, `${d.day}: ${d.conversations} conversation${d.conversations === 1 ? '' : 's'}`));
      chart.append(bar);
      if (i % every === 0 || i === days.length - 1) {
        chart.append(svg('text', { x: left + i * slot + slot / 2, y: height - 8, 'text-anchor': 'middle' }, d.day.slice(5)));
      }
    });
    replaceChart('chart-per-day', chart, dataTable(['Day', 'Conversations'], days.map((d) => [d.day, d.conversations])));
  }

  function deflection(m) {
    const width = 640;
    const chart = chartSvg(width, 70, `Resolved without a human ${percent(m.deflectionRate)}, escalated ${percent(m.escalationRate)}`);
    const botWidth = m.conversations ? (width * m.deflectionRate) : 0;
    chart.append(svg('rect', { class: 'deflected', x: 0, y: 8, width: botWidth, height: 30, fill: BLUE }));
    chart.append(svg('rect', { class: 'escalated', x: botWidth, y: 8, width: m.conversations ? width - botWidth : 0, height: 30, fill: ORANGE }));
    chart.append(svg('text', { x: 2, y: 56 }, `Without a human: ${percent(m.deflectionRate)} (${m.conversations - m.escalated})`));
    chart.append(svg('text', { x: width - 2, y: 56, 'text-anchor': 'end' }, `Escalated: ${percent(m.escalationRate)} (${m.escalated})`));
    replaceChart('chart-deflection', chart);
  }

  function horizontalBars(id, label, rows, format) {
    // rows: [{ label, values: [number...] }]; one coloured bar per value.
    const width = 640;
    const labelWidth = 200;
    const barHeight = 14;
    const group = rows[0]?.values.length || 1;
    const rowHeight = group * (barHeight + 2) + 10;
    const max = Math.max(1, ...rows.flatMap((r) => r.values.filter((v) => v != null)));
    const chart = chartSvg(width, Math.max(30, rows.length * rowHeight + 6), label);
    rows.forEach((r, i) => {
      const y = 4 + i * rowHeight;
      const name = svg('text', { class: 'label', x: labelWidth - 6, y: y + barHeight - 2, 'text-anchor': 'end' },
        r.label.length > 30 ? r.label.slice(0, 29) + '…' : r.label);
      name.append(svg('title', {}, r.label));
      chart.append(name);
      r.values.forEach((v, j) => {
        const w = v == null ? 0 : ((width - labelWidth - 70) * v) / max;
        const by = y + j * (barHeight + 2);
        chart.append(svg('rect', { class: 'bar', x: labelWidth, y: by, width: w, height: barHeight, fill: j === 0 ? BLUE : ORANGE, 'data-value': v ?? '' }));
        chart.append(svg('text', { x: labelWidth + w + 4, y: by + barHeight - 3 }, format(v)));
      });
    });
    if (rows.length === 0) chart.append(svg('text', { x: 4, y: 18 }, 'Nothing in this period.'));
    return chart;
  }

  function reasons(list) {
    const chart = horizontalBars('chart-reasons', 'Escalations by reason', list.map((r) => ({ label: r.reason, values: [r.conversations] })), (v) => String(v));
    replaceChart('chart-reasons', chart, dataTable(['Reason', 'Conversations'], list.map((r) => [r.reason, r.conversations])));
  }

  function agents(list) {
    const legend = el('p', { class: 'legend' },
      el('span', {}, el('span', { class: 'swatch a' }), document.createTextNode('first response')),
      el('span', {}, el('span', { class: 'swatch b' }), document.createTextNode('resolution')));
    const chart = horizontalBars('chart-agents', 'Average first-response and resolution time per agent',
      list.map((a) => ({ label: a.agent, values: [a.averageFirstResponseSeconds, a.averageResolutionSeconds] })), duration);
    replaceChart('chart-agents', legend, chart, dataTable(
      ['Agent', 'Cases', 'Resolved', 'Handed back', 'First response', 'Resolution', 'Ratings', 'Average rating'],
      list.map((a) => [a.agent, a.cases, a.resolved, a.handedBack, duration(a.averageFirstResponseSeconds), duration(a.averageResolutionSeconds),
        a.rated, a.averageRating == null ? '—' : a.averageRating])));
  }

  function ratings(r) {
    const summary = el('p', { id: 'ratings-summary', text: r.count === 0 ? 'No ratings in this period.' : `Average ${r.average} / 5 from ${r.count} rating${r.count === 1 ? '' : 's'}` });
    const chart = horizontalBars('chart-ratings', 'Ratings by stars', [...r.distribution].reverse().map((d) => ({ label: `${d.stars} star${d.stars === 1 ? '' : 's'}`, values: [d.ratings] })), (v) => String(v));
    replaceChart('chart-ratings', summary, chart, dataTable(['Stars', 'Ratings'], r.distribution.map((d) => [d.stars, d.ratings])));
  }

  function tiles(m) {
    const tile = (label, value, id) => el('div', { class: 'tile', id }, el('span', { class: 'value', text: value }), el('span', { class: 'label', text: label }));
    $('tiles').replaceChildren(
      tile('conversations', String(m.conversations), 'tile-conversations'),
      tile('escalated', `${m.escalated} (${percent(m.escalationRate)})`, 'tile-escalated'),
      tile('resolved without a human', percent(m.deflectionRate), 'tile-deflection'),
      tile('average rating', m.ratings.count ? `${m.ratings.average} / 5` : '—', 'tile-rating'));
  }

  async function show() {
    $('m-error').textContent = '';
    const params = new URLSearchParams();
    if ($('m-from').value) params.set('from', $('m-from').value);
    if ($('m-to').value) params.set('to', $('m-to').value);
    try {
      const m = await api('GET', `/agent/api/metrics?${params}`);
      $('m-from').value = m.from;
      $('m-to').value = m.to;
      tiles(m);
      perDay(m.conversationsPerDay);
      deflection(m);
      reasons(m.escalationReasons);
      agents(m.agents);
      ratings(m.ratings);
      document.body.dataset.loaded = 'true';
    } catch (e) {
      $('m-error').textContent = e.message;
    }
  }

  $('period').addEventListener('submit', (e) => { e.preventDefault(); show(); });

  (async () => {
    await window.AgentConsole.loadSession();
    window.AgentConsole.initHeader();
    await show();
  })();
})();
