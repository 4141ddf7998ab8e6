"""psycopg 3 through pgrudder in transaction mode, with its automatic prepared statements.

prepare_threshold=0 prepares every statement at its first run (names _pg3_N), prepared_max=2
makes psycopg evict from its own cache with DEALLOCATE, a failed transaction and a rolled-back
type change leave it to clean up, and pipeline mode sends all of it through the extended
protocol. Prints "ALL OK" and exits 0 only when every result matched.
"""
import os
import sys

import psycopg

DSN = "host=127.0.0.1 port=%s user=%s password=%s dbname=%s sslmode=disable" % (
    os.environ["PGRUDDER_PORT"], os.environ["PGRUDDER_USER"], os.environ["PGRUDDER_PASSWORD"],
    os.environ["PGRUDDER_DATABASE"])


def check(cond, what):
    if not cond:
        raise AssertionError("check failed: " + what)


def one(conn, sql, params=None):
    return conn.execute(sql, params).fetchone()[0]


def evictions(conn):
    # Four statements through a cache of two: psycopg DEALLOCATEs one each time it prepares another.
    for i in range(20):
        check(one(conn, "SELECT %s::int + 1", (i,)) == i + 1, "add %d" % i)
        check(one(conn, "SELECT %s::int * 10", (i,)) == i * 10, "times %d" % i)
        check(one(conn, "SELECT %s::text || 'x'", (str(i),)) == str(i) + "x", "concat %d" % i)
        check(one(conn, "SELECT length(%s::text)", ("y" * i,)) == i, "length %d" % i)


def failed_transaction(conn):
    try:
        with conn.transaction():
            check(one(conn, "SELECT %s::int + 1", (1,)) == 2, "inside")
            conn.execute("SELECT 1 / %s::int", (0,))
        check(False, "division by zero must fail")
    except psycopg.errors.DivisionByZero:
        pass
    check(one(conn, "SELECT %s::int + 1", (2,)) == 3, "after the failed transaction")


def rolled_back_type(conn):
    conn.execute("DROP TYPE IF EXISTS py_pair")
    try:
        with conn.transaction():
            conn.execute("CREATE TYPE py_pair AS (a int, b int)")
            check(one(conn, "SELECT (%s::py_pair).a", ("(1,2)",)) == 1, "the type inside its transaction")
            raise RuntimeError("roll back")
    except RuntimeError:
        pass
    try:
        conn.execute("SELECT (%s::py_pair).a", ("(1,2)",))
        check(False, "the type is gone")
    except psycopg.errors.UndefinedObject:
        pass
    conn.execute("CREATE TYPE py_pair AS (a int, b int)")
    check(one(conn, "SELECT (%s::py_pair).b", ("(3,4)",)) == 4, "the type created again")
    conn.execute("DROP TYPE py_pair")


def main():
    for pipeline in (False, True):
        with psycopg.connect(DSN, autocommit=True, prepare_threshold=0) as conn:
            conn.prepared_max = 2
            if pipeline:
                with conn.pipeline():
                    evictions(conn)
                failed_transaction(conn)
                with conn.pipeline():
                    evictions(conn)
            else:
                evictions(conn)
                failed_transaction(conn)
                rolled_back_type(conn)
                evictions(conn)
    # Another client prepares the same texts under the same _pg3_ names meanwhile.
    with psycopg.connect(DSN, autocommit=True, prepare_threshold=0) as a, \
            psycopg.connect(DSN, autocommit=True, prepare_threshold=0) as b:
        a.prepared_max = b.prepared_max = 2
        evictions(a)
        rolled_back_type(b)
        evictions(b)
        evictions(a)
    print("ALL OK")


if __name__ == "__main__":
    try:
        main()
    except Exception as e:  # noqa: BLE001 - the IT prints whatever went wrong
        print("FAILED: %r" % (e,))
        sys.exit(1)
