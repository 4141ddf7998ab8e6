package io.pgrudder.server.admin;

import io.netty.channel.Channel;
import io.netty.handler.ssl.SslHandler;

import javax.net.ssl.SSLSession;
import java.net.InetSocketAddress;
import java.net.SocketAddress;

/** PgBouncer's addr, port, local_addr, local_port and tls columns, read from a channel. */
record Sockets(String addr, long port, String localAddr, long localPort, String tls) {

    static Sockets of(Channel channel) {
        SocketAddress remote = channel.remoteAddress();
        SocketAddress local = channel.localAddress();
        return new Sockets(host(remote), port(remote), host(local), port(local), tls(channel));
    }

    private static String host(SocketAddress a) {
        return a instanceof InetSocketAddress i ? i.getAddress() == null ? i.getHostString() : i.getAddress().getHostAddress()
                : a == null ? "" : a.toString();
    }

    private static long port(SocketAddress a) {
        return a instanceof InetSocketAddress i ? i.getPort() : 0;
    }

    /** PgBouncer's form, e.g. {@code TLSv1.3/TLS_AES_256_GCM_SHA384}; empty without TLS. */
    private static String tls(Channel channel) {
        SslHandler ssl = channel.pipeline().get(SslHandler.class);
        if (ssl == null || !ssl.handshakeFuture().isSuccess()) {
            return "";
        }
        SSLSession s = ssl.engine().getSession();
        return s.getProtocol() + "/" + s.getCipherSuite();
    }
}
