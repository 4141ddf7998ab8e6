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
