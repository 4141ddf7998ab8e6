package io.pgrudder.server;

import io.netty.bootstrap.ServerBootstrap;
import io.netty.channel.Channel;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoopGroup;
import io.pgrudder.core.net.TcpSettings;
import io.netty.channel.group.ChannelGroup;
import io.netty.channel.group.DefaultChannelGroup;
import io.netty.handler.ssl.SslContext;
import io.netty.handler.ssl.SslContextBuilder;
import io.netty.util.concurrent.GlobalEventExecutor;
import io.pgrudder.core.Pooler;
import io.pgrudder.core.client.ClientChannelInitializer;
import io.pgrudder.core.config.ConfigException;
import io.pgrudder.core.config.ConfigLoader;
import io.pgrudder.core.config.ConfigProblem;
import io.pgrudder.core.config.GeneralConfig;
import io.pgrudder.core.config.PoolConfig;
import io.pgrudder.core.config.PoolerConfig;
import io.pgrudder.core.net.Transport;
import io.pgrudder.core.topology.TopologySource;
import io.pgrudder.patroni.PatroniPoller;
import io.pgrudder.server.lifecycle.Operations;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import sun.misc.Signal;

import java.io.File;
import java.net.InetSocketAddress;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;

/** Wires the pooler: event loops, the client listener on general.host:general.port, signals. */
public final class PgrudderServer implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(PgrudderServer.class);
    private static final io.netty.channel.AdaptiveRecvByteBufAllocator RECEIVE_SIZES =
            new io.netty.channel.AdaptiveRecvByteBufAllocator();

    private final EventLoopGroup boss;
    private final EventLoopGroup workers;
    private final Pooler pooler;
    private final Channel listener;
    private final ChannelGroup clients = new DefaultChannelGroup("clients", GlobalEventExecutor.INSTANCE);
    /** Admin console, HTTP, reload and drain; started once the listener is bound. */
    private Operations ops;

    private PgrudderServer(PoolerConfig config) throws InterruptedException {
        GeneralConfig general = config.general();
        boss = Transport.newGroup(1, "pgrudder-accept");
        workers = Transport.newGroup(general.workerThreads(), "pgrudder-io");
        try {
            pooler = new Pooler(config, workers, clientTls(general), PgrudderServer::patroniPoller);
            ClientChannelInitializer initializer = new ClientChannelInitializer(pooler);
            ServerBootstrap bootstrap = new ServerBootstrap();
            TcpSettings.of(general).forClients().options().forEach((option, value) -> bootstrap.childOption(unchecked(option), value));
            listener = bootstrap
                    .group(boss, workers)
                    .channel(Transport.serverSocketChannel())
                    .option(ChannelOption.SO_BACKLOG, 1024)
                    .option(ChannelOption.SO_REUSEADDR, true)
                    // One for every client: Netty would make one per channel (32 bytes each); the
                    // sizes it learns are kept in each channel's own handle, not in it.
                    .childOption(ChannelOption.RCVBUF_ALLOCATOR, RECEIVE_SIZES)
                    .childHandler(new io.netty.channel.ChannelInitializer<>() {
                        @Override
                        protected void initChannel(Channel ch) {
                            clients.add(ch);
                            ch.pipeline().addLast(initializer);
                        }
                    })
                    .bind(general.host(), general.port())
                    .sync()
                    .channel();
        } catch (RuntimeException | InterruptedException e) {
            boss.shutdownGracefully(0, 0, TimeUnit.SECONDS);
            workers.shutdownGracefully(0, 0, TimeUnit.SECONDS);
            throw e;
        }
        log.info("pgrudder {} listening on {} ({}, {} worker threads, {} pool(s))", Main.version(),
                listener.localAddress(), Transport.current().label(), general.workerThreads(), config.pools().size());
    }

    /** Starts a pooler for this config (tests use this in-process). */
    public static PgrudderServer start(PoolerConfig config) throws InterruptedException {
        PgrudderServer server = new PgrudderServer(config);
        try {
            server.startOperations(config);
        } catch (RuntimeException | InterruptedException e) {
            server.close();
            throw e;
        }
        return server;
    }

    private void startOperations(PoolerConfig config) throws InterruptedException {
        ops = new Operations(pooler, listener, List.of(boss, workers), config.path(), System.getenv());
    }

    /** Admin console, HTTP endpoint, reload and drain of this server. */
    public Operations operations() {
        return ops;
    }

    public InetSocketAddress address() {
        return (InetSocketAddress) listener.localAddress();
    }

    public Pooler pooler() {
        return pooler;
    }

    /**
     * The topology source of a pool with use_patroni_api: a poller of the Patroni REST API of
     * every host in its first shard's servers (their roles are Patroni's to decide), with a watch
     * of Patroni's etcd keys when patroni_etcd_hosts is set, started at once. It logs each leader change; the pooler closes it on shutdown.
     */
    private static TopologySource patroniPoller(PoolConfig pool) {
        PatroniPoller poller = PatroniPoller.forServers(pool.name(), pool.shards().get(0).servers(), pool.patroni());
        if (pool.patroni().etcd().watching()) {
            log.info("pool {}: following the Patroni leader among {}, watching etcd {} under {}", pool.name(),
                    poller.members(), pool.patroni().etcd().hosts(), pool.patroni().etcd().clusterPrefix());
        } else {
            log.info("pool {}: following the Patroni leader among {}", pool.name(), poller.members());
        }
        return poller.start();
    }

    private static SslContext clientTls(GeneralConfig general) {
        if (general.tlsCertificate() == null || general.tlsPrivateKey() == null) {
            return null;
        }
        try {
            return SslContextBuilder.forServer(new File(general.tlsCertificate()), new File(general.tlsPrivateKey())).build();
        } catch (Exception e) {
            throw new IllegalStateException("general.tls_certificate / general.tls_private_key: " + e.getMessage(), e);
        }
    }

    /** Stops accepting, closes every client and server connection and the event loops. */
    @Override
    public void close() {
        if (ops != null) {
            ops.close();
        }
        listener.close().syncUninterruptibly();
        clients.close().awaitUninterruptibly(5, TimeUnit.SECONDS);
        pooler.close();
        workers.shutdownGracefully(0, 2, TimeUnit.SECONDS).syncUninterruptibly();
        boss.shutdownGracefully(0, 2, TimeUnit.SECONDS).syncUninterruptibly();
        log.info("pgrudder stopped");
    }

    /**
     * The process's main loop: load, start, then wait. SIGHUP reloads; SIGTERM or SIGINT (or admin
     * SHUTDOWN) drains and returns 0; a second one during the drain stops at once. Returns the exit
     * code.
     */
    static int runUntilStopped(Path configPath) {
        PoolerConfig config;
        try {
            config = ConfigLoader.load(configPath, System.getenv());
        } catch (ConfigException e) {
            for (ConfigProblem problem : e.problems()) {
                log.error("config {}: {}", configPath, problem);
            }
            return 1;
        }
        config.warnings().forEach(w -> log.warn("config {}: {}", configPath, w));
        PgrudderServer server;
        try {
            server = start(config);
        } catch (Exception e) {
            log.error("could not start: {}", e.getMessage());
            return 1;
        }
        for (String name : new String[]{"TERM", "INT"}) {
            Signal.handle(new Signal(name), s -> server.ops.shutdown("received SIG" + s.getName()));
        }
        Signal.handle(new Signal("HUP"), s -> server.ops.reloadOnSignal());
        boolean forced;
        try {
            forced = server.ops.drain().awaitDone();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            forced = true;
        }
        if (forced) {
            log.warn("stopping at once");
            Runtime.getRuntime().halt(0);
        }
        server.close();
        return 0;
    }

    @SuppressWarnings("unchecked")
    private static ChannelOption<Object> unchecked(ChannelOption<?> option) {
        return (ChannelOption<Object>) option;
    }
}
