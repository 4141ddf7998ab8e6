package io.pgrudder.server;

import io.netty.buffer.ByteBufUtil;
import io.pgrudder.protocol.codec.WireFrame;

import java.io.DataInputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.OutputStream;
import java.net.Socket;
import java.net.SocketException;
import java.net.SocketTimeoutException;
import java.util.List;

/**
 * A raw client socket for the fuzz test: sends arbitrary bytes and reads whole backend messages
 * (type and body) until the server closes. A read that times out means the server neither
 * answered nor closed: a hang, reported as such.
 */
final class FuzzConnection implements AutoCloseable {
    record Message(byte type, byte[] body) {
    }

    private final Socket socket;
    private String input = "";
    private final DataInputStream in;
    private final OutputStream out;

    FuzzConnection(int port, int readTimeoutMillis) throws IOException {
        socket = new Socket("127.0.0.1", port);
        socket.setSoTimeout(readTimeoutMillis);
        socket.setTcpNoDelay(true);
        in = new DataInputStream(socket.getInputStream());
        out = socket.getOutputStream();
    }

    /** What this connection sends, for the failure message. */
    void describe(String what, List<WireFrame> frames) {
        StringBuilder b = new StringBuilder(what).append(':');
        for (var f : frames) {
            b.append(' ').append(ByteBufUtil.hexDump(f.bytes()));
        }
        input = b.toString();
    }

    /** Sends the bytes; false when the server had already closed the connection. */
    boolean send(byte[] bytes, int from, int length) throws IOException {
        try {
            out.write(bytes, from, length);
            out.flush();
            return true;
        } catch (SocketException e) {
            return false;
        }
    }

    boolean send(byte[] bytes) throws IOException {
        return send(bytes, 0, bytes.length);
    }

    /** One byte (the answer to SSLRequest / GSSENCRequest), or -1 at end of stream. */
    int readByte() throws IOException {
        try {
            return in.read();
        } catch (SocketTimeoutException e) {
            throw hang(e);
        } catch (SocketException e) {
            return -1;
        }
    }

    /** The next message, or null when the server closed the connection. */
    Message read() throws IOException {
        try {
            byte type = in.readByte();
            int length = in.readInt();
            if (length < 4) {
                throw new IOException("server sent message type " + (char) type + " with length " + length);
            }
            byte[] body = new byte[length - 4];
            in.readFully(body);
            return new Message(type, body);
        } catch (EOFException | SocketException e) {
            return null;
        } catch (SocketTimeoutException e) {
            throw hang(e);
        }
    }

    /** Half-closes our side: the pooler sees end of stream and must close the connection. */
    void shutdownOutput() {
        try {
            socket.shutdownOutput();
        } catch (IOException e) {
            // already closed by the server
        }
    }

    /** Reads until the server closes; returns the bytes read. */
    long drainUntilClosed() throws IOException {
        long n = 0;
        byte[] buf = new byte[8192];
        try {
            for (int r = in.read(buf); r >= 0; r = in.read(buf)) {
                n += r;
            }
        } catch (SocketTimeoutException e) {
            throw hang(e);
        } catch (SocketException e) {
            // reset by the server: closed too
        }
        return n;
    }

    private IOException hang(SocketTimeoutException e) {
        return new IOException("the server neither answered nor closed the connection within the read timeout; sent "
                + input, e);
    }

    String input() {
        return input;
    }

    @Override
    public void close() throws IOException {
        socket.close();
    }
}
