// Drives pgrudder with node-postgres (pg) and knex, the stack NocoDB uses, and checks every result.
// Prints "ALL OK" and exits 0 only when everything matched.
'use strict';
const { Pool } = require('pg');
const knexFactory = require('knex');

const connection = {
  host: '127.0.0.1',
  port: Number(process.env.PGRUDDER_PORT),
  user: process.env.PGRUDDER_USER,
  password: process.env.PGRUDDER_PASSWORD,
  database: process.env.PGRUDDER_DATABASE,
};

function check(cond, what) {
  if (!cond) {
    throw new Error('check failed: ' + what);
  }
}

async function knexLoad() {
  const knex = knexFactory({ client: 'pg', connection, pool: { min: 2, max: 10 } });
  try {
    await knex.raw('DROP TABLE IF EXISTS node_items');
    await knex.schema.createTable('node_items', (t) => { t.increments('id'); t.integer('n'); t.text('label'); });
    const work = [];
    for (let i = 0; i < 200; i++) {
      work.push(knex.raw('SELECT ?::int + 1 AS v', [i]).then((r) => check(r.rows[0].v === i + 1, 'raw ' + i)));
    }
    for (let i = 0; i < 50; i++) {
      work.push(knex.transaction(async (trx) => {
        const [row] = await trx('node_items').insert({ n: i, label: 'item ' + i }).returning('id');
        const got = await trx('node_items').where({ id: row.id }).first();
        check(got.n === i && got.label === 'item ' + i, 'transaction read-back ' + i);
      }));
    }
    // A transaction that fails is rolled back and leaves nothing behind.
    work.push(knex.transaction(async (trx) => {
      await trx('node_items').insert({ n: -1, label: 'rolled back' });
      await trx.raw('SELECT 1/0');
    }).then(() => check(false, 'division by zero must fail'), (e) => check(e.code === '22012', 'error code ' + e.code)));
    await Promise.all(work);
    const count = await knex('node_items').count('* as c').first();
    check(Number(count.c) === 50, 'row count ' + count.c);
    const neg = await knex('node_items').where('n', -1).count('* as c').first();
    check(Number(neg.c) === 0, 'rolled back row visible');
  } finally {
    await knex.destroy();
  }
}

async function namedQueries() {
  const pool = new Pool({ ...connection, max: 10 });
  try {
    const work = [];
    for (let i = 0; i < 300; i++) {
      // Prepared once per pg connection, reused afterwards: the pooler maps them onto its few servers.
      work.push(pool.query({ name: 'add-one', text: 'SELECT $1::int + 1 AS v', values: [i] })
        .then((r) => check(r.rows[0].v === i + 1, 'named add-one ' + i)));
      work.push(pool.query({ name: 'times-ten', text: 'SELECT $1::int * 10 AS v', values: [i] })
        .then((r) => check(r.rows[0].v === i * 10, 'named times-ten ' + i)));
    }
    await Promise.all(work);
    // Same statement name, different text, on two separate connections.
    const a = await pool.connect();
    const b = await pool.connect();
    try {
      const ra = await a.query({ name: 'shared-name', text: "SELECT 'a' || $1::text AS v", values: ['1'] });
      const rb = await b.query({ name: 'shared-name', text: "SELECT 'b' || $1::text AS v", values: ['1'] });
      check(ra.rows[0].v === 'a1' && rb.rows[0].v === 'b1', 'same name different text');
      const ra2 = await a.query({ name: 'shared-name', text: "SELECT 'a' || $1::text AS v", values: ['2'] });
      check(ra2.rows[0].v === 'a2', 'reuse on a');
    } finally {
      a.release();
      b.release();
    }
  } finally {
    await pool.end();
  }
}

// Session state an app written for a direct connection relies on, in transaction mode: a setting the
// server does not report, a temporary table used over several statements, LISTEN/NOTIFY.
async function sessionState() {
  const { Client } = require('pg');
  const a = new Client(connection);
  const b = new Client(connection);
  await a.connect();
  await b.connect();
  try {
    await a.query('SET statement_timeout = 4321');
    check((await a.query('SHOW statement_timeout')).rows[0].statement_timeout === '4321ms', 'setting carried');
    check((await b.query('SHOW statement_timeout')).rows[0].statement_timeout === '0', 'setting not leaked');
    await a.query('CREATE TEMP TABLE node_tmp (n int)');
    await a.query('INSERT INTO node_tmp VALUES (1), (2)');
    check(Number((await a.query('SELECT count(*) AS c FROM node_tmp')).rows[0].c) === 2, 'temp table kept');
    const got = new Promise((resolve) => a.on('notification', (m) => resolve(m)));
    await a.query('LISTEN node_ch');
    await b.query("NOTIFY node_ch, 'hello'");
    const m = await got;
    check(m.channel === 'node_ch' && m.payload === 'hello', 'notification ' + JSON.stringify(m));
    const bPid = (await b.query('SELECT pg_backend_pid() AS p')).rows[0].p;
    check(m.processId === bPid, 'sender pid ' + m.processId + ' vs ' + bPid);
    await a.query('UNLISTEN *');
    await a.query('DROP TABLE node_tmp');
    const seen = await b.query("SELECT count(*) AS c FROM pg_class WHERE relnamespace = pg_my_temp_schema()");
    check(Number(seen.rows[0].c) === 0, 'temp table not seen by another client');
  } finally {
    await a.end();
    await b.end();
  }
}

(async () => {
  await knexLoad();
  await namedQueries();
  await sessionState();
  console.log('ALL OK');
})().catch((e) => {
  console.error('FAILED: ' + (e && e.stack ? e.stack : e));
  process.exit(1);
});
