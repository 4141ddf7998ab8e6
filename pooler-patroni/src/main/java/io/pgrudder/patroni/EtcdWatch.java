package io.pgrudder.patroni;

import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

import io.netty.channel.Channel;
import io.netty.channel.ChannelFuture;
import io.netty.channel.EventLoop;
import io.netty.handler.ssl.SslContext;

import io.pgrudder.core.config.PatroniEtcdSettings;
import io.pgrudder.core.topology.DcsWatch;

/**
 * Watches Patroni's keys in etcd through etcd's v3 JSON gateway ({@code /v3/kv/range} and the
 * streaming {@code /v3/watch}, keys base64): a range read of everything under
 * {@code <namespace>/<scope>/} gives the state and its revision, then a watch from the next
 * revision reports each change as it is committed. The {@link Listener} is told the values of the
 * keys {@link DcsKeys} follows ({@link WatchedKeys}) whenever one of them changed, with the names of
 * those whose digest changed.
 *
 * <p>When the stream ends (etcd stopped, the connection cut, an error), the watch reconnects to
 * the next host after a backoff (100 ms doubling to 5 s) and resumes from the revision after the
 * last one it applied, so no change is lost in between; if etcd has compacted that revision
 * away, it reads the range again. Everything runs on one event loop (the poller's): no locks.
 *
 * <p>With {@code patroni_etcd_protocol = "https"} every connection is TLS (etcd's certificate
 * checked against {@code patroni_etcd_cacert}, a client certificate offered when configured);
 * with {@code patroni_etcd_username} the watch first asks {@code /v3/auth/authenticate} for a token
 * and sends it in {@code Authorization} on every request. A failed request forgets the token, so
 * the next attempt authenticates again (an expired or revoked token heals itself).
 */
final class EtcdWatch {

    /** Told on the watch's loop. */
    interface Listener {
        /**
         * A followed key's value changed: {@code state} is all of them now, {@code names} those other than
         * {@code failover} whose digest changed (appeared, went, or changed what matters; may be empty when
         * only a WAL position moved).
         */
        void keysChanged(DcsState state, List<String> names);

        /** The {@code failover} key now asks for this (empty: nothing pending). */
        void failoverKey(Optional<PendingSwitchover> pending);

        void stateChanged(DcsWatch state, String detail);
    }

    private static final Logger log = LoggerFactory.getLogger(EtcdWatch.class);
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final long FIRST_BACKOFF_MILLIS = 100;
    private static final long MAX_BACKOFF_MILLIS = 5000;

    private final String cluster;
    private final PatroniEtcdSettings settings;
    private final String prefix;
    private final EventLoop loop;
    private final Class<? extends Channel> channelType;
    private final PatroniHttpClient http;
    private final long timeoutMillis;
    private final Listener listener;
    private final Optional<SslContext> tls;

    // Confined to loop.
    /** etcd's authentication (with patroni_etcd_username); its token is confined to loop too. */
    private final EtcdToken token;
    private final WatchedKeys keys = new WatchedKeys();
    private Optional<PendingSwitchover> failover = Optional.empty();
    private DcsWatch state = DcsWatch.CONNECTING;
    private long revision;
    private boolean needRange = true;
    private int failures;
    private int nextHost;
    private Stream stream;
    private ScheduledFuture<?> retry;
    private boolean closed;
    private volatile long requests;

    EtcdWatch(String cluster, PatroniEtcdSettings settings, EventLoop loop, Class<? extends Channel> channelType,
            PatroniHttpClient http, Optional<SslContext> tls, Duration requestTimeout, Listener listener) {
        this.cluster = Objects.requireNonNull(cluster, "cluster");
        this.settings = Objects.requireNonNull(settings, "settings");
        if (!settings.watching()) {
            throw new IllegalArgumentException("no etcd hosts to watch");
        }
        this.prefix = settings.clusterPrefix();
        this.loop = loop;
        this.channelType = channelType;
        this.http = http;
        this.timeoutMillis = Math.max(1000, requestTimeout.toMillis());
        this.listener = listener;
        this.tls = Objects.requireNonNull(tls, "tls");
        this.token = new EtcdToken(settings, http);
    }

    void start() {
        loop.execute(this::attempt);
    }

    void close() {
        loop.execute(() -> {
            closed = true;
            if (retry != null) {
                retry.cancel(false);
            }
            if (stream != null) {
                stream.channel.close();
                stream = null;
            }
        });
    }

    /**
     * A quiet watch stream cannot tell a quiet cluster from an etcd that froze or a network that
     * dropped the connection without a reset. Called at each scheduled REST round: one range read
     * of the leader key, to the host being watched; when it gets no answer, the stream is ended
     * (and with it the long REST interval) as if etcd had closed it.
     */
    void probe() {
        loop.execute(() -> {
            Stream s = stream;
            if (closed || s == null || state != DcsWatch.LIVE) {
                return;
            }
            probe(s, token.needed());
        });
    }

    /**
     * One range read for {@link #probe()}. A token etcd no longer takes ({@link EtcdToken#refused}: a
     * JWT's TTL runs out while in use; a simple token idle too long) is not a broken watch: with {@code mayRenew} the watch
     * authenticates again and reads once more, and only a second failure ends the stream.
     */
    private void probe(Stream s, boolean mayRenew) {
        requests++;
        http.post(s.host.host(), s.host.port(), "/v3/kv/range", EtcdGatewayJson.keyRequest(prefix + DcsKeys.LEADER),
                        token.current())
                .whenComplete((outcome, error) -> loop.execute(() -> {
                    if (stream != s || closed) {
                        return;
                    }
                    if (error == null && outcome.result().ok()) {
                        return;
                    }
                    if (mayRenew && error == null && EtcdToken.refused(outcome.result().reason())) {
                        renewToken(s);
                        return;
                    }
                    s.end("etcd does not answer a range read: "
                            + (error != null ? PatroniHttpClient.brief(error) : outcome.result()));
                }));
    }

    private void renewToken(Stream s) {
        token.drop();
        requests++;
        token.ask(s.host).whenComplete((answer, error) -> loop.execute(() -> {
            if (stream != s || closed) {
                return;
            }
            String why = token.take(answer);
            if (why != null) {
                s.end(why + " (renewing the token)");
                return;
            }
            log.debug("cluster {}: etcd token renewed", cluster);
            probe(s, false);
        }));
    }

    /** Requests sent to etcd so far: range reads (probes included), watch streams, authentications. */
    long requests() {
        return requests;
    }

    /** How many tokens etcd gave this watch (for tests; read from any thread). */
    long authentications() {
        return token.issued();
    }

    /** The prefix of every followed key, {@code /service/<scope>/}. */
    String prefix() {
        return prefix;
    }

    private void attempt() {
        if (closed) {
            return;
        }
        retry = null;
        PatroniEtcdSettings.Endpoint host = settings.hosts().get(Math.floorMod(nextHost, settings.hosts().size()));
        if (token.needed() && token.current() == null) {
            requests++;
            token.ask(host).thenAccept(answer -> loop.execute(() -> authenticated(host, answer)));
            return;
        }
        if (needRange) {
            requests++;
            http.post(host.host(), host.port(), "/v3/kv/range", EtcdGatewayJson.rangeRequest(prefix), token.current())
                    .whenComplete((outcome, error) -> loop.execute(() -> ranged(host, outcome, error)));
        } else {
            watch(host, revision + 1);
        }
    }

    private void authenticated(PatroniEtcdSettings.Endpoint host, EtcdToken.Answer answer) {
        if (closed) {
            return;
        }
        String why = token.take(answer);
        if (why != null) {
            failed(host, why);
            return;
        }
        attempt();
    }

    private void ranged(PatroniEtcdSettings.Endpoint host, HttpOutcome outcome, Throwable error) {
        if (closed) {
            return;
        }
        if (error != null || !outcome.result().ok()) {
            failed(host, "range read failed: " + (error != null ? PatroniHttpClient.brief(error) : outcome.result()));
            return;
        }
        JsonNode answer;
        try {
            answer = JSON.readTree(outcome.body());
        } catch (JsonProcessingException e) {
            failed(host, "range answer is not JSON");
            return;
        }
        Map<String, String> now = new HashMap<>();
        for (JsonNode kv : answer.path("kvs")) {
            String key = EtcdGatewayJson.decode(kv.path("key"));
            DcsKeys.followed(prefix, key).ifPresent(name -> now.put(name, EtcdGatewayJson.decode(kv.path("value"))));
        }
        long at = EtcdGatewayJson.int64(answer.path("header").path("revision"));
        if (at <= 0) {
            failed(host, "range answer has no revision");
            return;
        }
        keys.replaceAll(now);
        revision = at;
        needRange = false;
        tell();
        watch(host, at + 1);
    }

    private void watch(PatroniEtcdSettings.Endpoint host, long from) {
        requests++;
        Stream s = new Stream(host);
        stream = s;
        ChannelFuture connect = WatchConnection.connect(loop, channelType, tls, timeoutMillis, host, s);
        s.channel = connect.channel();
        // Until etcd says the watch is created, the attempt has a deadline; afterwards the stream may be quiet.
        s.createDeadline = loop.schedule(() -> s.end("no watch created within " + timeoutMillis + " ms"),
                timeoutMillis, TimeUnit.MILLISECONDS);
        WatchConnection.sendWhenConnected(connect, host, EtcdGatewayJson.watchRequest(prefix, from), token.current(),
                s::end);
    }

    /** One message of the current stream. */
    private void message(Stream s, JsonNode message) {
        if (message.has("error")) {
            s.end("etcd: " + message.path("error").path("message").asText(message.path("error").toString()));
            return;
        }
        JsonNode result = message.path("result");
        if (EtcdGatewayJson.int64(result.path("compact_revision")) > 0) {
            log.info("cluster {}: etcd compacted revision {} away; reading {} again", cluster, revision + 1, prefix);
            needRange = true;
            s.end(null);
            return;
        }
        if (result.path("canceled").asBoolean(false)) {
            s.end("etcd canceled the watch: " + result.path("cancel_reason").asText(""));
            return;
        }
        if (result.path("created").asBoolean(false)) {
            s.createDeadline.cancel(false);
            failures = 0;
            setState(DcsWatch.LIVE, "watching " + s.host + " " + prefix + " from revision " + (revision + 1));
            reportFailover();
        }
        for (JsonNode event : result.path("events")) {
            JsonNode kv = event.path("kv");
            long modRevision = EtcdGatewayJson.int64(kv.path("mod_revision"));
            if (modRevision <= revision) {
                continue; // already applied (a resumed watch never repeats, but never apply twice)
            }
            revision = modRevision;
            Optional<String> name = DcsKeys.followed(prefix, EtcdGatewayJson.decode(kv.path("key")));
            if (name.isEmpty()) {
                continue;
            }
            if ("DELETE".equals(event.path("type").asText("PUT"))) {
                keys.delete(name.get());
            } else {
                keys.put(name.get(), EtcdGatewayJson.decode(kv.path("value")));
            }
        }
        tell();
    }

    /** Tells the listener what the last range read or message changed, if anything. */
    private void tell() {
        WatchedKeys.Changes changes = keys.drain();
        List<String> names = new ArrayList<>(changes.names());
        if (names.remove(DcsKeys.FAILOVER)) {
            reportFailover();
        }
        if (changes.anyValue()) {
            if (!names.isEmpty()) {
                log.debug("cluster {}: etcd keys changed: {}", cluster, names);
            }
            listener.keysChanged(keys.snapshot(revision), names);
        }
    }

    /**
     * Tells the listener what the {@code failover} key asks for now, unless it was told already.
     * Also on every (re)established watch: while the watch was down the listener was told nothing
     * is pending, and a resumed watch repeats no change from before.
     */
    private void reportFailover() {
        Optional<PendingSwitchover> pending = Optional.empty();
        try {
            pending = PendingSwitchover.parse(keys.value(DcsKeys.FAILOVER));
        } catch (PatroniJsonException e) {
            log.warn("cluster {}: {}; not holding the leader for it", cluster, e.getMessage());
        }
        if (!pending.equals(failover)) {
            failover = pending;
            log.info("cluster {}: failover key: {}", cluster, pending.map(Object::toString).orElse("nothing pending"));
            listener.failoverKey(pending);
        }
    }

    /** The current stream ended: {@code reason} null for a planned reconnect (compaction), at once. */
    private void ended(Stream s, String reason) {
        if (stream != s || closed) {
            return;
        }
        stream = null;
        if (reason == null) {
            retry = loop.schedule(this::attempt, 0, TimeUnit.MILLISECONDS);
            return;
        }
        failed(s.host, reason);
    }

    private void failed(PatroniEtcdSettings.Endpoint host, String reason) {
        token.drop(); // perhaps expired or revoked: the next attempt authenticates again
        failures++;
        nextHost++;
        long delay = Math.min(MAX_BACKOFF_MILLIS, FIRST_BACKOFF_MILLIS << Math.min(failures - 1, 16));
        if (state != DcsWatch.DOWN) {
            // What the pending switchover was is not known while etcd cannot be read.
            failover = Optional.empty();
            setState(DcsWatch.DOWN, host + ": " + reason);
        } else {
            log.debug("cluster {}: etcd watch still down: {}: {}; retrying in {} ms", cluster, host, reason, delay);
        }
        retry = loop.schedule(this::attempt, delay, TimeUnit.MILLISECONDS);
    }

    private void setState(DcsWatch next, String detail) {
        if (next == state) {
            return;
        }
        state = next;
        if (next == DcsWatch.DOWN) {
            log.warn("cluster {}: etcd watch down ({}); following Patroni by REST polls alone, retrying", cluster, detail);
        } else {
            log.info("cluster {}: etcd watch {}: {}", cluster, next.name().toLowerCase(java.util.Locale.ROOT), detail);
        }
        listener.stateChanged(next, detail);
    }

    /** One watch connection; its callbacks count only while it is the current one. */
    private final class Stream implements WatchStreamHandler.Owner {
        final PatroniEtcdSettings.Endpoint host;
        Channel channel;
        ScheduledFuture<?> createDeadline;

        Stream(PatroniEtcdSettings.Endpoint host) {
            this.host = host;
        }

        @Override
        public void message(JsonNode message) {
            if (stream == this) {
                EtcdWatch.this.message(this, message);
            }
        }

        @Override
        public void ended(String reason) {
            end(reason);
        }

        void end(String reason) {
            if (createDeadline != null) {
                createDeadline.cancel(false);
            }
            channel.close();
            EtcdWatch.this.ended(this, reason);
        }
    }
}
