package io.pgrudder.core.testing;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * A TCP relay between pgrudder and a server (PostgreSQL, etcd) that a test can make lose a
 * request: after {@link #cutConnectionsOpenNow()}, the next bytes pgrudder sends on any connection
 * that was open at that moment are dropped and that connection is closed both ways, as when a
 * backend dies before reading a request. Connections opened later relay normally, unless
 * {@link #refuseNew(boolean)} makes the relay close them at once, as a partitioned network would.
 */
public final class CuttingProxy implements AutoCloseable {
    private final ServerSocket listener;
    private final String targetHost;
    private final int targetPort;
    private final Set<Pair> open = ConcurrentHashMap.newKeySet();
    private final Set<Pair> doomed = ConcurrentHashMap.newKeySet();
    private final AtomicInteger cut = new AtomicInteger();
    /** Extra time a CancelRequest takes to reach the server, as over a slow network. */
    private volatile long cancelDelayMillis;
    /** New connections are closed at once instead of relayed. */
    private volatile boolean refusing;

    private record Pair(Socket fromPooler, Socket toServer) {
        void close() {
            try {
                fromPooler.close();
            } catch (IOException ignored) {
                // closing anyway
            }
            try {
                toServer.close();
            } catch (IOException ignored) {
                // closing anyway
            }
        }
    }

    public CuttingProxy(String targetHost, int targetPort) throws IOException {
        this.targetHost = targetHost;
        this.targetPort = targetPort;
        this.listener = new ServerSocket(0, 50, InetAddress.getLoopbackAddress());
        Thread accept = new Thread(this::accept, "cutting-proxy");
        accept.setDaemon(true);
        accept.start();
    }

    public int port() {
        return listener.getLocalPort();
    }

    /** How many connections were cut. */
    public int cut() {
        return cut.get();
    }

    public void cutConnectionsOpenNow() {
        doomed.addAll(open);
    }

    /** From now on a CancelRequest reaches the server {@code millis} late (the rest is not delayed). */
    public void delayCancelRequests(long millis) {
        cancelDelayMillis = millis;
    }

    /** Closes every open connection both ways at once, as a network failure mid-statement does. */
    public void cutNow() {
        for (Pair pair : open) {
            if (open.remove(pair)) {
                cut.incrementAndGet();
                pair.close();
            }
        }
    }

    /** While on, each new connection is accepted and closed at once (nothing reaches the server). */
    public void refuseNew(boolean refuse) {
        refusing = refuse;
    }

    private void accept() {
        while (!listener.isClosed()) {
            Socket pooler;
            try {
                pooler = listener.accept();
            } catch (IOException e) {
                return; // closed
            }
            if (refusing) {
                try {
                    pooler.close();
                } catch (IOException ignored) {
                    // closing anyway
                }
                continue;
            }
            try {
                Socket server = new Socket(targetHost, targetPort);
                Pair pair = new Pair(pooler, server);
                open.add(pair);
                relay(pair, pooler.getInputStream(), server.getOutputStream(), true);
                relay(pair, server.getInputStream(), pooler.getOutputStream(), false);
            } catch (IOException e) {
                // The server is down (a shutdown under test): refused, as a direct connect would be.
                try {
                    pooler.close();
                } catch (IOException ignored) {
                    // closing anyway
                }
            }
        }
    }

    private void relay(Pair pair, InputStream in, OutputStream out, boolean toServer) {
        Thread t = new Thread(() -> {
            byte[] buf = new byte[16384];
            try {
                int n;
                boolean first = true;
                while ((n = in.read(buf)) >= 0) {
                    if (toServer && first && isCancelRequest(buf, n) && cancelDelayMillis > 0) {
                        Thread.sleep(cancelDelayMillis); // the network's delay, not a test's synchronization
                    }
                    first = false;
                    if (toServer && doomed.remove(pair)) {
                        cut.incrementAndGet();
                        break;
                    }
                    out.write(buf, 0, n);
                    out.flush();
                }
            } catch (IOException ignored) {
                // the other side closed
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            } finally {
                open.remove(pair);
                pair.close();
            }
        }, "cutting-proxy-relay");
        t.setDaemon(true);
        t.start();
    }

    /** A CancelRequest: length 16, code 1234 5678. */
    private static boolean isCancelRequest(byte[] buf, int n) {
        return n >= 8 && buf[0] == 0 && buf[1] == 0 && buf[2] == 0 && buf[3] == 16
                && buf[4] == 0x04 && buf[5] == (byte) 0xd2 && buf[6] == 0x16 && buf[7] == 0x2e;
    }

    @Override
    public void close() throws IOException {
        listener.close();
        open.forEach(Pair::close);
    }
}
