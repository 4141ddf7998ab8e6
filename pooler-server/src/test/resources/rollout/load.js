// Steady, non-saturating load through knex + node-postgres (as NocoDB uses them).
// Env: PGHOST, PGPORT, PGUSER, PGPASSWORD, PGDATABASE, WORKERS, STOP_FILE.
// Runs until STOP_FILE exists, then prints one JSON line: {"ok":N,"failed":M,"errors":[...]}.
const fs = require('fs');
const knex = require('knex')({
  client: 'pg',
  connection: {
    host: process.env.PGHOST, port: Number(process.env.PGPORT), user: process.env.PGUSER,
    password: process.env.PGPASSWORD, database: process.env.PGDATABASE,
  },
  pool: { min: 0, max: 6, idleTimeoutMillis: 30000 },
  acquireConnectionTimeout: 10000,
});

let ok = 0;
let failed = 0;
const errors = [];
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

async function worker(id) {
  let n = Math.floor(Math.random() * 10);
  while (!fs.existsSync(process.env.STOP_FILE)) {
    try {
      if (Math.random() < 0.3) {
        await knex.transaction(async (trx) => {
          await trx.raw('select ?::int as n', [id]);
          await trx.raw('select pg_sleep(0.005)');
        });
      } else {
        await knex.raw('select 1 as one');
      }
      ok++;
    } catch (e) {
      failed++;
      if (errors.length < 20) errors.push(String(e && (e.code || '') + ' ' + e.message));
    }
    // Short gaps, and every tenth request a think time: connections sit idle part of the time.
    await sleep(++n % 10 === 0 ? 1300 + Math.random() * 400 : 20 + Math.random() * 60);
  }
}

(async () => {
  const n = Number(process.env.WORKERS || 4);
  await Promise.all(Array.from({ length: n }, (_, i) => worker(i)));
  await knex.destroy();
  console.log(JSON.stringify({ ok, failed, errors }));
})();
