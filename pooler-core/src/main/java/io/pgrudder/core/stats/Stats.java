package io.pgrudder.core.stats;

import io.netty.channel.Channel;
import io.pgrudder.core.backend.ServerConnection;
import io.pgrudder.core.client.ClientErrors;
import io.pgrudder.protocol.PgException;

import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.LongAdder;

/**
 * The running pooler's statistics (pgcat's {@code stats/} module): totals per (pool, user), which
 * survive a reload; the live clients, each with its {@link ClientMeter}; a {@link ServerMeter} per
 * server connection that has carried traffic. Also the hooks the server module fills in: the
 * {@link Observer} for metrics and the {@link AdminConsole}.
 */
public final class Stats {
    private static final LongAdder SERVERS_OPENED = new LongAdder();
    private static final LongAdder SERVERS_CLOSED = new LongAdder();

    private final Map<String, PoolCounters> pools = new ConcurrentHashMap<>();
    private final Map<Long, ClientMeter> clients = new ConcurrentHashMap<>();
    private final Map<ServerConnection, ServerMeter> servers = new ConcurrentHashMap<>();
    /** Counts of closed server connections by (pool, user, host, port); a few entries per address. */
    private final Map<String, PoolCounters.Totals> closedServers = new ConcurrentHashMap<>();
    private final LongAdder clientsOpened = new LongAdder();
    private final LongAdder clientsClosed = new LongAdder();
    private volatile Observer observer = Observer.NONE;
    private volatile AdminConsole adminConsole = AdminConsole.NONE;

    /** Counts a server connection from its creation until its channel closes (process-wide). */
    public static void serverConnectionOpened(Channel channel) {
        SERVERS_OPENED.increment();
        channel.closeFuture().addListener(f -> SERVERS_CLOSED.increment());
    }

    public static long serverConnectionsOpened() {
        return SERVERS_OPENED.sum();
    }

    public static long serverConnectionsClosed() {
        return SERVERS_CLOSED.sum();
    }

    /** A client logged in to (pool, user): its meter, registered until {@link ClientMeter#closed()}. */
    public ClientMeter clientConnected(Channel channel, String pool, String user, String applicationName) {
        ClientMeter meter = new ClientMeter(this, channel, counters(pool, user), applicationName);
        clients.put(meter.id(), meter);
        clientsOpened.increment();
        observer.clientOpened();
        return meter;
    }

    void unregister(ClientMeter meter) {
        if (clients.remove(meter.id()) != null) {
            clientsClosed.increment();
            observer.clientClosed();
        }
    }

    public PoolCounters counters(String pool, String user) {
        return pools.computeIfAbsent(pool + '\0' + user, k -> new PoolCounters(pool, user));
    }

    public Optional<PoolCounters> existingCounters(String pool, String user) {
        return Optional.ofNullable(pools.get(pool + '\0' + user));
    }

    /** A connection belongs to one pool, so to one (pool, user): its meter is made once. */
    ServerMeter server(ServerConnection s, PoolCounters pool) {
        ServerMeter meter = servers.get(s);
        if (meter == null) {
            meter = servers.computeIfAbsent(s, k -> new ServerMeter(k, pool));
            s.channel().closeFuture().addListener(f -> {
                ServerMeter gone = servers.remove(s);
                if (gone != null) {
                    retire(gone);
                }
            });
        }
        return meter;
    }

    /** A closed connection's counts, kept under its (pool, user, host, port). */
    private void retire(ServerMeter meter) {
        closedServers.merge(addressKey(meter.pool().pool(), meter.pool().user(), meter.server().address().host(),
                meter.server().address().port()), meter.totals(), PoolCounters.Totals::plus);
    }

    private static String addressKey(String pool, String user, String host, int port) {
        return pool + '\0' + user + '\0' + host + '\0' + port;
    }

    /**
     * Everything the clients of (pool, user) did on connections to host:port since start: the
     * closed connections' counts plus the open ones'. Read by the exporter, once per scrape.
     */
    public PoolCounters.Totals addressTotals(String pool, String user, String host, int port) {
        PoolCounters.Totals sum = closedServers.getOrDefault(addressKey(pool, user, host, port), PoolCounters.Totals.ZERO);
        for (ServerMeter m : servers.values()) {
            if (m.pool().pool().equals(pool) && m.pool().user().equals(user)
                    && m.server().address().host().equals(host) && m.server().address().port() == port) {
                sum = sum.plus(m.totals());
            }
        }
        return sum;
    }

    /** The meter of a server connection, if it ever carried a client's traffic. */
    public Optional<ServerMeter> serverMeter(ServerConnection s) {
        return Optional.ofNullable(servers.get(s));
    }

    public Collection<ClientMeter> clients() {
        return List.copyOf(clients.values());
    }

    public long clientsOpened() {
        return clientsOpened.sum();
    }

    public long clientsClosed() {
        return clientsClosed.sum();
    }

    /** Closes the 15-second period of every pool's averages (called by a timer). */
    public void rollPeriod() {
        pools.values().forEach(PoolCounters::rollPeriod);
    }

    /**
     * Asks every client that has sat between transactions for {@code idleNanos} to leave (FATAL
     * 57P01). Each check runs on the client's own loop, so it cannot cut a request that loop has
     * already read.
     */
    public void terminateIdleClients(long idleNanos) {
        for (ClientMeter c : clients.values()) {
            c.channel().eventLoop().execute(() -> c.terminateIfIdle(idleNanos));
        }
    }

    /** Closes every client connection of this pool name (all when null) with this error. */
    public void terminateClients(String pool, PgException why) {
        for (ClientMeter c : clients.values()) {
            if (pool == null || pool.equals(c.pool().pool())) {
                terminate(c.channel(), why);
            }
        }
    }

    void terminate(Channel channel, PgException why) {
        channel.eventLoop().execute(() -> ClientErrors.send(channel, why));
    }

    public Observer observer() {
        return observer;
    }

    public void observer(Observer observer) {
        this.observer = observer;
    }

    public AdminConsole adminConsole() {
        return adminConsole;
    }

    public void adminConsole(AdminConsole console) {
        this.adminConsole = console;
    }
}
