package io.pgrudder.core.net;

import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.IoHandlerFactory;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.epoll.Epoll;
import io.netty.channel.epoll.EpollChannelOption;
import io.netty.channel.epoll.EpollIoHandler;
import io.netty.channel.epoll.EpollServerSocketChannel;
import io.netty.channel.epoll.EpollSocketChannel;
import io.netty.channel.nio.NioIoHandler;
import io.netty.channel.socket.ServerSocketChannel;
import io.netty.channel.socket.SocketChannel;
import io.netty.channel.socket.nio.NioServerSocketChannel;
import io.netty.channel.socket.nio.NioSocketChannel;
import io.netty.channel.uring.IoUring;
import io.netty.channel.uring.IoUringChannelOption;
import io.netty.channel.uring.IoUringIoHandler;
import io.netty.channel.uring.IoUringServerSocketChannel;
import io.netty.channel.uring.IoUringSocketChannel;
import io.netty.util.concurrent.DefaultThreadFactory;

import java.util.Locale;

/**
 * The socket transport, one choice for the whole process: native epoll where the platform has
 * it, NIO elsewhere ({@code auto}, the default), or the one named by the system property
 * {@code pgrudder.transport} ({@code epoll}, {@code io_uring}, {@code nio}; {@code
 * -Dpgrudder.nio=true} is the older spelling of {@code nio}). A transport asked for by name that
 * this kernel or platform cannot run fails the start with the reason, rather than running another.
 */
public enum Transport {
    EPOLL("epoll"),
    IO_URING("io_uring"),
    NIO("nio");

    public static final String PROPERTY = "pgrudder.transport";

    private final String label;

    Transport(String label) {
        this.label = label;
    }

    private static volatile Transport chosen;

    /** The transport of this process (chosen at first use; a bad choice throws at every use). */
    public static Transport current() {
        Transport t = chosen;
        if (t == null) {
            t = choose(System.getProperty(PROPERTY), Boolean.getBoolean("pgrudder.nio"));
            chosen = t;
        }
        return t;
    }

    /** What {@code pgrudder.transport} asks for, checked against what this machine can run. */
    static Transport choose(String asked, boolean legacyNio) {
        String name = asked == null || asked.isBlank() ? (legacyNio ? "nio" : "auto") : asked.trim().toLowerCase(Locale.ROOT);
        return switch (name) {
            case "auto" -> Epoll.isAvailable() ? EPOLL : NIO;
            case "epoll" -> available(EPOLL, Epoll.isAvailable(), Epoll.unavailabilityCause());
            case "io_uring", "iouring", "io-uring" -> available(IO_URING, IoUring.isAvailable(), IoUring.unavailabilityCause());
            case "nio" -> NIO;
            default -> throw new IllegalArgumentException("-D" + PROPERTY + "=" + asked
                    + ": unknown transport; one of auto, epoll, io_uring, nio");
        };
    }

    private static Transport available(Transport t, boolean available, Throwable cause) {
        if (!available) {
            throw new IllegalStateException("-D" + PROPERTY + "=" + t.label + ": not available here: "
                    + (cause == null ? "unknown reason" : cause.getMessage()), cause);
        }
        return t;
    }

    public static boolean isEpoll() {
        return current() == EPOLL;
    }

    /** Epoll or io_uring: the Linux socket options (keepalive timings, user timeout) can be set. */
    public static boolean isNative() {
        return current() != NIO;
    }

    /** How the transport is named in {@code pgrudder.transport} and in the log. */
    public String label() {
        return label;
    }

    public static EventLoopGroup newGroup(int threads, String name) {
        IoHandlerFactory factory = switch (current()) {
            case EPOLL -> EpollIoHandler.newFactory();
            case IO_URING -> IoUringIoHandler.newFactory();
            case NIO -> NioIoHandler.newFactory();
        };
        return new MultiThreadIoEventLoopGroup(threads, new DefaultThreadFactory(name, true), factory);
    }

    public static Class<? extends SocketChannel> socketChannel() {
        return switch (current()) {
            case EPOLL -> EpollSocketChannel.class;
            case IO_URING -> IoUringSocketChannel.class;
            case NIO -> NioSocketChannel.class;
        };
    }

    public static Class<? extends ServerSocketChannel> serverSocketChannel() {
        return switch (current()) {
            case EPOLL -> EpollServerSocketChannel.class;
            case IO_URING -> IoUringServerSocketChannel.class;
            case NIO -> NioServerSocketChannel.class;
        };
    }

    static ChannelOption<Integer> tcpKeepIdle() {
        return current() == IO_URING ? IoUringChannelOption.TCP_KEEPIDLE : EpollChannelOption.TCP_KEEPIDLE;
    }

    static ChannelOption<Integer> tcpKeepInterval() {
        return current() == IO_URING ? IoUringChannelOption.TCP_KEEPINTVL : EpollChannelOption.TCP_KEEPINTVL;
    }

    static ChannelOption<Integer> tcpKeepCount() {
        return current() == IO_URING ? IoUringChannelOption.TCP_KEEPCNT : EpollChannelOption.TCP_KEEPCNT;
    }

    static ChannelOption<Integer> tcpUserTimeout() {
        return current() == IO_URING ? IoUringChannelOption.TCP_USER_TIMEOUT : EpollChannelOption.TCP_USER_TIMEOUT;
    }
}
