package io.pgrudder.core.net;

import io.netty.channel.ChannelOption;
import io.pgrudder.core.config.GeneralConfig;

import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * pgcat's socket settings for client and server connections: {@code tcp_keepalives_idle},
 * {@code tcp_keepalives_count}, {@code tcp_keepalives_interval} (seconds) and
 * {@code tcp_user_timeout} (ms). They are what notices a peer that vanished without a word (a
 * host powered off, a partition): keepalive probes for idle connections, the user timeout for one
 * with unacknowledged data, such as a query sent to a leader that just died. Applied with native
 * epoll or io_uring; with NIO only SO_KEEPALIVE is set (the JDK cannot set the user timeout).
 */
public record TcpSettings(Duration keepalivesIdle, int keepalivesCount, Duration keepalivesInterval,
                          Duration userTimeout) {

    public static TcpSettings of(GeneralConfig general) {
        return new TcpSettings(general.tcpKeepalivesIdle(), general.tcpKeepalivesCount(),
                general.tcpKeepalivesInterval(), general.tcpUserTimeout());
    }

    /**
     * What client sockets get: the same, with the user timeout raised to what the keepalive
     * settings themselves allow an idle connection ({@code idle + count * interval}; 30 s with
     * pgcat's defaults) when both are on. Linux lets the user timeout end keepalive probing too:
     * with pgcat's 5 s idle and interval and 10 s user timeout, one lost probe (or its ACK) closes
     * a healthy idle client at the second probe. Thousands of clients that connected together
     * (after a restart of the pooler, or of their app) probe together, every 5 s, and their
     * bursts overflow the receiving queue of a loopback or veth device (net.core.
     * netdev_max_backlog, 1,000 packets): 10,000 idle clients of bench/run lost 4,000 in 30 s so.
     * Server sockets keep {@code tcp_user_timeout} as it is: there it is what fails a query to a
     * leader whose machine died, and the pool opens a lost idle one again.
     */
    public TcpSettings forClients() {
        if (userTimeout.isZero() || keepalivesIdle.isZero() || keepalivesInterval.isZero() || keepalivesCount <= 0) {
            return this;
        }
        Duration probing = keepalivesIdle.plus(keepalivesInterval.multipliedBy(keepalivesCount));
        return probing.compareTo(userTimeout) <= 0 ? this
                : new TcpSettings(keepalivesIdle, keepalivesCount, keepalivesInterval, probing);
    }

    /** The channel options to set on a socket (a client's or a server connection's). */
    public Map<ChannelOption<?>, Object> options() {
        Map<ChannelOption<?>, Object> out = new LinkedHashMap<>();
        out.put(ChannelOption.TCP_NODELAY, true);
        out.put(ChannelOption.SO_KEEPALIVE, true);
        if (Transport.isNative()) {
            if (keepalivesIdle.toSeconds() > 0) {
                out.put(Transport.tcpKeepIdle(), (int) Math.min(32767, keepalivesIdle.toSeconds()));
            }
            if (keepalivesInterval.toSeconds() > 0) {
                out.put(Transport.tcpKeepInterval(), (int) Math.min(32767, keepalivesInterval.toSeconds()));
            }
            if (keepalivesCount > 0) {
                out.put(Transport.tcpKeepCount(), Math.min(127, keepalivesCount));
            }
            if (userTimeout.toMillis() > 0) {
                out.put(Transport.tcpUserTimeout(), (int) Math.min(Integer.MAX_VALUE, userTimeout.toMillis()));
            }
        }
        return out;
    }
}
