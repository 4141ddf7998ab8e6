package io.pgrudder.core;

import io.netty.channel.EventLoopGroup;
import io.netty.handler.ssl.SslContext;
import io.pgrudder.core.backend.ServerConnector;
import io.pgrudder.core.client.CancelForwarder;
import io.pgrudder.core.client.CancelRegistry;
import io.pgrudder.core.config.PoolerConfig;
import io.pgrudder.core.pool.Pools;

import io.pgrudder.protocol.auth.ScramSecret;

import java.security.SecureRandom;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
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
    private final io.pgrudder.core.stats.Stats stats = new io.pgrudder.core.stats.Stats();
    /** SCRAM secrets of users with plaintext passwords in the config, derived once (PBKDF2 is slow). */
    private final Map<String, Optional<ScramSecret>> scramSecrets = new ConcurrentHashMap<>();

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

    /** Reload: the new pools take over (built by the server's reloader from this pooler's connector). */
    public void pools(Pools next) {
        pools = next;
    }

    public ServerConnector connector() {
        return connector;
    }

    public io.pgrudder.core.stats.Stats stats() {
        return stats;
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

    /**
     * The SCRAM secret for a configured password: parsed when it is a stored SCRAM secret, derived
     * (once) when it is plaintext, null when it is an md5 hash, which cannot do SCRAM.
     */
    public ScramSecret scramSecret(String username, String configured) {
        return scramSecrets.computeIfAbsent(username + '\0' + configured, k -> {
            if (ScramSecret.looksLikeScramSecret(configured)) {
                return Optional.of(ScramSecret.parse(configured));
            }
            if (configured.length() == 35 && configured.startsWith("md5")) {
                return Optional.empty();
            }
            return Optional.of(ScramSecret.forConfiguredPassword(username, configured, mockNonceKey));
        }).orElse(null);
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
