package io.pgrudder.patroni;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Optional;
import java.util.function.Supplier;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import io.netty.channel.EventLoopGroup;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.nio.NioIoHandler;
import io.netty.channel.socket.nio.NioSocketChannel;
import io.pgrudder.core.config.PatroniEtcdSettings;
import io.pgrudder.patroni.testing.StandaloneEtcd;

/**
 * The etcd watch against an etcd that takes only TLS with a client certificate and has its own
 * authentication on ({@link StandaloneEtcd#tlsWithAuth}): with the CA, the client certificate and the user's
 * password it goes live and sees Patroni's keys change; a wrong password, a missing client
 * certificate or a CA that did not sign etcd's certificate each keep it down, with a reason that
 * never holds the password.
 */
class EtcdTlsAuthIT {
    private static final String PREFIX = "/service/demo/";
    private static final Duration GENEROUS = Duration.ofSeconds(30);

    private static StandaloneEtcd etcd;
    private static EventLoopGroup group;

    @BeforeAll
    static void start() {
        etcd = StandaloneEtcd.tlsWithAuth(PREFIX);
        group = new MultiThreadIoEventLoopGroup(1, NioIoHandler.newFactory());
    }

    @AfterAll
    static void stop() {
        if (group != null) {
            group.shutdownGracefully(0, 1, java.util.concurrent.TimeUnit.SECONDS);
        }
        if (etcd != null) {
            etcd.close();
        }
    }

    private static EtcdWatch watch(Path ca, boolean clientCertificate, String password, HeardWatch heard) {
        return watch(etcd, ca, clientCertificate, password, heard);
    }

    private static EtcdWatch watch(StandaloneEtcd etcd, Path ca, boolean clientCertificate, String password,
                                   HeardWatch heard) {
        PatroniEtcdSettings settings = new PatroniEtcdSettings(
                List.of(new PatroniEtcdSettings.Endpoint("127.0.0.1", etcd.port())), "demo", "/service", "https", ca,
                clientCertificate ? etcd.certificates().clientCertificate() : null,
                clientCertificate ? etcd.certificates().clientKey() : null, StandaloneEtcd.USER, password);
        Optional<io.netty.handler.ssl.SslContext> tls = EtcdTls.context(settings);
        PatroniHttpClient http = new PatroniHttpClient(group, NioSocketChannel.class, tls, Duration.ofSeconds(2));
        EtcdWatch w = new EtcdWatch("tls-it", settings, group.next(), NioSocketChannel.class, http, tls,
                Duration.ofSeconds(2), heard);
        w.start();
        return w;
    }

    @Test
    void withTheCaTheClientCertificateAndThePasswordTheWatchIsLiveAndSeesChanges() {
        HeardWatch heard = new HeardWatch();
        EtcdWatch w = watch(etcd.certificates().ca(), true, StandaloneEtcd.PASSWORD, heard);
        try {
            await("the watch is live", () -> heard.states.stream().anyMatch(s -> s.startsWith("LIVE")), heard);
            etcd.put(PREFIX + "leader", "node2");
            await("the leader key change is heard", () -> heard.changed.contains("leader"), heard);
            etcd.put(PREFIX + "failover", "{\"leader\":\"node2\",\"member\":\"node3\"}");
            await("the failover key is heard", () -> heard.failover.stream().anyMatch(Optional::isPresent), heard);
            assertFalse(heard.states.stream().anyMatch(s -> s.startsWith("DOWN")), heard.states.toString());
        } finally {
            w.close();
        }
    }

    /**
     * etcd's JWT tokens expire a fixed time after they were issued, in use or not: the watch's
     * probe then gets 401, authenticates again and goes on, without ever going down.
     */
    @Test
    void anExpiredJwtIsRenewedWithoutTheWatchGoingDown() {
        try (StandaloneEtcd jwtEtcd = StandaloneEtcd.tlsWithAuth(PREFIX, Duration.ofSeconds(2))) {
            HeardWatch heard = new HeardWatch();
            EtcdWatch w = watch(jwtEtcd, jwtEtcd.certificates().ca(), true, StandaloneEtcd.PASSWORD, heard);
            try {
                await("the watch is live", () -> heard.states.stream().anyMatch(s -> s.startsWith("LIVE")), heard);
                // Probe as the poller's scheduled rounds would, until a token has expired and been renewed.
                await("a second token", () -> {
                    w.probe();
                    return w.authentications() >= 2;
                }, heard);
                jwtEtcd.put(PREFIX + "leader", "node3");
                await("the watch still hears changes", () -> heard.changed.contains("leader"), heard);
                assertFalse(heard.states.stream().anyMatch(s -> s.startsWith("DOWN")), heard.states.toString());
            } finally {
                w.close();
            }
        }
    }

    @Test
    void aWrongPasswordKeepsTheWatchDownWithoutSayingThePassword() {
        HeardWatch heard = new HeardWatch();
        EtcdWatch w = watch(etcd.certificates().ca(), true, "not-the-password-7e2", heard);
        try {
            String down = await("the watch is down", () -> heard.states.stream().filter(s -> s.startsWith("DOWN"))
                    .findFirst().orElse(null), heard);
            assertTrue(down.contains("authentication as " + StandaloneEtcd.USER + " failed"), down);
            assertFalse(down.contains("not-the-password-7e2"), down);
        } finally {
            w.close();
        }
    }

    @Test
    void withoutAClientCertificateOrWithAnotherCaTheWatchStaysDown() {
        for (boolean otherCa : new boolean[] {false, true}) {
            HeardWatch heard = new HeardWatch();
            EtcdWatch w = watch(otherCa ? etcd.certificates().untrustedCa() : etcd.certificates().ca(), otherCa,
                    StandaloneEtcd.PASSWORD, heard);
            try {
                String down = await("the watch is down", () -> heard.states.stream().filter(s -> s.startsWith("DOWN"))
                        .findFirst().orElse(null), heard);
                assertFalse(heard.states.stream().anyMatch(s -> s.startsWith("LIVE")), heard.states.toString());
                assertFalse(down.contains(StandaloneEtcd.PASSWORD), down);
            } finally {
                w.close();
            }
        }
    }

    private static <T> T await(String what, Supplier<T> value, HeardWatch heard) {
        Instant deadline = Instant.now().plus(GENEROUS);
        while (true) {
            T v = value.get();
            if (v != null && !Boolean.FALSE.equals(v)) {
                return v;
            }
            if (Instant.now().isAfter(deadline)) {
                throw new AssertionError("not within " + GENEROUS + ": " + what + "; states " + heard.states
                        + ", changed " + heard.changed);
            }
            try {
                Thread.sleep(50);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new AssertionError(e);
            }
        }
    }
}
