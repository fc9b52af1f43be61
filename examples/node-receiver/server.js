'use strict';
/*
 * The Node reference receiver: Mono webhooks handled the way Mono's data-sync guide says
 * (the guide's own examples use Express), on a real SQLite file, in several correct designs
 * (RECEIVER_STYLE), with bug switches that reproduce integrators' mistakes (RECEIVER_BUGS).
 * The contract — environment, routes, rules 1–9, the styles and the switches — is in
 * examples/README.md; "rule N" below refers to it.
 *
 *   npm install && npm start
 *
 * Environment:
 *   PORT              port to listen on (127.0.0.1)            default 3000
 *   MONO_BASE_URL     the Mono API (monosim's URL in tests)     default https://api.withmono.com
 *   MONO_SECRET_KEY   mono-sec-key for API calls
 *   MONO_WEBHOOK_SEC  the secret every webhook must carry in mono-webhook-secret
 *   DB_PATH           the SQLite file (recreated at start)      default receiver.db
 *   RECEIVER_STYLE    comma-separated design choices (v1 or v2, keep_flag, clear_on_update;
 *                     examples/README.md, "Styles"); empty = the default design
 *   RECEIVER_BUGS     comma-separated bug switches; empty = correct
 *                     (MONOSIM_RECEIVER_BUGS is read when RECEIVER_BUGS is unset)
 */

const fs = require('fs');
const path = require('path');
const express = require('express');
const Database = require('better-sqlite3');

const PORT = Number(process.env.PORT || 3000);
const MONO = (process.env.MONO_BASE_URL || 'https://api.withmono.com').replace(/\/+$/, '');
const SECRET_KEY = process.env.MONO_SECRET_KEY || '';
const WEBHOOK_SECRET = process.env.MONO_WEBHOOK_SEC || '';
const DB_PATH = process.env.DB_PATH || 'receiver.db';
// Mono API calls give up before monosim's default 5 s delivery timeout, so a bank that does
// not answer turns into our own 500 (rule 3) rather than a webhook left hanging.
const API_TIMEOUT_MS = 4000;

const SWITCHES = [
  'reads_data_id',
  'no_secret_check',
  'wrong_header',
  'never_clears_flag',
  'not_idempotent',
  'trusts_order',
  'processing_is_available',
  'ack_then_drop',
  'crashes_on_unknown',
  'no_fresh_token',
  'requires_event_id',
  'ignores_unlink',
  'ignores_updates_while_flagged',
];
const BUGS = new Set(
  (process.env.RECEIVER_BUGS || process.env.MONOSIM_RECEIVER_BUGS || '')
    .split(',')
    .map((name) => name.trim())
    .filter(Boolean),
);
for (const name of BUGS) {
  if (!SWITCHES.includes(name)) {
    console.error(`unknown bug switch \`${name}\`; known: ${SWITCHES.join(', ')}`);
    process.exit(1);
  }
}
const bug = (name) => BUGS.has(name);

// The design choices Mono's docs leave open (examples/README.md, "Styles"); each
// combination is a correct receiver.
const STYLES = ['v1', 'v2', 'keep_flag', 'clear_on_update'];
const STYLE = new Set(
  (process.env.RECEIVER_STYLE || '')
    .split(',')
    .map((name) => name.trim())
    .filter(Boolean),
);
for (const name of STYLE) {
  if (!STYLES.includes(name)) {
    console.error(`unknown style \`${name}\`; known: ${STYLES.join(', ')}`);
    process.exit(1);
  }
}
if (STYLE.has('v1') && STYLE.has('v2')) {
  console.error('RECEIVER_STYLE names both v1 and v2: choose one');
  process.exit(1);
}
// Which API reads data and asks for tokens: 'guide' (GET /v2/accounts/:id/balance and
// POST /accounts/:id/reauthorise, as the guide), 'v1' (GET /accounts/:id and the same
// /reauthorise) or 'v2' (GET /v2/accounts/:id and POST /v2/accounts/initiate, storing the
// mono_url).
const API = STYLE.has('v1') ? 'v1' : STYLE.has('v2') ? 'v2' : 'guide';
// On a failed token request, keep the account flagged (with the code it had) and answer
// 500, instead of rolling everything back and answering 500.
const KEEP_FLAG = STYLE.has('keep_flag');
// Also clear the flag on an account_updated AVAILABLE newer than the
// reauthorisation_required that set it: the data flowing again means the user is back.
const CLEAR_ON_UPDATE = STYLE.has('clear_on_update');

// ---------------------------------------------------------------------------------------
// The database: recreated at every start.

function open(file) {
  const dir = path.dirname(file);
  if (dir) fs.mkdirSync(dir, { recursive: true });
  for (const leftover of [file, `${file}-journal`, `${file}-wal`, `${file}-shm`]) {
    fs.rmSync(leftover, { force: true });
  }
  const db = new Database(file);
  db.exec(`
    CREATE TABLE accounts (
      mono_id         TEXT PRIMARY KEY,
      linked          INTEGER NOT NULL DEFAULT 1,
      data_status     TEXT,
      balance         INTEGER,
      reauth_required INTEGER NOT NULL DEFAULT 0,  -- the guide's reauthRequired
      reauth_code     TEXT,                        -- the guide's reauthCode (v2: the mono_url)
      flagged_at      INTEGER,                     -- ms timestamp of the reauthorisation_required that set the flag
      updated_at      INTEGER                      -- ms timestamp of the newest account_updated applied
    );
    CREATE TABLE processed_events (event_id TEXT PRIMARY KEY);
  `);
  return db;
}

const db = open(DB_PATH);
const sql = {
  seen: db.prepare('SELECT 1 FROM processed_events WHERE event_id = ?'),
  remember: db.prepare('INSERT OR IGNORE INTO processed_events (event_id) VALUES (?)'),
  account: db.prepare('SELECT * FROM accounts WHERE mono_id = ?'),
  upsert: db.prepare('INSERT OR IGNORE INTO accounts (mono_id) VALUES (?)'),
  connected: db.prepare(
    `INSERT INTO accounts (mono_id, linked, data_status) VALUES (?, 1, 'PROCESSING')
     ON CONFLICT (mono_id) DO UPDATE SET linked = 1, data_status = COALESCE(data_status, 'PROCESSING')`,
  ),
  updated: db.prepare(
    `UPDATE accounts SET data_status = @status, balance = COALESCE(@balance, balance),
       updated_at = CASE WHEN @at IS NULL THEN updated_at ELSE MAX(COALESCE(updated_at, @at), @at) END
     WHERE mono_id = @id`,
  ),
  // A null code (the keep_flag style, when asking for it failed) keeps the code as it was.
  flag: db.prepare(
    `UPDATE accounts SET reauth_required = 1, reauth_code = COALESCE(@code, reauth_code), flagged_at = @at
     WHERE mono_id = @id`,
  ),
  // The clear_on_update style: an update newer than the flag (or either without a timestamp).
  clearedByUpdate: db.prepare(
    `UPDATE accounts SET reauth_required = 0, reauth_code = NULL
     WHERE mono_id = @id AND (@at IS NULL OR flagged_at IS NULL OR flagged_at < @at)`,
  ),
  reauthorized: db.prepare('UPDATE accounts SET reauth_required = 0, reauth_code = NULL WHERE mono_id = ?'),
  codeOnly: db.prepare('UPDATE accounts SET reauth_code = NULL WHERE mono_id = ?'),
  unlinked: db.prepare(
    'UPDATE accounts SET linked = 0, reauth_required = 0, reauth_code = NULL WHERE mono_id = ?',
  ),
};

// better-sqlite3 is synchronous but a webhook awaits Mono API calls inside its transaction,
// so webhooks (and state reads, which must not see a transaction in progress) run one at a
// time through this queue.
let queue = Promise.resolve();
function serialized(task) {
  const run = queue.then(task);
  queue = run.catch(() => {});
  return run;
}

// ---------------------------------------------------------------------------------------
// Mono.

/** Calls the Mono API; a transport error, a timeout or a non-2xx answer throws. */
async function mono(method, route, body) {
  const headers = { 'mono-sec-key': SECRET_KEY, accept: 'application/json' };
  if (body !== undefined) headers['content-type'] = 'application/json';
  const answer = await fetch(MONO + route, {
    method,
    headers,
    body: body === undefined ? undefined : JSON.stringify(body),
    signal: AbortSignal.timeout(API_TIMEOUT_MS),
  });
  const text = await answer.text();
  if (!answer.ok) throw new Error(`${method} ${route} answered ${answer.status}: ${text}`);
  return text ? JSON.parse(text) : {};
}

/** A field the handler cannot do without: missing means the handler fails (rule 3). */
function need(value, what) {
  if (value === undefined || value === null || value === '') throw new Error(`no ${what} in the payload`);
  return value;
}

/**
 * The account's balance, read the way this style reads data. The account object (v1, v2)
 * shows a null balance until Mono has retrieved it: that is no balance, not a failure.
 */
async function balanceOf(id) {
  const account = encodeURIComponent(id);
  if (API === 'v1') {
    const answer = await mono('GET', `/accounts/${account}`);
    return (answer.account && answer.account.balance) ?? null;
  }
  if (API === 'v2') {
    const answer = await mono('GET', `/v2/accounts/${account}`);
    const data = answer.data && answer.data.account;
    return (data && data.balance) ?? null;
  }
  const answer = await mono('GET', `/v2/accounts/${account}/balance`);
  return need(answer.data && answer.data.balance, 'data.balance in the balance answer');
}

/** A re-auth token, or (v2) the mono_url that carries one: what the frontend needs. */
async function reauthCode(id) {
  if (API === 'v2') {
    const answer = await mono('POST', '/v2/accounts/initiate', {
      scope: 'reauth',
      account: id,
      meta: { ref: `reauth-${id}` },
      redirect_url: 'https://app.example/reauthorised',
    });
    return need(answer.data && answer.data.mono_url, 'data.mono_url in the initiate answer');
  }
  const answer = await mono('POST', `/accounts/${encodeURIComponent(id)}/reauthorise`);
  return need(answer.token, 'token in the reauthorise answer');
}

/** The envelope's `timestamp` in ms, or null (legacy payloads have none). */
function timestampOf(event) {
  if (typeof event.timestamp === 'number') return event.timestamp;
  if (typeof event.timestamp !== 'string') return null;
  const ms = Date.parse(event.timestamp);
  return Number.isNaN(ms) ? null : ms;
}

// ---------------------------------------------------------------------------------------
// The handler: runs inside the webhook's transaction; throwing rolls it back. It returns
// nothing when the work is done, or (the keep_flag style) why the work kept so far is not
// finished: the caller then commits it without marking the event processed, and answers 500.

async function handle(event) {
  const name = event.event;
  const data = event.data && typeof event.data === 'object' ? event.data : {};
  const account = data.account && typeof data.account === 'object' ? data.account : {};

  if (bug('requires_event_id')) need(event.event_id, 'event_id');

  switch (name) {
    case 'mono.events.account_connected': {
      // Rule 4: create the row as linked and PROCESSING, but an account_updated that got
      // here first (its row already holds a status) is not moved back to PROCESSING.
      sql.connected.run(need(data.id, 'data.id'));
      return;
    }

    case 'mono.events.account_updated': {
      const id = need(account._id, 'data.account._id');
      const status = (data.meta && data.meta.data_status) || null;
      const at = timestampOf(event);
      if (bug('ignores_updates_while_flagged')) {
        const flagged = sql.account.get(id);
        if (flagged && flagged.reauth_required) return;
      }
      sql.upsert.run(id);
      // Rule 5: order-tolerant — an account_updated older than the newest one applied is
      // ignored (a late retry must not undo newer data); legacy payloads have no timestamp.
      const row = sql.account.get(id);
      if (!bug('trusts_order') && at !== null && row.updated_at !== null && at < row.updated_at) return;
      // Rule 5: fetch the balance only when the data is in (AVAILABLE or PARTIAL); the
      // status itself is stored as sent, whatever the switches.
      const available = status === 'AVAILABLE' || status === 'PARTIAL';
      let balance = null;
      if (available || bug('processing_is_available')) balance = await balanceOf(id);
      sql.updated.run({ id, status, balance, at });
      // The clear_on_update style: fresh data after the flag was set means the user
      // re-authorised (legacy payloads, without timestamps, count as newer).
      if (CLEAR_ON_UPDATE && status === 'AVAILABLE' && !bug('never_clears_flag')) {
        sql.clearedByUpdate.run({ id, at });
      }
      return;
    }

    case 'mono.events.reauthorisation_required': {
      // Rule 6: the id is in data.account._id — Mono's own demo app reads data._id.
      const id = bug('reads_data_id') ? need(data._id, 'data._id') : need(account._id, 'data.account._id');
      // Rule 6: always fetch a fresh token, even when the account is already flagged.
      const row = sql.account.get(id);
      if (bug('no_fresh_token') && row && row.reauth_required) return;
      let code = null;
      let unfinished;
      try {
        code = await reauthCode(id);
      } catch (error) {
        // The keep_flag style: flag the account now, answer 500 for the retry.
        if (!KEEP_FLAG) throw error;
        console.error(`no re-auth token for ${id} yet: ${error.message}`);
        unfinished = 'no re-auth token yet: Mono will retry';
      }
      sql.upsert.run(id);
      sql.flag.run({ id, code, at: timestampOf(event) });
      return unfinished;
    }

    case 'mono.events.account_reauthorized': {
      // Rule 7: clear the flag and the code.
      const id = need(account._id || account.id, 'data.account._id');
      if (bug('never_clears_flag')) sql.codeOnly.run(id);
      else sql.reauthorized.run(id);
      return;
    }

    case 'mono.events.account_unlinked': {
      // Rule 8: Mono's docs show `id` in the sample and `_id` in the table.
      const id = need(account.id || account._id, 'data.account.id');
      if (bug('ignores_unlink')) return;
      sql.unlinked.run(id);
      return;
    }

    case 'mono.events.sync_failed':
    case 'mono.accounts.jobs.update':
      return; // Rule 9: known, nothing to store.

    default:
      // Rule 9: event types Mono adds later are acknowledged, not failed.
      if (bug('crashes_on_unknown')) throw new Error(`unknown event ${name}`);
  }
}

// ---------------------------------------------------------------------------------------
// Routes.

const app = express();
app.disable('x-powered-by');

app.get('/health', (req, res) => res.json({ ok: true }));

app.get('/test/accounts/:id', async (req, res) => {
  const row = await serialized(() => sql.account.get(req.params.id));
  if (!row) return res.status(404).json({ error: 'no such account' });
  res.json({
    id: row.mono_id,
    linked: row.linked === 1,
    dataStatus: row.data_status,
    balance: row.balance,
    reauthRequired: row.reauth_required === 1,
    reauthCode: row.reauth_code,
  });
});

// The raw body: the secret is checked before anything is parsed.
app.post('/webhook', express.raw({ type: () => true, limit: '1mb' }), async (req, res) => {
  // Rule 1: the raw secret, compared as a plain string (Mono does not sign webhooks).
  if (!bug('no_secret_check')) {
    const header = bug('wrong_header') ? 'mono-webhook-signature' : 'mono-webhook-secret';
    if (req.get(header) !== WEBHOOK_SECRET) {
      return res.status(401).json({ error: 'bad webhook secret' });
    }
  }
  let event;
  try {
    event = JSON.parse(Buffer.isBuffer(req.body) ? req.body.toString('utf8') : '');
  } catch (error) {
    return res.status(400).json({ error: 'not JSON' });
  }
  if (!event || typeof event !== 'object' || Array.isArray(event)) {
    return res.status(400).json({ error: 'not a JSON object' });
  }
  const eventId = typeof event.event_id === 'string' && event.event_id ? event.event_id : null;

  const [status, body] = await serialized(async () => {
    // Rule 2: Mono redelivers with the same event_id; process each event once. Legacy
    // payloads have no event_id and are always processed.
    if (eventId && !bug('not_idempotent') && sql.seen.get(eventId)) {
      return [200, { duplicate: true }];
    }
    db.exec('BEGIN IMMEDIATE');
    try {
      const unfinished = await handle(event);
      // Work kept but not finished (a flag without its token) is committed without marking
      // the event processed, and answered 500 so Mono sends it again.
      if (eventId && !unfinished) sql.remember.run(eventId);
      db.exec('COMMIT');
      if (unfinished) {
        console.error(`webhook ${event.event} unfinished: ${unfinished}`);
        if (bug('ack_then_drop')) return [200, { ok: true }];
        return [500, { error: unfinished }];
      }
      return [200, { ok: true }];
    } catch (error) {
      db.exec('ROLLBACK');
      console.error(`webhook ${event.event} failed: ${error.message}`);
      // Rule 3: answer 500 so Mono retries; never acknowledge work that was not done.
      if (bug('ack_then_drop')) return [200, { ok: true }];
      return [500, { error: error.message }];
    }
  });
  res.status(status).json(body);
});

app.use((req, res) => res.status(404).json({ error: 'not found' }));

const server = app.listen(PORT, '127.0.0.1', () => {
  const style = STYLE.size ? ` (style: ${[...STYLE].join(', ')})` : '';
  const switches = BUGS.size ? ` (bugs: ${[...BUGS].join(', ')})` : '';
  console.log(`receiver listening on http://127.0.0.1:${PORT}${style}${switches}`);
});
server.on('error', (error) => {
  console.error(`cannot listen on 127.0.0.1:${PORT}: ${error.message}`);
  process.exit(1);
});
for (const signal of ['SIGINT', 'SIGTERM']) {
  process.on(signal, () => {
    server.close();
    db.close();
    process.exit(0);
  });
}
