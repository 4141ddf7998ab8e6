package io.pgrudder.core;

import io.netty.channel.EventLoopGroup;
import io.netty.handler.ssl.SslContext;
import io.pgrudder.core.backend.ServerConnector;
import io.pgrudder.core.client.CancelForwarder;
import io.pgrudder.core.client.CancelRegistry;
import io.pgrudder.core.config.PoolerConfig;
import io.pgrudder.core.pool.Pools;

import java.security.SecureRandom;
import java.time.Duration;

/**
 * The running pooler's shared state: the current config snapshot and its pools (swapped as a
 * whole), the cancel-key registry, and the event loops server connections live on.
 */
public final class Pooler {
    /** Every failed login waits this long before its error, whether the user exists or not. */
    public static final Duration AUTH_FAILURE_DELAY = Duration.ofMillis(200);

    private final EventLoopGroup loops;
    private final ServerConnector connector;
    private final CancelRegistry cancels = new CancelRegistry();
    private final CancelForwarder cancelForwarder;
    private final SslContext clientTls;
    private final byte[] mockNonceKey = new byte[32];
    private volatile Pools pools;

    public Pooler(PoolerConfig config, EventLoopGroup loops, SslContext clientTls) {
        this.loops = loops;
        this.clientTls = clientTls;
        this.connector = new ServerConnector((int) Math.min(Integer.MAX_VALUE, config.general().maxMessageSize()));
        this.cancelForwarder = new CancelForwarder(loops);
        new SecureRandom().nextBytes(mockNonceKey);
        this.pools = Pools.create(config, connector, loops);
    }

    public Pools pools() {
        return pools;
    }

    public PoolerConfig config() {
        return pools.config();
    }

    public CancelRegistry cancels() {
        return cancels;
    }

    public CancelForwarder cancelForwarder() {
        return cancelForwarder;
    }

    /** Client-facing TLS, or null when tls_certificate/tls_private_key are not set. */
    public SslContext clientTls() {
        return clientTls;
    }

    /** Key for the fake SCRAM secrets of users that do not exist. */
    public byte[] mockNonceKey() {
        return mockNonceKey.clone();
    }

    public EventLoopGroup loops() {
        return loops;
    }

    public int maxMessageSize() {
        return (int) Math.min(Integer.MAX_VALUE, config().general().maxMessageSize());
    }

    /** Closes every pool and waits (bounded) until their server connections are closed. */
    public void close() {
        pools.close(Duration.ofSeconds(5));
    }
}
