package io.pgrudder.server;

import io.netty.bootstrap.ServerBootstrap;
import io.netty.channel.Channel;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoopGroup;
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
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import sun.misc.Signal;

import java.io.File;
import java.net.InetSocketAddress;
import java.nio.file.Path;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

/** Wires the pooler: event loops, the client listener on general.host:general.port, signals. */
public final class PgrudderServer implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(PgrudderServer.class);

    private final EventLoopGroup boss;
    private final EventLoopGroup workers;
    private final Pooler pooler;
    private final Channel listener;
    private final ChannelGroup clients = new DefaultChannelGroup("clients", GlobalEventExecutor.INSTANCE);

    private PgrudderServer(PoolerConfig config) throws InterruptedException {
        GeneralConfig general = config.general();
        boss = Transport.newGroup(1, "pgrudder-accept");
        workers = Transport.newGroup(general.workerThreads(), "pgrudder-io");
        try {
            pooler = new Pooler(config, workers, clientTls(general), PgrudderServer::patroniPoller);
            ClientChannelInitializer initializer = new ClientChannelInitializer(pooler);
            listener = new ServerBootstrap()
                    .group(boss, workers)
                    .channel(Transport.serverSocketChannel())
                    .option(ChannelOption.SO_BACKLOG, 1024)
                    .option(ChannelOption.SO_REUSEADDR, true)
                    .childOption(ChannelOption.TCP_NODELAY, true)
                    .childOption(ChannelOption.SO_KEEPALIVE, true)
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
                listener.localAddress(), Transport.name(), general.workerThreads(), config.pools().size());
    }

    /** Starts a pooler for this config (tests use this in-process). */
    public static PgrudderServer start(PoolerConfig config) throws InterruptedException {
        return new PgrudderServer(config);
    }

    public InetSocketAddress address() {
        return (InetSocketAddress) listener.localAddress();
    }

    public Pooler pooler() {
        return pooler;
    }

    /**
     * The topology source of a pool with use_patroni_api: a poller of the Patroni REST API of
     * every host in its first shard's servers (their roles are Patroni's to decide), started at
     * once. It logs each leader change; the pooler closes it on shutdown.
     */
    private static TopologySource patroniPoller(PoolConfig pool) {
        PatroniPoller poller = PatroniPoller.forServers(pool.name(), pool.shards().get(0).servers(), pool.patroni());
        log.info("pool {}: following the Patroni leader among {}", pool.name(), poller.members());
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
        listener.close().syncUninterruptibly();
        clients.close().awaitUninterruptibly(5, TimeUnit.SECONDS);
        pooler.close();
        workers.shutdownGracefully(0, 2, TimeUnit.SECONDS).syncUninterruptibly();
        boss.shutdownGracefully(0, 2, TimeUnit.SECONDS).syncUninterruptibly();
        log.info("pgrudder stopped");
    }

    /** The process's main loop: load, start, wait for SIGTERM or SIGINT, stop. Returns the exit code. */
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
        CountDownLatch stop = new CountDownLatch(1);
        for (String name : new String[]{"TERM", "INT"}) {
            Signal.handle(new Signal(name), s -> {
                log.info("received SIG{}, shutting down", s.getName());
                stop.countDown();
            });
        }
        try {
            stop.await();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        server.close();
        return 0;
    }
}
