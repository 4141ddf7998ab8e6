package io.pgrudder.server.logging;

import ch.qos.logback.classic.spi.ILoggingEvent;
import io.pgrudder.core.backend.ServerConnection;
import io.pgrudder.core.config.ServerAddress;
import io.pgrudder.core.pool.PoolSettings;
import org.slf4j.event.KeyValuePair;

import java.net.InetSocketAddress;
import java.net.SocketAddress;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Whom an event is about, as separate fields for log shippers: {@code client}, {@code pool},
 * {@code user}, {@code server}. Taken from what the event already carries, without changing how
 * the code logs: the MDC and SLF4J key-value pairs as they are, and the message arguments by
 * type, the way the text format names them:
 * <ul>
 *   <li>a {@link PoolSettings} ("pool app/alice") gives {@code pool} and {@code user};</li>
 *   <li>a {@link ServerConnection} ("server#3(db1:5432 pid 812)") or a {@link ServerAddress}
 *       gives {@code server} as host:port, and {@code server_pid} once PostgreSQL sent it;</li>
 *   <li>the address after "client " or "admin ... from " that starts a message is the
 *       {@code client}, and a "client {} ({})" message's second argument its {@code user};</li>
 *   <li>the client handlers' words "user {}", "database {}" (the pool's name),
 *       "authenticate as {} to {}" and a leading "pool {}" name the user and the pool.</li>
 * </ul>
 * An argument that is none of these is only in the message.
 */
final class LogSubjects {
    private LogSubjects() {
    }

    static Map<String, String> of(ILoggingEvent event) {
        Map<String, String> fields = new LinkedHashMap<>();
        Object[] args = event.getArgumentArray();
        String pattern = event.getMessage();
        if (args != null && pattern != null) {
            fromArguments(pattern, args, fields);
        }
        if (event.getKeyValuePairs() != null) {
            for (KeyValuePair kv : event.getKeyValuePairs()) {
                fields.put(kv.key, String.valueOf(kv.value));
            }
        }
        fields.putAll(event.getMDCPropertyMap());
        return fields;
    }

    private static void fromArguments(String pattern, Object[] args, Map<String, String> fields) {
        if (args.length > 0 && args[0] instanceof SocketAddress client && pattern.startsWith("client {}")) {
            fields.put("client", hostPort(client));
            if (pattern.startsWith("client {} ({})") && args.length > 1 && args[1] instanceof String user) {
                fields.put("user", user);
            }
        } else if (args.length > 1 && args[1] instanceof SocketAddress client && pattern.startsWith("admin {} from {}")) {
            fields.put("client", hostPort(client));
            fields.put("user", String.valueOf(args[0]));
        }
        // The client handlers' own words: "... user {} database {}", "... authenticate as {} to {}",
        // "pool {}: ...".
        named(pattern, args, "user {}", "user", fields);
        named(pattern, args, "database {}", "pool", fields);
        named(pattern, args, "authenticate as {}", "user", fields);
        named(pattern, args, "authenticate as {} to {}", "pool", fields);
        if (pattern.startsWith("pool {}")) {
            named(pattern, args, "pool {}", "pool", fields);
        }
        for (Object arg : args) {
            if (arg instanceof PoolSettings pool) {
                fields.putIfAbsent("pool", pool.poolName());
                fields.putIfAbsent("user", pool.user().username());
            } else if (arg instanceof ServerConnection server) {
                fields.putIfAbsent("server", server.address().host() + ":" + server.address().port());
                if (server.processId() != 0) {
                    fields.putIfAbsent("server_pid", Integer.toString(server.processId()));
                }
            } else if (arg instanceof ServerAddress server) {
                fields.putIfAbsent("server", server.host() + ":" + server.port());
            }
        }
    }

    /** The argument of the last {@code {}} of {@code marker}, where the pattern has it, as {@code field}. */
    private static void named(String pattern, Object[] args, String marker, String field, Map<String, String> fields) {
        int at = pattern.indexOf(marker);
        if (at < 0 || fields.containsKey(field)) {
            return;
        }
        int index = count(pattern.substring(0, at + marker.lastIndexOf("{}")));
        if (index < args.length && args[index] != null) {
            fields.put(field, String.valueOf(args[index]));
        }
    }

    private static int count(String text) {
        int n = 0;
        for (int i = text.indexOf("{}"); i >= 0; i = text.indexOf("{}", i + 2)) {
            n++;
        }
        return n;
    }

    private static String hostPort(SocketAddress address) {
        if (address instanceof InetSocketAddress inet) {
            return inet.getHostString() + ":" + inet.getPort();
        }
        return String.valueOf(address);
    }
}
