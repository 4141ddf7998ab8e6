package io.pgrudder.core.stats;

import io.netty.channel.ChannelHandlerContext;

import java.util.Map;

/**
 * Where the startup phase hands over a client that asked for the admin database. The server
 * module installs the real one ({@link Stats#adminConsole(AdminConsole)}); until then nobody is
 * taken over.
 */
public interface AdminConsole {
    AdminConsole NONE = (ctx, database, user, parameters) -> false;

    /**
     * Takes the connection over when {@code database} is an admin database (the startup handler is
     * then removed by the console); false leaves it to the pooler.
     */
    boolean takeOver(ChannelHandlerContext ctx, String database, String user, Map<String, String> parameters);
}
