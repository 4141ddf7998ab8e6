package io.pgrudder.core.client;

import io.netty.buffer.ByteBuf;
import io.pgrudder.core.backend.ServerConnection;
import io.pgrudder.protocol.Frames;
import io.pgrudder.protocol.MessageType;
import io.pgrudder.protocol.backend.ErrorResponse;
import io.pgrudder.protocol.backend.ParameterStatus;

/**
 * What a client has asked of the server it holds and what is still owed: the count of requests
 * (Query, Sync, FunctionCall) whose ReadyForQuery has not come back, whether an extended-protocol
 * sequence is open without its Sync, and the last transaction status. Only the type byte of most
 * frames is looked at; ParameterStatus and ErrorResponse are decoded because the pooler acts on them.
 */
final class ServerLink {
    private int outstanding;
    private boolean extendedOpen;
    private boolean fatalSeen;
    private byte transactionStatus = 'I';

    void reset(byte status) {
        outstanding = 0;
        extendedOpen = false;
        fatalSeen = false;
        transactionStatus = status;
    }

    /** Records a client message; returns true when it is Terminate (not to be forwarded). */
    boolean clientMessage(ByteBuf frame) {
        switch (Frames.type(frame)) {
            case MessageType.TERMINATE -> {
                return true;
            }
            case MessageType.QUERY, MessageType.FUNCTION_CALL -> outstanding++;
            case MessageType.SYNC -> {
                outstanding++;
                extendedOpen = false;
            }
            case MessageType.PARSE, MessageType.BIND, MessageType.DESCRIBE, MessageType.EXECUTE,
                 MessageType.CLOSE, MessageType.FLUSH -> extendedOpen = true;
            default -> {
            }
        }
        return false;
    }

    /** Records a server message before it is relayed to the client. */
    void serverMessage(ServerConnection server, ByteBuf frame) {
        switch (Frames.type(frame)) {
            case MessageType.READY_FOR_QUERY -> {
                transactionStatus = frame.getByte(frame.readerIndex() + 5);
                server.transactionStatus(transactionStatus);
                if (outstanding > 0) {
                    outstanding--;
                }
            }
            case MessageType.PARAMETER_STATUS -> {
                ParameterStatus status = ParameterStatus.decode(Frames.body(frame));
                server.parameter(status.name(), status.value());
            }
            case MessageType.ERROR_RESPONSE -> {
                ErrorResponse error = ErrorResponse.decode(Frames.body(frame));
                String severity = error.severityNonLocalized() != null ? error.severityNonLocalized() : error.severity();
                if ("FATAL".equals(severity) || "PANIC".equals(severity)) {
                    fatalSeen = true;
                }
            }
            default -> {
            }
        }
    }

    /** True when every request has been answered: the server waits for the next one. */
    boolean isBetweenRequests() {
        return outstanding == 0 && !extendedOpen && !fatalSeen;
    }

    boolean sawFatalError() {
        return fatalSeen;
    }

    byte transactionStatus() {
        return transactionStatus;
    }
}
