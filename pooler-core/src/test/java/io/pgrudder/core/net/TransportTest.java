package io.pgrudder.core.net;

import io.netty.channel.epoll.Epoll;
import io.netty.channel.uring.IoUring;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class TransportTest {

    @Test
    void autoIsEpollWhereTheNativeLibraryLoadsElseNio() {
        assertEquals(Epoll.isAvailable() ? Transport.EPOLL : Transport.NIO, Transport.choose(null, false));
        assertEquals(Epoll.isAvailable() ? Transport.EPOLL : Transport.NIO, Transport.choose(" AUTO ", false));
    }

    @Test
    void nioByNameOrByTheOlderFlag() {
        assertEquals(Transport.NIO, Transport.choose("nio", false));
        assertEquals(Transport.NIO, Transport.choose(null, true));
        assertEquals(Transport.NIO, Transport.choose("", true));
    }

    @Test
    void aNamedTransportThisMachineCannotRunFailsWithTheReason() {
        if (IoUring.isAvailable()) {
            assertEquals(Transport.IO_URING, Transport.choose("io_uring", false));
        } else {
            IllegalStateException e = assertThrows(IllegalStateException.class, () -> Transport.choose("io_uring", false));
            assertTrue(e.getMessage().startsWith("-Dpgrudder.transport=io_uring: not available here: "), e.getMessage());
        }
    }

    @Test
    void anUnknownNameIsRefusedWithTheChoices() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> Transport.choose("kqueue", false));
        assertEquals("-Dpgrudder.transport=kqueue: unknown transport; one of auto, epoll, io_uring, nio", e.getMessage());
    }
}
