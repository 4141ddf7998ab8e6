package io.pgrudder.patroni;

import java.io.File;
import java.util.Optional;

import javax.net.ssl.SSLException;

import io.netty.handler.ssl.SslContext;
import io.netty.handler.ssl.SslContextBuilder;

/** The client TLS context of Patroni's REST API ({@code patroni_api_protocol = "https"}); empty for http. */
final class PatroniApiTls {

    private PatroniApiTls() {
    }

    static Optional<SslContext> context(PatroniPollerSettings settings) {
        if (!"https".equals(settings.apiProtocol())) {
            return Optional.empty();
        }
        try {
            SslContextBuilder builder = SslContextBuilder.forClient();
            settings.apiCa().ifPresent(ca -> builder.trustManager(new File(ca.toString())));
            return Optional.of(builder.build());
        } catch (SSLException | IllegalArgumentException e) {
            throw new IllegalArgumentException("cannot set up TLS for the Patroni API"
                    + settings.apiCa().map(ca -> " with CA " + ca).orElse("") + ": " + e.getMessage(), e);
        }
    }
}
