/**
 * Netty decoders that cut the byte stream into messages: {@link io.pgrudder.protocol.codec.StartupDecoder}
 * for the first packet of a connection, then {@link io.pgrudder.protocol.codec.FrameDecoder} for
 * whole frames as retained slices. Messages encode themselves, so there is no encoder here.
 */
package io.pgrudder.protocol.codec;
