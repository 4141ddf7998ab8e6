/**
 * Client-to-server messages, one immutable type per message, named as in the PostgreSQL protocol
 * documentation. {@code decode(ByteBuf body)} reads the bytes after the type byte and length (for
 * startup packets, after the length); {@code encode(ByteBuf out)} writes the whole message.
 * Malformed input is always a {@link io.pgrudder.protocol.PgException} with SQLSTATE 08P01.
 * Byte-array fields are not copied: a message owns the arrays it was built with, and callers treat
 * the arrays it returns as read-only.
 */
package io.pgrudder.protocol.frontend;
