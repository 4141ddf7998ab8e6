package io.pgrudder.protocol.frontend;

import io.netty.buffer.ByteBuf;
import io.pgrudder.protocol.Frames;
import io.pgrudder.protocol.FrontendMessage;
import io.pgrudder.protocol.PgException;

/**
 * The first packet on a connection: no type byte, an int32 length, then an int32 code that says
 * which packet it is (a protocol version for StartupMessage).
 */
public sealed interface StartupPacket extends FrontendMessage
        permits StartupMessage, SSLRequest, GSSENCRequest, CancelRequest {

    /** PostgreSQL's MAX_STARTUP_PACKET_LENGTH. */
    int MAX_LENGTH = 10000;
    /** Length field (4) plus code (4). */
    int MIN_LENGTH = 8;

    /**
     * Decodes a startup packet body (the bytes after the int32 length) by its code. An unknown
     * code or a protocol major version other than 3 is a protocol violation.
     */
    static StartupPacket decode(ByteBuf body) {
        Frames.need(body, 4);
        int code = body.getInt(body.readerIndex());
        switch (code) {
            case SSLRequest.CODE:
                return SSLRequest.decode(body);
            case GSSENCRequest.CODE:
                return GSSENCRequest.decode(body);
            case CancelRequest.CODE:
                return CancelRequest.decode(body);
            default:
                if (code >>> 16 != 3) {
                    throw unsupportedProtocol(code);
                }
                return StartupMessage.decode(body);
        }
    }

    static PgException unsupportedProtocol(int code) {
        return PgException.protocolViolation("unsupported frontend protocol " + (code >>> 16) + "."
                + (code & 0xffff) + ": server supports 3.0 to 3.2");
    }
}
