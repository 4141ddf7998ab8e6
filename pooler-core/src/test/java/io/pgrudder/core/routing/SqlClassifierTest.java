package io.pgrudder.core.routing;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

class SqlClassifierTest {

    @ParameterizedTest
    @ValueSource(strings = {
            "SELECT 1",
            "select * from users where id = $1",
            "  SELECT count(*), max(created_at) FROM orders GROUP BY customer_id HAVING sum(total) > 10;",
            "SELECT coalesce(a, b)::numeric(10,2), to_char(now(), 'YYYY') FROM t",
            "WITH recent AS (SELECT * FROM orders WHERE created_at > now() - interval '1 day') SELECT * FROM recent",
            "WITH RECURSIVE r(n) AS (VALUES (1) UNION ALL SELECT n + 1 FROM r WHERE n < 10) SELECT * FROM r",
            "SELECT * FROM generate_series(1, 3) g(i)",
            "SELECT * FROM (SELECT 1) AS sub(a)",
            "(SELECT 1) UNION (SELECT 2)",
            "VALUES (1, 'a'), (2, 'b')",
            "TABLE users",
            "SHOW search_path",
            "SET search_path TO app, public",
            "BEGIN READ ONLY",
            "START TRANSACTION ISOLATION LEVEL REPEATABLE READ, READ ONLY",
            "BEGIN READ ONLY; SELECT 1; COMMIT",
            "COMMIT",
            "SELECT 'insert into t values (1)'",
            "SELECT $$ delete from t $$, $tag$ update t set a = 1 $tag$",
            "SELECT 1 -- ; delete from t",
            "SELECT /* nested /* update t */ still comment */ 1",
            "SELECT E'it\\'s ; delete from t'",
            "SELECT 'it''s ; delete from t'",
            "SELECT \"update\" FROM t",
            "SELECT a FROM t WHERE id = ANY($1) AND EXISTS (SELECT 1 FROM u WHERE u.id = t.id)",
            "SELECT row_number() OVER (PARTITION BY a ORDER BY b) FROM t",
            "SELECT count(*) FILTER (WHERE x > 0) FROM t",
            "SELECT pg_catalog.count(*) FROM t",
            "SELECT substring(name FROM 1 FOR 3) FROM t",
            "SELECT jsonb_build_object('a', 1) -> 'a'",
            "EXPLAIN SELECT 1",
            "SELECT inet_server_port(), current_setting('port')",
            "SELECT 1e5, .5, 1.5e-3",
            "select\n*\nfrom\tt",
    })
    void reads(String sql) {
        assertTrue(SqlClassifier.isReadOnly(sql, null), sql);
    }

    @ParameterizedTest
    @ValueSource(strings = {
            "INSERT INTO t VALUES (1)",
            "UPDATE t SET a = 1",
            "DELETE FROM t",
            "MERGE INTO t USING s ON t.id = s.id WHEN MATCHED THEN DELETE",
            "CREATE TABLE t (a int)",
            "TRUNCATE t",
            // pgcat #884/#887: every locking clause
            "SELECT * FROM t FOR UPDATE",
            "SELECT * FROM t FOR NO KEY UPDATE",
            "SELECT * FROM t FOR SHARE",
            "SELECT * FROM t FOR KEY SHARE SKIP LOCKED",
            "SELECT * FROM t WHERE id = 1 FOR UPDATE OF t NOWAIT",
            // writes hidden in a read's clothes
            "WITH d AS (DELETE FROM t RETURNING *) SELECT * FROM d",
            "WITH i AS (INSERT INTO t VALUES (1) RETURNING id) SELECT id FROM i",
            "SELECT * INTO copy_of_t FROM t",
            "SELECT nextval('seq')",
            "SELECT setval('seq', 1)",
            "SELECT my_function()",
            "SELECT app.refresh_totals()",
            "SELECT \"MyFunc\"(1)",
            "SELECT a, archive_row(a) FROM t",
            "SELECT pg_advisory_lock(1)",
            "SELECT txid_current()",
            "SELECT set_config('a.b', 'c', false)",
            "SELECT pg_notify('ch', 'x')",
            "SELECT lo_create(0)",
            "SELECT public.count(*) FROM t",
            "SELECT 1; DELETE FROM t",
            "SELECT 1; SELECT my_function()",
            "EXPLAIN ANALYZE INSERT INTO t VALUES (1)",
            "BEGIN",
            "BEGIN; SELECT 1; COMMIT",
            "START TRANSACTION",
            "BEGIN READ WRITE",
            "SET SESSION CHARACTERISTICS AS TRANSACTION READ WRITE",
            "COMMIT PREPARED 'tx1'",
            "LISTEN ch",
            "CALL proc()",
            "DO $$ BEGIN PERFORM 1; END $$",
            "COPY t TO STDOUT",
            "VACUUM t",
            "LOCK TABLE t",
            "DECLARE c CURSOR FOR SELECT 1",
            "PREPARE p AS SELECT 1",
            "EXECUTE p",
            // cannot tell: treated as writes
            "SELECT 'unterminated",
            "SELECT \"unterminated",
            "SELECT /* unterminated",
            "SELECT $$ unterminated",
            "",
            "   ",
            ";",
    })
    void writes(String sql) {
        assertFalse(SqlClassifier.isReadOnly(sql, null), sql);
    }

    @Test
    void textLongerThanTheParserLimitIsNotExamined() {
        assertTrue(SqlClassifier.isReadOnly("SELECT 1", 8));
        assertFalse(SqlClassifier.isReadOnly("SELECT 1 ", 8));
    }

    @Test
    void nullIsNotKnownToBeARead() {
        assertFalse(SqlClassifier.isReadOnly(null, null));
    }

    @Test
    void aBackslashEndsNoStandardLiteral() {
        // standard_conforming_strings = on: 'a\' is a whole literal, so the DELETE is seen.
        assertFalse(SqlClassifier.isReadOnly("SELECT 'a\\'; DELETE FROM t; --'", null));
    }
}
