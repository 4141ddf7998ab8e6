package io.pgrudder.server.metrics;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;

/**
 * A two-member Patroni REST API (4.x JSON) on one port of every loopback address: member pg1 is
 * 127.0.0.1, pg2 is 127.0.0.2, each answering {@code /patroni} for itself (told apart by the
 * address the request came in on) and {@code /cluster} for both. {@link #leader} moves the lock.
 */
final class FakePatroni implements AutoCloseable {
    private final HttpServer server;
    private final int pgPort;
    private volatile String leader = "pg1";

    FakePatroni(int pgPort) throws IOException {
        this.pgPort = pgPort;
        server = HttpServer.create(new InetSocketAddress("0.0.0.0", 0), 16);
        server.createContext("/", this::answer);
        server.start();
    }

    int port() {
        return server.getAddress().getPort();
    }

    void leader(String name) {
        leader = name;
    }

    private void answer(HttpExchange ex) throws IOException {
        String self = ex.getLocalAddress().getAddress().getHostAddress().equals("127.0.0.2") ? "pg2" : "pg1";
        String body = switch (ex.getRequestURI().getPath()) {
            case "/cluster" -> "{\"scope\":\"fake\",\"members\":[" + member("pg1", "127.0.0.1") + ","
                    + member("pg2", "127.0.0.2") + "]}";
            case "/patroni" -> "{\"state\":\"running\",\"role\":\"" + (self.equals(leader) ? "primary" : "replica")
                    + "\",\"server_version\":160004,\"timeline\":1,\"patroni\":{\"version\":\"4.0.0\",\"scope\":\"fake\","
                    + "\"name\":\"" + self + "\"}}";
            default -> null;
        };
        byte[] bytes = (body == null ? "{}" : body).getBytes(StandardCharsets.UTF_8);
        ex.getResponseHeaders().set("Content-Type", "application/json");
        ex.sendResponseHeaders(body == null ? 404 : 200, bytes.length);
        ex.getResponseBody().write(bytes);
        ex.close();
    }

    private String member(String name, String host) {
        boolean leads = name.equals(leader);
        return "{\"name\":\"" + name + "\",\"role\":\"" + (leads ? "leader" : "replica") + "\",\"state\":\""
                + (leads ? "running" : "streaming") + "\",\"api_url\":\"http://" + host + ":" + port()
                + "/patroni\",\"host\":\"" + host + "\",\"port\":" + pgPort + ",\"timeline\":1"
                + (leads ? "" : ",\"lag\":0") + "}";
    }

    @Override
    public void close() {
        server.stop(0);
    }
}
