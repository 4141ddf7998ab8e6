package io.pgrudder.protocol.frontend;

import io.netty.buffer.ByteBuf;
import io.pgrudder.protocol.Frames;
import io.pgrudder.protocol.PgException;

import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * StartupMessage: protocol version, then name/value pairs ending with an empty name. The
 * parameters keep the order the client sent them in; {@code _pq_.} protocol options stay in the
 * map as sent, and a minor version above what we speak is kept as sent (the caller answers with
 * NegotiateProtocolVersion).
 */
public record StartupMessage(int protocolVersion, Map<String, String> parameters) implements StartupPacket {
    public static final int PROTOCOL_3_0 = 196608;
    public static final int PROTOCOL_3_2 = 196610;
    public static final String PROTOCOL_OPTION_PREFIX = "_pq_.";

    public StartupMessage {
        parameters = Collections.unmodifiableMap(new LinkedHashMap<>(parameters));
        parameters.forEach((name, value) -> {
            if (name == null || name.isEmpty() || value == null) {
                throw new IllegalArgumentException("invalid startup parameter " + name + "=" + value);
            }
        });
    }

    public int majorVersion() {
        return protocolVersion >>> 16;
    }

    public int minorVersion() {
        return protocolVersion & 0xffff;
    }

    /** The {@code user} parameter, or null when the client sent none. */
    public String user() {
        return parameters.get("user");
    }

    /** The {@code database} parameter; PostgreSQL defaults it to the user name. */
    public String database() {
        String database = parameters.get("database");
        return database != null ? database : user();
    }

    /** A parameter as sent, or null. */
    public String parameter(String name) {
        return parameters.get(name);
    }

    /** Decodes the bytes after the length: version, pairs, terminating NUL. */
    public static StartupMessage decode(ByteBuf body) {
        int version = Frames.readInt32(body);
        if (version >>> 16 != 3) {
            throw StartupPacket.unsupportedProtocol(version);
        }
        Map<String, String> parameters = new LinkedHashMap<>();
        while (true) {
            if (!body.isReadable()) {
                throw PgException.protocolViolation("invalid startup packet layout: expected terminator as last byte");
            }
            String name = Frames.readCString(body);
            if (name.isEmpty()) {
                break;
            }
            parameters.put(name, Frames.readCString(body));
        }
        if (body.isReadable()) {
            throw PgException.protocolViolation("invalid startup packet layout: expected terminator as last byte");
        }
        return new StartupMessage(version, parameters);
    }

    @Override
    public void encode(ByteBuf out) {
        int start = Frames.beginStartupPacket(out);
        out.writeInt(protocolVersion);
        parameters.forEach((name, value) -> {
            Frames.writeCString(out, name);
            Frames.writeCString(out, value);
        });
        out.writeByte(0);
        Frames.endStartupPacket(out, start);
    }

    @Override
    public String toString() {
        return "StartupMessage[protocolVersion=" + majorVersion() + "." + minorVersion() + ", parameters=" + parameters + "]";
    }
}
