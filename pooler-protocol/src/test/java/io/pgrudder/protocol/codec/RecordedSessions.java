package io.pgrudder.protocol.codec;

import io.pgrudder.protocol.CopyData;
import io.pgrudder.protocol.CopyDone;
import io.pgrudder.protocol.FrontendMessage;
import io.pgrudder.protocol.auth.ScramClient;
import io.pgrudder.protocol.auth.ScramFixtures;
import io.pgrudder.protocol.frontend.Bind;
import io.pgrudder.protocol.frontend.CancelRequest;
import io.pgrudder.protocol.frontend.Close;
import io.pgrudder.protocol.frontend.CopyFail;
import io.pgrudder.protocol.frontend.Describe;
import io.pgrudder.protocol.frontend.Execute;
import io.pgrudder.protocol.frontend.Flush;
import io.pgrudder.protocol.frontend.FunctionCall;
import io.pgrudder.protocol.frontend.GSSENCRequest;
import io.pgrudder.protocol.frontend.Parse;
import io.pgrudder.protocol.frontend.PasswordMessage;
import io.pgrudder.protocol.frontend.Query;
import io.pgrudder.protocol.frontend.SASLInitialResponse;
import io.pgrudder.protocol.frontend.SASLResponse;
import io.pgrudder.protocol.frontend.SSLRequest;
import io.pgrudder.protocol.frontend.StartupMessage;
import io.pgrudder.protocol.frontend.Sync;
import io.pgrudder.protocol.frontend.Terminate;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The seeds of the fuzz tests: the frames psql (libpq) and pgjdbc send in real sessions, built
 * with our own encoders. A session is a startup prefix (SSLRequest / GSSENCRequest answered 'N'),
 * the StartupMessage, the login, then what the client runs once authenticated.
 */
public final class RecordedSessions {

    /** How the client authenticates, which decides how the 'p' messages are read. */
    public enum Login { TRUST, MD5, SCRAM, CANCEL }

    public record Session(String name, Login login, List<WireFrame> frames) {
    }

    private RecordedSessions() {
    }

    /** Every combination of startup prefix, startup message, login and what runs afterwards. */
    public static List<Session> all() {
        List<Session> sessions = new ArrayList<>();
        List<List<WireFrame>> prefixes = List.of(List.of(), frames(SSLRequest.INSTANCE),
                frames(GSSENCRequest.INSTANCE, SSLRequest.INSTANCE));
        for (List<WireFrame> prefix : prefixes) {
            for (Login login : List.of(Login.TRUST, Login.MD5, Login.SCRAM)) {
                String user = switch (login) {
                    case TRUST -> "trustuser";
                    case MD5 -> "md5user";
                    default -> "scramuser";
                };
                List<List<WireFrame>> afterLogin = afterLogin();
                for (int i = 0; i < afterLogin.size(); i++) {
                    List<WireFrame> frames = new ArrayList<>(prefix);
                    frames.add(WireFrame.of(i % 2 == 0 ? psqlStartup(user) : pgjdbcStartup(user)));
                    frames.addAll(login(login));
                    frames.addAll(afterLogin.get(i));
                    sessions.add(new Session(prefix.size() + "-prefix/" + login + "/" + i, login, frames));
                }
            }
        }
        sessions.add(new Session("cancel", Login.CANCEL,
                frames(new CancelRequest(4242, new byte[]{1, 2, 3, 4}))));
        sessions.add(new Session("cancel-3.2-key", Login.CANCEL,
                frames(new CancelRequest(4242, new byte[32]))));
        return sessions;
    }

    /** The frames of each recorded session after AuthenticationOk (typed frames only). */
    public static List<List<WireFrame>> afterLogin() {
        return List.of(
                // psql: simple queries, a transaction, \q
                frames(new Query("SELECT 1"), new Query("BEGIN"), new Query("SELECT relname FROM pg_class LIMIT 1"),
                        new Query("COMMIT"), Terminate.INSTANCE),
                // psql \copy ... from stdin
                frames(new Query("COPY fuzz_copy (id, name) FROM STDIN"), new CopyData(utf8("1\tone\n")),
                        new CopyData(utf8("2\ttwo\n")), CopyDone.INSTANCE, new Query("SELECT 2")),
                // psql \copy aborted
                frames(new Query("COPY fuzz_copy FROM STDIN"), new CopyData(utf8("3\tthree\n")),
                        new CopyFail("aborted by user"), new Query("SELECT 3")),
                // pgjdbc connection setup and a prepared statement
                frames(new Parse("", "SET extra_float_digits = 3", new int[0]),
                        new Bind("", "", new short[0], List.of(), new short[0]), new Execute("", 1),
                        new Parse("", "SET application_name = 'PostgreSQL JDBC Driver'", new int[0]),
                        new Bind("", "", new short[0], List.of(), new short[0]), new Execute("", 1), Sync.INSTANCE,
                        new Parse("S_1", "SELECT $1::int4 + $2", new int[]{23, 23}), new Describe(Describe.STATEMENT, "S_1"),
                        Sync.INSTANCE,
                        new Bind("", "S_1", new short[]{0, 1}, List.of(utf8("1"), new byte[]{0, 0, 0, 2}), new short[]{1}),
                        new Describe(Describe.PORTAL, ""), new Execute("", 0), Sync.INSTANCE,
                        new Close(Close.STATEMENT, "S_1"), Sync.INSTANCE, Terminate.INSTANCE),
                // pgjdbc with fetchSize: a named portal read in batches inside a transaction
                frames(new Parse("", "BEGIN", new int[0]), new Bind("", "", new short[0], List.of(), new short[0]),
                        new Execute("", 0),
                        new Parse("S_2", "SELECT g FROM generate_series(1, least($1, 1000)) g", new int[]{23}),
                        new Bind("C_1", "S_2", new short[0], List.of(utf8("100")), new short[0]),
                        new Describe(Describe.PORTAL, "C_1"), new Execute("C_1", 50), Sync.INSTANCE,
                        new Execute("C_1", 50), Flush.INSTANCE, Sync.INSTANCE,
                        new Close(Close.PORTAL, "C_1"), new Close(Close.STATEMENT, "S_2"),
                        new Parse("", "COMMIT", new int[0]), new Bind("", "", new short[0], List.of(), new short[0]),
                        new Execute("", 0), Sync.INSTANCE),
                // a NULL parameter and a fast-path function call (int4pl, binary)
                frames(new Parse("", "SELECT $1::text IS NULL", new int[]{25}),
                        new Bind("", "", new short[0], nullParameter(), new short[0]), new Execute("", 0), Sync.INSTANCE,
                        new FunctionCall(177, new short[]{1}, List.of(new byte[]{0, 0, 0, 40}, new byte[]{0, 0, 0, 2}),
                                (short) 1),
                        new Query("")));
    }

    /** libpq 17 (psql): protocol 3.0, the database, application_name and client_encoding. */
    public static StartupMessage psqlStartup(String user) {
        Map<String, String> p = new LinkedHashMap<>();
        p.put("user", user);
        p.put("database", "testdb");
        p.put("application_name", "psql");
        p.put("client_encoding", "UTF8");
        return new StartupMessage(StartupMessage.PROTOCOL_3_0, p);
    }

    /** pgjdbc 42: the settings it needs, asking for protocol 3.0. */
    public static StartupMessage pgjdbcStartup(String user) {
        Map<String, String> p = new LinkedHashMap<>();
        p.put("user", user);
        p.put("database", "testdb");
        p.put("client_encoding", "UTF8");
        p.put("DateStyle", "ISO");
        p.put("TimeZone", "UTC");
        p.put("extra_float_digits", "2");
        return new StartupMessage(StartupMessage.PROTOCOL_3_0, p);
    }

    private static List<WireFrame> login(Login login) {
        return switch (login) {
            case MD5 -> frames(new PasswordMessage("md5" + "0123456789abcdef0123456789abcdef"));
            case SCRAM -> {
                byte[][] exchange = ScramFixtures.recordedExchange();
                yield frames(new SASLInitialResponse(ScramClient.MECHANISM, exchange[0]), new SASLResponse(exchange[1]));
            }
            default -> List.of();
        };
    }

    private static List<byte[]> nullParameter() {
        List<byte[]> values = new ArrayList<>();
        values.add(null);
        return values;
    }

    private static List<WireFrame> frames(FrontendMessage... messages) {
        List<WireFrame> frames = new ArrayList<>();
        for (FrontendMessage m : messages) {
            frames.add(WireFrame.of(m));
        }
        return frames;
    }

    private static byte[] utf8(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }
}
