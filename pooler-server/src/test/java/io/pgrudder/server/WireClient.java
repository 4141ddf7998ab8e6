package io.pgrudder.server;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.pgrudder.protocol.BackendMessage;
import io.pgrudder.protocol.backend.BackendMessages;

import java.io.DataInputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.OutputStream;
import java.net.Socket;
import java.util.function.Consumer;

/** A blocking PostgreSQL wire client for tests that need exact control over the bytes sent. */
final class WireClient implements AutoCloseable {
    private final Socket socket;
    private final DataInputStream in;
    private final OutputStream out;

    WireClient(int port) throws IOException {
        this(port, 0);
    }

    /** With {@code bufferSize} > 0, the socket's send and receive buffers are asked to be that small. */
    WireClient(int port, int bufferSize) throws IOException {
        socket = new Socket();
        if (bufferSize > 0) {
            socket.setReceiveBufferSize(bufferSize);
            socket.setSendBufferSize(bufferSize);
        }
        socket.connect(new java.net.InetSocketAddress("127.0.0.1", port));
        socket.setSoTimeout(15_000);
        in = new DataInputStream(socket.getInputStream());
        out = socket.getOutputStream();
    }

    /** Sends what {@code encoder} writes (one or several whole messages). */
    void send(Consumer<ByteBuf> encoder) throws IOException {
        ByteBuf buf = Unpooled.buffer();
        try {
            encoder.accept(buf);
            byte[] bytes = new byte[buf.readableBytes()];
            buf.readBytes(bytes);
            sendRaw(bytes);
        } finally {
            buf.release();
        }
    }

    void sendRaw(byte[] bytes) throws IOException {
        out.write(bytes);
        out.flush();
    }

    /** Reads the single-byte answer to SSLRequest / GSSENCRequest. */
    int readByte() throws IOException {
        return in.read();
    }

    /** Reads and decodes one backend message. */
    BackendMessage read() throws IOException {
        byte type = in.readByte();
        int length = in.readInt();
        byte[] body = new byte[length - 4];
        in.readFully(body);
        ByteBuf frame = Unpooled.buffer(length + 1);
        try {
            frame.writeByte(type).writeInt(length).writeBytes(body);
            return BackendMessages.decode(frame);
        } finally {
            frame.release();
        }
    }

    /** Reads messages until one of the given class arrives; returns it. */
    <T extends BackendMessage> T readUntil(Class<T> type) throws IOException {
        while (true) {
            BackendMessage m = read();
            if (type.isInstance(m)) {
                return type.cast(m);
            }
        }
    }

    /** True when the server closed the connection (EOF) within the socket timeout. */
    boolean closedByServer() throws IOException {
        try {
            while (in.read() >= 0) {
                // drain
            }
            return true;
        } catch (EOFException | java.net.SocketException e) {
            return true;
        }
    }

    /** Connects and logs in as an md5 user (the fixture's md5user), up to the first ReadyForQuery. */
    static WireClient loggedIn(int port, int bufferSize, String user, String password, String database) throws IOException {
        WireClient c = new WireClient(port, bufferSize);
        c.send(new io.pgrudder.protocol.frontend.StartupMessage(io.pgrudder.protocol.frontend.StartupMessage.PROTOCOL_3_0,
                java.util.Map.of("user", user, "database", database))::encode);
        BackendMessage challenge = c.read();
        if (!(challenge instanceof io.pgrudder.protocol.backend.AuthenticationMD5Password md5)) {
            c.close();
            throw new IOException("expected an md5 challenge, got " + challenge);
        }
        c.send(new io.pgrudder.protocol.frontend.PasswordMessage(
                io.pgrudder.protocol.auth.Md5Password.clientResponse(user, password, md5.salt()))::encode);
        c.readUntil(io.pgrudder.protocol.backend.ReadyForQuery.class);
        return c;
    }

    @Override
    public void close() throws IOException {
        socket.close();
    }
}
