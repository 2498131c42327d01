package io.consolidb.config;

import io.vertx.core.Vertx;
import io.vertx.core.net.PemTrustOptions;
import io.vertx.core.net.TrustOptions;
import java.net.Socket;
import java.security.cert.CertificateException;
import java.security.cert.X509Certificate;
import java.util.Arrays;
import java.util.Objects;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Function;
import javax.net.ssl.SSLEngine;
import javax.net.ssl.TrustManager;
import javax.net.ssl.TrustManagerFactory;
import javax.net.ssl.X509ExtendedTrustManager;

/**
 * Trust in the CA certificates of one PEM file, remembering why it last refused a server.
 *
 * <p>Why not plain {@link PemTrustOptions}: vertx-pg-client 5.0.7 drops the handshake's cause and
 * fails the connection with "SSL handshake failed" alone, while an operator needs to know whether
 * the chain or the host name was wrong. The checks themselves stay the JDK's: chain validation
 * against the file's CAs and, when the engine asks for it ({@code verify-full}), RFC 2818 host name
 * matching; this class only records the JDK's verdict. Copies share the loaded trust manager and
 * the record, so Vert.x's SSL context cache sees one set of options.
 */
final class CaTrust implements TrustOptions {

  private final String caPath;
  private final Shared shared;

  CaTrust(String caPath) {
    this(caPath, new Shared());
  }

  private CaTrust(String caPath, Shared shared) {
    this.caPath = Objects.requireNonNull(caPath, "caPath");
    this.shared = shared;
  }

  /** Why the last refused server was refused, in operator's words; null when none was. */
  String lastRejection() {
    return shared.lastRejection.get();
  }

  @Override
  public TrustOptions copy() {
    return new CaTrust(caPath, shared);
  }

  /** Called by Vert.x on a worker thread when it builds an SSL context: the file is read here. */
  @Override
  public TrustManagerFactory getTrustManagerFactory(Vertx vertx) throws Exception {
    synchronized (shared) {
      if (shared.factory == null) {
        X509ExtendedTrustManager jdk = Arrays.stream(new PemTrustOptions().addCertPath(caPath)
                .getTrustManagerFactory(vertx).getTrustManagers())
            .filter(X509ExtendedTrustManager.class::isInstance).map(X509ExtendedTrustManager.class::cast)
            .findFirst().orElseThrow(() -> new IllegalStateException("no X.509 trust manager for " + caPath));
        shared.factory = TrustOptions.wrap(new Recording(jdk)).getTrustManagerFactory(vertx);
      }
      return shared.factory;
    }
  }

  @Override
  public Function<String, TrustManager[]> trustManagerMapper(Vertx vertx) throws Exception {
    TrustManager[] managers = getTrustManagerFactory(vertx).getTrustManagers();
    return serverName -> managers;
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof CaTrust other && other.caPath.equals(caPath) && other.shared == shared;
  }

  @Override
  public int hashCode() {
    return caPath.hashCode();
  }

  /** The operator's words for a certificate the JDK refused. */
  String describe(CertificateException e) {
    String message = String.valueOf(e.getMessage());
    if (message.contains("No subject alternative") || message.contains("No name matching")) {
      return "host name does not match the server's certificate (" + message + ")";
    }
    return "certificate not trusted: the server's certificate does not chain to the CA in " + caPath;
  }

  private static final class Shared {
    private TrustManagerFactory factory;
    private final AtomicReference<String> lastRejection = new AtomicReference<>();
  }

  /** Delegates every check to the JDK's trust manager; notes the reason of a refusal. */
  private final class Recording extends X509ExtendedTrustManager {
    private final X509ExtendedTrustManager jdk;

    Recording(X509ExtendedTrustManager jdk) {
      this.jdk = jdk;
    }

    @Override
    public void checkServerTrusted(X509Certificate[] chain, String authType, SSLEngine engine)
        throws CertificateException {
      try {
        jdk.checkServerTrusted(chain, authType, engine);
        shared.lastRejection.set(null); // a stale reason must not explain a later failure
      } catch (CertificateException e) {
        shared.lastRejection.set(describe(e));
        throw e;
      }
    }

    @Override
    public void checkServerTrusted(X509Certificate[] chain, String authType, Socket socket)
        throws CertificateException {
      try {
        jdk.checkServerTrusted(chain, authType, socket);
        shared.lastRejection.set(null);
      } catch (CertificateException e) {
        shared.lastRejection.set(describe(e));
        throw e;
      }
    }

    @Override
    public void checkServerTrusted(X509Certificate[] chain, String authType) throws CertificateException {
      try {
        jdk.checkServerTrusted(chain, authType);
        shared.lastRejection.set(null);
      } catch (CertificateException e) {
        shared.lastRejection.set(describe(e));
        throw e;
      }
    }

    @Override
    public void checkClientTrusted(X509Certificate[] chain, String authType, SSLEngine engine)
        throws CertificateException {
      jdk.checkClientTrusted(chain, authType, engine);
    }

    @Override
    public void checkClientTrusted(X509Certificate[] chain, String authType, Socket socket)
        throws CertificateException {
      jdk.checkClientTrusted(chain, authType, socket);
    }

    @Override
    public void checkClientTrusted(X509Certificate[] chain, String authType) throws CertificateException {
      jdk.checkClientTrusted(chain, authType);
    }

    @Override
    public X509Certificate[] getAcceptedIssuers() {
      return jdk.getAcceptedIssuers();
    }
  }
}
