// Runs the unmodified `mono-node` client (npm, 1.0.3) against a running monosim.
//
// The only change made to the client is its base URL: mono-node builds one axios instance
// with `baseURL: "https://api.withmono.com"` and hands that same instance to every
// sub-client (auth, account, misc, user), so setting `defaults.baseURL` on it redirects
// them all.
//
// Env: MONOSIM_URL, MONOSIM_SECRET_KEY, MONOSIM_ACCOUNT_ID, MONOSIM_ACCOUNT_CODE.
// Prints one line per check; exits non-zero on the first failure.

'use strict';

const assert = require('node:assert/strict');
const { Mono } = require('mono-node');

function env(name) {
  const value = process.env[name];
  if (!value) {
    console.error(`FAIL: environment variable ${name} is not set`);
    process.exit(2);
  }
  return value;
}

const url = env('MONOSIM_URL');
const secretKey = env('MONOSIM_SECRET_KEY');
const accountId = env('MONOSIM_ACCOUNT_ID');
const code = env('MONOSIM_ACCOUNT_CODE');

const mono = new Mono({ secretKey });
const shared = mono.account.axios;
for (const name of ['auth', 'account', 'misc', 'user']) {
  assert.equal(mono[name].axios, shared, `mono.${name} shares the one axios instance`);
}
assert.equal(shared.defaults.baseURL, 'https://api.withmono.com');
shared.defaults.baseURL = url;

// mono-node's promise form swallows errors (`.catch(err => {})`), so every call goes
// through its callback form, which does report them.
function call(fn, ...args) {
  return new Promise((resolve, reject) => {
    fn(...args, (err, results) => {
      if (err) {
        reject(new Error(`the client reported an error: ${JSON.stringify(err)}`));
      } else {
        resolve(results);
      }
    });
  });
}

const HEX24 = /^[0-9a-f]{24}$/;
const ISO_DATE = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?Z$/;

function isInt(value, what) {
  assert.ok(Number.isInteger(value), `${what} is an integer (kobo), got ${JSON.stringify(value)}`);
}

function isString(value, what) {
  assert.equal(typeof value, 'string', `${what} is a string, got ${JSON.stringify(value)}`);
  assert.ok(value.length > 0, `${what} is not empty`);
}

function checkTransaction(tx, what) {
  assert.match(tx._id, HEX24, `${what}._id is 24 hex digits`);
  assert.ok(['debit', 'credit'].includes(tx.type), `${what}.type is debit or credit, got ${tx.type}`);
  isInt(tx.amount, `${what}.amount`);
  assert.ok(tx.amount > 0, `${what}.amount is positive`);
  isInt(tx.balance, `${what}.balance`);
  isString(tx.narration, `${what}.narration`);
  assert.match(tx.date, ISO_DATE, `${what}.date is an ISO-8601 timestamp`);
  assert.equal(tx.currency, 'NGN', `${what}.currency`);
}

function checkFlow(body, what) {
  isInt(body.total, `${what}.total`);
  assert.ok(Array.isArray(body.history), `${what}.history is an array`);
  assert.ok(body.history.length > 0, `${what}.history is not empty`);
  let sum = 0;
  for (const [i, h] of body.history.entries()) {
    isInt(h.amount, `${what}.history[${i}].amount`);
    isString(h.period, `${what}.history[${i}].period`);
    sum += h.amount;
  }
  assert.equal(sum, body.total, `${what}.total is the sum of its history`);
}

const checks = [];
function check(name, fn) {
  checks.push([name, fn]);
}

let pdfJobId;

check('auth.getAccountId exchanges the code for the account id', async () => {
  const res = await call(mono.auth.getAccountId.bind(mono.auth), { code });
  assert.equal(res.id, accountId);
});

check('account.getAccountInformation', async () => {
  const res = await call(mono.account.getAccountInformation.bind(mono.account), { accountId });
  const a = res.account;
  assert.equal(a._id, accountId);
  assert.match(a._id, HEX24);
  isString(a.name, 'account.name');
  assert.match(a.accountNumber, /^\d{10}$/, 'account.accountNumber is a 10-digit NUBAN');
  isString(a.type, 'account.type');
  assert.equal(a.currency, 'NGN');
  isInt(a.balance, 'account.balance');
  isString(a.bvn, 'account.bvn');
  isString(a.institution.name, 'account.institution.name');
  assert.match(a.institution.bankCode, /^\d{3,6}$/, 'account.institution.bankCode');
  isString(a.institution.type, 'account.institution.type');
  isString(res.meta.data_status, 'meta.data_status');
  return `${a.name}, ${a.institution.name} ${a.accountNumber}, balance ${a.balance}`;
});

check('account.getIdentity', async () => {
  const res = await call(mono.account.getIdentity.bind(mono.account), { accountId });
  isString(res.fullName, 'identity.fullName');
  assert.match(res.email, /^[^@\s]+@[^@\s]+$/, 'identity.email');
  isString(res.phone, 'identity.phone');
  assert.match(res.bvn, /^\d{11}$/, 'identity.bvn is 11 digits');
  assert.match(res.dob, /^\d{4}-\d{2}-\d{2}/, 'identity.dob');
  isString(res.gender, 'identity.gender');
  isString(res.addressLine1, 'identity.addressLine1');
  return res.fullName;
});

check('account.getAccountTransactions (plain)', async () => {
  const res = await call(mono.account.getAccountTransactions.bind(mono.account), { accountId });
  assert.ok(Array.isArray(res.data), 'data is an array');
  assert.ok(res.data.length > 0, 'the account has transactions');
  res.data.forEach((tx, i) => checkTransaction(tx, `data[${i}]`));
  isInt(res.paging.total, 'paging.total');
  assert.ok(res.paging.total >= res.data.length, 'paging.total counts at least this page');
  assert.equal(res.paging.page, 1);
  assert.equal(res.paging.previous, null);
  const dates = res.data.map((tx) => tx.date);
  assert.deepEqual(dates, [...dates].sort().reverse(), 'newest first');
  return `${res.data.length} of ${res.paging.total}`;
});

check('account.getAccountTransactions (type credit, paginated, limit 5)', async () => {
  const get = mono.account.getAccountTransactions.bind(mono.account);
  const page = await call(get, { accountId, type: 'credit', paginate: true, limit: 5 });
  assert.ok(page.data.length > 0 && page.data.length <= 5, `1..5 rows, got ${page.data.length}`);
  page.data.forEach((tx, i) => {
    checkTransaction(tx, `data[${i}]`);
    assert.equal(tx.type, 'credit', `data[${i}] is a credit`);
  });
  const total = page.paging.total;
  isInt(total, 'paging.total');
  if (total > 5) {
    isString(page.paging.next, 'paging.next');
    // The next link keeps the filter; follow it on the client's own axios instance.
    const next = (await shared.get(page.paging.next)).data;
    assert.equal(next.paging.page, 2);
    next.data.forEach((tx, i) => assert.equal(tx.type, 'credit', `page 2 data[${i}] is a credit`));
    const seen = new Set(page.data.map((tx) => tx._id));
    next.data.forEach((tx) => assert.ok(!seen.has(tx._id), 'page 2 repeats no row of page 1'));
  }
  const all = await call(get, { accountId, type: 'credit', paginate: false });
  assert.equal(all.data.length, total, 'paginate=false returns every credit');
  all.data.forEach((tx, i) => {
    checkTransaction(tx, `all[${i}]`);
    assert.equal(tx.type, 'credit', `all[${i}] is a credit`);
  });
  return `${total} credits`;
});

check('account.getAccountStatement output json', async () => {
  const get = mono.account.getAccountStatement.bind(mono.account);
  const res = await call(get, { accountId, period: 'last3months', output: 'json' });
  const data = res.data;
  assert.ok(Array.isArray(data.statement), 'data.statement is an array');
  assert.equal(data.count, data.statement.length, 'data.count counts the lines');
  isInt(data.requested_length, 'data.requested_length');
  for (const [i, line] of data.statement.entries()) {
    assert.match(line.id, HEX24, `statement[${i}].id is 24 hex digits`);
    assert.ok(['debit', 'credit'].includes(line.type));
    isInt(line.amount, `statement[${i}].amount`);
    isInt(line.balance, `statement[${i}].balance`);
    assert.match(line.date, ISO_DATE, `statement[${i}].date`);
  }
  const full = await call(get, { accountId, output: 'json' });
  assert.ok(full.data.count >= data.count, 'the default period covers at least 3 months');
  return `${data.count} lines in 3 months, ${full.data.count} by default`;
});

check('account.getAccountStatement output pdf', async () => {
  const get = mono.account.getAccountStatement.bind(mono.account);
  const res = await call(get, { accountId, period: 'last6months', output: 'pdf' });
  isString(res.id, 'job id');
  isString(res.status, 'job status');
  pdfJobId = res.id;
  return `job ${res.id} ${res.status}`;
});

check('account.pollPdfAccountStatementStatus, then download the PDF', async () => {
  const poll = mono.account.pollPdfAccountStatementStatus.bind(mono.account);
  let res;
  for (let attempt = 0; attempt < 20; attempt += 1) {
    res = await call(poll, { accountId, jobId: pdfJobId });
    assert.equal(res.id, pdfJobId);
    if (res.status === 'BUILT') break;
    await new Promise((r) => setTimeout(r, 100));
  }
  assert.equal(res.status, 'BUILT', 'the job is built within 20 polls');
  isString(res.path, 'path');
  const download = await fetch(res.path);
  assert.equal(download.status, 200, `GET ${res.path}`);
  const bytes = Buffer.from(await download.arrayBuffer());
  assert.equal(bytes.subarray(0, 4).toString('latin1'), '%PDF', 'the file is a PDF');
  return `${bytes.length} bytes`;
});

check('account.getCustomerCredits', async () => {
  const res = await call(mono.account.getCustomerCredits.bind(mono.account), { accountId });
  checkFlow(res, 'credits');
  return `total ${res.total} over ${res.history.length} months`;
});

check('account.getCustomerDebits', async () => {
  const res = await call(mono.account.getCustomerDebits.bind(mono.account), { accountId });
  checkFlow(res, 'debits');
  return `total ${res.total} over ${res.history.length} months`;
});

check('account.getIncome', async () => {
  const res = await call(mono.account.getIncome.bind(mono.account), { accountId });
  for (const field of ['average_income', 'monthly_income', 'yearly_income', 'income_sources']) {
    isInt(res[field], `income.${field}`);
  }
  return `average ${res.average_income}`;
});

check('misc.institutions', async () => {
  const res = await call(mono.misc.institutions.bind(mono.misc));
  assert.ok(Array.isArray(res) && res.length > 0, 'a non-empty list');
  for (const [i, inst] of res.entries()) {
    isString(inst.name, `[${i}].name`);
    assert.equal(typeof inst.coverage, 'object', `[${i}].coverage`);
    assert.ok(Array.isArray(inst.products), `[${i}].products`);
  }
  return `${res.length} institutions`;
});

check('account.syncDataManually', async () => {
  const res = await call(mono.account.syncDataManually.bind(mono.account), { accountId });
  assert.equal(res.status, 'successful', `sync status, got ${JSON.stringify(res)}`);
  assert.equal(res.code, 'SYNC_SUCCESSFUL');
  assert.equal(typeof res.hasNewData, 'boolean', 'hasNewData is a boolean');
  return `${res.code}, hasNewData ${res.hasNewData}`;
});

check('account.reauthCode gives a 20-character token (an MFA account)', async () => {
  const res = await call(mono.account.reauthCode.bind(mono.account), { accountId });
  assert.match(res.token, /^[A-Za-z0-9]{20}$/, `token, got ${JSON.stringify(res)}`);
  return `token of ${res.token.length} characters`;
});

check('errors reach the callback: an unknown account is a 404 with a message', async () => {
  const missing = '000000000000000000000000';
  await assert.rejects(
    call(mono.account.getAccountInformation.bind(mono.account), { accountId: missing }),
    (err) => /"message"/.test(err.message),
  );
});

// Last: the account is gone afterwards.
check('account.unlinkAccount, after which the account is gone (404)', async () => {
  const res = await call(mono.account.unlinkAccount.bind(mono.account), { accountId });
  isString(res.message, 'unlink message');
  await assert.rejects(
    call(mono.account.getAccountInformation.bind(mono.account), { accountId }),
    (err) => /"message"/.test(err.message),
  );
  return res.message;
});

(async () => {
  for (const [name, fn] of checks) {
    try {
      const detail = await fn();
      console.log(`ok   ${name}${detail ? ` (${detail})` : ''}`);
    } catch (err) {
      console.log(`FAIL ${name}`);
      console.error(`FAIL ${name}: ${err && err.stack ? err.stack : err}`);
      process.exit(1);
    }
  }
  console.log(`mono-node: all ${checks.length} checks passed`);
})();
