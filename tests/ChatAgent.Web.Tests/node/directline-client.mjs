// Drives the official Bot Framework Direct Line client (botframework-directlinejs) against a running ChatAgent
// host and prints one JSON object with what it saw; ChatAgent.Web.Tests asserts on it.
//
//   node directline-client.mjs BASE_URL TOKEN_ENDPOINT
//
// TOKEN_ENDPOINT may be absolute or relative to BASE_URL (e.g. /demo/token). Exit code 0 means the script ran
// to the end (the JSON says whether each check passed); 2 means bad arguments; 1 an unexpected crash.
import { createRequire } from 'node:module';
import { randomUUID } from 'node:crypto';

const require = createRequire(import.meta.url);

// directlinejs expects browser globals: XMLHttpRequest for its REST calls (polling included) and a global
// WebSocket, which its constructor touches even with webSocket:false.
globalThis.XMLHttpRequest = require('xhr2');
globalThis.WebSocket = require('ws');
const { DirectLine, ConnectionStatus } = require('botframework-directlinejs');

const [baseArg, tokenArg] = process.argv.slice(2);
if (!baseArg || !tokenArg) {
  console.error('usage: node directline-client.mjs BASE_URL TOKEN_ENDPOINT');
  process.exit(2);
}
const baseUrl = baseArg.replace(/\/+$/, '');
const tokenEndpoint = new URL(tokenArg, baseUrl + '/').href;
const domain = `${baseUrl}/v3/directline`;
const STEP_TIMEOUT_MS = Number(process.env.DL_STEP_TIMEOUT_MS || 20000);

const userId = `dl_node_${randomUUID().slice(0, 8)}`;
const from = { id: userId, name: 'Node client', role: 'user' };

async function getToken() {
  const response = await fetch(tokenEndpoint, { method: 'POST', headers: { Accept: 'application/json' } });
  if (!response.ok) throw new Error(`token endpoint ${tokenEndpoint} answered ${response.status}`);
  const body = await response.json();
  if (typeof body.token !== 'string') throw new Error('token endpoint returned no token');
  return body;
}

/** Subscribes to activity$ and connectionStatus$, recording everything, and lets callers wait for an activity. */
function record(directLine) {
  const activities = [];
  const statuses = [];
  const waiters = [];
  const subscription = directLine.activity$.subscribe(
    (activity) => {
      activities.push(activity);
      for (const waiter of [...waiters]) {
        if (waiter.predicate(activity)) {
          waiters.splice(waiters.indexOf(waiter), 1);
          waiter.resolve(activity);
        }
      }
    },
    (error) => statuses.push(`error: ${error && error.message}`));
  const statusSubscription = directLine.connectionStatus$.subscribe((s) => statuses.push(ConnectionStatus[s] ?? String(s)));
  return {
    activities,
    statuses,
    waitFor(predicate, what) {
      const existing = activities.find(predicate);
      if (existing) return Promise.resolve(existing);
      return new Promise((resolve, reject) => {
        const waiter = { predicate, resolve };
        waiters.push(waiter);
        setTimeout(() => {
          const index = waiters.indexOf(waiter);
          if (index >= 0) {
            waiters.splice(index, 1);
            reject(new Error(`timed out after ${STEP_TIMEOUT_MS} ms waiting for ${what}`));
          }
        }, STEP_TIMEOUT_MS);
      });
    },
    stop() {
      subscription.unsubscribe();
      statusSubscription.unsubscribe();
    },
  };
}

function post(directLine, text) {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`postActivity timed out for "${text}"`)), STEP_TIMEOUT_MS);
    directLine.postActivity({ type: 'message', from, text, locale: 'en-US' }).subscribe(
      (id) => {
        clearTimeout(timer);
        if (id === 'retry') reject(new Error(`postActivity failed for "${text}" (directlinejs answered "retry")`));
        else resolve(id);
      },
      (error) => {
        clearTimeout(timer);
        reject(new Error(`postActivity failed for "${text}": ${error && (error.status || error.message)}`));
      });
  });
}

const isBotMessageContaining = (marker) => (a) =>
  a.type === 'message' && a.from && a.from.id !== userId && a.from.role !== 'user' && typeof a.text === 'string' && a.text.includes(marker);
const isOwnMessage = (marker) => (a) => a.type === 'message' && a.from && a.from.id === userId && a.text === marker;

const summary = (a) => ({
  id: a.id,
  type: a.type,
  role: a.from && a.from.role,
  text: typeof a.text === 'string' ? a.text.slice(0, 200) : null,
  streamType: (a.channelData && a.channelData.streamType) || null,
});

async function conversationRound(webSocket) {
  const grant = await getToken();
  const directLine = new DirectLine({ token: grant.token, domain, webSocket, pollingInterval: 200 });
  const log = record(directLine);
  try {
    const marker = `${webSocket ? 'ws' : 'poll'}-${randomUUID().slice(0, 8)}`;
    const text = `hello over ${webSocket ? 'websocket' : 'polling'} ${marker}`;
    const postedId = await post(directLine, text);
    const reply = await log.waitFor(isBotMessageContaining(marker), `the bot's reply to "${text}"`);
    // Give the echo of the user's own activity a moment if it was not already there.
    const echo = await log.waitFor(isOwnMessage(text), 'the echo of the posted activity').catch(() => null);
    return {
      ok: true,
      conversationId: directLine.conversationId,
      grantConversationId: grant.conversationId ?? null,
      postedId,
      ownEchoId: echo ? echo.id : null,
      reply: summary(reply),
      streamingTypingSeen: log.activities.filter((a) => a.type === 'typing' && a.channelData && a.channelData.streamType === 'streaming').length,
      watermark: directLine.watermark,
      statuses: log.statuses,
    };
  } finally {
    log.stop();
    directLine.end();
  }
}

async function resumeRound() {
  const grant = await getToken();
  const first = new DirectLine({ token: grant.token, domain, webSocket: true });
  const firstLog = record(first);
  const marker = randomUUID().slice(0, 8);
  const firstText = `first message ${marker}-a`;
  await post(first, firstText);
  await firstLog.waitFor(isBotMessageContaining(`${marker}-a`), 'the reply to the first message');
  const conversationId = first.conversationId;
  const watermarkBefore = first.watermark;
  const token = first.token;
  firstLog.stop();
  first.end(); // the "reconnect": this client is gone; nothing listens while the next message is answered

  // While no client is connected, a message is posted (another device, a retry) and the bot answers it.
  const missedText = `missed while away ${marker}-b`;
  const postResponse = await fetch(`${domain}/conversations/${encodeURIComponent(conversationId)}/activities`, {
    method: 'POST',
    headers: { Authorization: `Bearer ${token}`, 'Content-Type': 'application/json' },
    body: JSON.stringify({ type: 'message', from, text: missedText, channelData: { clientActivityID: `node-${marker}` } }),
  });
  if (!postResponse.ok) throw new Error(`posting while disconnected failed: HTTP ${postResponse.status}`);
  // Wait (over plain REST, without touching any client's watermark) until the bot has answered.
  const deadline = Date.now() + STEP_TIMEOUT_MS;
  for (;;) {
    const response = await fetch(`${domain}/conversations/${encodeURIComponent(conversationId)}/activities?watermark=${encodeURIComponent(watermarkBefore)}`, {
      headers: { Authorization: `Bearer ${token}` },
    });
    const body = await response.json();
    if ((body.activities || []).some(isBotMessageContaining(`${marker}-b`))) break;
    if (Date.now() > deadline) throw new Error('the bot never answered the message posted while disconnected');
    await new Promise((r) => setTimeout(r, 200));
  }

  const resumed = new DirectLine({ token, domain, webSocket: true, conversationId, watermark: watermarkBefore });
  const resumedLog = record(resumed);
  try {
    const missedReply = await resumedLog.waitFor(isBotMessageContaining(`${marker}-b`), 'the reply missed while disconnected');
    // Any late frame of the old exchange would arrive with the replay; give it a moment to show up.
    await new Promise((r) => setTimeout(r, 500));
    return {
      ok: true,
      conversationId,
      resumedConversationId: resumed.conversationId,
      watermarkBefore,
      watermarkAfter: resumed.watermark,
      missedReply: summary(missedReply),
      missedUserMessageSeen: resumedLog.activities.some((a) => a.type === 'message' && a.text === missedText),
      oldActivitiesSeen: resumedLog.activities.filter((a) => typeof a.text === 'string' && a.text.includes(`${marker}-a`)).map(summary),
      activitiesAfterResume: resumedLog.activities.map(summary),
    };
  } finally {
    resumedLog.stop();
    resumed.end();
  }
}

async function run(name, fn) {
  try {
    return await fn();
  } catch (error) {
    return { ok: false, error: `${name}: ${error && error.message ? error.message : String(error)}` };
  }
}

try {
  const result = {
    websocket: await run('websocket', () => conversationRound(true)),
    polling: await run('polling', () => conversationRound(false)),
    resume: await run('resume', resumeRound),
  };
  process.stdout.write(JSON.stringify(result) + '\n');
  process.exit(0);
} catch (error) {
  console.error(error);
  process.exit(1);
}
