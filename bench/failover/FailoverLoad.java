import java.io.BufferedWriter;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.SQLException;
import java.util.Properties;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * Steady write load for bench/failover/run: N clients, each one autocommit INSERT every
 * interval ms. On any error the client counts it, drops its connection, reconnects (retrying
 * every 100 ms) and goes on. Every outcome goes to the log, one line each, with wall-clock ms:
 *
 *   ok   <epoch_ms> <client> <seq>                 a commit returned
 *   err  <epoch_ms> <client> <sqlstate> <seq> <message>  the INSERT of seq failed (session dropped);
 *                                               its row may or may not be stored
 *   cerr <epoch_ms> <client> <sqlstate> <message>  a connect attempt failed
 *
 * Usage: FailoverLoad JDBC_URL USER PASSWORD CLIENTS INTERVAL_MS PATH_LABEL LOG_FILE
 * Runs until SIGTERM.
 */
public final class FailoverLoad {
    private static BufferedWriter out;
    private static final AtomicBoolean stop = new AtomicBoolean();

    private static synchronized void log(String line) {
        try {
            out.write(line);
            out.write('\n');
        } catch (IOException e) {
            throw new RuntimeException(e);
        }
    }

    private static String describe(SQLException e) {
        String msg = String.valueOf(e.getMessage()).replaceAll("\\s+", " ");
        return (e.getSQLState() == null ? "-" : e.getSQLState()) + " " + (msg.length() > 160 ? msg.substring(0, 160) : msg);
    }

    public static void main(String[] args) throws Exception {
        String url = args[0], user = args[1], password = args[2];
        int clients = Integer.parseInt(args[3]);
        long interval = Long.parseLong(args[4]);
        String label = args[5];
        out = Files.newBufferedWriter(Path.of(args[6]), StandardCharsets.UTF_8);
        Properties props = new Properties();
        props.setProperty("user", user);
        props.setProperty("password", password);
        props.setProperty("connectTimeout", "2");
        // Longer than pgrudder's leader_wait_timeout (30 s in run): a request the pooler holds
        // while no leader exists must not be turned into an error by the client itself.
        props.setProperty("socketTimeout", "40");
        props.setProperty("ApplicationName", "failover-bench");

        Thread[] threads = new Thread[clients];
        for (int c = 0; c < clients; c++) {
            final int client = c;
            threads[c] = new Thread(() -> run(url, props, client, interval, label), "client-" + c);
            threads[c].start();
        }
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            stop.set(true);
            for (Thread t : threads) {
                try {
                    t.join(3000);
                } catch (InterruptedException ignored) {
                }
            }
            synchronized (FailoverLoad.class) {
                try {
                    out.flush();
                } catch (IOException ignored) {
                }
            }
        }));
        for (Thread t : threads) {
            t.join();
        }
    }

    private static void run(String url, Properties props, int client, long interval, String label) {
        Connection conn = null;
        PreparedStatement insert = null;
        long seq = 0;
        long next = System.currentTimeMillis();
        while (!stop.get()) {
            if (conn == null) {
                try {
                    conn = DriverManager.getConnection(url, props);
                    conn.setAutoCommit(true);
                    insert = conn.prepareStatement("INSERT INTO failover_bench (path, client, seq) VALUES (?, ?, ?)");
                } catch (SQLException e) {
                    log("cerr " + System.currentTimeMillis() + " " + client + " " + describe(e));
                    closeQuietly(conn);
                    conn = null;
                    sleep(100);
                    continue;
                }
            }
            seq++;
            try {
                insert.setString(1, label);
                insert.setInt(2, client);
                insert.setLong(3, seq);
                insert.executeUpdate();
                log("ok " + System.currentTimeMillis() + " " + client + " " + seq);
            } catch (SQLException e) {
                String described = describe(e);
                int space = described.indexOf(' ');
                log("err " + System.currentTimeMillis() + " " + client + " " + (space < 0 ? described
                        : described.substring(0, space) + " " + seq + described.substring(space)));
                closeQuietly(conn);
                conn = null;
                insert = null;
                continue;
            }
            next += interval;
            long now = System.currentTimeMillis();
            if (next > now) {
                sleep(next - now);
            } else {
                next = now;
            }
        }
        closeQuietly(conn);
    }

    private static void closeQuietly(Connection c) {
        if (c != null) {
            try {
                c.close();
            } catch (SQLException ignored) {
            }
        }
    }

    private static void sleep(long ms) {
        try {
            Thread.sleep(ms);
        } catch (InterruptedException e) {
            stop.set(true);
        }
    }
}
