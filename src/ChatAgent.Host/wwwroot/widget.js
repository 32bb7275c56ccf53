/*
 * ChatAgent web widget — embed with one tag:
 *   <script src="/widget.js" data-token-endpoint="/demo/token" data-title="Acme support"
 *           data-primary-color="#0b5" defer></script>
 *
 * Optional data attributes: data-direct-line (Direct Line base URL, default <script origin>/v3/directline),
 * data-subtitle, data-greeting, data-position ("right" | "left"), data-storage ("local" default: the chat
 * follows the customer across tabs and visits | "session": this tab only), data-storage-hours (default 24: a
 * stored conversation older than this is forgotten),
 * data-max-length (default 4000), data-transport ("auto" | "polling"), data-open ("true" opens on load),
 * data-starters ("Track my order|Start a return": buttons offered before the first message).
 * Any element with a data-chatagent-open attribute on the page opens the chat when clicked, and
 * window.ChatAgent.open() / close() / send(text) do the same from the shop's own scripts.
 *
 * The official botframework-directlinejs client is ~200 KB with RxJS; the widget speaks the few Direct Line 3.0
 * calls it needs itself so the shop's page stays light and needs no build step.
 * Security: text from the bot, agents and customers only ever reaches the DOM through textContent /
 * createTextNode; markdown is parsed into elements built one by one, never assigned as HTML.
 */
(() => {
  'use strict';

  const script = document.currentScript;
  if (!script || window.__chatAgentWidgetLoaded) return;
  window.__chatAgentWidgetLoaded = true;

  const data = script.dataset;
  const scriptUrl = new URL(script.src, location.href);
  const config = {
    tokenEndpoint: data.tokenEndpoint ? new URL(data.tokenEndpoint, location.href).href : '',
    directLine: (data.directLine ? new URL(data.directLine, location.href).href : new URL('/v3/directline', scriptUrl).href).replace(/\/+$/, ''),
    title: data.title || 'Chat with us',
    subtitle: data.subtitle || 'Ask about orders, products and returns',
    greeting: data.greeting ?? 'Hi! How can we help you today?',
    primaryColor: data.primaryColor || '#2563eb',
    position: data.position === 'left' ? 'left' : 'right',
    storage: data.storage === 'session' ? 'session' : 'local',
    storageHours: Math.max(0, Number(data.storageHours ?? '24') || 24),
    maxLength: Math.max(1, parseInt(data.maxLength || '4000', 10) || 4000),
    transport: data.transport === 'polling' ? 'polling' : 'auto',
    openOnLoad: data.open === 'true',
    starters: (data.starters || '').split('|').map((t) => t.trim()).filter(Boolean).slice(0, 6),
    cssUrl: new URL('widget.css', scriptUrl).href,
  };
  if (!config.tokenEndpoint) {
    console.error('ChatAgent widget: add data-token-endpoint="/your/token/endpoint" to the <script> tag.');
    return;
  }

  const KEEP_ALIVE_MS = 20000;
  const POLL_MS = 1000;
  const MAX_BACKOFF_MS = 30000;
  const WEBSOCKET_FAILURES_BEFORE_POLLING = 3;
  const SEND_TIMEOUT_MS = 20000;
  // After an agent resolves the chat the host asks for a rating; the widget answers with the rating event.
  const RATING_REQUEST_EVENT = 'chatagent.rating.request';
  const RATING_EVENT = 'chatagent.rating';
  const HERO_CARD = 'application/vnd.microsoft.card.hero';

  // ---------------------------------------------------------------------------------------------
  // Small helpers
  // ---------------------------------------------------------------------------------------------

  function el(tag, attrs, ...children) {
    const node = document.createElement(tag);
    if (attrs) {
      for (const [name, value] of Object.entries(attrs)) {
        if (value === false || value == null) continue;
        if (name === 'class') node.className = value;
        else if (name === 'text') node.textContent = value;
        else node.setAttribute(name, value === true ? '' : String(value));
      }
    }
    for (const child of children) if (child != null) node.append(child);
    return node;
  }

  const SVG_NS = 'http://www.w3.org/2000/svg';
  // Icons are fixed path data defined here, never text from a message.
  const ICONS = {
    chat: 'M4 4h16a2 2 0 0 1 2 2v10a2 2 0 0 1-2 2H9l-5 4v-4H4a2 2 0 0 1-2-2V6a2 2 0 0 1 2-2z',
    close: 'M6 6l12 12M18 6L6 18',
    send: 'M3 11.5 21 3l-8.5 18-2.2-7.3L3 11.5z',
    bot: 'M12 3v3M7 8h10a3 3 0 0 1 3 3v5a3 3 0 0 1-3 3H7a3 3 0 0 1-3-3v-5a3 3 0 0 1 3-3zM9 13h.01M15 13h.01M2 13v2M22 13v2',
    person: 'M12 12a4 4 0 1 0 0-8 4 4 0 0 0 0 8zM4 21a8 8 0 0 1 16 0',
    retry: 'M4 12a8 8 0 1 0 2.3-5.6M4 4v4h4',
    alert: 'M12 8v5M12 16.5v.5M10.3 3.9 2.4 18a2 2 0 0 0 1.7 3h15.8a2 2 0 0 0 1.7-3L13.7 3.9a2 2 0 0 0-3.4 0z',
  };
  function icon(name, className) {
    const svg = document.createElementNS(SVG_NS, 'svg');
    svg.setAttribute('viewBox', '0 0 24 24');
    svg.setAttribute('aria-hidden', 'true');
    svg.setAttribute('focusable', 'false');
    if (className) svg.setAttribute('class', className);
    const path = document.createElementNS(SVG_NS, 'path');
    path.setAttribute('d', ICONS[name]);
    svg.append(path);
    return svg;
  }

  function randomId(prefix) {
    const bytes = new Uint8Array(9);
    crypto.getRandomValues(bytes);
    return prefix + Array.from(bytes, (b) => b.toString(16).padStart(2, '0')).join('');
  }

  const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

  function backoffDelay(attempt) {
    const base = Math.min(MAX_BACKOFF_MS, 1000 * 2 ** Math.max(0, attempt - 1));
    return Math.round(base * (0.8 + Math.random() * 0.4));
  }

  /** Picks black or white text for the brand colour, so any data-primary-color stays readable. */
  function contrastingText(color) {
    const probe = document.createElement('span');
    probe.style.color = color;
    probe.style.display = 'none';
    document.documentElement.append(probe);
    const rgb = getComputedStyle(probe).color.match(/[\d.]+/g) || ['0', '0', '0'];
    probe.remove();
    const [r, g, b] = rgb.slice(0, 3).map((c) => {
      const v = Number(c) / 255;
      return v <= 0.03928 ? v / 12.92 : ((v + 0.055) / 1.055) ** 2.4;
    });
    const luminance = 0.2126 * r + 0.7152 * g + 0.0722 * b;
    return luminance > 0.4 ? '#111827' : '#ffffff';
  }

  function formatTime(timestamp) {
    const date = timestamp ? new Date(timestamp) : new Date();
    if (Number.isNaN(date.getTime())) return '';
    return date.toLocaleTimeString([], { hour: 'numeric', minute: '2-digit' });
  }

  // ---------------------------------------------------------------------------------------------
  // Safe markdown subset: paragraphs, line breaks, **bold**, *italic*, `code`, ``` fences, - / 1. lists,
  // [links](https://…) and bare http(s) URLs. Everything else stays literal text.
  // ---------------------------------------------------------------------------------------------

  const SAFE_PROTOCOLS = new Set(['http:', 'https:', 'mailto:']);

  function safeHref(raw) {
    try {
      const url = new URL(raw.trim(), location.href);
      return SAFE_PROTOCOLS.has(url.protocol) ? url.href : null;
    } catch {
      return null;
    }
  }

  function link(href, label) {
    const a = el('a', { href, target: '_blank', rel: 'noopener noreferrer' });
    a.append(...label);
    return a;
  }

  function findClosing(text, marker, from) {
    let i = from;
    while ((i = text.indexOf(marker, i)) !== -1) {
      if (text[i - 1] !== '\\' && text[i - 1] !== ' ') return i;
      i += marker.length;
    }
    return -1;
  }

  function renderInline(text, insideLink = false) {
    const out = [];
    let buffer = '';
    const flush = () => {
      if (buffer) out.push(...(insideLink ? [document.createTextNode(buffer)] : autolink(buffer)));
      buffer = '';
    };
    let i = 0;
    while (i < text.length) {
      const ch = text[i];
      if (ch === '\\' && i + 1 < text.length && /[\\`*_[\]()#+\-.!~]/.test(text[i + 1])) {
        buffer += text[i + 1];
        i += 2;
        continue;
      }
      if (ch === '`') {
        const end = text.indexOf('`', i + 1);
        if (end > i + 1) {
          flush();
          out.push(el('code', { text: text.slice(i + 1, end) }));
          i = end + 1;
          continue;
        }
      }
      if ((ch === '*' || ch === '_') && text[i + 1] === ch) {
        const marker = ch + ch;
        const end = findClosing(text, marker, i + 2);
        if (end > i + 2 && text[i + 2] !== ' ') {
          flush();
          out.push(el('strong', null, ...renderInline(text.slice(i + 2, end), insideLink)));
          i = end + 2;
          continue;
        }
      }
      if ((ch === '*' || ch === '_') && text[i + 1] !== ' ' && text[i + 1] !== ch) {
        // An underscore inside a word (snake_case) is not emphasis.
        const wordBefore = ch === '_' && /\w/.test(text[i - 1] || '');
        const end = wordBefore ? -1 : findClosing(text, ch, i + 1);
        if (end > i + 1 && !(ch === '_' && /\w/.test(text[end + 1] || ''))) {
          flush();
          out.push(el('em', null, ...renderInline(text.slice(i + 1, end), insideLink)));
          i = end + 1;
          continue;
        }
      }
      if (ch === '[' && !insideLink) {
        const close = text.indexOf('](', i + 1);
        const end = close === -1 ? -1 : text.indexOf(')', close + 2);
        if (close > i + 1 && end > close + 2) {
          const href = safeHref(text.slice(close + 2, end));
          const label = text.slice(i + 1, close);
          flush();
          if (href) out.push(link(href, renderInline(label, true)));
          else out.push(...renderInline(label));
          i = end + 1;
          continue;
        }
      }
      buffer += ch;
      i++;
    }
    flush();
    return out;
  }

  function autolink(text) {
    const nodes = [];
    const pattern = /\bhttps?:\/\/[^\s<>"']+[^\s<>"'.,;:!?)\]]/g;
    let last = 0;
    for (const match of text.matchAll(pattern)) {
      const href = safeHref(match[0]);
      if (!href) continue;
      if (match.index > last) nodes.push(document.createTextNode(text.slice(last, match.index)));
      nodes.push(link(href, [document.createTextNode(match[0])]));
      last = match.index + match[0].length;
    }
    if (last < text.length) nodes.push(document.createTextNode(text.slice(last)));
    return nodes;
  }

  function inlineWithBreaks(lines) {
    const nodes = [];
    lines.forEach((line, index) => {
      if (index > 0) nodes.push(el('br'));
      nodes.push(...renderInline(line));
    });
    return nodes;
  }

  function renderMarkdown(source) {
    const fragment = document.createDocumentFragment();
    const lines = String(source).replace(/\r\n?/g, '\n').split('\n');
    let paragraph = [];
    let list = null;
    const endParagraph = () => {
      if (paragraph.length) fragment.append(el('p', null, ...inlineWithBreaks(paragraph)));
      paragraph = [];
    };
    const endList = () => {
      if (list) fragment.append(list.node);
      list = null;
    };
    for (let i = 0; i < lines.length; i++) {
      const line = lines[i];
      const fence = line.match(/^\s*(```|~~~)\s*([\w+-]*)\s*$/);
      if (fence) {
        endParagraph();
        endList();
        const body = [];
        i++;
        while (i < lines.length && !lines[i].trim().startsWith(fence[1])) body.push(lines[i++]);
        const code = el('code', { text: body.join('\n') });
        if (fence[2]) code.dataset.language = fence[2];
        fragment.append(el('pre', null, code));
        continue;
      }
      const bullet = line.match(/^\s*[-*+]\s+(.*)$/);
      const numbered = line.match(/^\s*(\d{1,9})[.)]\s+(.*)$/);
      if (bullet || numbered) {
        endParagraph();
        const kind = bullet ? 'ul' : 'ol';
        if (!list || list.kind !== kind) {
          endList();
          list = { kind, node: el(kind) };
          if (numbered && numbered[1] !== '1') list.node.setAttribute('start', String(Number(numbered[1])));
        }
        list.node.append(el('li', null, ...renderInline(bullet ? bullet[1] : numbered[2])));
        continue;
      }
      const heading = line.match(/^\s*#{1,6}\s+(.*)$/);
      if (heading) {
        endParagraph();
        endList();
        fragment.append(el('p', { class: 'ca-md-heading' }, el('strong', null, ...renderInline(heading[1]))));
        continue;
      }
      if (!line.trim()) {
        endParagraph();
        endList();
        continue;
      }
      if (list && /^\s{2,}\S/.test(line)) {
        // A continuation line of the last list item.
        list.node.lastChild.append(el('br'), ...renderInline(line.trim()));
        continue;
      }
      endList();
      paragraph.push(line);
    }
    endParagraph();
    endList();
    return fragment;
  }

  function renderPlain(text) {
    const fragment = document.createDocumentFragment();
    fragment.append(el('p', { class: 'ca-plain', text: String(text) }));
    return fragment;
  }

  // ---------------------------------------------------------------------------------------------
  // Persisted conversation state (conversation id, token, watermark) so a reload resumes the chat.
  // ---------------------------------------------------------------------------------------------

  class SessionState {
    constructor() {
      this.key = 'chatagent:v1:' + config.directLine + '|' + config.tokenEndpoint;
      this.uiKey = this.key + ':ui';
      try {
        this.storage = config.storage === 'local' ? window.localStorage : window.sessionStorage;
        this.uiStorage = window.sessionStorage;
      } catch {
        this.storage = null; // storage blocked (privacy mode): the chat still works, without resume.
      }
      this.value = this.read(this.key) || {};
      // A conversation left untouched longer than data-storage-hours is forgotten (a shared computer, a
      // question from last week): the next message starts a new one.
      if (this.value.savedAt && Date.now() - this.value.savedAt > config.storageHours * 3600 * 1000) {
        this.value = { userId: this.value.userId };
        this.save();
      }
      if (!this.value.userId) {
        this.value.userId = randomId('dl_');
        this.save();
      }
    }

    read(key) {
      try {
        const raw = this.storage && (key === this.uiKey ? this.uiStorage : this.storage).getItem(key);
        return raw ? JSON.parse(raw) : null;
      } catch {
        return null;
      }
    }

    save() {
      try {
        this.value.savedAt = Date.now();
        this.storage?.setItem(this.key, JSON.stringify(this.value));
      } catch {
        /* quota or blocked storage: resume is best effort */
      }
    }

    update(patch) {
      Object.assign(this.value, patch);
      this.save();
    }

    clearConversation() {
      const { userId } = this.value;
      this.value = { userId };
      this.save();
    }

    get ui() {
      return this.read(this.uiKey) || {};
    }

    set ui(value) {
      try {
        this.uiStorage?.setItem(this.uiKey, JSON.stringify(value));
      } catch {
        /* best effort */
      }
    }
  }

  // ---------------------------------------------------------------------------------------------
  // Direct Line 3.0 connection: start or resume, WebSocket stream with polling fallback, reconnection
  // with exponential backoff and resume by watermark, token refresh, posting activities.
  // ---------------------------------------------------------------------------------------------

  class DirectLineError extends Error {
    constructor(status, code, message, retryAfterMs) {
      super(message || code || `HTTP ${status}`);
      this.status = status;
      this.code = code;
      this.retryAfterMs = retryAfterMs;
    }
  }

  class Connection {
    constructor(state, handlers) {
      this.state = state;
      this.handlers = handlers; // { onFrame(frame, isHistory), onStatus(status), onConversationLost() }
      this.socket = null;
      this.mode = config.transport === 'polling' || typeof WebSocket === 'undefined' ? 'polling' : 'websocket';
      this.webSocketFailures = 0;
      this.attempt = 0;
      this.stopped = true;
      this.ready = null;
      this.generation = 0;
      this.status = 'idle';
      this.historyWatermark = null;
      window.addEventListener('online', () => this.reconnectNow());
      document.addEventListener('visibilitychange', () => {
        if (document.visibilityState === 'visible') this.reconnectNow();
      });
    }

    get hasConversation() {
      const s = this.state.value;
      return Boolean(s.conversationId && s.token && s.expiresAt && s.expiresAt > Date.now() + 5000);
    }

    setStatus(status) {
      if (this.status === status) return;
      this.status = status;
      this.handlers.onStatus(status);
    }

    /** Starts (or resumes) the conversation once; later calls return the same promise. */
    start() {
      if (!this.ready) {
        this.stopped = false;
        this.ready = this.open().catch((error) => {
          this.ready = null;
          throw error;
        });
      }
      return this.ready;
    }

    async open() {
      this.setStatus('connecting');
      if (this.hasConversation) {
        try {
          // Resume without a watermark so the stream replays the whole transcript into the fresh page.
          this.historyWatermark = this.state.value.watermark ?? null;
          const resumed = await this.resume(null);
          this.scheduleRefresh();
          this.listen(resumed.streamUrl);
          return;
        } catch (error) {
          if (!(error instanceof DirectLineError) || ![401, 403, 404].includes(error.status)) throw error;
          this.state.clearConversation();
          this.handlers.onConversationLost();
        }
      } else if (this.state.value.conversationId) {
        this.state.clearConversation();
        this.handlers.onConversationLost();
      }
      this.historyWatermark = null;
      const grant = await this.fetchJson(config.tokenEndpoint, { method: 'POST', headers: { Accept: 'application/json' }, credentials: 'same-origin' });
      if (!grant || typeof grant.token !== 'string') throw new DirectLineError(0, 'BadToken', 'The token endpoint returned no token.');
      const conversation = await this.call('POST', '/conversations', { user: { id: this.state.value.userId }, locale: navigator.language }, grant.token, [201, 200]);
      this.state.update({
        conversationId: conversation.conversationId || grant.conversationId,
        token: conversation.token || grant.token,
        expiresAt: Date.now() + 1000 * Number(conversation.expires_in || grant.expires_in || 1800),
        userId: grant.userId || this.state.value.userId,
        watermark: null,
      });
      this.scheduleRefresh();
      this.listen(conversation.streamUrl);
    }

    async resume(watermark) {
      const s = this.state.value;
      const query = watermark != null && watermark !== '' ? `?watermark=${encodeURIComponent(watermark)}` : '';
      const result = await this.call('GET', `/conversations/${encodeURIComponent(s.conversationId)}${query}`);
      if (result.token) {
        this.state.update({ token: result.token, expiresAt: result.expires_in ? Date.now() + 1000 * Number(result.expires_in) : s.expiresAt });
      }
      return result;
    }

    listen(streamUrl) {
      if (this.mode === 'websocket' && streamUrl) this.connectSocket(streamUrl);
      else this.poll();
    }

    connectSocket(streamUrl) {
      const generation = ++this.generation;
      let healthy = false;
      let keepAlive = null;
      let settle = null;
      let socket;
      try {
        socket = new WebSocket(streamUrl);
      } catch {
        this.onSocketFailed(generation, false);
        return;
      }
      this.socket = socket;
      socket.onopen = () => {
        if (generation !== this.generation) return socket.close();
        this.setStatus('online');
        // A socket that a proxy closes right after the upgrade is no better than none: it counts as working
        // (resetting the backoff and the fallback counter) only once it has stayed open for a while.
        settle = setTimeout(() => {
          healthy = true;
          this.attempt = 0;
          this.webSocketFailures = 0;
        }, 5000);
        keepAlive = setInterval(() => {
          if (socket.readyState === WebSocket.OPEN) socket.send('');
        }, KEEP_ALIVE_MS);
      };
      socket.onmessage = (event) => {
        if (generation !== this.generation || typeof event.data !== 'string' || !event.data) return;
        let frame;
        try {
          frame = JSON.parse(event.data);
        } catch {
          return;
        }
        this.receive(frame);
      };
      socket.onclose = () => {
        clearInterval(keepAlive);
        clearTimeout(settle);
        if (this.socket === socket) this.socket = null;
        if (generation !== this.generation) return;
        this.onSocketFailed(generation, healthy);
      };
    }

    onSocketFailed(generation, wasHealthy) {
      if (this.stopped) return;
      if (wasHealthy) this.attempt = 0;
      else this.webSocketFailures++;
      if (this.webSocketFailures >= WEBSOCKET_FAILURES_BEFORE_POLLING) {
        // A proxy or firewall that never lets the upgrade through: polling still works through it.
        this.mode = 'polling';
        this.setStatus('reconnecting');
        this.reconnect(generation);
        return;
      }
      this.scheduleReconnect(generation);
    }

    scheduleReconnect(generation) {
      this.setStatus('reconnecting');
      this.attempt++;
      clearTimeout(this.reconnectTimer);
      this.reconnectTimer = setTimeout(() => this.reconnect(generation), backoffDelay(this.attempt));
    }

    reconnectNow() {
      if (this.stopped || !this.ready || this.status === 'online' || this.status === 'connecting') return;
      clearTimeout(this.reconnectTimer);
      this.reconnect(this.generation);
    }

    async reconnect(generation) {
      if (this.stopped || generation !== this.generation) return;
      const next = ++this.generation;
      if (this.mode === 'polling') {
        this.poll();
        return;
      }
      try {
        const resumed = await this.resume(this.state.value.watermark);
        if (next !== this.generation) return;
        this.connectSocket(resumed.streamUrl);
      } catch (error) {
        if (next !== this.generation) return;
        if (error instanceof DirectLineError && [401, 403, 404].includes(error.status)) {
          this.loseConversation();
          return;
        }
        this.scheduleReconnect(next);
      }
    }

    async poll() {
      const generation = ++this.generation;
      this.socket?.close();
      while (!this.stopped && generation === this.generation) {
        try {
          const s = this.state.value;
          const query = s.watermark != null && s.watermark !== '' ? `?watermark=${encodeURIComponent(s.watermark)}` : '';
          const result = await this.call('GET', `/conversations/${encodeURIComponent(s.conversationId)}/activities${query}`);
          if (generation !== this.generation) return;
          this.attempt = 0;
          this.setStatus('online');
          this.receive(result);
          await sleep(document.visibilityState === 'hidden' ? POLL_MS * 5 : POLL_MS);
        } catch (error) {
          if (generation !== this.generation) return;
          if (error instanceof DirectLineError && [401, 403, 404].includes(error.status)) {
            this.loseConversation();
            return;
          }
          this.setStatus('reconnecting');
          this.attempt++;
          await sleep(error.retryAfterMs || backoffDelay(this.attempt));
        }
      }
    }

    receive(frame) {
      if (!frame || typeof frame !== 'object') return;
      const activities = Array.isArray(frame.activities) ? frame.activities : [];
      const isHistory = this.historyWatermark != null && frame.watermark != null &&
        Number(frame.watermark) <= Number(this.historyWatermark);
      if (frame.watermark != null && frame.watermark !== '') {
        if (this.historyWatermark != null && !isHistory) this.historyWatermark = null;
        this.state.update({ watermark: String(frame.watermark) });
      }
      this.handlers.onFrame(activities, isHistory);
    }

    scheduleRefresh() {
      clearTimeout(this.refreshTimer);
      const s = this.state.value;
      const remaining = s.expiresAt - Date.now();
      // Refresh at half the token's remaining life (15 min for Direct Line's usual 30 min tokens).
      const delay = Math.max(5000, remaining / 2);
      this.refreshTimer = setTimeout(() => this.refresh(), delay);
    }

    async refresh() {
      if (this.stopped) return;
      try {
        const result = await this.call('POST', '/tokens/refresh');
        this.state.update({ token: result.token, expiresAt: Date.now() + 1000 * Number(result.expires_in || 1800) });
        this.scheduleRefresh();
      } catch (error) {
        if (error instanceof DirectLineError && [401, 403, 404].includes(error.status)) return;
        this.refreshTimer = setTimeout(() => this.refresh(), 30000);
      }
    }

    loseConversation() {
      this.stop();
      this.state.clearConversation();
      this.handlers.onConversationLost();
    }

    stop() {
      this.stopped = true;
      this.ready = null;
      this.generation++;
      clearTimeout(this.reconnectTimer);
      clearTimeout(this.refreshTimer);
      this.socket?.close();
      this.socket = null;
      this.setStatus('idle');
    }

    async post(activity) {
      await this.start();
      const id = encodeURIComponent(this.state.value.conversationId);
      return this.call('POST', `/conversations/${id}/activities`, activity, undefined, [200, 201], SEND_TIMEOUT_MS);
    }

    call(method, path, body, token, okStatuses, timeoutMs) {
      const headers = { Accept: 'application/json', Authorization: 'Bearer ' + (token || this.state.value.token) };
      if (body !== undefined) headers['Content-Type'] = 'application/json';
      return this.fetchJson(config.directLine + path, {
        method,
        headers,
        body: body === undefined ? undefined : JSON.stringify(body),
      }, okStatuses, timeoutMs);
    }

    async fetchJson(url, init, okStatuses, timeoutMs = 20000) {
      const controller = new AbortController();
      const timer = setTimeout(() => controller.abort(), timeoutMs);
      let response;
      try {
        response = await fetch(url, { ...init, signal: controller.signal });
      } catch (error) {
        throw new DirectLineError(0, 'NetworkError', error.name === 'AbortError' ? 'The request timed out.' : 'Network error.');
      } finally {
        clearTimeout(timer);
      }
      let payload = null;
      try {
        payload = await response.json();
      } catch {
        payload = null;
      }
      const ok = okStatuses ? okStatuses.includes(response.status) : response.ok;
      if (!ok) {
        const retryAfter = Number(response.headers.get('Retry-After'));
        throw new DirectLineError(
          response.status,
          payload?.error?.code,
          payload?.error?.message,
          Number.isFinite(retryAfter) && retryAfter > 0 ? retryAfter * 1000 : undefined);
      }
      return payload || {};
    }
  }

  // ---------------------------------------------------------------------------------------------
  // The widget UI
  // ---------------------------------------------------------------------------------------------

  function streamInfo(activity) {
    const cd = activity.channelData && typeof activity.channelData === 'object' ? activity.channelData : {};
    const entity = Array.isArray(activity.entities)
      ? activity.entities.find((e) => e && e.type === 'streaminfo') || {}
      : {};
    const streamType = cd.streamType || entity.streamType;
    if (!streamType) return null;
    return {
      streamType,
      streamId: cd.streamId || entity.streamId || null,
      sequence: Number(cd.streamSequence ?? entity.streamSequence ?? 0),
    };
  }

  function isAgent(activity) {
    return activity.channelData && typeof activity.channelData === 'object' && activity.channelData.sender === 'agent';
  }

  function isOwn(activity, userId) {
    const from = activity.from || {};
    if (from.role === 'bot') return false;
    return from.role === 'user' || (Boolean(userId) && from.id === userId) ||
      Boolean(activity.channelData && typeof activity.channelData === 'object' && activity.channelData.clientActivityID);
  }

  class Widget {
    constructor() {
      this.state = new SessionState();
      this.connection = new Connection(this.state, {
        onFrame: (activities, isHistory) => this.onActivities(activities, isHistory),
        onStatus: (status) => this.onStatus(status),
        onConversationLost: () => this.onConversationLost(),
      });
      this.seen = new Set();
      this.pending = new Map(); // clientActivityID -> { activity, item, state }
      this.streams = new Map(); // streamId -> { item, sequence, final }
      this.sendQueue = Promise.resolve();
      this.lastSpeaker = null;
      this.unread = 0;
      this.typingTimer = null;
      this.build();
    }

    build() {
      this.host = el('div', { class: 'chatagent-widget-host', 'data-chatagent': '' });
      const shadow = this.host.attachShadow({ mode: 'open' });
      this.shadow = shadow;
      const stylesheet = el('link', { rel: 'stylesheet', href: config.cssUrl });
      this.root = el('div', { class: 'ca-root', 'data-position': config.position });
      this.root.hidden = true; // until the stylesheet arrives, to avoid a flash of unstyled markup
      const reveal = () => { this.root.hidden = false; };
      stylesheet.addEventListener('load', reveal);
      stylesheet.addEventListener('error', reveal);
      this.root.style.setProperty('--ca-primary', config.primaryColor);
      this.root.style.setProperty('--ca-on-primary', contrastingText(config.primaryColor));

      this.launcher = el('button', {
        type: 'button',
        class: 'ca-launcher',
        'aria-label': `Open chat: ${config.title}`,
        'aria-expanded': 'false',
        'aria-controls': 'ca-panel',
      }, icon('chat', 'ca-icon ca-icon-chat'), icon('close', 'ca-icon ca-icon-close'));
      this.badge = el('span', { class: 'ca-badge', 'aria-hidden': 'true' });
      this.badge.hidden = true;
      this.launcher.append(this.badge);

      this.statusText = el('span', { class: 'ca-status-text', text: 'Offline' });
      this.statusLine = el('p', { class: 'ca-status', 'data-status': 'idle' }, el('span', { class: 'ca-status-dot', 'aria-hidden': 'true' }), this.statusText);
      this.closeButton = el('button', { type: 'button', class: 'ca-close', 'aria-label': 'Close chat' }, icon('close', 'ca-icon'));
      const header = el('header', { class: 'ca-header' },
        el('div', { class: 'ca-header-avatar', 'aria-hidden': 'true' }, icon('chat', 'ca-icon')),
        el('div', { class: 'ca-heading' },
          el('h2', { id: 'ca-title', class: 'ca-title', text: config.title }),
          el('p', { class: 'ca-subtitle', id: 'ca-subtitle', text: config.subtitle }),
          this.statusLine),
        this.closeButton);

      this.banner = el('div', { class: 'ca-banner', role: 'status' });
      this.banner.hidden = true;

      this.log = el('ol', { class: 'ca-log', 'aria-label': 'Conversation', tabindex: '0' });
      if (config.greeting) {
        const greeting = this.createItem('bot', { name: config.title }, null);
        greeting.classList.add('ca-greeting');
        greeting.querySelector('.ca-bubble').append(renderPlain(config.greeting));
        this.log.append(greeting);
        this.lastSpeaker = null;
      }
      this.typing = el('div', { class: 'ca-typing', 'aria-hidden': 'true' },
        el('span', { class: 'ca-typing-dots' }, el('span'), el('span'), el('span')),
        el('span', { class: 'ca-typing-label', text: `${config.title} is typing…` }));
      this.typing.hidden = true;
      this.scroller = el('div', { class: 'ca-scroller' }, this.log, this.typing);
      this.stickToBottom = true;
      this.scroller.addEventListener('scroll', () => {
        const s = this.scroller;
        this.stickToBottom = s.scrollHeight - s.scrollTop - s.clientHeight < 60;
      }, { passive: true });

      this.suggestions = el('div', { class: 'ca-suggestions', role: 'group', 'aria-label': 'Suggested replies' });
      this.suggestions.hidden = true;
      // Conversation starters until the customer has said something; the bot's own suggestions replace them.
      this.showActions(config.starters.map((title) => ({ type: 'imBack', title, value: title })));

      this.input = el('textarea', {
        id: 'ca-input',
        class: 'ca-input',
        rows: '1',
        maxlength: String(config.maxLength),
        placeholder: 'Type your message…',
        enterkeyhint: 'send',
        autocomplete: 'off',
        'aria-describedby': 'ca-hint',
      });
      this.sendButton = el('button', { type: 'submit', class: 'ca-send', 'aria-label': 'Send message' }, icon('send', 'ca-icon'));
      this.counter = el('span', { class: 'ca-counter', 'aria-live': 'polite' });
      this.counter.hidden = true;
      this.form = el('form', { class: 'ca-composer', novalidate: true },
        el('label', { for: 'ca-input', class: 'ca-sr', text: 'Message' }),
        el('span', { id: 'ca-hint', class: 'ca-sr', text: 'Press Enter to send, Shift+Enter for a new line.' }),
        this.input, this.sendButton, this.counter);

      this.panel = el('section', {
        id: 'ca-panel',
        class: 'ca-panel',
        role: 'dialog',
        'aria-modal': 'false',
        'aria-labelledby': 'ca-title',
        'aria-describedby': 'ca-subtitle',
      }, header, this.banner, this.scroller, this.suggestions, this.form,
      el('p', { class: 'ca-footer', text: 'Powered by ChatAgent' }));
      this.panel.hidden = true;

      this.announcer = el('div', { class: 'ca-sr', 'aria-live': 'polite', 'aria-atomic': 'false' });

      this.root.append(this.panel, this.launcher, this.announcer);
      shadow.append(stylesheet, this.root);

      this.launcher.addEventListener('click', () => (this.isOpen ? this.close() : this.open()));
      this.closeButton.addEventListener('click', () => this.close());
      this.root.addEventListener('keydown', (event) => {
        if (event.key === 'Escape' && this.isOpen) {
          event.stopPropagation();
          this.close();
        }
      });
      this.form.addEventListener('submit', (event) => {
        event.preventDefault();
        this.submit();
      });
      this.input.addEventListener('keydown', (event) => {
        if (event.key === 'Enter' && !event.shiftKey && !event.isComposing) {
          event.preventDefault();
          this.submit();
        }
      });
      this.input.addEventListener('input', () => this.onInput());
      document.addEventListener('click', (event) => {
        const opener = event.target instanceof Element && event.target.closest('[data-chatagent-open]');
        if (opener) {
          event.preventDefault();
          this.open();
        }
      });

      (document.body || document.documentElement).append(this.host);
      this.onStatus('idle');
    }

    get isOpen() {
      return !this.panel.hidden;
    }

    init() {
      // An existing conversation reconnects at once, so an agent's reply shows up as an unread badge;
      // a new visitor costs the server nothing until they open the chat.
      if (this.connection.hasConversation) this.connect();
      if (this.state.ui.open || config.openOnLoad) this.open({ focus: false });
    }

    connect() {
      return this.connection.start().catch((error) => {
        this.onStatus('failed');
        this.showBanner(error.status === 429
          ? 'Too many chats right now. Please try again in a moment.'
          : 'We could not connect to the chat. Check your connection and try again.', true);
        throw error;
      });
    }

    open({ focus = true } = {}) {
      if (!this.isOpen) {
        this.panel.hidden = false;
        this.root.classList.add('ca-open');
        this.launcher.setAttribute('aria-expanded', 'true');
        this.launcher.setAttribute('aria-label', `Close chat: ${config.title}`);
        this.state.ui = { open: true };
        this.unread = 0;
        this.updateBadge();
        this.scrollToEnd(true);
        if (this.connection.status === 'idle' || this.connection.status === 'failed') this.connect().catch(() => {});
      }
      if (focus) this.input.focus();
    }

    close() {
      if (!this.isOpen) return;
      const focusWasInside = this.shadow.activeElement && this.panel.contains(this.shadow.activeElement);
      this.panel.hidden = true;
      this.root.classList.remove('ca-open');
      this.launcher.setAttribute('aria-expanded', 'false');
      this.launcher.setAttribute('aria-label', `Open chat: ${config.title}`);
      this.state.ui = { open: false };
      if (focusWasInside || document.activeElement === this.host) this.launcher.focus();
    }

    onInput() {
      this.input.style.height = 'auto';
      this.input.style.height = Math.min(this.input.scrollHeight, 140) + 'px';
      const length = this.input.value.length;
      const nearLimit = length > config.maxLength * 0.9;
      this.counter.hidden = !nearLimit;
      this.counter.textContent = nearLimit ? `${length} / ${config.maxLength}` : '';
    }

    submit() {
      const text = this.input.value.trim();
      if (!text) return;
      this.input.value = '';
      this.onInput();
      this.send(text);
      this.input.focus();
    }

    /** Shows the message at once, then posts it; posts are serialised so the server sees them in order. */
    send(text, extra) {
      const clientActivityID = randomId('ca_');
      const activity = {
        type: 'message',
        from: { id: this.state.value.userId, role: 'user' },
        text,
        textFormat: 'plain',
        locale: navigator.language,
        localTimestamp: new Date().toISOString(),
        channelData: { clientActivityID },
        ...extra,
      };
      const item = this.createItem('user', { name: 'You' }, activity.localTimestamp);
      item.dataset.clientActivityId = clientActivityID;
      item.querySelector('.ca-bubble').append(renderPlain(extra?.displayText ?? text));
      this.appendItem(item);
      this.clearSuggestions();
      const entry = { activity, item, state: 'sending' };
      this.pending.set(clientActivityID, entry);
      this.setDelivery(entry, 'sending');
      this.enqueuePost(entry);
      this.scrollToEnd(true);
    }

    enqueuePost(entry) {
      this.sendQueue = this.sendQueue.then(() => this.post(entry)).catch(() => {});
    }

    async post(entry, attempt = 1) {
      try {
        const result = await this.connection.post(entry.activity);
        if (result && result.id) entry.item.dataset.activityId = result.id;
        if (entry.state !== 'sent') this.setDelivery(entry, 'sent');
        // Polling sees no livestream chunks, so show that the bot is at work until its reply arrives.
        if (this.connection.mode === 'polling') this.showTyping({ kind: 'bot' });
      } catch (error) {
        if (error.status === 429 && attempt < 3) {
          await sleep(error.retryAfterMs || backoffDelay(attempt));
          return this.post(entry, attempt + 1);
        }
        if ([401, 403, 404].includes(error.status) && attempt === 1) {
          // The token expired or the conversation is gone: carry the message over into a new conversation.
          this.connection.loseConversation();
          return this.post(entry, attempt + 1);
        }
        const reason = error.status === 413
          ? `Too long — messages can have up to ${config.maxLength.toLocaleString()} characters.`
          : error.status === 429 ? 'Too many messages. Wait a moment and retry.' : 'Not sent.';
        this.setDelivery(entry, 'failed', reason, error.status !== 413);
        this.announce('Your message was not sent.');
      }
    }

    retry(entry) {
      this.setDelivery(entry, 'sending');
      if (this.connection.status === 'failed' || this.connection.status === 'idle') {
        this.connection.start().catch(() => {});
      }
      this.enqueuePost(entry);
    }

    setDelivery(entry, state, reason, canRetry) {
      entry.state = state;
      const { item } = entry;
      item.dataset.state = state;
      const status = item.querySelector('.ca-delivery');
      status.replaceChildren();
      item.classList.toggle('ca-failed', state === 'failed');
      if (state === 'sending') status.append(el('span', { text: 'Sending…' }));
      else if (state === 'sent') status.append(el('span', { text: 'Sent' }));
      else if (state === 'failed') {
        status.append(icon('alert', 'ca-icon ca-icon-inline'), el('span', { class: 'ca-failed-text', text: reason }));
        if (canRetry) {
          const button = el('button', { type: 'button', class: 'ca-retry' }, icon('retry', 'ca-icon ca-icon-inline'), el('span', { text: 'Retry' }));
          button.setAttribute('aria-label', 'Retry sending this message');
          button.addEventListener('click', () => {
            this.retry(entry);
            this.input.focus();
          });
          status.append(button);
        }
      }
      if (state === 'sent') this.pending.delete(entry.activity.channelData.clientActivityID);
      else this.pending.set(entry.activity.channelData.clientActivityID, entry);
    }

    // ----- incoming activities -----

    onActivities(activities, isHistory) {
      for (const activity of activities) {
        if (!activity || typeof activity !== 'object') continue;
        try {
          this.onActivity(activity, isHistory);
        } catch (error) {
          console.error('ChatAgent widget: could not show an activity', error);
        }
      }
      this.updateSuggestions(activities);
      this.scrollToEnd(isHistory);
    }

    onActivity(activity, isHistory) {
      if (activity.id) {
        if (this.seen.has(activity.id)) return;
        this.seen.add(activity.id);
      }
      if (activity.type === 'event' && activity.name === RATING_REQUEST_EVENT && !isOwn(activity, this.state.value.userId)) {
        return this.onRatingRequest(activity, isHistory);
      }
      const own = isOwn(activity, this.state.value.userId);
      if (activity.type === 'message' && own) return this.onOwnMessage(activity);
      if (activity.type === 'event' && activity.name === RATING_EVENT && own) return this.onRatingRecorded(activity);
      if (own) return;
      if (activity.type === 'typing') return this.onTyping(activity, isHistory);
      if (activity.type === 'message') return this.onBotMessage(activity, isHistory);
      if (activity.type === 'endOfConversation') return this.onConversationLost();
    }

    onOwnMessage(activity) {
      const clientId = activity.channelData && activity.channelData.clientActivityID;
      const entry = clientId && this.pending.get(clientId);
      if (entry) {
        entry.item.dataset.activityId = activity.id || '';
        this.setDelivery(entry, 'sent');
        return;
      }
      if (clientId && this.log.querySelector(`[data-client-activity-id="${CSS.escape(clientId)}"]`)) return;
      const item = this.createItem('user', { name: 'You' }, activity.timestamp);
      if (clientId) item.dataset.clientActivityId = clientId;
      item.dataset.activityId = activity.id || '';
      item.dataset.state = 'sent';
      item.querySelector('.ca-bubble').append(renderPlain(activity.text || ''));
      this.appendItem(item);
    }

    speakerOf(activity) {
      const from = activity.from || {};
      if (isAgent(activity)) return { kind: 'agent', name: from.name || 'Support agent', id: from.id };
      return { kind: 'bot', name: config.title, id: from.id };
    }

    onTyping(activity, isHistory) {
      const info = streamInfo(activity);
      if (!info || (info.streamType !== 'streaming' && info.streamType !== 'informative')) {
        if (!isHistory) this.showTyping(this.speakerOf(activity));
        return;
      }
      const streamId = info.streamId || activity.id;
      if (!streamId) return;
      let stream = this.streams.get(streamId);
      if (stream && (stream.final || info.sequence <= stream.sequence)) return;
      if (!stream) {
        const speaker = this.speakerOf(activity);
        const item = this.createItem(speaker.kind, speaker, activity.timestamp);
        item.classList.add('ca-streaming');
        item.setAttribute('aria-busy', 'true');
        item.dataset.streamId = streamId;
        stream = { item, sequence: 0, final: false, hasText: false };
        this.streams.set(streamId, stream);
        this.appendItem(item);
      }
      stream.sequence = info.sequence;
      const bubble = stream.item.querySelector('.ca-bubble');
      if (info.streamType === 'informative') {
        if (!stream.hasText) bubble.replaceChildren(el('p', { class: 'ca-informative', text: activity.text || 'Working on it…' }));
      } else if (typeof activity.text === 'string') {
        stream.hasText = true;
        bubble.replaceChildren(this.renderText(activity));
      }
      this.hideTyping();
      this.scrollToEnd(false);
    }

    onBotMessage(activity, isHistory) {
      this.hideTyping();
      const info = streamInfo(activity);
      const stream = info && info.streamType === 'final' && info.streamId ? this.streams.get(info.streamId) : null;
      let item;
      if (stream && !stream.final) {
        stream.final = true;
        item = stream.item;
        item.classList.remove('ca-streaming');
        item.removeAttribute('aria-busy');
        item.dataset.activityId = activity.id || '';
      } else {
        if (info && info.streamType === 'final' && info.streamId) this.streams.set(info.streamId, { final: true });
        const speaker = this.speakerOf(activity);
        item = this.createItem(speaker.kind, speaker, activity.timestamp);
        item.dataset.activityId = activity.id || '';
        this.appendItem(item);
      }
      const bubble = item.querySelector('.ca-bubble');
      bubble.replaceChildren(this.renderText(activity));
      this.renderAttachments(activity, bubble);
      if (!isHistory) {
        const speaker = this.speakerOf(activity);
        const who = speaker.kind === 'agent' ? `${speaker.name}, support agent` : `${config.title} bot`;
        this.announce(`${who} says: ${(activity.text || '').slice(0, 400)}`);
        if (!this.isOpen) {
          this.unread++;
          this.updateBadge();
        }
      }
    }

    renderText(activity) {
      const text = typeof activity.text === 'string' ? activity.text : '';
      return activity.textFormat === 'plain' || activity.textFormat === 'xml' ? renderPlain(text) : renderMarkdown(text);
    }

    renderAttachments(activity, bubble) {
      if (!Array.isArray(activity.attachments)) return;
      for (const attachment of activity.attachments) {
        if (!attachment || typeof attachment !== 'object') continue;
        const href = typeof attachment.contentUrl === 'string' ? safeHref(attachment.contentUrl) : null;
        const name = typeof attachment.name === 'string' && attachment.name ? attachment.name : 'Attachment';
        if (attachment.contentType === HERO_CARD && attachment.content && typeof attachment.content === 'object') {
          bubble.append(this.renderHeroCard(attachment.content));
        } else if (href) bubble.append(el('p', { class: 'ca-attachment' }, link(href, [document.createTextNode(name)])));
        else if (attachment.content && typeof attachment.content === 'object' && typeof attachment.content.title === 'string') {
          bubble.append(el('p', { class: 'ca-attachment' }, el('strong', { text: attachment.content.title })));
          if (typeof attachment.content.text === 'string') bubble.append(renderMarkdown(attachment.content.text));
        }
      }
    }

    /** A Bot Framework hero card (product results): picture, title, subtitle, text and its buttons. */
    renderHeroCard(card) {
      const title = typeof card.title === 'string' ? card.title : '';
      const node = el('article', { class: 'ca-card' });
      if (title) node.setAttribute('aria-label', title);
      const image = Array.isArray(card.images) ? card.images.find((i) => i && typeof i.url === 'string') : null;
      const src = image ? safeHref(image.url) : null;
      if (src && /^https?:/.test(src)) {
        node.append(el('img', { class: 'ca-card-image', src, alt: typeof image.alt === 'string' ? image.alt : title, loading: 'lazy' }));
      }
      if (title) node.append(el('p', { class: 'ca-card-title', text: title }));
      if (typeof card.subtitle === 'string' && card.subtitle) node.append(el('p', { class: 'ca-card-subtitle', text: card.subtitle }));
      if (typeof card.text === 'string' && card.text) node.append(el('div', { class: 'ca-card-text' }, renderMarkdown(card.text)));
      const buttons = Array.isArray(card.buttons) ? card.buttons.filter((b) => b && (typeof b.title === 'string' || typeof b.value === 'string')) : [];
      if (buttons.length) {
        const row = el('div', { class: 'ca-card-actions' });
        for (const action of buttons) {
          const label = String(action.title ?? action.value);
          if (action.type === 'openUrl') {
            const href = safeHref(String(action.value ?? ''));
            if (!href) continue;
            const a = link(href, [document.createTextNode(label)]);
            a.className = 'ca-card-button';
            if (title) a.setAttribute('aria-label', `${label}: ${title}`);
            row.append(a);
          } else {
            const button = el('button', { type: 'button', class: 'ca-card-button', text: label });
            if (title && !label.includes(title)) button.setAttribute('aria-label', `${label}: ${title}`);
            button.addEventListener('click', () => this.runAction(action));
            row.append(button);
          }
        }
        node.append(row);
      }
      return node;
    }

    updateSuggestions(activities) {
      const lastMessage = [...activities].reverse().find((a) => a && a.type === 'message');
      if (!lastMessage) return;
      if (isOwn(lastMessage, this.state.value.userId)) {
        this.clearSuggestions();
        return;
      }
      const actions = lastMessage.suggestedActions && Array.isArray(lastMessage.suggestedActions.actions)
        ? lastMessage.suggestedActions.actions.filter((a) => a && typeof a.title === 'string' || typeof a?.value === 'string')
        : [];
      this.showActions(actions);
    }

    showActions(actions) {
      this.suggestions.replaceChildren();
      for (const action of actions) {
        const title = String(action.title ?? action.value);
        const button = el('button', { type: 'button', class: 'ca-suggestion', text: title });
        button.addEventListener('click', () => this.runAction(action));
        this.suggestions.append(button);
      }
      this.suggestions.hidden = actions.length === 0;
    }

    runAction(action) {
      const value = action.value == null ? action.title : action.value;
      switch (action.type) {
        case 'openUrl': {
          const href = safeHref(String(value));
          if (href) window.open(href, '_blank', 'noopener,noreferrer');
          return;
        }
        case 'postBack':
          this.send(typeof value === 'string' ? value : '', { value, displayText: action.title });
          break;
        case 'messageBack':
          this.send(action.text || '', { value: action.value, displayText: action.displayText || action.title });
          break;
        default: // imBack and anything unknown: send the value as if typed
          this.send(String(value));
      }
      this.input.focus();
    }

    clearSuggestions() {
      this.suggestions.replaceChildren();
      this.suggestions.hidden = true;
    }

    showTyping(speaker) {
      this.typing.querySelector('.ca-typing-label').textContent =
        speaker.kind === 'agent' ? `${speaker.name} is typing…` : `${config.title} is typing…`;
      this.typing.hidden = false;
      clearTimeout(this.typingTimer);
      this.typingTimer = setTimeout(() => this.hideTyping(), 6000);
      this.scrollToEnd(false);
    }

    hideTyping() {
      clearTimeout(this.typingTimer);
      this.typing.hidden = true;
    }

    // ----- rating after an agent resolved the chat -----

    onRatingRequest(activity, isHistory) {
      const value = activity.value && typeof activity.value === 'object' ? activity.value : {};
      const agent = typeof value.agent === 'string' && value.agent ? value.agent : 'our support agent';
      const maxComment = Math.max(0, Math.min(4000, Number(value.maxCommentLength ?? 1000) || 0));
      if (this.ratingCard && this.ratingCard.dataset.state !== 'rated') this.ratingCard.remove();

      const card = el('li', { class: 'ca-rating', 'data-state': 'open', 'data-activity-id': activity.id || '' });
      const titleId = randomId('ca-rating-title-');
      const title = el('p', { class: 'ca-rating-title', id: titleId, text: `How did ${agent} do? Rate this chat.` });
      const stars = el('div', { class: 'ca-stars', role: 'group', 'aria-labelledby': titleId });
      let chosen = 0;
      const buttons = [];
      for (let n = 1; n <= 5; n++) {
        const button = el('button', {
          type: 'button',
          class: 'ca-star',
          'data-stars': String(n),
          'aria-pressed': 'false',
          'aria-label': `${n} star${n === 1 ? '' : 's'} out of 5`,
          text: '★',
        });
        button.addEventListener('click', () => {
          chosen = n;
          for (const b of buttons) {
            const on = Number(b.dataset.stars) <= n;
            b.classList.toggle('ca-star-on', on);
            b.setAttribute('aria-pressed', String(Number(b.dataset.stars) === n));
          }
          submit.disabled = false;
        });
        buttons.push(button);
        stars.append(button);
      }
      const commentId = randomId('ca-rating-comment-');
      const comment = el('textarea', { id: commentId, class: 'ca-rating-comment', rows: '2', maxlength: String(maxComment), placeholder: 'Anything to add? (optional)' });
      const submit = el('button', { type: 'submit', class: 'ca-rating-send', text: 'Send rating' });
      submit.disabled = true;
      const error = el('p', { class: 'ca-rating-error', role: 'alert' });
      const form = el('form', { class: 'ca-rating-form', novalidate: true }, title, stars,
        el('label', { for: commentId, class: 'ca-sr', text: 'Comment (optional)' }), comment, submit, error);
      if (maxComment === 0) comment.hidden = true;
      form.addEventListener('submit', async (event) => {
        event.preventDefault();
        if (!chosen || card.dataset.state !== 'open') return;
        card.dataset.state = 'sending';
        submit.disabled = true;
        error.textContent = '';
        const text = comment.value.trim();
        try {
          await this.connection.post({
            type: 'event',
            name: RATING_EVENT,
            from: { id: this.state.value.userId, role: 'user' },
            value: text ? { stars: chosen, comment: text } : { stars: chosen },
            channelData: { clientActivityID: randomId('ca_') },
          });
          this.markRated(card, chosen);
        } catch (failure) {
          if (failure.code === 'AlreadyRated') return this.markRated(card, null);
          card.dataset.state = 'open';
          submit.disabled = false;
          error.textContent = failure.message || 'Your rating was not sent. Try again.';
        }
      });
      card.append(form);
      this.ratingCard = card;
      this.lastSpeaker = null;
      this.log.append(card);
      this.scrollToEnd(false);
      if (!isHistory) this.announce(title.textContent);
    }

    onRatingRecorded(activity) {
      const stars = activity.value && typeof activity.value === 'object' ? Number(activity.value.stars) : null;
      if (this.ratingCard && this.ratingCard.dataset.state !== 'rated') this.markRated(this.ratingCard, stars);
    }

    markRated(card, stars) {
      card.dataset.state = 'rated';
      card.replaceChildren(el('p', {
        class: 'ca-rating-thanks',
        text: stars ? `Thank you! You rated this chat ${stars} out of 5.` : 'Thank you! This chat has been rated.',
      }));
      this.announce(card.textContent);
    }

    // ----- transcript items -----

    createItem(kind, speaker, timestamp) {
      const item = el('li', { class: `ca-msg ca-msg-${kind}`, 'data-sender': kind });
      const nameText = kind === 'user' ? 'You' : speaker.name;
      const meta = el('div', { class: 'ca-meta' });
      if (kind !== 'user') {
        meta.append(el('span', { class: `ca-avatar ca-avatar-${kind}`, 'aria-hidden': 'true' },
          kind === 'agent' ? document.createTextNode(initials(speaker.name)) : icon('bot', 'ca-icon')));
      }
      meta.append(el('span', { class: 'ca-sender', text: nameText }));
      if (kind === 'bot') meta.append(el('span', { class: 'ca-role ca-role-bot', text: 'Bot' }));
      if (kind === 'agent') meta.append(el('span', { class: 'ca-role ca-role-agent', text: 'Support agent' }));
      item.append(meta, el('div', { class: 'ca-bubble' }),
        el('div', { class: 'ca-footline' },
          el('time', { class: 'ca-time', datetime: timestamp || new Date().toISOString(), text: formatTime(timestamp) }),
          el('span', { class: 'ca-delivery' })));
      return item;
    }

    appendItem(item) {
      const kind = item.dataset.sender;
      const speakerKey = kind === 'user' ? 'user' : `${kind}:${item.querySelector('.ca-sender').textContent}`;
      if (this.lastSpeaker === speakerKey) item.classList.add('ca-continued');
      if (kind === 'agent' && this.lastAgentName !== item.querySelector('.ca-sender').textContent) {
        this.lastAgentName = item.querySelector('.ca-sender').textContent;
        this.log.append(el('li', { class: 'ca-divider', text: `${this.lastAgentName} (support agent) joined the chat` }));
        this.statusText.textContent = `Chatting with ${this.lastAgentName}`;
        item.classList.remove('ca-continued');
      }
      this.lastSpeaker = speakerKey;
      this.log.append(item);
    }

    scrollToEnd(force) {
      // Follow new messages only while the reader is at the bottom; someone scrolled up to read stays put.
      if (!force && !this.stickToBottom) return;
      this.stickToBottom = true;
      requestAnimationFrame(() => { this.scroller.scrollTop = this.scroller.scrollHeight; });
    }

    announce(text) {
      // Re-adding a node (rather than replacing text) makes screen readers read repeated messages too.
      const line = el('p', { text });
      this.announcer.append(line);
      setTimeout(() => line.remove(), 10000);
    }

    updateBadge() {
      this.badge.hidden = this.unread === 0;
      this.badge.textContent = this.unread > 9 ? '9+' : String(this.unread);
      this.launcher.setAttribute('aria-label', this.isOpen
        ? `Close chat: ${config.title}`
        : this.unread ? `Open chat: ${config.title}, ${this.unread} new message${this.unread === 1 ? '' : 's'}` : `Open chat: ${config.title}`);
    }

    onStatus(status) {
      this.statusLine.dataset.status = status;
      const labels = {
        idle: 'We reply in seconds',
        connecting: 'Connecting…',
        // Connected means the assistant answers; it never claims a person is online when nobody may be.
        online: this.lastAgentName ? `Chatting with ${this.lastAgentName}` : 'Assistant ready',
        reconnecting: 'Reconnecting…',
        failed: 'Offline',
      };
      this.statusText.textContent = labels[status] || status;
      clearTimeout(this.bannerTimer);
      if (status === 'reconnecting') {
        // A stream closed at token expiry or by a proxy is back within a second; only a longer outage is news.
        this.bannerTimer = setTimeout(() => this.showBanner('Connection lost. Reconnecting…'), 2500);
      } else if (status === 'online') this.hideBanner();
    }

    showBanner(text, withRetry) {
      this.banner.replaceChildren(el('span', { text }));
      if (withRetry) {
        const button = el('button', { type: 'button', class: 'ca-banner-retry', text: 'Try again' });
        button.addEventListener('click', () => {
          this.hideBanner();
          this.connect().catch(() => {});
        });
        this.banner.append(button);
      }
      this.banner.hidden = false;
    }

    hideBanner() {
      this.banner.hidden = true;
      this.banner.replaceChildren();
    }

    onConversationLost() {
      this.streams.clear();
      this.hideTyping();
      this.clearSuggestions();
      if (this.log.querySelector('.ca-msg:not(.ca-greeting)')) {
        this.log.append(el('li', { class: 'ca-divider', text: 'This conversation has ended. Send a message to start a new one.' }));
      }
      this.lastSpeaker = null;
      this.lastAgentName = null;
    }
  }

  function initials(name) {
    const parts = String(name).trim().split(/\s+/).filter(Boolean);
    return ((parts[0]?.[0] || '?') + (parts.length > 1 ? parts[parts.length - 1][0] : '')).toUpperCase();
  }

  function boot() {
    const widget = new Widget();
    window.ChatAgent = Object.freeze({
      open: () => widget.open(),
      close: () => widget.close(),
      toggle: () => (widget.isOpen ? widget.close() : widget.open()),
      send: (text) => {
        if (typeof text === 'string' && text.trim()) widget.send(text.trim());
      },
    });
    widget.init();
  }

  if (document.readyState === 'loading') document.addEventListener('DOMContentLoaded', boot, { once: true });
  else boot();
})();
