package io.pgrudder.patroni;

import java.io.File;
import java.util.Optional;

import javax.net.ssl.SSLException;

import io.netty.handler.ssl.SslContext;
import io.netty.handler.ssl.SslContextBuilder;

import io.pgrudder.core.config.PatroniEtcdSettings;

/** The client TLS context for etcd ({@code patroni_etcd_protocol = "https"}), as Patroni's etcd3 keys describe it. */
final class EtcdTls {
    private EtcdTls() {
    }

    /** Empty for plain HTTP; fails naming the keys when a file cannot be used. */
    static Optional<SslContext> context(PatroniEtcdSettings etcd) {
        if (!etcd.tls()) {
            return Optional.empty();
        }
        try {
            SslContextBuilder builder = SslContextBuilder.forClient();
            if (etcd.cacert() != null) {
                builder.trustManager(new File(etcd.cacert().toString()));
            }
            if (etcd.cert() != null) {
                builder.keyManager(new File(etcd.cert().toString()), new File(etcd.key().toString()));
            }
            return Optional.of(builder.build());
        } catch (SSLException | IllegalArgumentException e) {
            throw new IllegalArgumentException("cannot set up TLS for etcd (patroni_etcd_cacert " + etcd.cacert()
                    + ", patroni_etcd_cert " + etcd.cert() + ", patroni_etcd_key " + etcd.key() + "): "
                    + e.getMessage(), e);
        }
    }
}
