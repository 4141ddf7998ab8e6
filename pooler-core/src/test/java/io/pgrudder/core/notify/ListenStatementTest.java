package io.pgrudder.core.notify;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.pgrudder.core.notify.ListenStatement.Action;
import io.pgrudder.protocol.Frames;
import io.pgrudder.protocol.frontend.Query;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

class ListenStatementTest {
    private static void listen(String sql, String channel) {
        assertEquals(new ListenStatement(Action.LISTEN, channel), ListenStatement.parse(sql), sql);
    }

    @Test
    void listenInAnyCaseWithTheNameFoldedAsPostgresFoldsIt() {
        listen("LISTEN ch", "ch");
        listen("listen CH", "ch");
        listen("LiStEn My_Chan$1", "my_chan$1");
        listen("  \t\nLISTEN ch ; \n", "ch");
        listen("LISTEN ch;", "ch");
        listen("LISTEN \"MiXeD Case\"", "MiXeD Case");
        listen("LISTEN \"with \"\"quote\"\"\";", "with \"quote\"");
        listen("LISTEN\"adjacent\"", "adjacent");
        listen("LISTEN Ünïcode", "Ünïcode"); // only ASCII letters fold, as in a UTF-8 database
        listen("LISTEN \"select\"", "select");
        listen("LISTEN listen", "listen"); // unreserved keywords are names
        listen("LISTEN " + "a".repeat(63), "a".repeat(63));
    }

    @Test
    void unlistenOneOrAll() {
        assertEquals(new ListenStatement(Action.UNLISTEN, "ch"), ListenStatement.parse("unlisten Ch;"));
        assertEquals(new ListenStatement(Action.UNLISTEN, "Ch"), ListenStatement.parse("UNLISTEN \"Ch\""));
        assertEquals(new ListenStatement(Action.UNLISTEN_ALL, null), ListenStatement.parse("UNLISTEN *"));
        assertEquals(new ListenStatement(Action.UNLISTEN_ALL, null), ListenStatement.parse(" unlisten*; "));
    }

    /** These go to the server as they are (and pin, or fail there as PostgreSQL fails them). */
    @ParameterizedTest
    @ValueSource(strings = {
            "LISTEN ch; SELECT 1",          // more than one statement
            "LISTEN a; LISTEN b",
            "LISTEN ch;;",
            "BEGIN; LISTEN ch; COMMIT",
            "DO $$BEGIN LISTEN ch; END$$",
            "LISTEN ch -- why",              // comments: not worth imitating the scanner
            "/* c */ LISTEN ch",
            "LISTENch",
            "LISTEN",
            "LISTEN ;",
            "LISTEN *",
            "UNLISTEN",
            "UNLISTEN * *",
            "LISTEN a b",
            "LISTEN a.b",
            "LISTEN 1ch",
            "LISTEN \"\"",                   // zero-length delimited identifier
            "LISTEN \"unterminated",
            "LISTEN \"a\"b",
            "LISTEN U&\"d\\0061t\"",
            "LISTEN E'x'",
            "LISTEN select",                 // reserved: a syntax error on the server
            "LISTEN table",
            "LISTEN join",
            "NOTIFY ch",
            "SELECT 1",
            "",
            "LISTEN aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa", // 64: the server truncates
    })
    void notIntercepted(String sql) {
        assertNull(ListenStatement.parse(sql), sql);
    }

    @Test
    void theConnectionsOwnStatementQuotesTheName() {
        assertEquals("LISTEN \"a\"\"b\"", new ListenStatement(Action.LISTEN, "a\"b").sql());
        assertEquals("UNLISTEN \"Ch\"", new ListenStatement(Action.UNLISTEN, "Ch").sql());
        assertEquals("UNLISTEN *", new ListenStatement(Action.UNLISTEN_ALL, null).sql());
        assertEquals(new ListenStatement(Action.LISTEN, "a\"b"), ListenStatement.parse("LISTEN \"a\"\"b\""));
    }

    @Test
    void theFirstLetterTellsMostQueriesApartWithoutDecoding() {
        assertTrue(mayBe("  listen ch"));
        assertTrue(mayBe("UNLISTEN *"));
        assertFalse(mayBe("SELECT 1"));
        assertFalse(mayBe("   "));
    }

    private static boolean mayBe(String sql) {
        ByteBuf frame = Frames.encoded(Unpooled.buffer().alloc(), new Query(sql)::encode);
        try {
            return ListenStatement.mayBe(frame);
        } finally {
            frame.release();
        }
    }
}
