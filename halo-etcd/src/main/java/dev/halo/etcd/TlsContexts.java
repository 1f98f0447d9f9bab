package dev.halo.etcd;

import io.grpc.netty.GrpcSslContexts;
import io.netty.handler.ssl.SslContext;
import io.netty.handler.ssl.SslContextBuilder;
import io.netty.handler.ssl.SslProvider;
import java.io.IOException;
import java.security.GeneralSecurityException;

/**
 * The TLS context of an etcd client: trust from the CA file (else the JDK's CAs), the client
 * certificate from the cert and key files, both re-read when the files change.
 */
final class TlsContexts {
  private TlsContexts() {}

  static SslContext forClient(EtcdSecurity security) throws IOException {
    try {
      // The JDK provider everywhere: the same behaviour, and the same exceptions to classify.
      SslContextBuilder builder =
          GrpcSslContexts.configure(SslContextBuilder.forClient(), SslProvider.JDK);
      if (security.caFile().isPresent()) {
        builder.trustManager(new ReloadingTrustManager(security.caFile().get()));
      }
      if (security.certFile().isPresent() && security.keyFile().isPresent()) {
        builder.keyManager(
            new ReloadingKeyManager(security.certFile().get(), security.keyFile().get()));
      }
      return builder.build();
    } catch (GeneralSecurityException e) {
      throw new IOException("cannot set up TLS to etcd: " + e.getMessage(), e);
    }
  }
}
